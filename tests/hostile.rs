//! Hostile input through the command-line tool: for each kind of bad file,
//! the run ends with the right exit code, every input row is in the output
//! or the reject file (by `_row`, the line the row starts on), and no
//! planted value shows on standard error, in the report or in the pairs.

use std::collections::BTreeSet;
use std::io::Read;
use std::process::{Command, Stdio};

use crate::cli::{binary, custodia, scratch, text};

/// A value planted in rows: it must never show anywhere but the output
/// and the reject file.
const PLANTED: &str = "PLANTED7f3a";

/// The `_row` numbers of a CSV output or reject file.
fn rows_of(csv: &[u8]) -> Vec<u64> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(csv);
    let Some(position) = reader
        .headers()
        .ok()
        .and_then(|h| h.iter().position(|h| h == "_row"))
    else {
        return Vec::new();
    };
    reader
        .byte_records()
        .map(|r| {
            let r = r.unwrap();
            std::str::from_utf8(&r[position]).unwrap().parse().unwrap()
        })
        .collect()
}

/// Runs `args` (plus output, rejects and report files) on `input` and
/// checks the accounting: the rows written and rejected are exactly
/// `lines`, the report adds up, and nothing planted leaked.
fn accounted(name: &str, args: &[&str], input: &[u8], lines: &[u64]) -> Run {
    let (rejects, report) = (
        scratch(&format!("{name}-rejects.csv")),
        scratch(&format!("{name}-report.json")),
    );
    let mut all = args.to_vec();
    all.extend([
        "--rejects",
        rejects.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    let out = custodia(&all, input);
    let stderr = text(&out.stderr);
    assert_ne!(out.status.code(), Some(101), "{name}: panicked: {stderr}");
    let rejects = std::fs::read(&rejects).unwrap_or_default();
    let mut seen = rows_of(&out.stdout);
    let out_rows = seen.len() as u64;
    seen.extend(rows_of(&rejects));
    let seen: BTreeSet<u64> = seen.into_iter().collect();
    let expected: BTreeSet<u64> = lines.iter().copied().collect();
    assert_eq!(seen, expected, "{name}: rows by line, output and rejects");
    let report_text = std::fs::read_to_string(&report).unwrap();
    let report: serde_json::Value = serde_json::from_str(&report_text).unwrap();
    assert_eq!(report["rows_in"], lines.len() as u64, "{name}");
    assert_eq!(
        report["rows_in"].as_u64().unwrap(),
        report["rows_out"].as_u64().unwrap() + report["rows_rejected"].as_u64().unwrap(),
        "{name}"
    );
    assert_eq!(report["rows_out"].as_u64().unwrap(), out_rows, "{name}");
    assert!(!stderr.contains(PLANTED), "{name}: {stderr}");
    assert!(!report_text.contains(PLANTED), "{name}: {report_text}");
    Run {
        code: out.status.code(),
        stdout: out.stdout,
        stderr,
        rejects,
    }
}

struct Run {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
    rejects: Vec<u8>,
}

#[test]
fn empty_files_and_headers() {
    let run = accounted("empty", &["clean"], b"", &[]);
    assert_eq!(run.code, Some(0));
    assert!(run.stdout.is_empty());
    let run = accounted("header-only", &["clean"], b"customer_id,email\n", &[]);
    assert_eq!(run.code, Some(0));
    assert_eq!(text(&run.stdout), "customer_id,email,_row\n");
    let run = accounted(
        "bom",
        &["clean"],
        "\u{feff}customer_id,email\nc1,a@example.com\n".as_bytes(),
        &[2],
    );
    assert_eq!(run.code, Some(0));
    assert_eq!(
        text(&run.stdout),
        "customer_id,email,_row\nc1,a@example.com,2\n"
    );
}

#[test]
fn line_ends_and_line_numbers() {
    for (name, input) in [
        (
            "crlf",
            "customer_id,street\r\nc1,\"1 Main\r\nSt\"\r\nc2,x\r\n",
        ),
        ("cr", "customer_id,street\rc1,\"1 Main\rSt\"\rc2,x\r"),
        ("lf", "customer_id,street\nc1,\"1 Main\nSt\"\n\nc2,x"),
    ] {
        let lines: &[u64] = if name == "lf" { &[2, 5] } else { &[2, 4] };
        let run = accounted(name, &["clean"], input.as_bytes(), lines);
        assert_eq!(run.code, Some(0), "{name}: {}", run.stderr);
    }
}

#[test]
fn ragged_rows_nul_control_and_bidi_characters() {
    let input = format!(
        "customer_id,full_name,email\n\
         c1,Ann\n\
         c2,Bob,b@example.com,extra,{PLANTED}\n\
         c3,\u{0}Nul\u{0} Byte,c@example.com\n\
         c4,\u{202e}Evil\u{202c} \u{7}Bell,d@example.com\n\
         c5,{PLANTED} Okay,e@example.com\n"
    );
    let run = accounted("ragged", &["clean"], input.as_bytes(), &[2, 3, 4, 5, 6]);
    assert_eq!(run.code, Some(1));
    assert!(text(&run.rejects).contains("row_length"));
    let out = text(&run.stdout);
    assert!(out.contains("c3,Nul Byte,"), "{out}");
    assert!(out.contains("c4,Evil Bell,"), "{out}");
}

#[test]
fn huge_fields_rows_and_column_counts() {
    // A 50 MB field: its row is rejected, the next one is read.
    let mut input = b"customer_id,full_name\nc1,".to_vec();
    input.extend(std::iter::repeat_n(b'x', 50 << 20));
    input.extend_from_slice(b"\nc2,Bob\n");
    let run = accounted("huge-field", &["clean"], &input, &[2, 3]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("rejected for too_large: 1"),
        "{}",
        run.stderr
    );
    // 100,000 columns outside the schema: passed through, in linear time.
    let n = 100_000;
    let mut wide = String::from("customer_id");
    for i in 0..n {
        wide.push_str(&format!(",x{i}"));
    }
    wide.push('\n');
    for r in 0..3 {
        wide.push_str(&format!("c{r}"));
        wide.push_str(&",v".repeat(n));
        wide.push('\n');
    }
    let started = std::time::Instant::now();
    let run = accounted("wide", &["clean"], wide.as_bytes(), &[2, 3, 4]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout.len(), wide.len() + ",_row\n2\n3\n4".len());
    // Generous: quadratic work took minutes here.
    assert!(started.elapsed().as_secs() < 60);
}

#[test]
fn duplicate_and_empty_header_names() {
    let run = custodia(&["clean"], b"customer_id,email,email\nc1,a@x.com,b@x.com\n");
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stderr).contains("field `email`"),
        "{}",
        text(&run.stderr)
    );
    // Columns outside the schema may repeat or be unnamed.
    let run = accounted(
        "unnamed",
        &["clean"],
        b"customer_id,,note,note\nc1,x,y,z\n",
        &[2],
    );
    assert_eq!(run.code, Some(0));
    assert_eq!(
        text(&run.stdout),
        "customer_id,,note,note,_row\nc1,x,y,z,2\n"
    );
}

