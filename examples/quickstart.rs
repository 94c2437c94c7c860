//! Loads the built-in sample customers into records of the standard
//! customer schema and shows what custodia makes of each line, including
//! the lines it refuses (with the field and the reason, never the value).
//!
//! Run it with `cargo run --example quickstart`.

use custodia::{Customer, Record, Schema};

/// Eight customers in JSON Lines, some clean, some messy, two malformed.
const SAMPLE: &str = include_str!("data/customers.jsonl");

fn main() {
    let schema = Schema::customer();
    println!(
        "schema `{}` v{}: {} fields ({})",
        schema.name(),
        schema.version(),
        schema.len(),
        schema
            .fields()
            .iter()
            .map(|f| f.name())
            .collect::<Vec<_>>()
            .join(", ")
    );

    let (mut accepted, mut refused) = (0, 0);
    for (line, json) in SAMPLE.lines().enumerate().map(|(i, l)| (i + 1, l)) {
        match Record::from_json(&schema, json) {
            Ok(record) => {
                accepted += 1;
                let customer = Customer::from_record(&record);
                let set = record.iter().filter(|(_, v)| !v.is_null()).count();
                println!(
                    "line {line}: {} from {} with {set} fields set",
                    customer.customer_id.as_deref().unwrap_or("?"),
                    customer.source.as_deref().unwrap_or("?"),
                );
            }
            Err(err) => {
                refused += 1;
                println!("line {line}: refused ({}): {err}", err.code());
            }
        }
    }
    println!(
        "{accepted} accepted, {refused} refused, {} lines in",
        accepted + refused
    );
}
