//! Every input under `tests/data/fuzz/<target>/` (crashes the fuzzer
//! found, minimized, kept after the fix) and under `fuzz/corpus/<target>/`
//! (the seeds) run through the same function the fuzz target calls, so a
//! fixed crash stays fixed without a nightly toolchain. See fuzz/README.md.

use std::path::Path;

#[path = "../fuzz/src/lib.rs"]
#[allow(unreachable_pub, dead_code)]
mod bodies;

/// Runs `body` on every file of the target's crash and seed folders;
/// returns how many it ran.
fn replay(target: &str, body: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut count = 0;
    for dir in [
        root.join("tests/data/fuzz").join(target),
        root.join("fuzz/corpus").join(target),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            let data = std::fs::read(&path).unwrap();
            eprintln!("replaying {}", path.display());
            body(&data);
            count += 1;
        }
    }
    count
}

macro_rules! replay_tests {
    ($($target:ident),* $(,)?) => {
        $(
            #[test]
            fn $target() {
                // The C entry points install custodia's panic hook, which
                // hides panic messages; the test harness keeps its own.
                let hook = std::panic::take_hook();
                // An empty input must not crash either.
                bodies::$target(&[]);
                replay(stringify!($target), bodies::$target);
                std::panic::set_hook(hook);
            }
        )*
    };
}

replay_tests!(
    schema_json,
    record_json,
    record_csv,
    normalize_validate,
    mask,
    settings_json,
    dedupe,
    index,
    pipeline,
    c_api,
);

#[test]
fn every_target_has_a_test_and_a_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut targets: Vec<String> = std::fs::read_dir(root.join("fuzz/fuzz_targets"))
        .unwrap()
        .map(|e| {
            e.unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    targets.sort();
    let tested = [
        "c_api",
        "dedupe",
        "index",
        "mask",
        "normalize_validate",
        "pipeline",
        "record_csv",
        "record_json",
        "schema_json",
        "settings_json",
    ];
    assert_eq!(targets, tested, "a fuzz target without a replay test");
    for target in &targets {
        assert!(
            replay(target, |_| ()) > 0,
            "fuzz/corpus/{target} has no seed input"
        );
    }
}
