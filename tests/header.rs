//! `include/custodia.h` must be what cbindgen makes from `src/ffi` now.

use std::path::Path;

/// Generates the header from the sources and `cbindgen.toml`, with version
/// macros taken from Cargo.toml so that they can never be typed wrong.
fn generate() -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut config = cbindgen::Config::from_file(root.join("cbindgen.toml")).unwrap();
    config.after_includes = Some(format!(
        "\n#define CUSTODIA_VERSION \"{}\"\n#define CUSTODIA_VERSION_MAJOR {}\n\
         #define CUSTODIA_VERSION_MINOR {}\n#define CUSTODIA_VERSION_PATCH {}",
        env!("CARGO_PKG_VERSION"),
        env!("CARGO_PKG_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MINOR"),
        env!("CARGO_PKG_VERSION_PATCH"),
    ));
    let bindings = cbindgen::Builder::new()
        .with_crate(root)
        .with_config(config)
        .generate()
        .expect("cbindgen could not read src/ffi");
    let mut out = Vec::new();
    bindings.write(&mut out);
    out
}

#[test]
#[cfg_attr(miri, ignore)]
fn header_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/custodia.h");
    let fresh = generate();
    if std::env::var_os("CUSTODIA_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/custodia.h is stale: run `CUSTODIA_BLESS=1 cargo test header`"
    );
}

/// Every name the header declares is under `custodia_` / `CUSTODIA_`, so
/// it cannot clash with a C program's own (`typedef struct Comparator`
/// once leaked in).
#[test]
#[cfg_attr(miri, ignore)]
fn every_declared_name_is_prefixed() {
    let header = String::from_utf8(generate()).unwrap();
    let mut unprefixed = Vec::new();
    let prefixed = |name: &str| {
        name.starts_with("custodia_") || name.starts_with("CUSTODIA_") || name.is_empty()
    };
    for line in header.lines() {
        let line = line.trim();
        let words: Vec<&str> = line
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        let declared = match words.as_slice() {
            // A function pointer type: `typedef int (*name)(...`.
            ["typedef", ..] if line.contains("(*") => line
                .split_once("(*")
                .and_then(|(_, rest)| rest.split_once(')'))
                .map(|(name, _)| name),
            ["typedef", .., last] => Some(*last),
            ["define", name, ..] => Some(*name),
            ["enum" | "struct", name, ..] if line.ends_with('{') => Some(*name),
            [name, ..] if line.ends_with(',') || line.contains(" = ") => {
                // An enum constant.
                Some(*name).filter(|n| {
                    n.chars()
                        .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
                })
            }
            _ => None,
        };
        // Function names: the word before the first `(` on a declaration.
        let function = line
            .split_once('(')
            .filter(|_| {
                line.starts_with(|c: char| c.is_ascii_alphabetic()) && !line.starts_with("#")
            })
            .and_then(|(head, _)| head.rsplit([' ', '*']).next());
        for name in declared.into_iter().chain(function) {
            let skip = ["CUSTODIA_H", "__cplusplus", "extern"].contains(&name)
                || name.starts_with("__STDC");
            if !skip && !prefixed(name) {
                unprefixed.push(format!("{name}  ({line})"));
            }
        }
    }
    assert!(
        unprefixed.is_empty(),
        "unprefixed names in the header:\n{}",
        unprefixed.join("\n")
    );
}
