//! Duplicate detection at scale, on generated customers with known truth:
//!
//!     cargo run --release --example dedupe_bench -- 1000000
//!
//! Generates N records (default 100,000; households, namesakes, typos,
//! nicknames, six countries), deduplicates them with default settings on
//! all cores, and prints candidate pairs, pairs scored per second, wall
//! time, peak memory and pairwise precision, recall and F1. Then merges
//! each cluster into a golden record (the customer policy), and indexes
//! the same records with the trained model and times 1,000 queries of new
//! customers (median and 99th percentile, one thread).

use std::time::Instant;

use custodia::Schema;
use custodia::dedupe::generate::Generator;
use custodia::dedupe::{Deduper, MergePolicy, Merger};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = match std::env::args().nth(1) {
        Some(arg) => arg.parse()?,
        None => 100_000,
    };
    let start = Instant::now();
    let data = Generator::new(42).generate(n)?;
    let generated = start.elapsed();
    let deduper = Deduper::new(&Schema::customer())?;
    let start = Instant::now();
    let outcome = deduper.run(&data.records)?;
    let wall = start.elapsed().as_secs_f64();
    let stats = outcome.stats();
    let scores = outcome.scores(&data.people);
    println!("records            {n}");
    println!("threads            {}", rayon::current_num_threads());
    println!(
        "generated in       {:.2} s (not counted)",
        generated.as_secs_f64()
    );
    println!("candidate pairs    {}", stats.candidate_pairs);
    println!("pairs per rule     {:?}", stats.pairs_per_rule);
    println!(
        "pairs completeness {:.4}",
        outcome.pairs_completeness(&data.people)
    );
    println!("matched pairs      {}", stats.matched_pairs);
    println!("wall time          {wall:.2} s (normalize, block, train, score, cluster)");
    println!(
        "pairs per second   {:.0}",
        stats.candidate_pairs as f64 / wall
    );
    println!(
        "peak memory        {}",
        peak_memory().unwrap_or_else(|| "unknown".into())
    );
    println!(
        "precision {:.4}  recall {:.4}  F1 {:.4}",
        scores.precision(),
        scores.recall(),
        scores.f1()
    );
    let start = Instant::now();
    let merger = Merger::new(&Schema::customer(), &MergePolicy::customer())?;
    let golden = merger.merge(&data.records, outcome.clusters())?;
    println!(
        "golden records     {} in {:.2} s",
        golden.len(),
        start.elapsed().as_secs_f64()
    );
    drop(golden);
    let start = Instant::now();
    let mut index = deduper.index(outcome.model())?;
    index.extend(&data.records)?;
    println!("index built in     {:.2} s", start.elapsed().as_secs_f64());
    let queries = Generator::new(43).generate(1000)?;
    let mut times = Vec::with_capacity(queries.records.len());
    let mut found = 0;
    for record in &queries.records {
        let start = Instant::now();
        let matches = index.query(record, 5)?;
        times.push(start.elapsed().as_secs_f64() * 1e6);
        found += matches.len();
    }
    times.sort_by(f64::total_cmp);
    println!(
        "query              median {:.0} µs, p99 {:.0} µs ({} candidates returned)",
        times[times.len() / 2],
        times[times.len() * 99 / 100],
        found
    );
    println!(
        "peak memory        {} (with the index)",
        peak_memory().unwrap_or_else(|| "unknown".into())
    );
    Ok(())
}

/// The process's peak resident memory (Linux), for the whole run.
fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.0} MiB", kib / 1024.0))
}
