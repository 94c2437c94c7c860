//! Duplicate detection accuracy on the Febrl benchmark, without labels and
//! with default settings:
//!
//!     cargo run --release --example febrl
//!
//! Prints pairwise precision, recall and F1 for febrl1 and febrl2
//! (deduplication) and febrl4 (linking two files), without the nearly
//! unique `soc_sec_id` column (the figure that matters) and with it.

#[path = "../tests/febrl_data.rs"]
mod febrl_data;

use std::time::Instant;

use custodia::dedupe::{Deduper, Outcome};

fn main() -> Result<(), custodia::Error> {
    println!(
        "{:<8} {:<10} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8}",
        "data", "columns", "records", "pairs", "blocked", "precision", "recall", "F1"
    );
    for soc_sec_id in [false, true] {
        let schema = febrl_data::schema(soc_sec_id);
        let deduper = Deduper::new(&schema)?;
        let columns = if soc_sec_id { "all" } else { "no ssid" };
        for file in ["febrl1.csv", "febrl2.csv"] {
            let (records, truth) = febrl_data::load(file, &schema);
            let start = Instant::now();
            let outcome = deduper.run(&records)?;
            print_row(&file[..6], columns, records.len(), &outcome, &truth, start);
        }
        let (left, mut truth) = febrl_data::load("febrl4a.csv", &schema);
        let (right, right_truth) = febrl_data::load("febrl4b.csv", &schema);
        truth.extend(right_truth);
        let start = Instant::now();
        let outcome = deduper.link(&left, &right)?;
        let records = left.len() + right.len();
        print_row("febrl4", columns, records, &outcome, &truth, start);
    }
    Ok(())
}

/// One line of the table: sizes, blocking recall, scores and time.
fn print_row<T: Eq + std::hash::Hash>(
    data: &str,
    columns: &str,
    records: usize,
    outcome: &Outcome,
    truth: &[T],
    start: Instant,
) {
    let scores = outcome.scores(truth);
    println!(
        "{:<8} {:<10} {:>9} {:>9} {:>8.4} {:>9.4} {:>8.4} {:>8.4}  ({:.0} ms)",
        data,
        columns,
        records,
        outcome.stats().candidate_pairs,
        outcome.pairs_completeness(truth),
        scores.precision(),
        scores.recall(),
        scores.f1(),
        start.elapsed().as_secs_f64() * 1e3,
    );
}
