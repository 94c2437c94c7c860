//! Duplicate detection accuracy as a user gets it: through the command
//! line, with default settings.
//!
//!     cargo build --release --features cli
//!     cargo run --release --features cli --example accuracy [-- path/to/custodia]
//!
//! Writes each data set as a CSV file (the Febrl files with a schema; the
//! multilingual generator's customers with the built-in customer schema),
//! runs `custodia dedupe` on it and scores the `cluster_id`s against the
//! truth: pairwise precision, recall and F1 over every pair of rows. A row
//! without a `cluster_id` counts as a customer of its own. febrl4 is its
//! two files in one (every predicted pair counts, within a file too).
//! Prints a Markdown table.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use custodia::dedupe::generate::Generator;
use custodia::{Customer, Schema};

type Failure = Box<dyn std::error::Error>;

fn main() -> Result<(), Failure> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let binary = std::env::args()
        .nth(1)
        .map_or_else(|| root.join("target/release/custodia"), PathBuf::from);
    if !binary.exists() {
        return Err(format!(
            "{} not found: run `cargo build --release --features cli` first",
            binary.display()
        )
        .into());
    }
    let dir = std::env::temp_dir().join(format!("custodia-accuracy-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let febrl_schema = dir.join("febrl.json");
    std::fs::write(&febrl_schema, FEBRL_SCHEMA)?;
    println!("| data | rows | true pairs | precision | recall | F1 | seconds |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (name, files) in [
        ("febrl1", &["febrl1.csv"][..]),
        ("febrl2", &["febrl2.csv"]),
        ("febrl4 (a + b)", &["febrl4a.csv", "febrl4b.csv"]),
    ] {
        let (csv, truth) = febrl(&root, files)?;
        let input = dir.join("input.csv");
        std::fs::write(&input, csv)?;
        let row = run(&binary, &input, Some(&febrl_schema), &dir, &truth)?;
        println!("| {name} {row}");
    }
    for (n, seed) in [(10_000, 1), (200_000, 2)] {
        let data = Generator::multilingual(seed).generate(n)?;
        let input = dir.join("input.csv");
        std::fs::write(&input, customers_csv(&data.records))?;
        let row = run(&binary, &input, None, &dir, &data.people)?;
        println!("| multilingual {n} {row}");
    }
    if std::env::var_os("KEEP").is_none() {
        std::fs::remove_dir_all(&dir)?;
    } else {
        eprintln!("kept {}", dir.display());
    }
    Ok(())
}

const FEBRL_SCHEMA: &str = r#"{"name": "febrl", "region": "AU", "fields": [
    {"name": "rec_id", "kind": "text", "required": true},
    {"name": "given_name", "kind": "given_name"},
    {"name": "surname", "kind": "family_name"},
    {"name": "street_number", "kind": "text", "compare": "code"},
    {"name": "address_1", "kind": "street"},
    {"name": "address_2", "kind": "street"},
    {"name": "suburb", "kind": "city"},
    {"name": "postcode", "kind": "postcode"},
    {"name": "state", "kind": "region"},
    {"name": "date_of_birth", "kind": "birth_date"}
]}"#;

/// The Febrl files as one CSV without `soc_sec_id` (values trimmed), and
/// the person of each row.
fn febrl(root: &Path, files: &[&str]) -> Result<(String, Vec<String>), Failure> {
    let mut csv = String::new();
    let mut truth = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let text = std::fs::read_to_string(root.join("tests/data/febrl").join(file))?;
        for (j, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
            let cells: Vec<&str> = line.split(',').map(str::trim).take(10).collect();
            if j == 0 {
                if i == 0 {
                    csv.push_str(&cells.join(","));
                    csv.push('\n');
                }
                continue;
            }
            csv.push_str(&cells.join(","));
            csv.push('\n');
            truth.push(cells[0].split('-').nth(1).unwrap_or_default().to_owned());
        }
    }
    Ok((csv, truth))
}

/// Customers as CSV with the customer schema's columns.
fn customers_csv(records: &[custodia::Record]) -> String {
    let schema = Schema::customer();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name()).collect();
    let mut csv = names.join(",");
    csv.push('\n');
    for record in records {
        let json = serde_json::to_value(Customer::from_record(record)).unwrap_or_default();
        let cells: Vec<String> = names
            .iter()
            .map(|n| {
                let value = json.get(*n).and_then(|v| v.as_str()).unwrap_or("");
                format!("\"{}\"", value.replace('"', "\"\""))
            })
            .collect();
        csv.push_str(&cells.join(","));
        csv.push('\n');
    }
    csv
}

/// Runs `custodia dedupe` on `input` and scores its clusters: the rest of
/// a table row.
fn run<T: Eq + std::hash::Hash + Clone>(
    binary: &Path,
    input: &Path,
    schema: Option<&Path>,
    dir: &Path,
    truth: &[T],
) -> Result<String, Failure> {
    let output = dir.join("output.csv");
    let mut command = Command::new(binary);
    command
        .arg("dedupe")
        .arg("--input")
        .arg(input)
        .arg("--output")
        .arg(&output)
        .arg("--quiet");
    if let Some(schema) = schema {
        command.arg("--schema").arg(schema);
    }
    let start = Instant::now();
    if std::env::var_os("KEEP").is_some() {
        command
            .arg("--rejects")
            .arg(dir.join(format!("rejects-{}.csv", truth.len())));
    }
    let status = command.status()?;
    let seconds = start.elapsed().as_secs_f64();
    // Exit code 1 means some rows were rejected; anything else failed.
    if !matches!(status.code(), Some(0 | 1)) {
        return Err(format!("custodia dedupe failed: {status}").into());
    }
    let mut reader = csv::Reader::from_path(&output)?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (Some(row_at), Some(cluster_at)) = (column("_row"), column("cluster_id")) else {
        return Err("the output has no _row or cluster_id column".into());
    };
    // Each input row's cluster (line numbers: the header is line 1);
    // rows without one are customers of their own.
    let mut cluster: Vec<String> = (0..truth.len()).map(|i| format!("alone-{i}")).collect();
    for record in reader.records() {
        let record = record?;
        let row: usize = record.get(row_at).unwrap_or_default().parse()?;
        if let Some(slot) = row.checked_sub(2).and_then(|i| cluster.get_mut(i)) {
            *slot = record.get(cluster_at).unwrap_or_default().to_owned();
        }
    }
    let predicted = pairs(cluster.iter());
    let actual = pairs(truth.iter());
    let correct = pairs(cluster.iter().zip(truth));
    let precision = if predicted == 0 {
        1.0
    } else {
        correct as f64 / predicted as f64
    };
    let recall = correct as f64 / actual.max(1) as f64;
    let f1 = 2.0 * precision * recall / (precision + recall).max(f64::MIN_POSITIVE);
    Ok(format!(
        "| {} | {actual} | {precision:.4} | {recall:.4} | **{f1:.4}** | {seconds:.1} |",
        truth.len()
    ))
}

/// Pairs of rows that share a key.
fn pairs<K: Eq + std::hash::Hash>(keys: impl Iterator<Item = K>) -> u64 {
    let mut counts: HashMap<K, u64> = HashMap::new();
    for key in keys {
        *counts.entry(key).or_default() += 1;
    }
    counts.values().map(|&n| n * (n - 1) / 2).sum()
}
