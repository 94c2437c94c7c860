//! custodia keeps customer master data clean and safe: it knows what a
//! customer record looks like (schemas), and every later stage
//! (normalization, validation, duplicate detection, masking) is driven by
//! that knowledge. It is a Rust crate first, a C library second (one header,
//! `include/custodia.h`) and a command-line tool third, all the same code.
//!
//! # A tour
//!
//! ```
//! use custodia::{Customer, ErrorCode, Record, Schema, Value};
//!
//! // The built-in standard customer schema, or your own from JSON.
//! let schema = Schema::customer();
//! let crm = Schema::from_json(r#"{
//!     "name": "crm", "region": "CN",
//!     "fields": [
//!         {"name": "id", "kind": "text", "required": true},
//!         {"name": "name", "kind": "full_name"},
//!         {"name": "mobile", "kind": "phone"},
//!         {"name": "vip", "kind": "boolean"}
//!     ]
//! }"#)?;
//!
//! // Records come from JSON, from (name, value) pairs or from CSV rows.
//! let record = Record::from_json(&crm, r#"{"id": "c-1", "name": "张伟", "vip": "yes"}"#)?;
//! assert_eq!(record.text("name"), Some("张伟"));
//! assert_eq!(record.get("vip"), Some(&Value::Boolean(true)));
//!
//! // Errors name the field and what is wrong, never the value.
//! let err = Record::from_json(&crm, r#"{"mobil": "13800138000"}"#).unwrap_err();
//! assert_eq!(err.code(), ErrorCode::UnknownField);
//! assert_eq!(err.to_string(), "field `mobil`: not in the schema");
//!
//! // The common case is typed.
//! let mut ann = Customer::default();
//! ann.customer_id = Some("42".into());
//! ann.email = Some("ann@example.com".into());
//! let record = ann.to_record()?;
//! assert_eq!(record.schema(), &schema);
//! assert_eq!(Customer::from_record(&record), ann);
//!
//! // Normalize, validate, mask.
//! let messy = Record::from_json(&schema, r#"{"customer_id": "c-2",
//!     "full_name": "欧阳娜娜", "phone": "１３９ １２３４ ５６７８", "country": "中国"}"#)?;
//! let clean = custodia::Normalizer::new(&schema).normalize(&messy)?;
//! assert_eq!(clean.record.text("phone"), Some("+8613912345678"));
//! let report = custodia::Validator::new(&schema).validate_normalized(&clean)?;
//! assert!(report.is_valid());
//! let keys = custodia::KeyRing::new()
//!     .with(custodia::Key::new("pseudonym", &[7; 32])?)
//!     .with(custodia::Key::new("token", &[8; 32])?);
//! let masker = custodia::Masker::new(&schema, &custodia::Policy::customer(), keys)?;
//! let support = masker.mask(&messy, "support")?;
//! assert_eq!(support.text("phone"), Some("139****5678"));
//! assert_eq!(support.text("full_name"), Some("欧阳**"));
//! # Ok::<(), custodia::Error>(())
//! ```
//!
//! # Overview
//!
//! - [`schema`]: [`Schema`], [`Field`], [`FieldKind`], [`Record`], [`Value`],
//!   [`Customer`] and the JSON schema format ([`Schema::from_json`]).
//! - [`normalize`]: [`Normalizer`] puts every field into canonical form with
//!   a change log; one module per kind (text, name, email, phone, address,
//!   date, id) usable on its own; match keys for duplicate detection.
//! - [`validate`]: [`Validator`] reports every [`Issue`] with a stable
//!   [`IssueCode`]; checksums of national ids, IBANs and cards; user rules.
//! - [`dedupe`]: [`dedupe::Deduper`] finds the records of one customer
//!   (blocking, per-kind comparators with nicknames, pinyin and phonetic
//!   codes, a Fellegi–Sunter model trained without labels, clusters,
//!   explanations) in one data set or across two; `dedupe::generate` (the
//!   `generate` feature) makes test data with known duplicates.
//! - [`mask`]: [`Masker`] applies a [`Policy`] per audience: redaction,
//!   partial masks, display profiles, generalization, keyed pseudonyms
//!   (HMAC-SHA-256) and reversible FF1 tokens; [`mask::k_anonymity`].
//! - [`pipeline`]: [`Pipeline`] composes the stages (normalize, validate,
//!   mask, deduplicate, merge) as the command-line tool and the C library
//!   run them, so every face gives the same answer.
//! - [`Error`], [`ErrorKind`] and [`ErrorCode`]: one error type whose codes
//!   are the C ABI's status codes; [`panic::install_panic_hook`] keeps a
//!   panic's message (which may quote a value) off standard error.
//!
//! # Crate features
//!
//! - `cli` (off by default): builds the `custodia` command-line tool and
//!   pulls in what only it needs (clap, csv, indicatif). The library
//!   itself never depends on it.
//!
//! Duplicate detection uses all cores through rayon (results are the same
//! whatever the thread count); set `RAYON_NUM_THREADS` or install a rayon
//! thread pool to limit it.
//!
//! `serde` support is always on, because schemas, records and policies are
//! read from JSON.
//!
//! # C API
//!
//! The same library is built as `libcustodia.a` and `libcustodia.so` with the
//! header `include/custodia.h`. Its conventions: every symbol starts with
//! `custodia_`; functions return a `custodia_status` (the numbers of
//! [`ErrorCode`], 0 for success) and write results through out-parameters,
//! only on success; strings in are UTF-8 pointer + length (not
//! NUL-terminated); detail is in the thread-local
//! `custodia_last_error_message()`; no panic crosses the boundary.
//!
//! | call | after the call | released by |
//! |---|---|---|
//! | `custodia_X_new(..., custodia_X **out)` and other constructors | caller owns `*out` (only on OK) | `custodia_X_free` (NULL is a no-op) |
//! | `custodia_str` views | owned by the handle they came from | nothing; valid until that handle is freed or changed |
//! | `char **out` strings | caller | `custodia_string_free` |
//! | `custodia_last_error_*()` | library, per thread | nothing; valid until the next custodia call on that thread |
//!
//! Schema, normalizer, validator, policy and masker handles are immutable
//! and may be shared between threads; record, report and key-ring handles
//! must be used by one thread at a time.
//!
//! # Untrusted input
//!
//! Nothing panics on bad input: malformed JSON, unknown fields, wrong types
//! and oversized values (over [`Schema::max_value_bytes`], 1 MiB by default)
//! are typed errors that name the field. Error messages and `Debug` output
//! never contain field values; neither do validation messages or the
//! normalization change log. Keys are never printed and are zeroized on
//! drop. Schema patterns are compiled with a size limit and matched in
//! linear time.

