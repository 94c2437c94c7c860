//! Field verdicts for the differential test suite (`scripts/differential/`):
//! reads cases as JSON Lines on stdin, one object a line,
//!
//! ```json
//! {"kind": "phone", "region": "DE", "value": "030 1234567"}
//! ```
//!
//! and writes one line per case in the same order: whether custodia calls
//! the value valid (no error on its field), the value normalization stores,
//! and the codes of the issues found on the field.
//!
//! ```json
//! {"valid": true, "normalized": "+49301234567", "errors": [], "warnings": []}
//! ```
//!
//! Kinds: `phone`, `email`, `cn_resident_id`, `cn_uscc`, `us_ssn`, `es_dni`,
//! `fr_nir`, `it_codice_fiscale`, `de_idnr`, `nl_bsn`, `br_cpf`,
//! `in_aadhaar`, `kr_rrn`, `ca_sin`, `national_id` (scheme `by_country`),
//! `iban`, `payment_card`. `region` (ISO 3166-1 alpha-2, or null) is the
//! record's country, which phones and `national_id` are read in. Run it with
//! `cargo run --release --example verdicts < cases.jsonl`.

use std::io::{BufRead, BufWriter, Write};

use custodia::{Normalizer, Record, Schema, Severity, Validator};
use serde::Deserialize;

const SCHEMA: &str = r#"{
    "name": "verdicts",
    "fields": [
        {"name": "country", "kind": "country"},
        {"name": "phone", "kind": "phone"},
        {"name": "email", "kind": "email"},
        {"name": "cn_resident_id", "kind": "national_id", "scheme": "cn_resident_id"},
        {"name": "cn_uscc", "kind": "national_id", "scheme": "cn_uscc"},
        {"name": "us_ssn", "kind": "national_id", "scheme": "us_ssn"},
        {"name": "es_dni", "kind": "national_id", "scheme": "es_dni"},
        {"name": "fr_nir", "kind": "national_id", "scheme": "fr_nir"},
        {"name": "it_codice_fiscale", "kind": "national_id", "scheme": "it_codice_fiscale"},
        {"name": "de_idnr", "kind": "national_id", "scheme": "de_idnr"},
        {"name": "nl_bsn", "kind": "national_id", "scheme": "nl_bsn"},
        {"name": "br_cpf", "kind": "national_id", "scheme": "br_cpf"},
        {"name": "in_aadhaar", "kind": "national_id", "scheme": "in_aadhaar"},
        {"name": "kr_rrn", "kind": "national_id", "scheme": "kr_rrn"},
        {"name": "ca_sin", "kind": "national_id", "scheme": "ca_sin"},
        {"name": "national_id", "kind": "national_id", "scheme": "by_country"},
        {"name": "iban", "kind": "iban"},
        {"name": "payment_card", "kind": "payment_card"}
    ]
}"#;

#[derive(Deserialize)]
struct Case {
    kind: String,
    region: Option<String>,
    value: String,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let schema = Schema::from_json(SCHEMA)?;
    let normalizer = Normalizer::new(&schema);
    let validator = Validator::new(&schema);
    let stdin = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    for (number, line) in stdin.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let case: Case =
            serde_json::from_str(&line).map_err(|e| format!("line {}: {e}", number + 1))?;
        let Some(field) = schema
            .index_of(&case.kind)
            .filter(|_| case.kind != "country")
        else {
            return Err(format!("line {}: unknown kind", number + 1).into());
        };
        let mut record = Record::new(&schema);
        if let Some(region) = &case.region {
            record.set("country", region.as_str())?;
        }
        record.set(&case.kind, case.value.as_str())?;
        let normalized = normalizer.normalize(&record)?;
        let report = validator.validate_normalized(&normalized)?;
        let (mut errors, mut warnings) = (Vec::new(), Vec::new());
        for issue in report.issues() {
            if issue.path().as_str() != case.kind {
                continue;
            }
            match issue.level() {
                Severity::Error => errors.push(issue.code().name()),
                Severity::Warning => warnings.push(issue.code().name()),
            }
        }
        let stored = normalized
            .record
            .get_at(field)
            .and_then(custodia::Value::to_text);
        let verdict = serde_json::json!({
            "valid": errors.is_empty(),
            "normalized": stored,
            "errors": errors,
            "warnings": warnings,
        });
        writeln!(out, "{verdict}")?;
    }
    out.flush()?;
    Ok(())
}
