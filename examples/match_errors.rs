//! Where duplicate detection goes wrong on the multilingual generator's
//! customers, as `custodia dedupe` runs it (normalize, validate, invalid
//! fields compared as missing, default settings):
//!
//!     cargo run --release --example match_errors -- [N] [SEED] [EXAMPLES]
//!
//! or on a CSV file and its truth (a CSV of `customer_id,person`, such as
//! `scripts/compare_splink.py --keep DIR` writes):
//!
//!     cargo run --release --example match_errors -- --csv input.csv truth.csv [EXAMPLES]
//!
//! Splits the pairwise errors by cause: true pairs never compared
//! (blocking), compared but scored below the threshold (scoring), or
//! scored above it and kept apart by clustering; wrong pairs matched
//! directly or only through a cluster. Each kind is broken down by the
//! level of every compared field, most common first, with a few examples.

use std::collections::{HashMap, HashSet};

use custodia::dedupe::Outcome;
use custodia::dedupe::generate::Generator;
use custodia::pipeline::PipelineConfig;
use custodia::{Customer, KeyRing, Record, Schema};

type Failure = Box<dyn std::error::Error>;

fn main() -> Result<(), Failure> {
    let arg = |i: usize, default: u64| {
        std::env::args()
            .nth(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or(default)
    };
    let csv_input = std::env::args().nth(1).as_deref() == Some("--csv");
    let schema = Schema::customer();
    let mut config = PipelineConfig::default();
    config.steps = vec!["clean".into(), "dedupe".into()];
    let (pipeline, _) = config.build(KeyRing::new())?;
    let (rows, truth, shown, what) = if csv_input {
        let path = |i: usize| std::env::args().nth(i).ok_or("--csv INPUT TRUTH");
        let (rows, truth) = read_csv(&schema, &path(2)?, &path(3)?)?;
        (rows, truth, arg(4, 3) as usize, path(2)?)
    } else {
        let (n, seed) = (arg(1, 10_000) as usize, arg(2, 1));
        let data = Generator::multilingual(seed).generate(n)?;
        (
            data.records,
            data.people,
            arg(3, 3) as usize,
            format!("seed {seed}"),
        )
    };
    let n = rows.len();
    let header: Vec<&str> = schema.fields().iter().map(|f| f.name()).collect();
    let mut compared = Vec::with_capacity(n);
    for record in &rows {
        // Through text, as a CSV row.
        let json = serde_json::to_value(Customer::from_record(record))?;
        let row: Vec<String> = header
            .iter()
            .map(|h| {
                json.get(*h)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_owned()
            })
            .collect();
        let row: Vec<&str> = row.iter().map(String::as_str).collect();
        let record = Record::from_csv(&schema, &header, &row)?;
        compared.push(pipeline.comparable(&pipeline.process(record)?));
    }
    let outcome = pipeline.dedupe(&compared)?;
    let truth = &truth;
    let scores = outcome.scores(truth);
    println!(
        "{n} records, {what}: precision {:.4} recall {:.4} F1 {:.4}",
        scores.precision(),
        scores.recall(),
        scores.f1()
    );
    let model = outcome.model();
    println!(
        "prior {:.2e}, household prior {:.2e}",
        model.prior(),
        model.household_prior()
    );
    for f in model.fields() {
        let bits = |p: &[f64]| {
            p.iter()
                .zip(&f.u)
                .map(|(p, u)| format!("{:6.1}", (p / u).log2()))
                .collect::<Vec<_>>()
                .join(" ")
        };
        println!(
            "{:<14} m/u {}   h/u {}   m {:?}",
            f.field,
            bits(&f.m),
            bits(&f.h),
            f.m.iter().map(|x| format!("{x:.4}")).collect::<Vec<_>>()
        );
    }
    let clusters = outcome.clusters();
    let matched: HashSet<(usize, usize)> = outcome.pairs().iter().map(|p| (p.a, p.b)).collect();
    let candidates = candidate_set(&outcome);
    let mut by_person: HashMap<u32, Vec<usize>> = HashMap::new();
    for (row, &p) in truth.iter().enumerate() {
        by_person.entry(p).or_default().push(row);
    }
    let mut by_cluster: HashMap<u32, Vec<usize>> = HashMap::new();
    for (row, &c) in clusters.iter().enumerate() {
        by_cluster.entry(c).or_default().push(row);
    }
    // m as the labels give it: levels of the true pairs among candidates.
    let width = model.fields().len();
    let mut true_m: Vec<Vec<f64>> = model
        .fields()
        .iter()
        .map(|f| vec![0.0; f.m.len()])
        .collect();
    for (a, b) in outcome.candidates() {
        if truth[a] != truth[b] {
            continue;
        }
        if let Some(e) = outcome.explain(a, b) {
            for (f, x) in e.fields.iter().enumerate().take(width) {
                let levels = x.comparator.levels();
                if let Some(l) = x.level.and_then(|l| levels.iter().position(|n| *n == l)) {
                    true_m[f][l] += 1.0;
                }
            }
        }
    }
    for (f, counts) in model.fields().iter().zip(&true_m) {
        let total: f64 = counts.iter().sum();
        println!(
            "{:<14} true m {:?}",
            f.field,
            counts
                .iter()
                .map(|c| format!("{:.4}", c / total.max(1.0)))
                .collect::<Vec<_>>()
        );
    }
    let mut errors: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
    for rows in by_person.values() {
        for (i, &a) in rows.iter().enumerate() {
            for &b in &rows[i + 1..] {
                let (a, b) = (a.min(b), a.max(b));
                if clusters[a] == clusters[b] {
                    continue;
                }
                let kind = if matched.contains(&(a, b)) {
                    "FN clustering (pair matched, clusters kept apart)"
                } else if candidates.contains(&(a, b)) {
                    "FN scoring (compared, below the threshold)"
                } else {
                    "FN blocking (never compared)"
                };
                errors.entry(kind).or_default().push((a, b));
            }
        }
    }
    for rows in by_cluster.values() {
        for (i, &a) in rows.iter().enumerate() {
            for &b in &rows[i + 1..] {
                let (a, b) = (a.min(b), a.max(b));
                if truth[a] == truth[b] {
                    continue;
                }
                let near = truth[a].abs_diff(truth[b]) == 1;
                let kind = match (matched.contains(&(a, b)), near) {
                    (true, true) => "FP direct, neighbour (household or namesake)",
                    (true, false) => "FP direct, unrelated",
                    (false, true) => "FP through the cluster, neighbour",
                    (false, false) => "FP through the cluster, unrelated",
                };
                errors.entry(kind).or_default().push((a, b));
            }
        }
    }
    let mut kinds: Vec<_> = errors.into_iter().collect();
    kinds.sort_by_key(|(k, _)| *k);
    for (kind, pairs) in kinds {
        println!("\n## {kind}: {} pairs", pairs.len());
        let mut patterns: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        for &(a, b) in &pairs {
            patterns
                .entry(pattern(&outcome, a, b))
                .or_default()
                .push((a, b));
        }
        let mut patterns: Vec<_> = patterns.into_iter().collect();
        patterns.sort_by(|x, y| y.1.len().cmp(&x.1.len()).then(x.0.cmp(&y.0)));
        for (p, pairs) in patterns.iter().take(25) {
            println!("{:>6}  {p}", pairs.len());
            for &(a, b) in pairs.iter().take(shown) {
                let w = outcome.explain(a, b).map_or(0.0, |e| e.weight);
                println!("          w {w:6.1}  {}", show(&compared[a].record));
                println!("                    {}", show(&compared[b].record));
            }
        }
    }
    Ok(())
}

/// The rows of a CSV file (as raw records of the customer schema) and
/// each row's person (its number, or one given in order of appearance).
fn read_csv(schema: &Schema, input: &str, truth: &str) -> Result<(Vec<Record>, Vec<u32>), Failure> {
    let mut people: HashMap<String, String> = HashMap::new();
    for row in csv::Reader::from_path(truth)?.records() {
        let row = row?;
        people.insert(row[0].to_owned(), row[1].to_owned());
    }
    let mut reader = csv::Reader::from_path(input)?;
    let header: Vec<String> = reader.headers()?.iter().map(str::to_owned).collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let id = header
        .iter()
        .position(|h| *h == "customer_id")
        .ok_or("no customer_id column")?;
    let (mut rows, mut truth, mut numbers) = (Vec::new(), Vec::new(), HashMap::new());
    for row in reader.records() {
        let row = row?;
        let person = people
            .get(&row[id])
            .ok_or("a row without a person in the truth file")?;
        // Numeric person ids are kept (neighbours in the generator stay
        // neighbours); others are numbered as they come.
        let next = 1_000_000_000 + numbers.len() as u32;
        let number = match person.parse::<u32>() {
            Ok(number) => number,
            Err(_) => *numbers.entry(person.clone()).or_insert(next),
        };
        truth.push(number);
        let cells: Vec<&str> = row.iter().collect();
        rows.push(Record::from_csv(schema, &header, &cells)?);
    }
    Ok((rows, truth))
}

fn candidate_set(outcome: &Outcome) -> HashSet<(usize, usize)> {
    outcome
        .candidates()
        .map(|(a, b)| (a.min(b), a.max(b)))
        .collect()
}

/// Each field's level, shortened, and the household weight.
fn pattern(outcome: &Outcome, a: usize, b: usize) -> String {
    let Some(e) = outcome.explain(a, b) else {
        return String::new();
    };
    let mut out = String::new();
    for f in &e.fields {
        let name: String = f
            .field
            .split('_')
            .map(|w| w.chars().next().unwrap_or('?'))
            .collect();
        let level = match f.level {
            None => "-".to_owned(),
            Some(l) => l.chars().next().unwrap_or('?').to_string(),
        };
        out.push_str(&format!("{name}:{level} "));
    }
    out.push_str(&format!("hh{:.0}", e.household_weight));
    out
}

fn show(record: &Record) -> String {
    record
        .iter()
        .filter(|(f, _)| !matches!(f.name(), "customer_id" | "source" | "updated_at"))
        .map(|(_, v)| v.as_str().unwrap_or("").to_owned())
        .collect::<Vec<_>>()
        .join(" | ")
}