#![deny(unsafe_code)]

pub mod audit;
pub mod checksum;
pub mod dedupe;
pub mod error;
#[allow(unsafe_code)]
mod ffi;
pub mod issue;
pub mod mask;
pub mod normalize;
pub mod panic;
pub mod pipeline;
pub mod profile;
pub mod schema;
pub mod subject;
pub mod validate;

pub use error::{
    Error, ErrorCode, ErrorKind, FieldPath, PathSegment, Result, SettingPath, SettingProblem,
};
pub use mask::{Key, KeyRing, Masker, Policy};
pub use normalize::{Change, Normalized, Normalizer, Step, Steps};
pub use pipeline::{Pipeline, PipelineBuilder, Processed};
pub use schema::{
    CasePolicy, CsvHeader, Customer, Decimal, Field, FieldKind, IdScheme, Pattern, Record,
    RegionCode, Retention, Schema, SchemaBuilder, Value,
};
pub use validate::{Issue, IssueCode, Report, Severity, Validator};

/// The types built once and used from many threads are `Send + Sync`; this
/// stops compiling if one of them stops being so.
const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<Normalizer>();
    shareable::<Validator>();
    shareable::<Masker>();
    shareable::<dedupe::Deduper>();
    shareable::<dedupe::Index>();
    shareable::<dedupe::Outcome>();
    shareable::<Pipeline>();
    shareable::<Schema>();
};

/// The README's Rust examples run as doc tests, so the README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
