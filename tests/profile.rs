//! `custodia profile` and the library's `Profiler`: what a profile says
//! of the built-in sample, that it never holds a sensitive value, JSON
//! round trips, drift, duplicates from a `cluster_id` column, and that the
//! result does not depend on how the work was split.

use custodia::profile::{Profile, ProfileSettings, Profiler};
use custodia::{Normalizer, Record, Schema, Validator};
use proptest::prelude::*;
use serde_json::Value;

use crate::cli::{custodia, root, scratch, text};

const SAMPLE: &str = "examples/data/customers.csv";

/// Values of sensitive fields in the sample, raw and normalized: none may
/// appear in a profile.
const SECRETS: &[&str] = &[
    "Zhang Wei",
    "张伟",
    "O'Neil",
    "zhang.wei@example.com",
    "Zhang.Wei",
    "bob@example.com",
    "+8613800138000",
    "13800138000",
    "4155550100",
    "11010519491231002X",
    "1985-03-14",
    "1979-02-14",
    "Martin Pl",
    "南京西路",
];

fn sample() -> String {
    root().join(SAMPLE).display().to_string()
}

fn json(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn field<'a>(profile: &'a Value, name: &str) -> &'a Value {
    profile["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no field {name}"))
}

#[test]
fn profile_of_the_sample() {
    let (json_path, html_path) = (
        scratch("sample.profile.json"),
        scratch("sample.profile.html"),
    );
    let out = custodia(
        &[
            "profile",
            "-i",
            &sample(),
            "--as-of",
            "2026-11-01",
            "--json",
            json_path.to_str().unwrap(),
            "--html",
            html_path.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "with --json, nothing on stdout");
    assert!(
        text(&out.stderr).contains("profiled 13 rows: 12 records"),
        "{}",
        text(&out.stderr)
    );
    let p = json(&json_path);
    assert_eq!(p["format"], "custodia-profile");
    assert_eq!(p["version"], 1);
    assert_eq!(p["schema"], "customer");
    assert_eq!(p["as_of"], "2026-11-01");
    assert_eq!(p["rows"]["read"], 13);
    assert_eq!(p["rows"]["records"], 12);
    assert_eq!(p["rows"]["unreadable"]["row_length"], 1);

    // A non-sensitive field lists values, normalized.
    let country = field(&p, "country");
    assert_eq!(country["sensitive"], false);
    assert_eq!(country["values"], 12);
    assert_eq!(country["completeness"], 1.0);
    assert_eq!(country["top_values"][0]["value"], "CN");
    assert_eq!(country["top_values"][0]["count"], 5);
    assert_eq!(country["distinct"], 5);
    assert!(country["changes"].as_object().unwrap().values().count() > 0);

    // Sensitive fields: patterns, never values.
    let phone = field(&p, "phone");
    assert_eq!(phone["sensitive"], true);
    assert_eq!(phone["top_values"], Value::Array(vec![]));
    let patterns: Vec<&str> = phone["top_patterns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pattern"].as_str().unwrap())
        .collect();
    assert!(patterns.contains(&"+86 1NN NNNN NNNN"), "{patterns:?}");
    let birth = field(&p, "birth_date");
    assert_eq!(birth["dates"]["min"], "1970", "years only");

    // Validity by issue code: one bad email of 12.
    let email = field(&p, "email");
    assert_eq!(email["values"], 12);
    assert!(email["validity"].as_f64().unwrap() < 1.0);
    assert!(
        email["issues"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["severity"] == "error"),
        "{email}"
    );
    let required = field(&p, "customer_id");
    assert_eq!(required["missing"], 1);
    assert!(
        p["issues"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["code"] == "required")
    );
    assert!(p["records"]["with_errors"].as_u64().unwrap() >= 3);
    // No `updated_at` in the sample's columns: every record has no date.
    assert_eq!(p["staleness"]["no_date"], 12);
    assert!(p.get("duplicates").is_none(), "no cluster_id column");

    let html = std::fs::read_to_string(&html_path).unwrap();
    let page = std::fs::read_to_string(&json_path).unwrap() + &html;
    for secret in SECRETS {
        assert!(!page.contains(secret), "a profile shows a sensitive value");
    }
    assert!(html.starts_with("<!DOCTYPE html>"));
    for chart in ["completeness", "issues", "record-completeness", "staleness"] {
        assert!(html.contains(&format!("data-chart=\"{chart}\"")), "{chart}");
    }
    // Self-contained: nothing is fetched.
    for outside in ["http://", "https://", "<link", " src=", "@import", "url("] {
        assert!(
            !html.contains(outside),
            "the page refers outside: {outside}"
        );
    }
}

