//! The `custodia` command-line tool, run as a real process on small files.
//! The binary needs the `cli` feature, so this builds it once first.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let release = !cfg!(debug_assertions);
        let mut cargo = Command::new(env!("CARGO"));
        cargo.current_dir(root()).args([
            "build",
            "--quiet",
            "--features",
            "cli",
            "--bin",
            "custodia",
        ]);
        if release {
            cargo.arg("--release");
        }
        assert!(
            cargo.status().expect("cargo runs").success(),
            "building the CLI failed"
        );
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| root().join("target"), PathBuf::from);
        target
            .join(if release { "release" } else { "debug" })
            .join("custodia")
    })
}

fn scratch(name: &str) -> PathBuf {
    let dir = binary().parent().unwrap().join("cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Runs the CLI with `args` and `stdin`.
fn custodia(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(binary())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the CLI starts");
    // A run that stops early (a usage error, say) may not read its input.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const SAMPLE: &str = "examples/data/customers.csv";

#[test]
fn demo_cleans_the_built_in_sample() {
    let out = custodia(&["demo"], b"");
    assert_eq!(out.status.code(), Some(1), "some sample rows are rejected");
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("customer_id,source,full_name,"),
        "{stdout}"
    );
    assert!(stdout.lines().next().unwrap().ends_with(",_row"));
    assert!(
        stdout.contains("+61293744000") && stdout.contains("1 Martin Place"),
        "{stdout}"
    );
    assert!(
        text(&out.stderr).contains("rows in 13 = rows out 8 + rows rejected 5"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn nothing_is_lost_between_output_and_rejects() {
    let (output, rejects, report) = (
        scratch("clean.csv"),
        scratch("rejects.csv"),
        scratch("report.json"),
    );
    let out = custodia(
        &[
            "clean",
            "--input",
            root().join(SAMPLE).to_str().unwrap(),
            "--output",
            output.to_str().unwrap(),
            "--rejects",
            rejects.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    let input_rows = std::fs::read_to_string(root().join(SAMPLE))
        .unwrap()
        .lines()
        .count()
        - 1;
    let output = std::fs::read_to_string(&output).unwrap();
    let rejects = std::fs::read_to_string(&rejects).unwrap();
    let mut rows: Vec<u64> = Vec::new();
    for body in [&output, &rejects] {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(body.as_bytes());
        let position = reader
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "_row")
            .unwrap();
        rows.extend(
            reader
                .records()
                .map(|r| r.unwrap()[position].parse::<u64>().unwrap()),
        );
    }
    rows.sort_unstable();
    assert_eq!(
        rows,
        (2..2 + input_rows as u64).collect::<Vec<_>>(),
        "every row is in one of the files"
    );
    assert!(rejects.contains("row_length"), "{rejects}");
    assert!(
        rejects.starts_with("_row,_issues,customer_id,"),
        "{rejects}"
    );
    assert!(
        rejects.contains("email_syntax") && rejects.contains(",required,"),
        "{rejects}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    assert_eq!(report["rows_in"], input_rows as u64);
    assert_eq!(
        report["rows_in"].as_u64().unwrap(),
        report["rows_out"].as_u64().unwrap() + report["rows_rejected"].as_u64().unwrap()
    );
}

#[test]
fn json_lines_in_and_out() {
    let input = std::fs::read(root().join("examples/data/customers.jsonl")).unwrap();
    let out = custodia(&["clean", "--format", "jsonl", "--quiet"], &input);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0]["phone"], "+8613800138000");
    assert_eq!(lines[0]["_row"], 1);
    assert!(out.stderr.is_empty(), "--quiet");
    let out = custodia(
        &["clean", "--format", "jsonl"],
        b"{\"customer_id\": \"a\"}\n\n{\"customer_id\": \"b\"}\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), 2);
}

#[test]
fn mapping_bom_and_header_errors() {
    let csv = "\u{feff}id,mobile,country\nc1,138 0013 8000,CN\n";
    let out = custodia(
        &["clean", "--map", "id=customer_id", "--map", "mobile=phone"],
        csv.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "id,mobile,country,_row\nc1,+8613800138000,CN,2\n"
    );
    let out = custodia(&["clean"], csv.as_bytes());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("field `id`: not in the schema"),
        "{}",
        text(&out.stderr)
    );
    let out = custodia(&["clean", "--map", "nope=phone"], csv.as_bytes());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn other_encodings_get_a_clear_error() {
    // "张伟" in GBK.
    let out = custodia(&["clean"], b"customer_id,full_name\nc1,\xd5\xc5\xce\xb0\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not UTF-8"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn masking_for_an_audience() {
    let keys = scratch("keys.json");
    std::fs::write(&keys, r#"{"pseudonym": "000102030405060708090a0b0c0d0e0f", "token": "0f0e0d0c0b0a09080706050403020100"}"#)
        .unwrap();
    let input =
        "customer_id,full_name,phone,country,street\nc1,张伟,138 1234 5678,CN,南京西路1号\n";
    let out = custodia(
        &[
            "mask",
            "--audience",
            "support",
            "--keys",
            keys.to_str().unwrap(),
        ],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).lines().nth(1),
        Some("c1,张*,138****5678,CN,[redacted],2")
    );
    let out = custodia(
        &[
            "mask",
            "--audience",
            "analytics",
            "--keys",
            keys.to_str().unwrap(),
        ],
        input.as_bytes(),
    );
    assert!(
        text(&out.stdout).contains("pseudonym:"),
        "{}",
        text(&out.stdout)
    );
    let out = custodia(
        &[
            "mask",
            "--audience",
            "marketing",
            "--keys",
            keys.to_str().unwrap(),
        ],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(2));
    let out = custodia(&["mask", "--audience", "support"], input.as_bytes());
    assert_eq!(
        out.status.code(),
        Some(2),
        "the built-in policy needs its keys"
    );
    assert!(
        text(&out.stderr).contains("no key with id"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn schema_subcommand_and_exit_codes() {
    let out = custodia(&["schema"], b"");
    assert_eq!(out.status.code(), Some(0));
    let schema = custodia::Schema::from_json(&text(&out.stdout)).unwrap();
    assert_eq!(schema, custodia::Schema::customer());
    let bad = scratch("bad-schema.json");
    std::fs::write(
        &bad,
        r#"{"name": "x", "fields": [{"name": "a", "kind": "money"}]}"#,
    )
    .unwrap();
    let out = custodia(&["schema", "--schema", bad.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown kind `money`"));
    let out = custodia(&["clean", "--input", "/nonexistent/input.csv"], b"");
    assert_eq!(out.status.code(), Some(3));
    let out = custodia(&["clean", "--bogus"], b"");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn csv_quoting_survives_the_round_trip() {
    let input = "customer_id,street,city\n\"c,1\",\"1 \"\"Old\"\" Mill Rd\",\"Sydney\nNorth\"\n";
    let out = custodia(&["clean", "--quiet"], input.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let row = reader.records().next().unwrap().unwrap();
    assert_eq!(&row[0], "c,1");
    assert_eq!(&row[1], "1 \"Old\" Mill Road");
    assert_eq!(
        &row[2], "Sydney North",
        "line breaks inside a value are white space"
    );
    assert_eq!(&row[3], "2");
}
