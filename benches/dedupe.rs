//! Duplicate detection, stage by stage, on 5,000 generated customers
//! (households, namesakes, typos, nicknames): preparing the compared
//! columns, blocking keys, scoring candidate pairs with a trained model,
//! clustering the matches, training, and a whole run with the model
//! given. Run with `cargo bench --bench dedupe`.
//!
//! The stages are the steps of `custodia::dedupe::distributed`, which a
//! batch run also takes; a run scores with pruning (most pairs stop after
//! a few columns), the `score` bench compares every column of each pair.

// criterion_group! defines undocumented items; a bench may panic on bad setup.
#![allow(missing_docs, clippy::expect_used)]

use std::collections::HashMap;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use custodia::Schema;
use custodia::dedupe::Deduper;
use custodia::dedupe::generate::Generator;

const RECORDS: usize = 5_000;

fn dedupe(c: &mut Criterion) {
    let data = Generator::new(7)
        .generate(RECORDS)
        .expect("generated records");
    let records = &data.records;
    let deduper = Deduper::new(&Schema::customer()).expect("the customer schema");
    let outcome = deduper.run(records).expect("a run");
    let model = outcome.model().clone();
    let candidates: Vec<(usize, usize)> = outcome.candidates().collect();
    let mut prepared = deduper.prepare(records).expect("prepared records");
    // Term counts as a run counts them: records per key, per column.
    let keys: Vec<Vec<String>> = (0..prepared.len())
        .map(|row| {
            prepared
                .term_keys(row)
                .into_iter()
                .map(str::to_owned)
                .collect()
        })
        .collect();
    let mut totals: HashMap<(usize, &str), u32> = HashMap::new();
    for mine in &keys {
        for (t, key) in mine.iter().enumerate() {
            *totals.entry((t, key)).or_default() += 1;
        }
    }
    for (row, mine) in keys.iter().enumerate() {
        let counts: Vec<u32> = mine
            .iter()
            .enumerate()
            .map(|(t, key)| totals[&(t, key.as_str())])
            .collect();
        prepared.set_term_counts(row, &counts);
    }
    let scorer = deduper
        .pair_scorer(&model, records.len())
        .expect("a scorer for the model");
    let matches: Vec<(usize, usize, f64)> = candidates
        .iter()
        .map(|&(a, b)| (a, b, scorer.weight((&prepared, a), (&prepared, b))))
        .filter(|&(_, _, w)| scorer.is_match(w))
        .collect();
    let rows: Vec<u64> = (0..prepared.len() as u64).collect();

    let mut group = c.benchmark_group("dedupe");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(RECORDS as u64));
    group.bench_function("prepare", |b| b.iter(|| deduper.prepare(records)));
    group.bench_function("block", |b| {
        b.iter(|| {
            (0..prepared.len())
                .map(|row| {
                    let keys = prepared.blocking_keys(&deduper, row);
                    (keys, prepared.order_key(row))
                })
                .collect::<Vec<_>>()
        })
    });
    group.throughput(Throughput::Elements(candidates.len() as u64));
    group.bench_function("score", |b| {
        b.iter(|| {
            candidates
                .iter()
                .filter(|&&(a, b)| scorer.is_match(scorer.weight((&prepared, a), (&prepared, b))))
                .count()
        })
    });
    group.throughput(Throughput::Elements(matches.len() as u64));
    group.bench_function("cluster", |b| {
        b.iter(|| scorer.cluster(&prepared, &rows, &matches))
    });
    group.throughput(Throughput::Elements(RECORDS as u64));
    group.bench_function("train", |b| b.iter(|| deduper.train(records, &[])));
    group.bench_function("run_with_model", |b| {
        b.iter(|| deduper.run_with(records, &model))
    });
    group.finish();
}

criterion_group!(benches, dedupe);
criterion_main!(benches);