#[test]
fn quotes_that_never_close() {
    // At the end of the input, and in the middle of a long one: each
    // costs the line it opened on, and the rows after it are read.
    let mut input = String::from("customer_id,full_name,email\nc0,\"Ann,a@example.com\n");
    let mut lines = vec![2];
    for i in 1..=300u64 {
        input.push_str(&format!("c{i},Name Smith,u{i}@example.com\n"));
        lines.push(i + 2);
    }
    let run = accounted("stray-quote", &["clean"], input.as_bytes(), &lines);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr
            .contains("line 2: a quoted field opened on this line does not close"),
        "{}",
        run.stderr
    );
    assert_eq!(rows_of(&run.stdout).len(), 300);
    let run = accounted(
        "last-quote",
        &["clean"],
        b"customer_id,full_name\nc1,Ann\nc2,\"Bob\n",
        &[2, 3],
    );
    assert_eq!(run.code, Some(1));
    assert!(text(&run.rejects).contains("unterminated_quote"));
}

#[test]
fn encodings() {
    // Bytes that are not UTF-8 in the middle of a file cost their row.
    let mut input = b"customer_id,full_name\n".to_vec();
    let mut lines = Vec::new();
    for i in 0..20_000u64 {
        if i == 17_000 {
            input.extend_from_slice(b"c,\xd5\xc5\xce\xb0\n");
        } else {
            input.extend_from_slice(format!("c{i},Ann\n").as_bytes());
        }
        lines.push(i + 2);
    }
    let run = accounted("gbk-row", &["clean"], &input, &lines);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("rejected for encoding: 1"),
        "{}",
        run.stderr
    );
    // UTF-16 is a usage error with a hint.
    let out = custodia(&["clean"], b"\xff\xfec\x00,\x00\n\x00");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("UTF-16"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn json_lines_of_every_shape() {
    let deep = format!(
        "{{\"customer_id\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let input = format!(
        "{{\"customer_id\": \"a\", \"email\": \"a@x.com\", \"email\": \"{PLANTED}@x.com\"}}\n\
         {deep}\n\
         [1, 2]\n\
         \"{PLANTED}\"\n\
         {{\"customer_id\": \"b\\q\"}}\n\
         {{\"customer_id\": \"c\", \"n\": 1e400}}\n\
         {{\"customer_id\": \"d\", \"n\": 123456789012345678901234567890}}\n\
         \n\
         {{\"customer_id\": \"e\", \"extra\": {{\"nested\": [1, 2]}}}}\n\
         {{\"customer_id\": \"f\"\n"
    );
    let rejects = scratch("jsonl-shapes-rejects.jsonl");
    let out = custodia(
        &[
            "clean",
            "--format",
            "jsonl",
            "--rejects",
            rejects.to_str().unwrap(),
        ],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(!stderr.contains(PLANTED), "{stderr}");
    let row = |line: &str| -> (u64, String) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        (
            v["_row"].as_u64().unwrap(),
            v["_issues"].as_str().unwrap_or("").to_owned(),
        )
    };
    let written: Vec<(u64, String)> = text(&out.stdout).lines().map(row).collect();
    let rejected: Vec<(u64, String)> = std::fs::read_to_string(rejects)
        .unwrap()
        .lines()
        .map(row)
        .collect();
    let mut all: Vec<u64> = written.iter().chain(&rejected).map(|r| r.0).collect();
    all.sort_unstable();
    assert_eq!(all, [1, 2, 3, 4, 5, 6, 7, 9, 10]);
    assert!(
        rejected.contains(&(1, "duplicate_key".into())),
        "{rejected:?}"
    );
    assert!(rejected.iter().all(|(_, why)| !why.is_empty()));
    // Members outside the schema pass through, nested or not.
    let out = text(&out.stdout);
    assert!(out.contains("\"extra\":{\"nested\":[1,2]}"), "{out}");
}

#[test]
fn everyday_names_through_dedupe() {
    let names = [
        "Michał Kowalski",
        "MICHAŁ KOWALSKI",
        "Søren Ødegård",
        "Þór Æsir",
        "Œdipe Lœuvre",
        "佐々木 太郎",
        "山﨑 花子",
        "石川さくら",
        "Zach🙂 Smith",
        "Rich© Jones",
        "Zelda€ Quixote",
        "ZUO々MU",
    ];
    let mut input = String::from("customer_id,full_name,email,birth_date\n");
    for (i, name) in names.iter().enumerate() {
        input.push_str(&format!(
            "c{i},{name},p{i}@example.com,1980-02-{:02}\n",
            i + 1
        ));
    }
    // A row with an impossible date is still clustered.
    input.push_str("c99,Michał Kowalski,p0@example.com,1980-02-31\n");
    let lines: Vec<u64> = (2..2 + names.len() as u64 + 1).collect();
    let pairs = scratch("names-pairs.csv");
    let run = accounted(
        "names",
        &["dedupe", "--pairs", pairs.to_str().unwrap()],
        input.as_bytes(),
        &lines,
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let out = text(&run.stdout);
    assert_eq!(
        rows_of(&run.stdout).len(),
        names.len() + 1,
        "every row has a cluster"
    );
    assert!(out.lines().skip(1).all(|l| !l.ends_with(',')), "{out}");
    assert!(
        run.stderr.contains("rows out with errors: 1"),
        "{}",
        run.stderr
    );
    let pairs = std::fs::read_to_string(pairs).unwrap();
    assert!(!pairs.contains(PLANTED));
    assert!(
        !pairs.contains("Michał") && !pairs.contains("example.com"),
        "{pairs}"
    );
}

#[test]
fn masking_never_sees_a_malformed_value() {
    let keys = scratch("hostile-keys.json");
    std::fs::write(
        &keys,
        r#"{"pseudonym": "00112233445566778899aabbccddeeff", "token": "8899aabbccddeeff0011223344556677"}"#,
    )
    .unwrap();
    let input = "customer_id,phone,updated_at\nc1,+86-abcdefgh,2024-01-01\nc2,+86 138 0013 8000,ab€xy\nc3,+86 138 0013 8000,2024-01-01\n";
    for audience in ["support", "analytics", "auditor"] {
        let run = accounted(
            &format!("mask-{audience}"),
            &[
                "mask",
                "--audience",
                audience,
                "--keys",
                keys.to_str().unwrap(),
            ],
            input.as_bytes(),
            &[2, 3, 4],
        );
        assert_eq!(run.code, Some(1), "{audience}: {}", run.stderr);
        assert_eq!(rows_of(&run.stdout), [4], "{audience}");
    }
}

#[test]
fn a_missing_header_row_is_never_quoted() {
    let input =
        "Zelda Quixote,+1 555 123 4567,zelda@example.com\nAnn,+1 555 765 4321,ann@example.com\n";
    let out = custodia(&["clean"], input.as_bytes());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        !stderr.contains("Zelda") && !stderr.contains("555"),
        "{stderr}"
    );
    let out = custodia(
        &["clean", "--map", "Zelda Quixote=full_name"],
        input.as_bytes(),
    );
    let stderr = text(&out.stderr);
    assert!(
        !stderr.contains("555") && !stderr.contains("zelda@"),
        "{stderr}"
    );
}

#[test]
fn closed_and_full_outputs() {
    // A reader that goes away is a quiet end.
    let input = scratch("closed-input.csv");
    let mut rows = String::from("customer_id,full_name\n");
    for i in 0..100_000 {
        rows.push_str(&format!("c{i},Ann Smith\n"));
    }
    std::fs::write(&input, rows).unwrap();
    let mut child = Command::new(binary())
        .args(["clean", "--input", input.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 1];
    let mut stdout = child.stdout.take().unwrap();
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    // A full disk is an I/O error, on standard output or error.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = Command::new(binary())
        .args(["schema"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = Command::new(binary())
        .args(["demo"])
        .stdout(Stdio::null())
        .stderr(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "the demo has rejected rows");
}

#[test]
fn configuration_that_is_not_utf8() {
    let schema = scratch("latin1-schema.json");
    std::fs::write(&schema, b"{\"name\": \"caf\xe9\", \"fields\": []}").unwrap();
    let out = custodia(&["schema", "--schema", schema.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not UTF-8"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn panic_messages_say_where_not_what() {
    if std::env::var_os("CUSTODIA_PANIC_CHILD").is_some() {
        custodia::panic::install_panic_hook();
        let value = std::hint::black_box(String::from(PLANTED));
        panic!("a third-party message quoting {value}");
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "hostile::panic_messages_say_where_not_what",
            "--exact",
            "--nocapture",
        ])
        .env("CUSTODIA_PANIC_CHILD", "1")
        .output()
        .unwrap();
    assert!(!out.status.success(), "the child panics");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("custodia: internal error at tests/hostile.rs:"),
        "{stderr}"
    );
    assert!(!stderr.contains(PLANTED), "{stderr}");
    assert!(
        !text(&out.stdout).contains(PLANTED),
        "{}",
        text(&out.stdout)
    );
}
