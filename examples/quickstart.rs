//! Loads the built-in sample customers into records of the standard
//! customer schema, normalizes and validates each one, and shows what
//! custodia made of it: the canonical record, what changed (field and rule,
//! never values), every issue found, and what the `support` audience of the
//! built-in masking policy sees. Lines that cannot become a record at all
//! are refused with the field and the reason. Then it finds the records of
//! one customer among the rest and merges each into a golden record that
//! says which line every value came from.
//!
//! Run it with `cargo run --example quickstart`.

use custodia::dedupe::{Deduper, MergePolicy, Merger};
use custodia::{Key, KeyRing, Masker, Normalizer, Policy, Record, Schema, Validator};

/// Eight customers in JSON Lines, some clean, some messy, two malformed.
const SAMPLE: &str = include_str!("data/customers.jsonl");

fn main() -> Result<(), custodia::Error> {
    let schema = Schema::customer();
    let normalizer = Normalizer::new(&schema);
    let validator = Validator::new(&schema);
    // Demo keys only: real keys come from a secret store.
    let keys = KeyRing::new()
        .with(Key::new("pseudonym", b"demo-pseudonym-key-32-bytes-long")?)
        .with(Key::new("token", b"demo-token-key16")?);
    let masker = Masker::new(&schema, &Policy::customer(), keys)?;
    println!(
        "schema `{}` v{}: {} fields",
        schema.name(),
        schema.version(),
        schema.len()
    );

    let (mut clean, mut with_errors, mut refused) = (0, 0, 0);
    // Every record that became one, with its line, for deduplication.
    let mut kept: Vec<(usize, Record)> = Vec::new();
    for (line, json) in SAMPLE.lines().enumerate().map(|(i, l)| (i + 1, l)) {
        let record = match Record::from_json(&schema, json) {
            Ok(record) => record,
            Err(err) => {
                refused += 1;
                println!("\nline {line}: refused ({}): {err}", err.code());
                continue;
            }
        };
        let normalized = normalizer.normalize_owned(record)?;
        let report = validator.validate_normalized(&normalized)?;
        let support = masker.mask_normalized(normalized.clone(), "support")?;
        println!("\nline {line}: {}", normalized.record.to_json());
        for change in &normalized.changes {
            let steps: Vec<_> = change.steps.iter().map(|s| s.name()).collect();
            println!("  changed {} ({})", change.field, steps.join(", "));
        }
        for issue in report.issues() {
            println!("  {} {}: {}", issue.level().name(), issue.code(), issue);
        }
        println!("  support sees: {}", support.to_json());
        if report.is_valid() {
            clean += 1;
        } else {
            with_errors += 1;
        }
        kept.push((line, normalized.record));
    }
    println!("\n{clean} valid, {with_errors} with errors, {refused} refused");

    // Who is the same customer? (Too few records to train on, so the
    // built-in customer model weighs the evidence.)
    let records: Vec<Record> = kept.iter().map(|(_, r)| r.clone()).collect();
    let outcome = Deduper::new(&schema)?.run(&records)?;
    for pair in outcome.pairs() {
        println!(
            "\nlines {} and {} are one customer (p = {:.3})",
            kept[pair.a].0, kept[pair.b].0, pair.probability
        );
    }
    let golden =
        Merger::new(&schema, &MergePolicy::customer())?.merge(&records, outcome.clusters())?;
    for merged in golden.iter().filter(|g| g.members.len() > 1) {
        let lines: Vec<usize> = merged.members.iter().map(|&m| kept[m].0).collect();
        println!(
            "golden record of lines {lines:?}: {}",
            merged.record.to_json()
        );
        let sources: Vec<String> = schema
            .fields()
            .iter()
            .zip(&merged.sources)
            .filter_map(|(f, s)| s.map(|row| format!("{} from line {}", f.name(), kept[row].0)))
            .collect();
        println!("  {}", sources.join(", "));
    }
    Ok(())
}
