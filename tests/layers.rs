//! Data flows one way: base types (error, issue) → schema → check digits
//! → normalize → validate → dedupe / mask → audit / subject / profile
//! → pipeline → ffi / bin. A module may use what comes before it, never
//! what comes after, so a change to a later stage cannot break an earlier
//! one. This reads the sources and fails on any `crate::` path that
//! points uphill or sideways.

use std::path::{Path, PathBuf};

/// Each top-level module's place in the flow. Modules on one level (mask
/// and dedupe) do not use each other either.
const LAYERS: &[(&str, u8)] = &[
    ("error", 0),
    ("panic", 0),
    ("issue", 1),
    ("schema", 2),
    ("checksum", 3),
    ("normalize", 4),
    ("validate", 5),
    ("mask", 6),
    ("dedupe", 6),
    ("audit", 7),
    ("subject", 7),
    ("profile", 7),
    ("pipeline", 8),
    ("ffi", 9),
    ("lib", 10),
];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|&(_, l)| l)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a line names after `crate::`, including those in
/// a group (`crate::{schema::Field, normalize}`).
fn modules_named(line: &str) -> Vec<String> {
    let mut named = Vec::new();
    for (at, _) in line.match_indices("crate::") {
        let rest = &line[at + "crate::".len()..];
        let group = rest
            .strip_prefix('{')
            .map(|g| g.split('}').next().unwrap_or(""));
        let heads: Vec<&str> = match group {
            Some(g) => g.split(',').map(str::trim).collect(),
            None => vec![rest],
        };
        for head in heads {
            let name: String = head
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !name.is_empty() {
                named.push(name);
            }
        }
    }
    named
}

/// `(file:line, from, to)` for every path that points uphill or sideways.
fn uphill_uses(src: &Path) -> Vec<(String, String, String)> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut found = Vec::new();
    for file in files {
        let relative = file.strip_prefix(src).unwrap();
        let top = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        // The CLI is its own crate: `crate::` there means the binary.
        let Some(from) = layer(&top) else {
            assert_eq!(
                top,
                "bin",
                "{} is in no layer: add it to LAYERS",
                file.display()
            );
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap();
        for (number, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for to in modules_named(code) {
                let Some(target) = layer(&to) else { continue };
                if to != top && target >= from {
                    found.push((
                        format!("{}:{}", relative.display(), number + 1),
                        top.clone(),
                        to,
                    ));
                }
            }
        }
    }
    found
}

#[test]
fn no_module_uses_a_later_stage() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let uphill = uphill_uses(&src);
    assert!(
        uphill.is_empty(),
        "modules using a later stage (or a sibling):\n{}",
        uphill
            .iter()
            .map(|(at, from, to)| format!("  {at}: {from} uses {to}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_check_sees_single_and_grouped_paths() {
    assert_eq!(modules_named("use crate::mask::Operator;"), ["mask"]);
    assert_eq!(
        modules_named("use crate::{schema::Field, dedupe};"),
        ["schema", "dedupe"]
    );
    assert!(modules_named("use super::x;").is_empty());
}
