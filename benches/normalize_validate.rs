//! Normalize and validate a realistic mixed set of 10,000 standard-schema
//! customers from six countries, with one phone each and without phones.
//! Each set is measured three ways: as generated (messy: every record needs
//! several fixes), mixed (each value messy with probability 1/5, as in a
//! real customer file), and as stored after one normalization (canonical:
//! what a master-data system sees when it re-checks its own records).
//! Run with `cargo bench --bench normalize_validate`; throughput is in
//! records per second (one core).

// criterion_group! defines undocumented items; a bench may panic on bad setup.
#![allow(missing_docs, clippy::expect_used)]

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use custodia::{Normalizer, Record, Schema, Validator};

const RECORDS: usize = 10_000;

/// A tiny deterministic generator (no dependency needed for a bench).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next(items.len())]
    }
}

fn customers(with_phone: bool) -> Vec<Record> {
    let schema = Schema::customer();
    let mut rng = Lcg(42);
    (0..RECORDS)
        .map(|i| {
            let country = rng.pick(&["CN", "中国", "US", "DE", "Deutschland", "AU", "GB", "JP"]);
            let (given, family, city, postcode, phone) = match country {
                "CN" | "中国" => (
                    rng.pick(&["伟", "娜", "敏", "静", "强"]),
                    rng.pick(&["张", "王", "李", "欧阳", "刘"]),
                    rng.pick(&["上海", "北京", "Shenzhen"]),
                    "200000",
                    format!(
                        "1{}{:09}",
                        rng.pick(&["38", "39", "50", "86"]),
                        rng.next(1_000_000_000)
                    ),
                ),
                "US" => (
                    rng.pick(&["John", "MARY", "robert", "Linda"]),
                    rng.pick(&["Smith", "JOHNSON", "o'neil"]),
                    rng.pick(&["San Francisco", "NEW YORK"]),
                    "94103",
                    format!("(415) 555-{:04}", rng.next(10_000)),
                ),
                "DE" | "Deutschland" => (
                    rng.pick(&["Jürgen", "Anna", "KLAUS"]),
                    rng.pick(&["Müller", "Schmidt", "von Weber"]),
                    rng.pick(&["Berlin", "München"]),
                    "10117",
                    format!("030 {:07}", 1_000_000 + rng.next(9_000_000)),
                ),
                "AU" => (
                    rng.pick(&["Ann", "Jack", "OLIVIA"]),
                    rng.pick(&["O'Neil", "Brown", "WILSON"]),
                    rng.pick(&["Sydney", "MELBOURNE"]),
                    "2000",
                    format!("(02) 9{:03} {:04}", rng.next(1000), rng.next(10_000)),
                ),
                "GB" => (
                    rng.pick(&["Oliver", "Amelia"]),
                    rng.pick(&["Taylor", "DAVIES"]),
                    "London",
                    rng.pick(&["sw1a1aa", "EC1A 1BB"]),
                    format!("+44 20 7{:03} {:04}", rng.next(1000), rng.next(10_000)),
                ),
                _ => (
                    rng.pick(&["太郎", "花子"]),
                    rng.pick(&["山田", "佐藤"]),
                    "東京",
                    "1000001",
                    format!("090-{:04}-{:04}", rng.next(10_000), rng.next(10_000)),
                ),
            };
            let birth = match rng.next(4) {
                0 => format!(
                    "{}-0{}-1{}",
                    1950 + rng.next(50),
                    1 + rng.next(9),
                    rng.next(10)
                ),
                1 => format!(
                    "{}/{}/{}",
                    1 + rng.next(28),
                    1 + rng.next(12),
                    1950 + rng.next(50)
                ),
                2 => format!(
                    "{}年{}月{}日",
                    1950 + rng.next(50),
                    1 + rng.next(12),
                    1 + rng.next(28)
                ),
                _ => format!(
                    "{}{:02}{:02}",
                    1950 + rng.next(50),
                    1 + rng.next(12),
                    1 + rng.next(28)
                ),
            };
            let mut record = Record::new(&schema);
            let mut set = |name: &str, value: &str| record.set(name, value).expect("valid field");
            set("customer_id", &format!("c-{i}"));
            set("full_name", &format!("{given} {family}"));
            set(
                "email",
                &format!("{}.{}@Example.com", i, rng.pick(&["ann", "bo", "zhang"])),
            );
            set("birth_date", &birth);
            set("city", city);
            set("postcode", postcode);
            set("country", country);
            set("gender", rng.pick(&["F", "male", "女", "男"]));
            if with_phone {
                set("phone", &phone);
            }
            record
        })
        .collect()
}

/// Which version of the records a benchmark runs on.
#[derive(Clone, Copy)]
enum Set {
    /// As generated: every record needs several fixes.
    Messy,
    /// Each set value messy with probability 1/5, otherwise canonical: a
    /// file of real customer data, where most values are already fine.
    Mixed,
    /// After one normalization: a system re-checking its own records.
    Canonical,
}

fn mixed(messy: &[Record], canonical: &[Record]) -> Vec<Record> {
    let mut rng = Lcg(7);
    messy
        .iter()
        .zip(canonical)
        .map(|(m, c)| {
            let mut record = c.clone();
            for (i, value) in m.values().iter().enumerate() {
                if !value.is_null() && rng.next(5) == 0 {
                    record.set_at(i, value.clone()).expect("same schema");
                }
            }
            record
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let schema = Schema::customer();
    let normalizer = Normalizer::new(&schema);
    let validator = Validator::new(&schema);
    for (with_phone, set) in [
        (true, Set::Messy),
        (false, Set::Messy),
        (true, Set::Mixed),
        (false, Set::Mixed),
        (true, Set::Canonical),
        (false, Set::Canonical),
    ] {
        let messy = customers(with_phone);
        let canonical: Vec<Record> = messy
            .iter()
            .map(|r| normalizer.normalize(r).expect("same schema").record)
            .collect();
        let records = match set {
            Set::Messy => messy,
            Set::Canonical => canonical,
            Set::Mixed => mixed(&messy, &canonical),
        };
        let label = format!(
            "{}_{}",
            match set {
                Set::Messy => "messy",
                Set::Mixed => "mixed",
                Set::Canonical => "canonical",
            },
            if with_phone { "with_phone" } else { "no_phone" }
        );
        let mut group = c.benchmark_group(label);
        group.throughput(Throughput::Elements(RECORDS as u64));
        group.sample_size(20);
        group.bench_function("normalize", |b| {
            b.iter_batched(
                || records.clone(),
                |batch| {
                    for r in batch {
                        let _ = normalizer.normalize_owned(r);
                    }
                },
                BatchSize::LargeInput,
            );
        });
        group.bench_function("validate", |b| {
            b.iter(|| {
                records
                    .iter()
                    .map(|r| validator.validate(r).map_or(0, |rep| rep.len()))
                    .sum::<usize>()
            });
        });
        group.bench_function("normalize_validate", |b| {
            b.iter_batched(
                || records.clone(),
                |batch| {
                    let mut issues = 0;
                    for r in batch {
                        if let Ok(n) = normalizer.normalize_owned(r) {
                            issues += validator.validate_normalized(&n).map_or(0, |rep| rep.len());
                        }
                    }
                    issues
                },
                BatchSize::LargeInput,
            );
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
