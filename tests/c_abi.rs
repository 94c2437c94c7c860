//! The C ABI tested from real C: every `tests/c/*.c` program is compiled
//! with `-Werror` against the static library and run under valgrind (leaks
//! and memory errors) and again built with AddressSanitizer and
//! UndefinedBehaviorSanitizer. Each program exits with its failure count.
//! A missing C compiler or valgrind is a failure, not a skip.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The system libraries a Rust static library needs on Linux (from
/// `rustc --print native-static-libs`); the README lists them too.
pub(crate) const NATIVE_LIBS: &[&str] = &[
    "-lgcc_s",
    "-lutil",
    "-lrt",
    "-lpthread",
    "-lm",
    "-ldl",
    "-lc",
];

const C_FLAGS: &[&str] = &[
    "-std=c11",
    "-Wall",
    "-Wextra",
    "-Wpedantic",
    "-Werror",
    "-g",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Builds `libcustodia.a`/`.so` once (plain `cargo test` only builds the
/// rlib) and returns the directory they are in.
pub(crate) fn library_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let release = !cfg!(debug_assertions);
        let mut cargo = Command::new(env!("CARGO"));
        cargo
            .current_dir(root())
            .args(["build", "--lib", "--quiet"]);
        if release {
            cargo.arg("--release");
        }
        let status = cargo.status().expect("cargo runs");
        assert!(status.success(), "cargo build --lib failed");
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| root().join("target"), PathBuf::from);
        target.join(if release { "release" } else { "debug" })
    })
}

fn out_dir() -> PathBuf {
    let dir = library_dir().join("c-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(command: &mut Command) -> std::process::Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?} could not start: {e}"));
    if !output.status.success() {
        // The status again at the end: a long stderr is often cut to its tail.
        panic!(
            "{command:?} failed with {}\n--- stdout\n{}\n--- stderr\n{}\n--- {command:?} failed with {}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            output.status,
        );
    }
    output
}

/// Compiles one C test, linked statically, optionally with sanitizers.
fn compile(name: &str, sanitize: bool) -> PathBuf {
    let source = root().join("tests/c").join(format!("{name}.c"));
    let exe = out_dir().join(if sanitize {
        format!("{name}-asan")
    } else {
        name.to_owned()
    });
    let mut cc = Command::new("cc");
    cc.args(C_FLAGS)
        .arg("-I")
        .arg(root().join("include"))
        .arg(&source);
    if sanitize {
        cc.args(["-fsanitize=address,undefined", "-fno-omit-frame-pointer"]);
        cc.arg("-fno-sanitize-recover=all");
    }
    cc.arg(library_dir().join("libcustodia.a"))
        .args(NATIVE_LIBS)
        .arg("-o")
        .arg(&exe);
    run(&mut cc);
    exe
}

/// Runs a C test under valgrind, then its sanitizer build.
fn check_c_program(name: &str) {
    let plain = compile(name, false);
    run(Command::new("valgrind")
        .args([
            "--quiet",
            "--leak-check=full",
            // Only what fails the run: blocks reached through a hash
            // table's inner pointer (every `HashMap`, such as the phone
            // metadata) are "possibly lost" and would bury the error
            // under hundreds of records.
            "--show-leak-kinds=definite",
            "--errors-for-leak-kinds=definite",
            "--error-exitcode=99",
        ])
        .arg(&plain));
    let asan = compile(name, true);
    // Without these LSan options a stale stack copy of a pointer can hide
    // a leaked handle.
    run(Command::new(&asan)
        .env("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        .env(
            "LSAN_OPTIONS",
            format!(
                "use_stacks=0:use_registers=0:suppressions={}",
                root().join("tests/c/lsan.supp").display()
            ),
        )
        .env("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1"));
}

#[test]
#[cfg_attr(miri, ignore)]
fn c_schema() {
    check_c_program("schema");
}

#[test]
#[cfg_attr(miri, ignore)]
fn c_record() {
    check_c_program("record");
}

#[test]
#[cfg_attr(miri, ignore)]
fn c_clean() {
    check_c_program("clean");
}

#[test]
#[cfg_attr(miri, ignore)]
fn c_mask() {
    check_c_program("mask");
}

#[test]
#[cfg_attr(miri, ignore)]
fn c_crypt() {
    check_c_program("crypt");
}

#[test]
#[cfg_attr(miri, ignore)]
fn c_audit() {
    check_c_program("audit");
}

#[test]
#[cfg_attr(miri, ignore)]
fn c_dedupe() {
    check_c_program("dedupe");
}

#[test]
#[cfg_attr(miri, ignore)]
fn c_pipeline() {
    check_c_program("pipeline");
}

