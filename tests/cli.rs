//! The `custodia` command-line tool, run as a real process on small files.
//! The binary needs the `cli` feature, so this builds it once first.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

pub(crate) fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn binary() -> &'static Path {
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

pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = binary().parent().unwrap().join("cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Runs the CLI with `args` and `stdin`.
pub(crate) fn custodia(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(binary())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the CLI starts");
    // Written from another thread: the output may fill its pipe before
    // the whole input is in. A run that stops early (a usage error, say)
    // may not read its input.
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        if let Err(e) = pipe.write_all(&input) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// CSV text with each sealed value (`enc1.…`, `det1.…`) replaced by
/// `<sealed>`, for looking for values in clear: a ciphertext is random
/// base64url, which holds a short needle such as `Ann` or `5678` by chance
/// in about one run in a thousand.
fn sealed_values_hidden(csv: &str) -> String {
    csv.lines()
        .map(|line| {
            line.split(',')
                .map(|field| {
                    if field.starts_with("enc1.") || field.starts_with("det1.") {
                        "<sealed>"
                    } else {
                        field
                    }
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Audit log entries without their `mac` and `prev` (64 random-looking hex
/// digits each, which hold a 4-digit needle such as `5678` in about one
/// MAC in a thousand).
fn audit_entries_without_macs(log: &str) -> String {
    log.lines()
        .map(|line| {
            let mut entry: serde_json::Value = serde_json::from_str(line).unwrap();
            let members = entry.as_object_mut().unwrap();
            assert!(members.remove("mac").is_some() && members.remove("prev").is_some());
            entry.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
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

/// Rows are read, cleaned and written in chunks of thousands, several in
/// flight at once, and a written chunk goes back to be freed on the worker
/// threads: across many chunks every row still comes out once, in input
/// order, with its own cells, and rejects keep theirs.
#[test]
fn rows_of_many_chunks_come_out_whole_and_in_order() {
    const ROWS: usize = 40_000;
    let mut input = String::from("customer_id,given_name,family_name,email,note\n");
    for i in 0..ROWS {
        // Every seventh email is malformed: those rows are rejected.
        let at = if i % 7 == 3 { "#" } else { "@" };
        input.push_str(&format!(
            "c{i},Ann{},Lee{},ann.{i}{at}example.com,note {i}\n",
            i % 97,
            i % 89
        ));
    }
    let rejects = scratch("many-chunks-rejects.csv");
    for command in ["clean", "dedupe"] {
        let out = custodia(
            &[command, "--quiet", "--rejects", rejects.to_str().unwrap()],
            input.as_bytes(),
        );
        assert!(out.status.code().unwrap() <= 1, "{}", text(&out.stderr));
        let read = |body: &[u8]| {
            let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(body);
            let head = reader.headers().unwrap().clone();
            let at = |name: &str| head.iter().position(|h| h == name).unwrap();
            let (row, id, note) = (at("_row"), at("customer_id"), at("note"));
            reader
                .records()
                .map(|r| {
                    let r = r.unwrap();
                    let line: usize = r[row].parse().unwrap();
                    (line, r[id].to_owned(), r[note].to_owned())
                })
                .collect::<Vec<_>>()
        };
        let written = read(&out.stdout);
        let rejected = read(&std::fs::read(&rejects).unwrap());
        let lines = |rows: &[(usize, String, String)]| rows.iter().map(|r| r.0).collect::<Vec<_>>();
        // Line 2 is the first row. Dedupe writes rejected rows too,
        // matched without their errors.
        let is_rejected = |line: &usize| (line - 2) % 7 == 3;
        let rejected_lines: Vec<usize> = (2..ROWS + 2).filter(is_rejected).collect();
        let written_lines: Vec<usize> = (2..ROWS + 2)
            .filter(|line| command == "dedupe" || !is_rejected(line))
            .collect();
        assert_eq!(lines(&rejected), rejected_lines, "{command}: rejects");
        assert_eq!(lines(&written), written_lines, "{command}: output");
        for (line, id, note) in written.iter().chain(&rejected) {
            let i = line - 2;
            assert_eq!(
                (id.as_str(), note.as_str()),
                (format!("c{i}").as_str(), format!("note {i}").as_str()),
                "{command}"
            );
        }
    }
}

/// Dedupe keeps only a line number for most rows; rows with more to write
/// (a column outside the schema, warnings, unknown JSON members) keep it,
/// and every row comes out with its own.
#[test]
fn dedupe_writes_each_rows_own_extras() {
    use custodia::schema::Date;
    let schema = scratch("dedupe-extras-schema.json");
    std::fs::write(
        &schema,
        r#"{"name": "kept", "fields": [{"name": "id", "kind": "text", "required": true},
            {"name": "full_name", "kind": "full_name"},
            {"name": "updated_at", "kind": "date"}],
           "retention": {"stale_after_months": 24}}"#,
    )
    .unwrap();
    let schema = schema.to_str().unwrap();
    let today = Date::today().days_since_epoch();
    let (fresh, stale) = (
        Date::from_days_since_epoch(today - 10),
        Date::from_days_since_epoch(today - 1_000),
    );
    // Without a column outside the schema, the input rows are not kept.
    let input = format!(
        "id,full_name,updated_at\nc1,Ann Lee,{fresh}\nc2,Ann Lee,{stale}\nc3,Bo Chan,{fresh}\n"
    );
    let out = custodia(
        &["dedupe", "--schema", schema, "--warnings-column", "--quiet"],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let lines: Vec<String> = text(&out.stdout).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(
        lines[0].ends_with(",_row,cluster_id,_warnings"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("c1,") && lines[1].ends_with(','),
        "{lines:?}"
    );
    assert!(
        lines[2].starts_with("c2,") && lines[2].ends_with(",stale_record"),
        "{lines:?}"
    );
    assert!(
        lines[3].starts_with("c3,") && lines[3].ends_with(','),
        "{lines:?}"
    );
    // A column outside the schema passes through, row by row.
    let input = format!(
        "id,full_name,updated_at,note\nc1,Ann Lee,{fresh},first\nc2,Ann Lee,{stale},\nc3,Bo Chan,{fresh},third\n"
    );
    let out = custodia(
        &["dedupe", "--schema", schema, "--warnings-column", "--quiet"],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rows: Vec<Vec<String>> = text(&out.stdout)
        .lines()
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    let column = |name: &str| rows[0].iter().position(|c| c == name).unwrap();
    let (note, row, warnings) = (column("note"), column("_row"), column("_warnings"));
    let got: Vec<(&str, &str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[note].as_str(), r[row].as_str(), r[warnings].as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("first", "2", ""),
            ("", "3", "stale_record"),
            ("third", "4", "")
        ]
    );
    // Unknown JSON members come back with their own record.
    let input = format!(
        "{{\"id\": \"c1\", \"full_name\": \"Ann Lee\", \"updated_at\": \"{fresh}\", \"tier\": \"gold\"}}\n\
         {{\"id\": \"c2\", \"full_name\": \"Ann Lee\", \"updated_at\": \"{fresh}\"}}\n"
    );
    let out = custodia(
        &["dedupe", "--schema", schema, "--format", "jsonl", "--quiet"],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["tier"], "gold", "{lines:?}");
    assert!(lines[1].get("tier").is_none(), "{lines:?}");
    assert_eq!(
        (&lines[0]["_row"], &lines[1]["_row"]),
        (&1.into(), &2.into())
    );
}

#[test]
fn records_past_retention_are_flagged_and_can_be_set_aside() {
    use custodia::schema::Date;
    let schema = scratch("retention-schema.json");
    std::fs::write(
        &schema,
        r#"{"name": "kept", "fields": [{"name": "id", "kind": "text", "required": true},
            {"name": "updated_at", "kind": "date"}],
           "retention": {"stale_after_months": 24, "delete_after_months": 84}}"#,
    )
    .unwrap();
    let today = Date::today().days_since_epoch();
    let (fresh, stale) = (
        Date::from_days_since_epoch(today - 10),
        Date::from_days_since_epoch(today - 1_000),
    );
    let input = format!("id,updated_at\nc1,{fresh}\nc2,{stale}\nc3,2001-05-05\nc4,\n");
    let schema = schema.to_str().unwrap();
    let out = custodia(
        &["clean", "--schema", schema, "--warnings-column", "--quiet"],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let lines: Vec<String> = text(&out.stdout).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert!(
        lines[1].starts_with("c1,") && lines[1].ends_with(','),
        "{lines:?}"
    );
    assert!(lines[2].ends_with(",stale_record"), "{lines:?}");
    assert!(lines[3].ends_with(",retention_expired"), "{lines:?}");
    assert!(
        lines[4].starts_with("c4,") && lines[4].ends_with(','),
        "{lines:?}"
    );
    // Records due for deletion can go to the reject file instead.
    let rejects = scratch("retention-rejects.csv");
    let out = custodia(
        &[
            "clean",
            "--schema",
            schema,
            "--reject-on",
            "retention_expired",
            "--rejects",
            rejects.to_str().unwrap(),
            "--quiet",
        ],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout).lines().count(), 4);
    let rejects = std::fs::read_to_string(rejects).unwrap();
    assert!(
        rejects.contains(",retention_expired,c3,2001-05-05"),
        "{rejects}"
    );
    assert_eq!(rejects.lines().count(), 2, "{rejects}");
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
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[0]["phone"], "+8613800138000");
    assert_eq!(lines[0]["_row"], 1);
    // A member outside the schema is passed through unchanged.
    assert_eq!(lines[5]["_row"], 7);
    assert_eq!(lines[5]["loyalty_tier"], "gold");
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
        "id,mobile,country,phone_extension,_row\nc1,+8613800138000,CN,,2\n"
    );
    // Without the mapping, `id` and `mobile` are columns outside the
    // schema: passed through, and the row lacks its required customer id.
    let out = custodia(&["clean", "--rejects", "/dev/null"], csv.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("rejected for required: 1"),
        "{}",
        text(&out.stderr)
    );
    // Header names are matched after trimming white space.
    let out = custodia(
        &["clean", "--quiet"],
        b" customer_id , phone \nc1,+86 138 0013 8000\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "\" customer_id \",\" phone \",phone_extension,_row\nc1,+8613800138000,,2\n"
    );
    // A header that names no field is most likely a data row.
    let out = custodia(&["clean"], b"c1,Ann Smith\nc2,Bob Jones\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no column of the header names a field"),
        "{}",
        text(&out.stderr)
    );
    assert!(!text(&out.stderr).contains("Ann"), "{}", text(&out.stderr));
    // A file separated by semicolons read with commas: the hint says so.
    let out = custodia(&["clean"], b"customer_id;phone\nc1;+86 138 0013 8000\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--delimiter ';'"),
        "{}",
        text(&out.stderr)
    );
    let out = custodia(
        &["clean", "--delimiter", ";", "--quiet"],
        b"customer_id;phone\nc1;+86 138 0013 8000\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = custodia(&["clean", "--map", "id=nope"], csv.as_bytes());
    assert_eq!(out.status.code(), Some(2));
    let out = custodia(&["clean", "--map", "nope=phone"], csv.as_bytes());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn other_encodings_get_a_clear_error() {
    // "张伟" in GBK: the row is rejected, the others go on.
    let out = custodia(
        &["clean"],
        b"customer_id,full_name\nc1,\xd5\xc5\xce\xb0\nc2,Ann\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("line 2: not UTF-8"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(text(&out.stdout), "customer_id,full_name,_row\nc2,Ann,3\n");
    // A header that is not UTF-8 stops the run with a hint.
    let out = custodia(&["clean"], b"\xd5\xc5,full_name\nc1,Ann\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("iconv"), "{}", text(&out.stderr));
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
    // Support uses no key: it needs no keys file.
    let out = custodia(&["mask", "--audience", "support"], input.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).lines().nth(1),
        Some("c1,张*,138****5678,CN,[redacted],2")
    );
    // Analytics does.
    let out = custodia(&["mask", "--audience", "analytics"], input.as_bytes());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("no key with id `pseudonym`"),
        "{}",
        text(&out.stderr)
    );
}

/// What a tester found the default `support` view showing: derived name
/// parts in clear, short values whole, a phone extension in JSON Lines.
#[test]
fn masked_output_never_shows_what_it_hides() {
    let input = concat!(
        r#"{"customer_id":"1","full_name":"Ann Lee"}"#,
        "\n",
        r#"{"customer_id":"2","full_name":"Nowak Katarzyna"}"#,
        "\n",
        r#"{"customer_id":"3","full_name":"王","email":"a@example.com","phone":"+3524621"}"#,
        "\n",
        r#"{"customer_id":"4","phone":"+86 138 0013 8000 ext. 123","extra":"x"}"#,
        "\n",
    );
    let out = custodia(
        &["mask", "--audience", "support", "--format", "jsonl", "-q"],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rows: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows[0]["full_name"], "A** L**");
    assert_eq!(rows[0]["given_name"], "A**");
    assert_eq!(rows[0]["family_name"], "L**");
    for field in ["full_name", "given_name", "family_name"] {
        let shown = rows[1][field].as_str().unwrap_or_default();
        assert!(
            !shown.contains("Nowak") && !shown.contains("Katarzyna"),
            "{shown}"
        );
    }
    assert_eq!(rows[2]["full_name"], "*");
    assert_eq!(rows[2]["family_name"], "*");
    assert_eq!(rows[2]["email"], "****@example.com");
    assert_eq!(rows[2]["phone"], "+352**21");
    assert_eq!(rows[3]["phone"], "138****8000");
    let last = rows[3].as_object().unwrap();
    assert!(
        !last.contains_key("phone_extension") && !last.contains_key("extra"),
        "{last:?}"
    );
    assert!(!text(&out.stdout).contains("123"), "{}", text(&out.stdout));
}

#[test]
fn values_a_token_could_not_give_back_are_rejected() {
    let keys = scratch("token-keys.json");
    std::fs::write(&keys, r#"{"token": "0f0e0d0c0b0a09080706050403020100"}"#).unwrap();
    let rejects = scratch("token-rejects.csv");
    // Row 3's card fails Luhn: a token of it would come back as row 2's.
    let input = "customer_id,payment_card\nc1,4111111111111111\nc2,4111111111111112\n";
    let out = custodia(
        &[
            "mask",
            "--audience",
            "auditor",
            "--keys",
            keys.to_str().unwrap(),
            "--rejects",
            rejects.to_str().unwrap(),
        ],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(
        !stdout.contains("4111111111111111") && !stdout.contains("c2"),
        "{stdout}"
    );
    let rejects = std::fs::read_to_string(&rejects).unwrap();
    // Validation rejects it before masking; the masker would refuse it too
    // (`cannot_mask`, tested in the library).
    assert!(
        rejects
            .lines()
            .any(|l| l.starts_with("3,") && l.contains(",c2")),
        "{rejects}"
    );
    assert!(!text(&out.stderr).contains("1112"), "{}", text(&out.stderr));
}

#[test]
fn bad_key_files_are_refused_naming_the_key_never_the_secret() {
    let input = "customer_id,phone,country\nc1,138 1234 5678,CN\n";
    let secret = "5ec7e75ec7e75ec7e75ec7e75ec7e75e";
    for (name, json, says) in [
        (
            "dup-keys.json",
            format!(
                r#"{{"pseudonym": "{secret}", "pseudonym": "000102030405060708090a0b0c0d0e0f"}}"#
            ),
            "key `pseudonym`: the key id is given twice",
        ),
        (
            "short-keys.json",
            format!(r#"{{"pseudonym": "{}"}}"#, &secret[..16]),
            "key `pseudonym`: secrets are 16, 24 or 32 bytes",
        ),
        (
            "nothex-keys.json",
            format!(r#"{{"pseudonym": "{}xx"}}"#, &secret[..30]),
            "key `pseudonym`: the secret is not hexadecimal",
        ),
        (
            "array-keys.json",
            format!(r#"["{secret}"]"#),
            "keys JSON, line 1",
        ),
    ] {
        let keys = scratch(name);
        std::fs::write(&keys, json).unwrap();
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
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(says), "{name}: {stderr}");
        assert!(!stderr.contains("5ec7"), "{name}: {stderr}");
    }
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

/// Eight customers, three of them duplicated, as CSV.
const DUPLICATES: &str =
    "customer_id,source,given_name,family_name,birth_date,email,phone,postcode,country,updated_at
1,crm,Robert,Smith,1980-04-02,bob.smith@example.com,+1 415 555 0101,94110,US,2024-01-01
2,billing,Bob,Smith,1980-04-02,bob.smith@example.com,(415) 555-0101,94110,US,2025-05-05
3,crm,Alice,Jones,1975-11-30,alice@example.org,+1 212 555 0199,10001,US,2023-03-03
4,crm,,,1990-01-02,,13812345678,,CN,
5,web,Wei,Zhang,1990-01-02,,+86 138 1234 5678,,CN,
6,crm,Maria,Garcia,1988-07-14,maria.garcia@example.es,,,ES,
7,crm,Hans,Müller,1965-03-03,,,10115,DE,
8,web,Alice,Jones,1975-11-30,ALICE@example.org,,,US,2024-12-24
9,crm,Broken,Row,1975-11-30
";

#[test]
fn dedupe_writes_cluster_ids_pairs_golden_records_and_a_summary() {
    let pairs = scratch("dedupe-pairs.csv");
    let golden = scratch("dedupe-golden.csv");
    let report = scratch("dedupe-report.json");
    let rejects = scratch("dedupe-rejects.csv");
    let out = custodia(
        &[
            "dedupe",
            "--pairs",
            pairs.to_str().unwrap(),
            "--golden",
            golden.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
            "--rejects",
            rejects.to_str().unwrap(),
        ],
        DUPLICATES.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1), "one row is malformed");
    let stdout = text(&out.stdout);
    let mut lines = stdout.lines();
    assert!(lines.next().unwrap().ends_with(",_row,cluster_id"));
    // Each row ends with its `_row` and its cluster: the `_row` of the
    // cluster's first record. Row 5 has no name, but its phone and birth
    // date are row 6's (Wei Zhang).
    let clusters: Vec<(String, String)> = lines
        .map(|l| {
            let cells: Vec<&str> = l.rsplitn(3, ',').collect();
            (cells[1].to_owned(), cells[0].to_owned())
        })
        .collect();
    let expected = [
        ("2", "2"),
        ("3", "2"),
        ("4", "4"),
        ("5", "5"),
        ("6", "5"),
        ("7", "7"),
        ("8", "8"),
        ("9", "4"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    assert_eq!(clusters, expected, "{stdout}");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("rows in 9 = rows out 8 + rows rejected 1"),
        "{stderr}"
    );
    assert!(stderr.contains("3 matched pairs"), "{stderr}");
    let pairs = std::fs::read_to_string(&pairs).unwrap();
    let pair_lines: Vec<&str> = pairs.lines().collect();
    assert_eq!(pair_lines[0], "row_a,row_b,weight,probability,explanation");
    assert!(pair_lines[1].starts_with("2,3,"), "{pairs}");
    assert!(
        pair_lines[1].contains("given_name=close") && pair_lines[1].contains("birth_date=exact")
    );
    assert!(!pairs.contains("bob.smith"), "no values in explanations");
    // Email and phone agree, and both count (a household shares them less
    // often than a person keeps them).
    assert!(
        pair_lines[1].contains("phone=exact(+") && pair_lines[1].contains("email=exact(+"),
        "{pairs}"
    );
    assert!(pair_lines[2].starts_with("4,9,"), "{pairs}");
    assert!(pair_lines[3].starts_with("5,6,"), "{pairs}");
    let golden = std::fs::read_to_string(&golden).unwrap();
    let golden_lines: Vec<&str> = golden.lines().collect();
    assert!(golden_lines[0].starts_with("cluster_id,customer_id,"));
    assert_eq!(golden_lines.len(), 1 + 5, "one golden record per customer");
    // Robert/Bob: the most recent record (row 3, 2025) wins.
    let smith = golden_lines.iter().find(|l| l.starts_with("2,")).unwrap();
    assert!(
        smith.contains(",Bob,Smith,") && smith.contains(",2;3,"),
        "{smith}"
    );
    assert!(smith.contains("given_name=3"), "{smith}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(report["dedupe"]["clusters"], 5);
    assert_eq!(report["dedupe"]["duplicate_clusters"], 3);
    assert_eq!(report["rows_in"], 9);
    let rejects = std::fs::read_to_string(&rejects).unwrap();
    assert!(rejects.contains("10,row_length"), "{rejects}");
}

#[test]
fn dedupe_json_lines_and_saved_models() {
    let model = scratch("dedupe-model.json");
    let golden = scratch("dedupe-golden.jsonl");
    let csv_to_jsonl: String = {
        let mut lines = DUPLICATES.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        lines
            .filter(|l| l.split(',').count() == header.len())
            .map(|l| {
                let object: serde_json::Map<String, serde_json::Value> = header
                    .iter()
                    .zip(l.split(','))
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(k, v)| ((*k).to_owned(), (*v).into()))
                    .collect();
                serde_json::Value::Object(object).to_string() + "\n"
            })
            .collect()
    };
    let first = custodia(
        &[
            "dedupe",
            "--format",
            "jsonl",
            "--save-model",
            model.to_str().unwrap(),
            "--golden",
            golden.to_str().unwrap(),
            "--quiet",
        ],
        csv_to_jsonl.as_bytes(),
    );
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    assert!(first.stderr.is_empty(), "--quiet");
    let rows: Vec<serde_json::Value> = text(&first.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 8);
    assert_eq!(rows[1]["cluster_id"], 1, "Bob is Robert's (line 1)");
    assert_eq!(rows[7]["cluster_id"], 3, "the second Alice is line 3's");
    assert_eq!(rows[4]["cluster_id"], 4, "Wei Zhang is line 4's");
    let golden: Vec<serde_json::Value> = std::fs::read_to_string(&golden)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(golden.len(), 5);
    assert_eq!(golden[0]["_members"], serde_json::json!([1, 2]));
    assert_eq!(golden[0]["_sources"]["given_name"], 2);
    assert!(golden[0]["_sources"]["iban"].is_null());
    // The saved model scores the same input the same way.
    let again = custodia(
        &[
            "dedupe",
            "--format",
            "jsonl",
            "--model",
            model.to_str().unwrap(),
            "--quiet",
        ],
        csv_to_jsonl.as_bytes(),
    );
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(text(&again.stdout), text(&first.stdout));
}

#[test]
fn dedupe_settings_errors_are_usage_errors() {
    let config = scratch("dedupe-bad-config.json");
    std::fs::write(&config, r#"{"threshold": 1.5}"#).unwrap();
    let out = custodia(&["dedupe", "--config", config.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("threshold"),
        "{}",
        text(&out.stderr)
    );
    let policy = scratch("dedupe-bad-policy.json");
    std::fs::write(&policy, r#"{"rules": ["trusted_source"]}"#).unwrap();
    let out = custodia(&["dedupe", "--merge-policy", policy.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("source_field"),
        "{}",
        text(&out.stderr)
    );
    let out = custodia(&["dedupe", "--model", "/nonexistent/model.json"], b"");
    assert_eq!(out.status.code(), Some(3));
    // `-` is standard output, which carries the rows: never a file `-`.
    for flag in ["--rejects", "--pairs", "--golden"] {
        let out = custodia(&["dedupe", flag, "-"], b"customer_id\nc1\n");
        assert_eq!(out.status.code(), Some(2), "{flag}");
        assert!(
            text(&out.stderr).contains("standard output"),
            "{}",
            text(&out.stderr)
        );
    }
    assert!(!root().join("-").exists());
}

/// A bad setting in a schema, policy or dedupe settings file is a usage
/// error whose message points at the setting.
#[test]
fn settings_errors_name_the_setting() {
    let schema = scratch("bad-setting-schema.json");
    std::fs::write(
        &schema,
        r#"{"name": "s", "fields": [{"name": "a", "kind": "text"}, {"name": " b", "kind": "text"}]}"#,
    )
    .unwrap();
    let out = custodia(&["schema", "--schema", schema.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr
            .contains("schema at `fields[1].name`: field name has leading or trailing white space"),
        "{stderr}"
    );
    let policy = scratch("bad-setting-policy.json");
    std::fs::write(
        &policy,
        r#"{"audiences": {"support": {"phone": {"op": "hash", "key": "k", "byte": 8}}}}"#,
    )
    .unwrap();
    let out = custodia(
        &[
            "mask",
            "--audience",
            "support",
            "--policy",
            policy.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "masking policy at `audiences.support.phone.byte`: unknown field `byte` (did you mean `bytes`?)"
        ),
        "{stderr}"
    );
    let config = scratch("bad-setting-dedupe.json");
    std::fs::write(&config, r#"{"blocking": ["email", "nickname:phonetic"]}"#).unwrap();
    let out = custodia(&["dedupe", "--config", config.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "dedupe at `blocking[1]`: blocking rule `nickname:phonetic`: no field `nickname`"
        ),
        "{stderr}"
    );
}

#[test]
fn run_takes_a_whole_pipeline_from_one_config_file() {
    let dir = scratch("pipeline");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("customers.csv"), DUPLICATES).unwrap();
    std::fs::write(
        dir.join("keys.json"),
        r#"{"pseudonym": "000102030405060708090a0b0c0d0e0f", "token": "0f0e0d0c0b0a09080706050403020100"}"#,
    )
    .unwrap();
    let config = dir.join("pipeline.json");
    std::fs::write(
        &config,
        r#"{
            "input": "customers.csv",
            "output": "support.csv",
            "rejects": "rejects.csv",
            "report": "report.json",
            "quiet": true,
            "steps": ["clean", "dedupe", "mask"],
            "dedupe": {"pairs": "pairs.csv", "golden": "golden.csv"},
            "mask": {"audience": "support", "keys": "keys.json"}
        }"#,
    )
    .unwrap();
    let out = custodia(&["run", config.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let support = read("support.csv");
    let lines: Vec<&str> = support.lines().collect();
    assert!(lines[0].ends_with(",_row,cluster_id"));
    assert_eq!(lines.len(), 1 + 8);
    // Robert's row: masked for support, clustered with Bob's.
    assert!(
        lines[1].ends_with(",2,2") && lines[2].ends_with(",3,2"),
        "{support}"
    );
    assert!(
        !support.contains("bob.smith@example.com"),
        "emails masked: {support}"
    );
    assert!(support.contains("b***@example.com"), "{support}");
    // Golden records are masked too; pairs never hold values.
    let golden = read("golden.csv");
    assert_eq!(golden.lines().count(), 1 + 5);
    assert!(!golden.contains("bob.smith@example.com"), "{golden}");
    assert!(read("pairs.csv").lines().count() == 1 + 3);
    assert!(read("rejects.csv").contains("row_length"));
    let report: serde_json::Value = serde_json::from_str(&read("report.json")).unwrap();
    assert_eq!(report["rows_in"], 9);
    assert_eq!(report["dedupe"]["matched_pairs"], 3);

    for (steps, needle) in [
        (r#"["mask", "clean"]"#, "in that order"),
        (r#"["dedupe"]"#, "needs the clean step"),
        (r#"["clean", "scrub"]"#, "steps must be"),
        (r#"["clean", "mask"]"#, "\"mask\" section"),
    ] {
        let bad = dir.join("bad.json");
        std::fs::write(
            &bad,
            format!(r#"{{"input": "customers.csv", "steps": {steps}}}"#),
        )
        .unwrap();
        let out = custodia(&["run", bad.to_str().unwrap()], b"");
        assert_eq!(out.status.code(), Some(2), "{steps}");
        assert!(
            text(&out.stderr).contains(needle),
            "{steps}: {}",
            text(&out.stderr)
        );
    }
    let out = custodia(&["run", dir.join("missing.json").to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(3));
}

const CRYPT_KEYS: &str = r#"{"crypt": "1111111111111111111111111111111111111111111111111111111111111111",
 "old": {"secret": "3333333333333333333333333333333333333333333333333333333333333333", "decrypt_only": true},
 "audit": "2222222222222222222222222222222222222222222222222222222222222222"}"#;

fn crypt_policy(key: &str) -> String {
    format!(
        r#"{{"name": "vault", "audiences": {{
          "storage": {{"customer_id": "keep", "city": "keep",
                      "full_name": {{"op": "encrypt", "key": "{key}"}},
                      "email": {{"op": "encrypt", "key": "{key}", "deterministic": true}},
                      "phone": {{"op": "encrypt", "key": "{key}"}}}},
          "support": {{"customer_id": "keep", "full_name": "name", "phone": "phone_cn", "city": "keep"}},
          "auditor": {{"customer_id": "keep", "full_name": "keep", "email": "keep", "phone": "keep"}}}},
         "reveal": {{"support": ["full_name", "phone"], "auditor": ["full_name", "email", "phone"]}}}}"#
    )
}

/// `mask --audit-log` logs each row whose view holds sensitive fields in
/// clear, naming those fields and never a value; an audience that sees
/// none in clear logs nothing; a log needs a purpose.
#[test]
fn views_with_sensitive_fields_in_clear_are_logged() {
    let keys = scratch("disclose-keys.json");
    std::fs::write(&keys, CRYPT_KEYS).unwrap();
    let policy = scratch("disclose-policy.json");
    std::fs::write(&policy, crypt_policy("crypt")).unwrap();
    let log = scratch("disclose-audit.jsonl");
    let _ = std::fs::remove_file(&log);
    let (keys, policy, log) = (
        keys.to_str().unwrap(),
        policy.to_str().unwrap(),
        log.to_str().unwrap(),
    );
    let input = "customer_id,full_name,email,phone,city,country\n\
                 c-1,张伟,zhang.wei@example.com,138 1234 5678,上海,CN\n\
                 c-2,Ann Lee,,,Beijing,CN\n\
                 c-3,,,,Beijing,CN\n";
    let mask = |audience: &str, purpose: &[&str]| {
        let mut args = vec![
            "mask",
            "--audience",
            audience,
            "--policy",
            policy,
            "--keys",
            keys,
            "--actor",
            "ops",
            "--audit-log",
            log,
            "-q",
        ];
        args.extend_from_slice(purpose);
        custodia(&args, input.as_bytes())
    };
    let out = mask("auditor", &["--purpose", "export 12"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("zhang.wei@example.com"));
    let entries = std::fs::read_to_string(log).unwrap();
    // c-3 has no sensitive value: nothing disclosed, nothing logged.
    let lines: Vec<&str> = entries.lines().collect();
    assert_eq!(lines.len(), 2, "{entries}");
    for line in &lines {
        assert!(line.contains("\"action\":\"disclose\""), "{line}");
        assert!(line.contains("\"purpose\":\"export 12\""), "{line}");
        assert!(line.contains("\"audience\":\"auditor\""), "{line}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.contains("\"fields\":[\"full_name\",\"email\",\"phone\"]")),
        "{entries}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("\"fields\":[\"full_name\"]")),
        "{entries}"
    );
    let in_clear = audit_entries_without_macs(&entries);
    for secret in ["张伟", "zhang", "5678", "Ann", "c-1", "c-2"] {
        assert!(!in_clear.contains(secret), "{secret} in {entries}");
    }
    // Support sees names and phones masked: nothing in clear, no event.
    let out = mask("support", &["--purpose", "export 12"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(log).unwrap(), entries);
    let out = custodia(&["audit", "verify", log, "--keys", keys], b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("2 entries, chain intact"));
    // A log without a purpose is refused before anything is written.
    let out = mask("auditor", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--purpose"));
    assert!(out.stdout.is_empty());
}

/// `clean` and `dedupe` write rows unmasked: with --audit-log each row
/// with sensitive fields is logged (audience `unmasked`), rejects and
/// golden records too, never a value.
#[test]
fn rows_written_unmasked_are_logged() {
    let keys = scratch("unmasked-keys.json");
    std::fs::write(&keys, CRYPT_KEYS).unwrap();
    let log = scratch("unmasked-audit.jsonl");
    let golden = scratch("unmasked-golden.csv");
    let keys = keys.to_str().unwrap();
    let input = "customer_id,full_name,email,city\n\
                 c-1,Ann Lee,ann@example.com,Beijing\n\
                 c-2,Ann Lee,ann@example.com,Beijing\n\
                 c-3,,not an email,Beijing\n\
                 c-4,,,Beijing\n";
    let run = |command: &str, extra: &[&str]| {
        let _ = std::fs::remove_file(&log);
        let mut args = vec![
            command,
            "--keys",
            keys,
            "--audit-log",
            log.to_str().unwrap(),
            "--purpose",
            "nightly load",
            "-q",
        ];
        args.extend_from_slice(extra);
        let out = custodia(&args, input.as_bytes());
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        std::fs::read_to_string(&log).unwrap()
    };
    // Two clean rows and a rejected one hold sensitive values; c-4 none.
    let entries = run("clean", &[]);
    assert_eq!(entries.lines().count(), 3, "{entries}");
    assert!(
        entries
            .lines()
            .all(|l| l.contains("\"action\":\"disclose\"")
                && l.contains("\"audience\":\"unmasked\"")
                && l.contains("\"purpose\":\"nightly load\""))
    );
    for secret in ["Ann", "ann@", "not an email", "c-1", "c-3"] {
        assert!(!entries.contains(secret), "{secret} in {entries}");
    }
    // Dedupe: the same rows, and the golden record of c-1 and c-2.
    let entries = run("dedupe", &["--golden", golden.to_str().unwrap()]);
    assert_eq!(entries.lines().count(), 4, "{entries}");
    let out = custodia(
        &["audit", "verify", log.to_str().unwrap(), "--keys", keys],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // A log needs a purpose and the audit key.
    let out = custodia(
        &[
            "clean",
            "--audit-log",
            log.to_str().unwrap(),
            "--keys",
            keys,
        ],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let out = custodia(
        &[
            "clean",
            "--audit-log",
            log.to_str().unwrap(),
            "--purpose",
            "x",
        ],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("audit"), "{}", text(&out.stderr));

    // Link: the rows of both sources.
    let (left, right) = (scratch("unmasked-left.csv"), scratch("unmasked-right.csv"));
    std::fs::write(&left, input).unwrap();
    std::fs::write(
        &right,
        "customer_id,full_name,email,city\nb-1,Ann Lee,ann@example.com,Beijing\n",
    )
    .unwrap();
    let _ = std::fs::remove_file(&log);
    let (left, right, log_path) = (
        left.to_str().unwrap(),
        right.to_str().unwrap(),
        log.to_str().unwrap(),
    );
    let out = custodia(
        &[
            "link",
            "--left",
            left,
            "--right",
            right,
            "--keys",
            keys,
            "--audit-log",
            log_path,
            "--purpose",
            "merge",
            "-q",
        ],
        b"",
    );
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        text(&out.stderr)
    );
    let entries = std::fs::read_to_string(&log).unwrap();
    assert_eq!(entries.lines().count(), 4, "{entries}");

    // Run: an `audit` object in the pipeline file.
    let _ = std::fs::remove_file(&log);
    let config = scratch("unmasked-run.json");
    let output = scratch("unmasked-run.csv");
    std::fs::write(
        &config,
        serde_json::json!({
            "input": left, "output": output, "quiet": true, "steps": ["clean"],
            "audit": {"log": log_path, "purpose": "nightly load", "keys": keys}
        })
        .to_string(),
    )
    .unwrap();
    let out = custodia(&["run", config.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let entries = std::fs::read_to_string(&log).unwrap();
    assert_eq!(entries.lines().count(), 3, "{entries}");
    std::fs::write(
        &config,
        serde_json::json!({"input": left, "steps": ["clean"], "audit": {"log": log_path, "purpose": "x", "keys": keys, "who": "me"}})
            .to_string(),
    )
    .unwrap();
    let out = custodia(&["run", config.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("`who`"), "{}", text(&out.stderr));

    // Subject: each record the export holds; an erasure plan alone holds
    // no value and logs nothing.
    let _ = std::fs::remove_file(&log);
    let source = format!("crm={left}");
    let subject = |extra: &[&str]| {
        let mut args = vec![
            "subject",
            "--source",
            &source,
            "--email",
            "ann@example.com",
            "--keys",
            keys,
            "--audit-log",
            log_path,
            "--purpose",
            "access request 7",
        ];
        args.extend_from_slice(extra);
        custodia(&args, b"")
    };
    let out = subject(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("ann@example.com"));
    let entries = std::fs::read_to_string(&log).unwrap();
    assert_eq!(entries.lines().count(), 2, "{entries}");
    assert!(entries.contains("access request 7") && !entries.contains("ann@"));
    let plan = scratch("unmasked-plan.csv");
    let out = subject(&["--erasure-plan", plan.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&log).unwrap(), entries);
}

/// Columns outside the schema that masking kept (`--keep`) stay through
/// reveal and rewrap: stored rows are read and written as they are.
#[test]
fn reveal_and_rewrap_keep_the_columns_masking_kept() {
    let keys = scratch("kept-keys.json");
    std::fs::write(&keys, CRYPT_KEYS).unwrap();
    let (policy, rotated) = (scratch("kept-policy.json"), scratch("kept-rotated.json"));
    std::fs::write(&policy, crypt_policy("old")).unwrap();
    std::fs::write(&rotated, crypt_policy("crypt")).unwrap();
    let (keys, policy, rotated) = (
        keys.to_str().unwrap(),
        policy.to_str().unwrap(),
        rotated.to_str().unwrap(),
    );
    let input = "customer_id,full_name,phone,city,notes,secret\n\
                 C1,Ann Lee,+86 139 1111 2222,Boston,VIP customer,s3cr3t\n";
    // Encrypted under the key that is now decrypt-only: as before a rotation.
    let mut old_keys = CRYPT_KEYS.replace(r#", "decrypt_only": true"#, "");
    old_keys.push('\n');
    let old = scratch("kept-old-keys.json");
    std::fs::write(&old, old_keys).unwrap();
    let stored = custodia(
        &[
            "mask",
            "--audience",
            "storage",
            "--policy",
            policy,
            "--keys",
            old.to_str().unwrap(),
            "--keep",
            "notes",
            "-q",
        ],
        input.as_bytes(),
    );
    assert_eq!(stored.status.code(), Some(0), "{}", text(&stored.stderr));
    let stored = text(&stored.stdout);
    assert!(
        stored.lines().next().unwrap().contains(",notes,"),
        "{stored}"
    );
    assert!(
        stored.contains(",VIP customer") && !sealed_values_hidden(&stored).contains("s3cr3t"),
        "{stored}"
    );
    let rewrapped = custodia(
        &[
            "rewrap",
            "--audience",
            "storage",
            "--policy",
            rotated,
            "--keys",
            keys,
            "-q",
        ],
        stored.as_bytes(),
    );
    assert_eq!(
        rewrapped.status.code(),
        Some(0),
        "{}",
        text(&rewrapped.stderr)
    );
    let rewrapped = text(&rewrapped.stdout);
    assert_eq!(
        rewrapped.lines().next(),
        stored.lines().next(),
        "{rewrapped}"
    );
    assert!(
        rewrapped.contains(",VIP customer") && rewrapped.contains("enc1.crypt."),
        "{rewrapped}"
    );
    assert!(!rewrapped.contains("enc1.old."), "{rewrapped}");
    let shown = custodia(
        &[
            "reveal",
            "--audience",
            "auditor",
            "--policy",
            rotated,
            "--keys",
            keys,
            "--purpose",
            "case 1",
            "-q",
        ],
        rewrapped.as_bytes(),
    );
    assert_eq!(shown.status.code(), Some(0), "{}", text(&shown.stderr));
    let shown = text(&shown.stdout);
    assert!(
        shown.contains("Ann Lee") && shown.contains(",VIP customer"),
        "{shown}"
    );
    assert!(!shown.contains("extension"), "no derived columns: {shown}");
}

#[test]
fn storage_is_encrypted_revealed_per_audience_rewrapped_and_audited() {
    let keys = scratch("crypt-keys.json");
    std::fs::write(&keys, CRYPT_KEYS).unwrap();
    let policy = scratch("crypt-policy.json");
    std::fs::write(&policy, crypt_policy("crypt")).unwrap();
    let (keys, policy) = (keys.to_str().unwrap(), policy.to_str().unwrap());
    let input = "customer_id,full_name,email,phone,city,country\n\
                 c-1,张伟,zhang.wei@example.com,138 1234 5678,上海,CN\n\
                 c-2,Ann Lee,ann@example.com,+86 139 1111 2222,Beijing,CN\n";
    let out = custodia(
        &[
            "mask",
            "--audience",
            "storage",
            "--policy",
            policy,
            "--keys",
            keys,
            "-q",
        ],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stored = text(&out.stdout);
    let in_clear = sealed_values_hidden(&stored);
    for secret in ["张伟", "zhang", "5678", "Ann", "2222"] {
        assert!(!in_clear.contains(secret), "{secret} in {stored}");
    }
    assert!(stored.contains(",enc1.crypt.") && stored.contains(",det1.crypt.."));
    assert!(stored.contains("c-1,") && stored.contains("上海"));

    // Support sees masked values; the auditor the values themselves.
    let log = scratch("crypt-audit.jsonl");
    let _ = std::fs::remove_file(&log);
    let log = log.to_str().unwrap();
    let reveal = |audience: &str, rows: &str| {
        custodia(
            &[
                "reveal",
                "--audience",
                audience,
                "--policy",
                policy,
                "--keys",
                keys,
                "--purpose",
                "ticket 4711",
                "--actor",
                "ops",
                "--audit-log",
                log,
                "-q",
            ],
            rows.as_bytes(),
        )
    };
    let out = reveal("support", &stored);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let support = text(&out.stdout);
    assert!(
        support.contains("138****5678") && support.contains("张*"),
        "{support}"
    );
    assert!(
        support.contains("[redacted]") && !support.contains("zhang"),
        "{support}"
    );
    let out = reveal("auditor", &stored);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let auditor = text(&out.stdout);
    assert!(auditor.contains("zhang.wei@example.com") && auditor.contains("+8613812345678"));
    let entries = std::fs::read_to_string(log).unwrap();
    assert_eq!(entries.lines().count(), 4);
    assert!(
        entries.contains("\"purpose\":\"ticket 4711\"") && entries.contains("\"actor\":\"ops\"")
    );
    let entries = audit_entries_without_macs(&entries);
    assert!(!entries.contains("5678") && !entries.contains("zhang") && !entries.contains("c-1"));
    let verify = |log: &str| custodia(&["audit", "verify", log, "--keys", keys], b"");
    let out = verify(log);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("4 entries, chain intact"));

    // A ciphertext moved to another row is refused, and the refusal logged.
    let moved = stored.replacen("c-1,", "c-9,", 1);
    let out = reveal("auditor", &moved);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(!text(&out.stdout).contains("c-9"), "{}", text(&out.stdout));
    let entries = std::fs::read_to_string(log).unwrap();
    assert!(
        entries
            .lines()
            .any(|l| l.contains("\"outcome\":\"failed\""))
    );
    // Without a purpose there is no reveal.
    let out = custodia(
        &[
            "reveal",
            "--audience",
            "auditor",
            "--policy",
            policy,
            "--keys",
            keys,
            "--purpose",
            " ",
        ],
        stored.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(2));

    // A changed, a removed and a reordered entry are each found.
    let lines: Vec<&str> = entries.lines().collect();
    for (name, tampered) in [
        ("changed", {
            let mut l = lines.clone();
            let edited = l[1].replace("ticket 4711", "ticket 4712");
            l[1] = &*Box::leak(edited.into_boxed_str());
            l
        }),
        ("removed", {
            let mut l = lines.clone();
            l.remove(1);
            l
        }),
        ("reordered", {
            let mut l = lines.clone();
            l.swap(1, 2);
            l
        }),
    ] {
        let path = scratch(&format!("crypt-audit-{name}.jsonl"));
        std::fs::write(&path, tampered.join("\n") + "\n").unwrap();
        let out = verify(path.to_str().unwrap());
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert!(
            text(&out.stderr).contains("line 2"),
            "{name}: {}",
            text(&out.stderr)
        );
    }

    // Rotation: rows stored under `old` move to `crypt` and reveal alike.
    let old_policy = scratch("crypt-policy-old.json");
    std::fs::write(&old_policy, crypt_policy("old")).unwrap();
    let old_keys = scratch("crypt-keys-old.json");
    std::fs::write(
        &old_keys,
        r#"{"old": "3333333333333333333333333333333333333333333333333333333333333333"}"#,
    )
    .unwrap();
    let out = custodia(
        &[
            "mask",
            "--audience",
            "storage",
            "--policy",
            old_policy.to_str().unwrap(),
            "--keys",
            old_keys.to_str().unwrap(),
            "-q",
        ],
        input.as_bytes(),
    );
    let aged = text(&out.stdout);
    assert!(aged.contains(",enc1.old."));
    // A decrypt-only key makes nothing new.
    let out = custodia(
        &[
            "mask",
            "--audience",
            "storage",
            "--policy",
            old_policy.to_str().unwrap(),
            "--keys",
            keys,
        ],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("decrypt-only"),
        "{}",
        text(&out.stderr)
    );
    let out = custodia(
        &[
            "rewrap",
            "--audience",
            "storage",
            "--policy",
            policy,
            "--keys",
            keys,
            "-q",
        ],
        aged.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rewrapped = text(&out.stdout);
    assert!(!rewrapped.contains(".old.") && rewrapped.contains(",enc1.crypt."));
    let plain = |rows: &str| {
        let out = custodia(
            &[
                "reveal",
                "--audience",
                "auditor",
                "--policy",
                policy,
                "--keys",
                keys,
                "--purpose",
                "check",
                "-q",
            ],
            rows.as_bytes(),
        );
        text(&out.stdout)
    };
    assert_eq!(plain(&rewrapped), auditor);
}

#[test]
fn subject_requests_find_a_person_across_sources() {
    let crm = scratch("subject-crm.csv");
    std::fs::write(
        &crm,
        "customer_id,full_name,email,phone,birth_date,country\n\
         c-1,Ann Lee,ann@example.com,+1 415 555 0123,1980-02-03,US\n\
         c-2,Bob Stone,bob@example.com,+1 415 555 0199,1975-05-06,US\n",
    )
    .unwrap();
    let billing = scratch("subject-billing.csv");
    std::fs::write(
        &billing,
        "account,full_name,email,phone,country\n\
         b-7,Ann Lee,ANN@example.com,(415) 555-0123,US\n\
         b-8,Carl Diaz,carl@example.com,(415) 555-0177,US\n",
    )
    .unwrap();
    let plan = scratch("subject-plan.csv");
    let export_path = scratch("subject-export.json");
    let crm_source = format!("crm={}", crm.display());
    let billing_source = format!("billing={}", billing.display());
    let out = custodia(
        &[
            "subject",
            "--source",
            &crm_source,
            "--source",
            &billing_source,
            "--email",
            "ann@example.com",
            "--name",
            "Ann Lee",
            "--erasure-plan",
            plan.to_str().unwrap(),
            "--export",
            export_path.to_str().unwrap(),
        ],
        b"",
    );
    let exported: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&export_path).unwrap()).unwrap();
    assert_eq!(exported["records"].as_array().map(Vec::len), Some(2));
    // Two sources of one name could not be told apart in the plan.
    let twice = custodia(
        &[
            "subject",
            "--source",
            &crm_source,
            "--source",
            &crm_source,
            "--name",
            "Ann Lee",
        ],
        b"",
    );
    assert_eq!(twice.status.code(), Some(2));
    assert!(
        text(&twice.stderr).contains("given twice"),
        "{}",
        text(&twice.stderr)
    );
    let out2 = custodia(
        &[
            "subject",
            "--source",
            &crm_source,
            "--source",
            &billing_source,
            "--email",
            "ann@example.com",
            "--name",
            "Ann Lee",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let plan = std::fs::read_to_string(plan).unwrap();
    assert!(
        plan.starts_with("source,row,probability,confirm\n"),
        "{plan}"
    );
    assert!(
        plan.contains("crm,2,") && plan.contains("billing,2,"),
        "{plan}"
    );
    assert!(
        !plan.contains("crm,3,") && !plan.contains("billing,3,"),
        "{plan}"
    );
    let export: serde_json::Value = serde_json::from_slice(&out2.stdout).unwrap();
    let records = export["records"].as_array().unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(
        records[0]["values"]["email"]["value"]
            .as_str()
            .map(str::to_lowercase)
            .as_deref(),
        Some("ann@example.com")
    );
    assert!(text(&out2.stderr).contains("2 records found in 2 sources"));
    // Nobody: exit 1; no detail: a usage error.
    let out = custodia(
        &[
            "subject",
            "--source",
            &crm_source,
            "--email",
            "zed@example.org",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let out = custodia(&["subject", "--source", &crm_source], b"");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    // Sources with their own column names and delimiter.
    let shop = scratch("subject-shop.csv");
    std::fs::write(
        &shop,
        "id;name;mail;mobile\n\
         s-1;Ann Lee;ann@example.com;+1 415 555 0123\n\
         s-2;Dee Park;dee@example.com;+1 415 555 0100\n",
    )
    .unwrap();
    let shop_source = format!("shop={}", shop.display());
    let mut args = vec!["subject", "--source", &shop_source, "-d", ";"];
    args.extend(["--email", "ann@example.com", "--name", "Ann Lee"]);
    let unmapped = custodia(&args, b"");
    assert_eq!(
        unmapped.status.code(),
        Some(2),
        "{}",
        text(&unmapped.stderr)
    );
    assert!(text(&unmapped.stderr).contains("--map"));
    args.extend(["--map", "name=full_name", "--map", "mail=email"]);
    args.extend(["--map", "mobile=phone", "--map", "id=customer_id"]);
    let mapped = custodia(&args, b"");
    assert_eq!(mapped.status.code(), Some(0), "{}", text(&mapped.stderr));
    let export: serde_json::Value = serde_json::from_slice(&mapped.stdout).unwrap();
    let records = export["records"].as_array().unwrap();
    assert_eq!(records.len(), 1, "{export}");
    assert_eq!(records[0]["values"]["customer_id"]["value"], "s-1");
}

#[test]
fn national_ids_are_checked_by_the_record_country() {
    let rejects = scratch("national_id_rejects.csv");
    let csv = "customer_id,country,national_id\n\
               us1,US,123-45-6789\n\
               us2,US,666-12-3456\n\
               cn1,CN,11010519491231002X\n\
               cn2,China,110105194912310021\n\
               gb1,GB,ab 12 34 56 c\n\
               jp1,JP,1234-5678-9012\n\
               no1,,123456789\n";
    let out = custodia(
        &["clean", "--quiet", "--rejects", rejects.to_str().unwrap()],
        csv.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let output = text(&out.stdout);
    let kept: Vec<&str> = output.lines().skip(1).collect();
    assert_eq!(kept.len(), 5, "{output}");
    assert!(kept[0].starts_with("us1,US,123456789,"), "{output}");
    assert!(
        kept[1].starts_with("cn1,CN,11010519491231002X,"),
        "{output}"
    );
    assert!(kept[2].starts_with("gb1,GB,AB123456C,"), "{output}");
    // A country without a scheme: compacted, accepted unchecked.
    assert!(kept[3].starts_with("jp1,JP,123456789012,"), "{output}");
    // No country, 9 digits (an SSN, a SIN or a BSN?): kept unchecked.
    assert!(kept[4].starts_with("no1,,123456789,"), "{output}");
    let rejects = std::fs::read_to_string(&rejects).unwrap();
    let rows: Vec<&str> = rejects.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{rejects}");
    assert!(
        rows[0].contains("id_never_issued") && rows[0].contains("us2"),
        "{rejects}"
    );
    assert!(
        rows[1].contains("id_checksum") && rows[1].contains("cn2"),
        "{rejects}"
    );
}