#[test]
fn json_goes_to_stdout_by_default_and_jsonl_reads_the_same() {
    let csv = custodia(
        &["profile", "-q", "--as-of", "2026-11-01", "-i", &sample()],
        b"",
    );
    assert_eq!(csv.status.code(), Some(0), "{}", text(&csv.stderr));
    assert!(csv.stderr.is_empty(), "quiet");
    let csv: Value = serde_json::from_slice(&csv.stdout).unwrap();
    let jsonl = root().join("examples/data/customers.jsonl");
    let lines = custodia(
        &[
            "profile",
            "-q",
            "--format",
            "jsonl",
            "--as-of",
            "2026-11-01",
            "-i",
            jsonl.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(lines.status.code(), Some(0), "{}", text(&lines.stderr));
    let lines: Value = serde_json::from_slice(&lines.stdout).unwrap();
    assert_eq!(lines["format"], "custodia-profile");
    assert!(lines["rows"]["records"].as_u64().unwrap() > 0);
    // The JSON Lines sample has `updated_at` for some records.
    assert!(lines["staleness"]["no_date"].as_u64() < lines["rows"]["records"].as_u64());
    assert_eq!(
        csv["fields"].as_array().unwrap().len(),
        lines["fields"].as_array().unwrap().len()
    );
}

#[test]
fn the_same_input_gives_the_same_profile_on_any_thread_count() {
    // More rows than one batch of the parallel profiler, and more distinct
    // values than its summaries keep, so parts are merged and the
    // frequent values are approximate.
    let mut csv = String::from("customer_id,country,city,updated_at,cluster_id\n");
    for i in 0..40_000u32 {
        let city = if i % 3 == 0 {
            "Berlin".to_owned()
        } else {
            format!("Town {}", i % 997)
        };
        csv.push_str(&format!(
            "c{i},{},{city},2026-{:02}-{:02},k{}\n",
            ["DE", "FR", "GB"][(i % 3) as usize],
            1 + i % 12,
            1 + i % 28,
            i / 3
        ));
    }
    let input = scratch("threads.csv");
    std::fs::write(&input, csv).unwrap();
    let run = |threads: &str| {
        let out = std::process::Command::new(crate::cli::binary())
            .args(["profile", "-q", "--as-of", "2026-11-01", "-i"])
            .arg(&input)
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        out.stdout
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    assert_eq!(one, run("3"));
    let p: Value = serde_json::from_slice(&one).unwrap();
    assert_eq!(p["rows"]["records"], 40_000);
    let city = field(&p, "city");
    assert_eq!(city["top_approximate"], true);
    assert_eq!(city["top_values"][0]["value"], "Berlin");
    // A lower bound, off by at most records / 129.
    let berlin = city["top_values"][0]["count"].as_u64().unwrap();
    assert!(
        (13_334 - 40_000 / 129..=13_334).contains(&berlin),
        "{berlin}"
    );
    assert_eq!(p["duplicates"]["cluster_sizes"][0]["size"], 1);
    assert_eq!(p["duplicates"]["duplicate_clusters"], 13_333);
}

#[test]
fn compare_shows_drift() {
    // The earlier file: the first five rows only, all of them clean but
    // one phone.
    let all = std::fs::read_to_string(root().join(SAMPLE)).unwrap();
    let early: String = all.lines().take(6).map(|l| format!("{l}\n")).collect();
    let before = scratch("drift.before.json");
    let out = custodia(
        &[
            "profile",
            "-q",
            "--as-of",
            "2026-10-01",
            "--json",
            before.to_str().unwrap(),
        ],
        early.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let (after, page) = (scratch("drift.after.json"), scratch("drift.after.html"));
    let out = custodia(
        &[
            "profile",
            "-q",
            "--as-of",
            "2026-11-01",
            "-i",
            &sample(),
            "--compare",
            before.to_str().unwrap(),
            "--json",
            after.to_str().unwrap(),
            "--html",
            page.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let p = json(&after);
    let drift = &p["drift"];
    assert_eq!(drift["previous_as_of"], "2026-10-01");
    assert_eq!(drift["records_before"], 5);
    assert_eq!(drift["records_after"], 12);
    let new_codes: Vec<&str> = drift["new_issue_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(new_codes.contains(&"required"), "{new_codes:?}");
    // customer_id was complete, now one is missing.
    let moved = drift["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "customer_id")
        .expect("customer_id moved");
    assert_eq!(moved["completeness_before"], 1.0);
    assert!(moved["completeness_after"].as_f64().unwrap() < 1.0);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("id=\"drift\""));

    // The same comparison on the profiles as JSON (what C and Python call).
    let (now, then) = (
        std::fs::read_to_string(&after).unwrap(),
        std::fs::read_to_string(&before).unwrap(),
    );
    let again = Profile::compare_json(&now, &then, 1.0).unwrap();
    let again: Value = serde_json::from_str(&again).unwrap();
    assert_eq!(again["drift"], p["drift"]);
    for points in [-0.5, 100.5, f64::NAN] {
        let err = Profile::compare_json(&now, &then, points).unwrap_err();
        assert_eq!(err.code().name(), "INVALID_PIPELINE", "{points}");
    }

    // A file that is not a profile is a usage error that quotes nothing.
    let bad = scratch("drift.bad.json");
    std::fs::write(&bad, r#"{"format": "secret-value", "version": 1}"#).unwrap();
    let out = custodia(
        &[
            "profile",
            "-i",
            &sample(),
            "--compare",
            bad.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("not a custodia profile"), "{err}");
    assert!(!err.contains("secret-value"), "{err}");
    // A profile whose values have the wrong type: the message says where,
    // never what.
    let mut p = json(&after);
    p["fields"][0]["top_values"][0]["count"] = Value::String("secret-value".into());
    std::fs::write(&bad, p.to_string()).unwrap();
    let out = custodia(
        &[
            "profile",
            "-i",
            &sample(),
            "--compare",
            bad.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("does not have the members or types of a profile"),
        "{err}"
    );
    assert!(!err.contains("secret-value"), "{err}");
}

#[test]
fn duplicates_come_from_the_cluster_id_column() {
    let deduped = scratch("profile.deduped.csv");
    let out = custodia(
        &[
            "dedupe",
            "-q",
            "-i",
            &sample(),
            "-o",
            deduped.to_str().unwrap(),
        ],
        b"",
    );
    assert!(out.status.code() == Some(0) || out.status.code() == Some(1));
    let rows = std::fs::read_to_string(&deduped).unwrap();
    assert!(rows.lines().next().unwrap().contains("cluster_id"));
    let out = custodia(
        &[
            "profile",
            "-q",
            "--as-of",
            "2026-11-01",
            "-i",
            deduped.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let p: Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &p["duplicates"];
    let records = p["rows"]["records"].as_u64().unwrap();
    let sizes = d["cluster_sizes"].as_array().unwrap();
    let total: u64 = sizes
        .iter()
        .map(|s| s["size"].as_u64().unwrap() * s["count"].as_u64().unwrap())
        .sum();
    assert_eq!(total, records, "every record is in one cluster");
    assert!(d["duplicate_clusters"].as_u64().unwrap() >= 2, "{d}");
    let extra = d["records_in_duplicate_clusters"].as_u64().unwrap()
        - d["duplicate_clusters"].as_u64().unwrap();
    assert_eq!(
        d["duplicate_rate"].as_f64().unwrap(),
        extra as f64 / records as f64
    );
    assert_eq!(d["clusters"].as_u64().unwrap(), records - extra);
    // The page draws the sizes.
    let page = scratch("profile.deduped.html");
    let out = custodia(
        &[
            "profile",
            "-q",
            "-i",
            deduped.to_str().unwrap(),
            "--html",
            page.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("data-chart=\"cluster-sizes\""));
}

#[test]
fn bad_settings_are_usage_errors() {
    for args in [
        &["profile", "--top", "0"][..],
        &["profile", "--as-of", "yesterday"],
        &["profile", "--staleness-field", "email"],
        &["profile", "--drift-points", "-1"],
    ] {
        let out = custodia(args, b"customer_id\n1\n");
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

/// Records of the customer schema, normalized and validated.
fn prepared(rows: &[String]) -> Vec<custodia::Processed> {
    let schema = Schema::customer();
    let pipeline = custodia::Pipeline::builder(&schema).build().unwrap();
    rows.iter()
        .filter_map(|json| Record::from_json(&schema, json).ok())
        .map(|r| pipeline.process(r).unwrap())
        .collect()
}

fn settings() -> ProfileSettings {
    ProfileSettings::from_json(r#"{"as_of": "2026-11-01"}"#).unwrap()
}

fn profile_of(done: &[custodia::Processed]) -> Profile {
    let mut profiler = Profiler::new(&Schema::customer(), &settings()).unwrap();
    for d in done {
        profiler.add(&d.record, &d.report, &d.changes);
    }
    profiler.finish()
}

fn row() -> impl Strategy<Value = String> {
    (
        prop::option::of("[a-c]{1,2}"),
        prop::option::of(prop::sample::select(vec!["CN", "de", "France", "xx"])),
        prop::option::of(prop::sample::select(vec![
            "a@example.com",
            "b@example.org",
            "not an email",
        ])),
        prop::option::of(prop::sample::select(vec![
            "2026-10-30",
            "2025-01-01",
            "2019-05-05",
            "2030-01-01",
        ])),
        prop::option::of(prop::sample::select(vec![
            "+86 138 0013 8000",
            "030 1234567",
            "12",
        ])),
    )
        .prop_map(|(id, country, email, updated, phone)| {
            let mut members = Vec::new();
            let mut put = |k: &str, v: Option<&str>| {
                if let Some(v) = v {
                    members.push(format!(
                        "{}: {}",
                        serde_json::json!(k),
                        serde_json::json!(v)
                    ));
                }
            };
            put("customer_id", id.as_deref());
            put("country", country);
            put("email", email);
            put("updated_at", updated);
            put("phone", phone);
            format!("{{{}}}", members.join(", "))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Profiles of parts, merged, are the profile of the whole; and the
    /// JSON reads back as the same profile.
    #[test]
    fn merged_parts_are_the_whole(rows in prop::collection::vec(row(), 0..40), cut in 0usize..40) {
        let done = prepared(&rows);
        let whole = profile_of(&done);
        let cut = cut.min(done.len());
        let mut left = Profiler::new(&Schema::customer(), &settings()).unwrap();
        let mut right = left.fresh();
        for d in &done[..cut] {
            left.add(&d.record, &d.report, &d.changes);
        }
        for d in &done[cut..] {
            right.add(&d.record, &d.report, &d.changes);
        }
        left.merge(right);
        let merged = left.finish();
        prop_assert_eq!(&merged, &whole);
        prop_assert_eq!(&Profile::from_json(&whole.to_json()).unwrap(), &whole);
        // Counts add up.
        for f in &whole.fields {
            prop_assert_eq!(f.values + f.missing, whole.rows.records);
            prop_assert!(f.valid <= f.values);
        }
        if let Some(s) = &whole.staleness {
            let n: u64 = s.buckets.iter().map(|b| b.count).sum::<u64>() + s.future + s.no_date;
            prop_assert_eq!(n, whole.rows.records);
        }
        let hist: u64 = whole.records.completeness_histogram.iter().map(|b| b.count).sum();
        prop_assert_eq!(hist, whole.rows.records);
    }
}

#[test]
fn staleness_buckets_count_days_to_as_of() {
    let rows: Vec<String> = ["2026-10-30", "2026-08-15", "2024-01-01", "2027-01-01"]
        .iter()
        .map(|d| format!(r#"{{"customer_id": "x", "updated_at": "{d}"}}"#))
        .chain([r#"{"customer_id": "y"}"#.to_owned()])
        .collect();
    let p = profile_of(&prepared(&rows));
    let s = p.staleness.as_ref().unwrap();
    assert_eq!(s.field, "updated_at");
    let count = |label: &str| s.buckets.iter().find(|b| b.label == label).unwrap().count;
    assert_eq!(count("up to 30 days"), 1);
    assert_eq!(count("31 to 90 days"), 1);
    assert_eq!(count("2 to 5 years"), 1);
    assert_eq!(s.future, 1);
    assert_eq!(s.no_date, 1);
}

#[test]
fn distinct_counts_are_exact_when_small_and_close_when_large() {
    let schema =
        Schema::from_json(r#"{"name": "t", "fields": [{"name": "code", "kind": "text"}]}"#)
            .unwrap();
    let (normalizer, validator) = (Normalizer::new(&schema), Validator::new(&schema));
    let mut profiler = Profiler::new(&schema, &settings()).unwrap();
    for i in 0..100_000u32 {
        let record =
            Record::from_json(&schema, &format!(r#"{{"code": "c{}"}}"#, i % 50_000)).unwrap();
        let n = normalizer.normalize(&record).unwrap();
        let report = validator.validate_normalized(&n).unwrap();
        profiler.add(&n.record, &report, &n.changes);
    }
    let p = profiler.finish();
    let code = p.field("code").unwrap();
    let error = (code.distinct as f64 - 50_000.0).abs() / 50_000.0;
    assert!(error < 0.05, "{} distinct", code.distinct);
    // Every value appears twice: no value is frequent enough to be sure of.
    assert!(code.top_approximate);
    assert!(code.top_values.iter().all(|v| v.count <= 2));
}

#[test]
fn the_cli_and_the_library_write_the_same_profile() {
    let cli = custodia(
        &["profile", "-q", "--as-of", "2026-11-01", "-i", &sample()],
        b"",
    );
    assert_eq!(cli.status.code(), Some(0), "{}", text(&cli.stderr));
    let (pipeline, options) =
        custodia::pipeline::PipelineConfig::from_json(r#"{"steps": ["clean"]}"#)
            .unwrap()
            .build(custodia::KeyRing::new())
            .unwrap();
    let mut profiler = Profiler::new(pipeline.schema(), &settings()).unwrap();
    let input = std::fs::read(root().join(SAMPLE)).unwrap();
    let summary = pipeline
        .profile(&options, input.as_slice(), &mut profiler, None)
        .unwrap();
    assert_eq!(summary.rows_in, 13);
    let library = profiler.finish().to_json() + "\n";
    assert_eq!(text(&cli.stdout), library);
}
