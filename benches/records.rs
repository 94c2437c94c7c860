//! Building records: from JSON objects and from CSV rows of the standard
//! customer schema. Run with `cargo bench --bench records`.

// criterion_group! defines undocumented items; a bench may panic on bad setup.
#![allow(missing_docs, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use custodia::{CsvHeader, Record, Schema};

const JSON: &str = r#"{"customer_id": "crm-0001", "source": "crm", "full_name": "Zhang Wei",
"given_name": "Wei", "family_name": "Zhang", "gender": "male", "birth_date": "1985-03-14",
"email": "zhang.wei@example.com", "phone": "+86 138 0013 8000", "city": "Shanghai",
"country": "CN", "updated_at": "2026-10-01"}"#;

const HEADER: [&str; 8] = [
    "customer_id",
    "full_name",
    "email",
    "phone",
    "street",
    "city",
    "postcode",
    "country",
];
const ROW: [&str; 8] = [
    "crm-0003",
    "Ann O'Neil",
    "ann.oneil@example.org",
    "(02) 9374 4000",
    "1 Martin Pl",
    "Sydney",
    "2000",
    "AU",
];

fn records(c: &mut Criterion) {
    let schema = Schema::customer();
    let mut group = c.benchmark_group("record");
    group.throughput(Throughput::Elements(1));
    group.bench_function("from_json", |b| b.iter(|| Record::from_json(&schema, JSON)));
    let header = CsvHeader::new(&schema, &HEADER).expect("valid header");
    group.bench_function("from_csv_row", |b| b.iter(|| header.record(&ROW)));
    group.finish();
}

criterion_group!(benches, records);
criterion_main!(benches);
