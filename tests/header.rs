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
