//! Writes N generated customers (messy, six countries, one phone each,
//! known duplicates) as CSV, for measuring the command-line tool:
//!
//!     cargo run --release --example customers_csv -- 1000000 > customers-1m.csv
//!     /usr/bin/time -v target/release/custodia clean --input customers-1m.csv \
//!         --output clean.csv --rejects rejects.csv --quiet

use std::io::{BufWriter, Write};

use custodia::Schema;
use custodia::dedupe::generate::Generator;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = match std::env::args().nth(1) {
        Some(arg) => arg.parse()?,
        None => 100_000,
    };
    let schema = Schema::customer();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name()).collect();
    writeln!(out, "{}", names.join(","))?;
    // In batches, so memory stays small at any N.
    let batch = 100_000;
    for (i, start) in (0..n).step_by(batch).enumerate() {
        let data = Generator::new(42 + i as u64).generate(batch.min(n - start))?;
        for record in &data.records {
            let cells: Vec<String> = record
                .values()
                .iter()
                .map(|v| {
                    let text = v.to_text().unwrap_or_default();
                    if text.contains([',', '"', '\n', '\r']) {
                        format!("\"{}\"", text.replace('"', "\"\""))
                    } else {
                        text.into_owned()
                    }
                })
                .collect();
            writeln!(out, "{}", cells.join(","))?;
        }
    }
    out.flush()?;
    Ok(())
}
