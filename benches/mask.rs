//! Mask 10,000 normalized standard-schema customers with the built-in
//! `support`, `analytics` and `auditor` policies, encrypt them for storage
//! (six fields, one of them deterministically) and reveal them again. Run with
//! `cargo bench --bench mask`; throughput is in records per second (one
//! core).

// criterion_group! defines undocumented items; a bench may panic on bad setup.
#![allow(missing_docs, clippy::expect_used)]

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use custodia::mask::{Key, KeyRing, Masker, Operator, Policy};
use custodia::{Normalized, Normalizer, Record, Schema};

const RECORDS: usize = 10_000;

fn customers() -> Vec<Record> {
    let schema = Schema::customer();
    let normalizer = Normalizer::new(&schema);
    let names = [
        "张伟",
        "欧阳娜娜",
        "Ann O'Neil",
        "Jürgen Müller",
        "John Smith",
    ];
    (0..RECORDS)
        .map(|i| {
            let json = serde_json::json!({
                "customer_id": format!("c-{i}"),
                "full_name": names[i % names.len()],
                "gender": if i % 2 == 0 { "female" } else { "male" },
                "birth_date": format!("19{:02}-0{}-1{}", 50 + i % 50, 1 + i % 9, i % 10),
                "email": format!("user{i}@example.com"),
                "phone": format!("+86139{:08}", i * 7919 % 100_000_000),
                "city": "上海",
                "postcode": "200040",
                "country": "CN",
                "national_id": "11010519491231002X",
                "payment_card": "4111111111111111",
            });
            let record = Record::from_json(&schema, &json.to_string()).expect("valid record");
            normalizer
                .normalize_owned(record)
                .expect("same schema")
                .record
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let keys = KeyRing::new()
        .with(Key::new("pseudonym", &[1u8; 32]).expect("valid key"))
        .with(Key::new("token", &[2u8; 32]).expect("valid key"));
    let masker = Masker::new(&Schema::customer(), &Policy::customer(), keys).expect("valid policy");
    let records = customers();
    let mut group = c.benchmark_group("mask");
    group.throughput(Throughput::Elements(RECORDS as u64));
    group.sample_size(20);
    for audience in ["support", "analytics", "auditor"] {
        group.bench_function(format!("{audience}_normalized"), |b| {
            b.iter_batched(
                || records.clone(),
                |batch| {
                    for r in batch {
                        let _ = masker.mask_normalized(Normalized::stored(r), audience);
                    }
                },
                BatchSize::LargeInput,
            );
        });
    }
    // Storage: six fields encrypted (XChaCha20-Poly1305; email with
    // AES-SIV), the rest kept; the auditor may reveal them all.
    let mut policy = Policy::customer();
    for field in Schema::customer().fields() {
        let field = field.name();
        let op = match field {
            "full_name" | "phone" | "birth_date" | "national_id" | "payment_card" => {
                Operator::Encrypt {
                    key: "crypt".into(),
                    deterministic: false,
                }
            }
            "email" => Operator::Encrypt {
                key: "crypt".into(),
                deterministic: true,
            },
            _ => Operator::Keep,
        };
        policy = policy.rule("storage", field, op);
        policy = policy.reveal("auditor", field);
    }
    let keys = KeyRing::new()
        .with(Key::new("pseudonym", &[1u8; 32]).expect("valid key"))
        .with(Key::new("token", &[2u8; 32]).expect("valid key"))
        .with(Key::new("crypt", &[3u8; 32]).expect("valid key"));
    let vault = Masker::new(&Schema::customer(), &policy, keys).expect("valid policy");
    group.bench_function("storage_encrypt_normalized", |b| {
        b.iter_batched(
            || records.clone(),
            |batch| {
                for r in batch {
                    let _ = vault.mask_normalized(Normalized::stored(r), "storage");
                }
            },
            BatchSize::LargeInput,
        );
    });
    let stored: Vec<Record> = records
        .iter()
        .map(|r| {
            vault
                .mask_normalized(Normalized::stored(r.clone()), "storage")
                .expect("encrypts")
        })
        .collect();
    group.bench_function("auditor_reveal_stored", |b| {
        b.iter_batched(
            || stored.clone(),
            |batch| {
                for r in batch {
                    let _ = vault.reveal(r, "auditor");
                }
            },
            BatchSize::LargeInput,
        );
    });
    group.bench_function("support_with_normalization", |b| {
        b.iter(|| {
            records
                .iter()
                .filter(|r| masker.mask(r, "support").is_ok())
                .count()
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
