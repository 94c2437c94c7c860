//! Gives the shared library a SONAME, so C programs record which ABI they
//! were linked against: `libcustodia.so.MAJOR`, or `libcustodia.so.0.MINOR`
//! while the version is 0.x (each minor release may change the ABI).

fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_default();
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").unwrap_or_default();
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" {
        let soname = if major == "0" {
            format!("libcustodia.so.0.{minor}")
        } else {
            format!("libcustodia.so.{major}")
        };
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