#[test]
#[cfg_attr(miri, ignore)]
fn c_profile() {
    check_c_program("profile");
}

#[test]
#[cfg_attr(miri, ignore)]
fn c_threads() {
    check_c_program("threads");
}

#[test]
#[cfg_attr(miri, ignore)]
fn header_compiles_as_cxx_and_links() {
    let exe = out_dir().join("header_cxx");
    run(Command::new("c++")
        .args(["-std=c++17", "-Wall", "-Wextra", "-Wpedantic", "-Werror"])
        .arg("-I")
        .arg(root().join("include"))
        .arg(root().join("tests/c/header_cxx.cpp"))
        .arg(library_dir().join("libcustodia.a"))
        .args(NATIVE_LIBS)
        .arg("-o")
        .arg(&exe));
    run(&mut Command::new(&exe));
}

/// The shared library exports exactly the functions the header declares.
#[test]
#[cfg_attr(miri, ignore)]
fn shared_library_exports_match_the_header() {
    let header = std::fs::read_to_string(root().join("include/custodia.h")).unwrap();
    let mut declared: Vec<String> = header
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with("custodia_"))
        .filter(|w| header.contains(&format!("{w}(")))
        .map(str::to_owned)
        .collect();
    declared.sort();
    declared.dedup();
    let nm = run(Command::new("nm")
        .args(["-D", "--defined-only", "--format=posix"])
        .arg(library_dir().join("libcustodia.so")));
    let mut exported: Vec<String> = String::from_utf8(nm.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| name.starts_with("custodia_"))
        .map(str::to_owned)
        .collect();
    exported.sort();
    assert_eq!(exported, declared);
    assert!(exported.len() > 15, "{exported:?}");
}

/// The documented install step works, and the C example builds against it
/// with pkg-config, statically and as a shared library found by SONAME.
#[test]
#[cfg_attr(miri, ignore)]
fn install_and_pkg_config() {
    let prefix = library_dir().join("stage");
    let _ = std::fs::remove_dir_all(&prefix);
    let mut install = Command::new("sh");
    install
        .arg(root().join("scripts/install.sh"))
        .env("PREFIX", &prefix);
    if cfg!(debug_assertions) {
        install.arg("--debug");
    }
    run(&mut install);
    let lib = prefix.join("lib");
    let soname = format!(
        "libcustodia.so.{}",
        if env!("CARGO_PKG_VERSION_MAJOR") == "0" {
            format!("0.{}", env!("CARGO_PKG_VERSION_MINOR"))
        } else {
            env!("CARGO_PKG_VERSION_MAJOR").to_owned()
        }
    );
    assert!(lib.join(&soname).is_file(), "{soname} installed");
    let readelf = run(Command::new("readelf").arg("-d").arg(lib.join(&soname)));
    assert!(String::from_utf8_lossy(&readelf.stdout).contains(&format!("[{soname}]")));

    let pkg_config = |args: &[&str]| {
        let out = run(Command::new("pkg-config")
            .args(args)
            .arg("custodia")
            .env("PKG_CONFIG_PATH", lib.join("pkgconfig")));
        String::from_utf8(out.stdout)
            .unwrap()
            .split_whitespace()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(pkg_config(&["--modversion"]), [env!("CARGO_PKG_VERSION")]);
    for (name, flags) in [
        (
            "quickstart-static",
            pkg_config(&["--cflags", "--libs", "--static"]),
        ),
        ("quickstart-shared", pkg_config(&["--cflags", "--libs"])),
    ] {
        let exe = out_dir().join(name);
        let mut cc = Command::new("cc");
        cc.args(C_FLAGS).arg(root().join("examples/c/quickstart.c"));
        if name.ends_with("static") {
            // Prefer the archive: pass it by path, then the private libs.
            cc.arg(lib.join("libcustodia.a"));
        }
        cc.args(&flags)
            .arg(format!("-Wl,-rpath,{}", lib.display()))
            .arg("-o")
            .arg(&exe);
        run(&mut cc);
        let needed = run(Command::new("readelf").arg("-d").arg(&exe));
        let dynamic = String::from_utf8_lossy(&needed.stdout).contains(&format!("[{soname}]"));
        assert_eq!(
            dynamic,
            name.ends_with("shared"),
            "{name} links the shared library by SONAME"
        );
        let out = run(&mut Command::new(&exe));
        let text = String::from_utf8_lossy(&out.stdout);
        for expected in [
            "support sees",
            "\"139****5678\"",
            "not a valid email address",
            "refused",
            "records 1 and 4 match",
            "record 4 is customer #1",
        ] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
    }
}
