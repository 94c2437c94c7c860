//! `include/custodia.h` must be what cbindgen makes from `src/ffi` now.

use std::path::Path;

/// Generates the header from the sources and `cbindgen.toml`, with version
/// macros taken from Cargo.toml so that they can never be typed wrong.
fn generate() -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut config = cbindgen::Config::from_file(root.join("cbindgen.toml")).unwrap();
    config.after_includes = Some(format!(
        "\n#define CUSTODIA_VERSION \"{}\"\n#define CUSTODIA_VERSION_MAJOR {}\n\
         #define CUSTODIA_VERSION_MINOR {}\n#define CUSTODIA_VERSION_PATCH {}\n\n{}",
        env!("CARGO_PKG_VERSION"),
        env!("CARGO_PKG_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MINOR"),
        env!("CARGO_PKG_VERSION_PATCH"),
        status_enum(),
    ));
    let bindings = cbindgen::Builder::new()
        .with_crate(root)
        .with_config(config)
        .generate()
        .expect("cbindgen could not read src/ffi");
    let mut out = Vec::new();
    bindings.write(&mut out);
    plain_comments(&String::from_utf8(out).unwrap()).into_bytes()
}

/// Rustdoc markup read as plain C comments: no backticks, and a `# Safety`
/// heading written as `Safety:`.
fn plain_comments(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    let mut in_comment = false;
    for line in header.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("/*") {
            in_comment = true;
        }
        if in_comment {
            let indent = &line[..line.len() - trimmed.len()];
            match trimmed {
                "# Safety" => out.push_str(&format!("{indent}Safety:")),
                "# Errors" => out.push_str(&format!("{indent}Errors:")),
                _ => out.push_str(&line.replace('`', "")),
            }
        } else {
            out.push_str(line);
        }
        out.push('\n');
        if trimmed.ends_with("*/") {
            in_comment = false;
        }
    }
    out
}

/// The C `custodia_status` enum, written from `custodia::ErrorCode` (the one
/// list of codes) in cbindgen's own layout.
fn status_enum() -> String {
    let comment = |indent: &str, text: &str| {
        let mut lines = vec![format!("{indent}/*")];
        let mut line = String::new();
        for word in text.split_whitespace() {
            if !line.is_empty() && indent.len() + 1 + line.len() + word.len() > 76 {
                lines.push(format!("{indent} {line}"));
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(format!("{indent} {line}"));
        lines.push(format!("{indent} */"));
        lines.join("\n")
    };
    let mut out = comment(
        "",
        "The result of every fallible custodia function. 0 is success; the other \
         numbers are stable, grouped in blocks (1000s: arguments, 2000s: schemas, \
         3000s: records, 4000s: duplicate detection, 5000s: masking, 6000s: input \
         and output, 9000s: internal) and never reused. custodia_status_name gives \
         each one's name.",
    );
    out.push_str(
        "\nenum custodia_status\n#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L\n  \
         : uint32_t\n#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L\n {\n",
    );
    out.push_str(&comment("  ", "Success."));
    out.push_str("\n  CUSTODIA_STATUS_OK = 0,\n");
    for &code in custodia::ErrorCode::ALL {
        out.push_str(&comment("  ", code.description()));
        out.push_str(&format!(
            "\n  CUSTODIA_STATUS_{} = {},\n",
            code.name(),
            code.as_u32()
        ));
    }
    out.push_str(
        "};\n#ifndef __cplusplus\n#if __STDC_VERSION__ >= 202311L\n\
         typedef enum custodia_status custodia_status;\n#else\n\
         typedef uint32_t custodia_status;\n#endif // __STDC_VERSION__ >= 202311L\n\
         #endif // __cplusplus",
    );
    out
}

#[test]
fn comments_lose_rustdoc_markup() {
    let header = "int x;\n/*\n `len` bytes\n # Safety\n `ptr` is live\n */\nint `y`;\n";
    assert_eq!(
        plain_comments(header),
        "int x;\n/*\n len bytes\n Safety:\n ptr is live\n */\nint `y`;\n"
    );
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
