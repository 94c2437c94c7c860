//! The README's quickstart, run exactly as written: the commands are read
//! from the block after `<!-- quickstart -->` and run in a directory with
//! the two example exports.

use std::process::Command;

use crate::cli::{binary, root, scratch, text};

/// Splits a command line as a shell would for these lines: words, with
/// double quotes grouping.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            c => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(word);
    }
    out
}

#[test]
#[cfg_attr(miri, ignore)]
fn the_readme_quickstart_runs_as_written() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let block = readme
        .split_once("<!-- quickstart -->\n```sh\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(block, _)| block)
        .expect("the README has a quickstart block");
    let dir = scratch("quickstart");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for file in ["crm_export.csv", "billing_export.csv"] {
        std::fs::copy(root().join("examples/data").join(file), dir.join(file)).unwrap();
    }
    let lines: Vec<&str> = block.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 3, "three commands");
    let mut codes = Vec::new();
    for line in &lines {
        let words = words(line);
        assert_eq!(words[0], "custodia", "{line}");
        let out = Command::new(binary())
            .args(&words[1..])
            .current_dir(&dir)
            .output()
            .unwrap();
        let stderr = text(&out.stderr);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{line}: {stderr}");
        codes.push(out.status.code());
    }
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    // Checked: 4 clean rows, the bad email and the stray quote rejected.
    assert_eq!(read("crm_clean.csv").lines().count(), 5);
    let rejects = read("crm_rejects.csv");
    assert!(rejects.contains("email_domain") && rejects.contains("unterminated_quote"));
    // Linked: three CRM customers are in billing too.
    let linked = read("linked.csv");
    for row in [
        ",billing,2,crm:2",
        ",billing,3,crm:4",
        ",billing,4,crm:7",
        ",billing,5,billing:5",
    ] {
        assert!(linked.contains(row), "{row} in {linked}");
    }
    let golden = read("golden.csv");
    assert_eq!(golden.lines().count(), 7, "six customers: {golden}");
    // Masked for support: no email or phone in the clear.
    let support = read("golden_support.csv");
    assert!(support.starts_with("cluster_id,"), "{support}");
    // Nor any part of a name: the given and family names derived from
    // the full names are masked as the full names are.
    for clear in [
        "bob.smith@example.com",
        "+14155550101",
        "Robert Smith",
        "Smith",
        "Jones",
        "Wei",
        "Hans",
    ] {
        assert!(!support.contains(clear), "{clear} in {support}");
    }
    assert_eq!(codes, [Some(1), Some(1), Some(0)]);
}
