//! The Febrl benchmark files (tests/data/febrl) as custodia records, for the
//! accuracy test and the `febrl` example. The files ship with the crate, so a
//! failure to read them is a broken checkout and may panic.

#![allow(clippy::expect_used)]

use std::path::PathBuf;

use custodia::{Record, Schema};

/// The Febrl schema; with `soc_sec_id`, that nearly unique identifier is
/// compared too.
pub(crate) fn schema(soc_sec_id: bool) -> Schema {
    let id = if soc_sec_id {
        r#",{"name": "soc_sec_id", "kind": "text", "compare": "code"}"#
    } else {
        ""
    };
    let json = format!(
        r#"{{"name": "febrl", "region": "AU", "fields": [
            {{"name": "rec_id", "kind": "text", "required": true}},
            {{"name": "given_name", "kind": "given_name"}},
            {{"name": "surname", "kind": "family_name"}},
            {{"name": "street_number", "kind": "text", "compare": "code"}},
            {{"name": "address_1", "kind": "street"}},
            {{"name": "address_2", "kind": "street"}},
            {{"name": "suburb", "kind": "city"}},
            {{"name": "postcode", "kind": "postcode"}},
            {{"name": "state", "kind": "region"}},
            {{"name": "date_of_birth", "kind": "birth_date"}}{id}
        ]}}"#
    );
    Schema::from_json(&json).expect("the Febrl schema is valid")
}

/// The records of one file and the person each is (the N of `rec-N-...`).
pub(crate) fn load(file: &str, schema: &Schema) -> (Vec<Record>, Vec<String>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/febrl")
        .join(file);
    let text = std::fs::read_to_string(&path).expect("the Febrl data is in tests/data/febrl");
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .expect("a header")
        .split(',')
        .map(str::trim)
        .collect();
    let mut records = Vec::new();
    let mut people = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let row: Vec<&str> = line.split(',').map(str::trim).collect();
        let pairs = header
            .iter()
            .zip(&row)
            .filter(|(name, _)| schema.index_of(name).is_some())
            .map(|(name, value)| (*name, *value));
        records.push(Record::from_pairs(schema, pairs).expect("a Febrl row fits the schema"));
        let id = row[0];
        people.push(id.split('-').nth(1).expect("rec-N-...").to_owned());
    }
    (records, people)
}
