//! Duplicate detection from C: batch runs, the incremental index, golden
//! records, and JSON-in / JSON-out stages.

use std::ffi::c_char;

use super::handle::{self, Handle};
use super::record::{RecordHandle, custodia_record};
use super::schema::custodia_schema;
use super::text;
use super::{Failure, custodia_status, guard, run, write_out};
use crate::dedupe::{Config, Deduper, GoldenRecord, Index, MergePolicy, Merger, Model, Outcome};
use crate::error::{ErrorKind, JsonDocument};
use crate::schema::{Record, Schema};

/// A configured duplicate finder for one schema. Immutable: may be shared
/// between threads.
pub struct custodia_deduper {
    _private: [u8; 0],
}

impl Handle for custodia_deduper {
    type Target = Deduper;
}

/// What a batch run found: each record's cluster, the matched pairs and the
/// trained model. Immutable: may be shared between threads.
pub struct custodia_outcome {
    _private: [u8; 0],
}

impl Handle for custodia_outcome {
    type Target = Outcome;
}

/// Records indexed for "who is this new record likely to be?" queries.
/// Queries may run from several threads at once; an insert needs the index
/// to itself (no query or insert in another thread meanwhile).
pub struct custodia_index {
    _private: [u8; 0],
}

impl Handle for custodia_index {
    type Target = Index;
}

/// Survivorship rules compiled for a schema. Immutable: may be shared
/// between threads.
pub struct custodia_merger {
    _private: [u8; 0],
}

impl Handle for custodia_merger {
    type Target = Merger;
}

/// Golden records, one per cluster, ordered by cluster id. Immutable: may
/// be shared between threads.
pub struct custodia_golden {
    _private: [u8; 0],
}

impl Handle for custodia_golden {
    type Target = Vec<GoldenRecord>;
}

/// Two records found to be the same customer.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct custodia_pair {
    /// The first record's row (its position in the input, from 0).
    pub a: usize,
    /// The second record's row, greater than `a`.
    pub b: usize,
    /// The match weight in bits (log2 of the odds).
    pub weight: f64,
    /// The match probability, from 0 to 1.
    pub probability: f64,
}

/// An indexed record likely to be the same customer as a query.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct custodia_match {
    /// The indexed record's row (in insertion order, from 0).
    pub row: usize,
    /// The match weight in bits.
    pub weight: f64,
    /// The match probability, from 0 to 1.
    pub probability: f64,
}

/// Reads an optional JSON setting: `(NULL, 0)` means "none given".
///
/// # Safety
/// `json` is NULL or points to `len` readable bytes.
unsafe fn optional_json<'a>(
    json: *const c_char,
    len: usize,
    argument: &str,
) -> Result<Option<&'a str>, Failure> {
    if json.is_null() && len == 0 {
        return Ok(None);
    }
    // SAFETY: forwarded from this function's contract.
    unsafe { text::str_arg(json, len, argument) }.map(Some)
}

/// Copies the records of a C array of record handles.
///
/// # Safety
/// `records` is NULL (with `count` 0) or points to `count` readable
/// pointers, each NULL or a live record handle.
unsafe fn records_arg(
    records: *const *const custodia_record,
    count: usize,
    argument: &str,
) -> Result<Vec<Record>, Failure> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if records.is_null() {
        return Err(Failure::null(argument));
    }
    // SAFETY: non-NULL, and the caller promises `count` readable pointers.
    let handles = unsafe { std::slice::from_raw_parts(records, count) };
    handles
        .iter()
        .enumerate()
        .map(|(i, &record)| {
            // SAFETY: each element is NULL or a live record handle.
            unsafe { handle::borrow(record, &format!("{argument}[{i}]")) }
                .map(|r| r.record().clone())
        })
        .collect()
}

/// Records from a JSON array of objects; errors say which element.
fn records_from_json(schema: &Schema, json: &str) -> Result<Vec<Record>, Failure> {
    let items: Vec<serde_json::Value> =
        serde_json::from_str(json).map_err(|e| ErrorKind::Json {
            document: JsonDocument::Record,
            line: e.line(),
            column: e.column(),
            detail: "expected a JSON array of record objects".into(),
        })?;
    records_from_values(schema, items)
}

/// Records from parsed JSON values, each an object; errors say which.
fn records_from_values(
    schema: &Schema,
    items: Vec<serde_json::Value>,
) -> Result<Vec<Record>, Failure> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let record = match item {
                serde_json::Value::Object(object) => Record::from_json_object(schema, object),
                _ => Err(ErrorKind::Json {
                    document: JsonDocument::Record,
                    line: 0,
                    column: 0,
                    detail: "expected a JSON object".into(),
                }
                .into()),
            };
            record.map_err(|e| {
                let mut failure = Failure::from(e);
                failure.message = format!("record {i}: {}", failure.message);
                failure
            })
        })
        .collect()
}

/// Makes a duplicate finder for `schema`. `config_json` holds settings
/// (threshold, blocking rules, ...; see the README), or is (NULL, 0) for
/// the defaults. Fails with CUSTODIA_STATUS_JSON or _INVALID_DEDUPE. Free
/// with custodia_deduper_free.
///
/// # Safety
/// `schema` is a live schema handle; `config_json` is NULL or points to
/// `config_len` readable bytes; `deduper_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_deduper_new(
    schema: *const custodia_schema,
    config_json: *const c_char,
    config_len: usize,
    deduper_out: *mut *mut custodia_deduper,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live schema handle or NULL.
        let schema = unsafe { handle::borrow(schema, "schema") }?;
        // SAFETY: the caller promises `config_len` readable bytes.
        let config = match unsafe { optional_json(config_json, config_len, "config_json") }? {
            Some(json) => Config::from_json(json)?,
            None => Config::default(),
        };
        let out = handle::out(deduper_out, "deduper_out")?;
        handle::give(out, Deduper::with_config(schema, config)?);
        Ok(())
    })
}

/// Frees a duplicate finder. NULL is a no-op.
///
/// # Safety
/// `deduper` is NULL or a live handle no other thread is using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_deduper_free(deduper: *mut custodia_deduper) {
    // SAFETY: the caller passes a live handle or NULL.
    guard((), || unsafe { handle::free(deduper) });
}

/// Finds the duplicates among `count` records, training a model on them.
/// The records are copied (they may be freed afterwards); rows in the
/// outcome are positions in `records`. Free the outcome with
/// custodia_outcome_free. Thread-safe for the deduper.
///
/// # Safety
/// `deduper` is a live handle; `records` points to `count` live record
/// handles (or is NULL with `count` 0); `outcome_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_deduper_run(
    deduper: *const custodia_deduper,
    records: *const *const custodia_record,
    count: usize,
    outcome_out: *mut *mut custodia_outcome,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let deduper = unsafe { handle::borrow(deduper, "deduper") }?;
        // SAFETY: the caller promises `count` record handles.
        let records = unsafe { records_arg(records, count, "records") }?;
        let out = handle::out(outcome_out, "outcome_out")?;
        handle::give(out, deduper.run(&records)?);
        Ok(())
    })
}

/// custodia_deduper_run with a model trained before (JSON from
/// custodia_outcome_model_json), so that a new batch is scored the same
/// way. Fails with CUSTODIA_STATUS_INVALID_DEDUPE when the model was
/// trained for other fields.
///
/// # Safety
/// As for custodia_deduper_run; `model_json` points to `model_len`
/// readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_deduper_run_with_model(
    deduper: *const custodia_deduper,
    records: *const *const custodia_record,
    count: usize,
    model_json: *const c_char,
    model_len: usize,
    outcome_out: *mut *mut custodia_outcome,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let deduper = unsafe { handle::borrow(deduper, "deduper") }?;
        // SAFETY: the caller promises `count` record handles.
        let records = unsafe { records_arg(records, count, "records") }?;
        // SAFETY: the caller promises `model_len` readable bytes.
        let model =
            Model::from_json(unsafe { text::str_arg(model_json, model_len, "model_json") }?)?;
        let out = handle::out(outcome_out, "outcome_out")?;
        handle::give(out, deduper.run_with(&records, &model)?);
        Ok(())
    })
}

/// Links two sources (say a CRM and a billing system): pairs are only made
/// across them. Rows in the outcome are the `left` records, then the
/// `right` ones (row `left_count + i` is `right[i]`).
///
/// # Safety
/// As for custodia_deduper_run, for both arrays.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_deduper_link(
    deduper: *const custodia_deduper,
    left: *const *const custodia_record,
    left_count: usize,
    right: *const *const custodia_record,
    right_count: usize,
    outcome_out: *mut *mut custodia_outcome,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let deduper = unsafe { handle::borrow(deduper, "deduper") }?;
        // SAFETY: the caller promises the record handles.
        let left = unsafe { records_arg(left, left_count, "left") }?;
        // SAFETY: as above.
        let right = unsafe { records_arg(right, right_count, "right") }?;
        let out = handle::out(outcome_out, "outcome_out")?;
        handle::give(out, deduper.link(&left, &right)?);
        Ok(())
    })
}

/// Frees an outcome. NULL is a no-op.
///
/// # Safety
/// `outcome` is NULL or a live handle no other thread is using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_outcome_free(outcome: *mut custodia_outcome) {
    // SAFETY: the caller passes a live handle or NULL.
    guard((), || unsafe { handle::free(outcome) });
}

/// The cluster id of every record, by row: records of one customer share
/// an id (the smallest row among them). `*clusters_out` points into the
/// outcome (valid until it is freed) and holds `*len_out` ids.
///
/// # Safety
/// `outcome` is a live handle; the out-pointers are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_outcome_clusters(
    outcome: *const custodia_outcome,
    clusters_out: *mut *const u32,
    len_out: *mut usize,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let outcome = unsafe { handle::borrow(outcome, "outcome") }?;
        let out = handle::out(clusters_out, "clusters_out")?;
        let len_out = handle::out(len_out, "len_out")?;
        write_out(out, outcome.clusters().as_ptr());
        write_out(len_out, outcome.clusters().len());
        Ok(())
    })
}

/// The number of matched pairs; 0 for NULL.
///
/// # Safety
/// `outcome` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_outcome_pair_count(outcome: *const custodia_outcome) -> usize {
    guard(0, || {
        // SAFETY: the caller passes a live handle or NULL.
        unsafe { handle::borrow(outcome, "outcome") }.map_or(0, |o| o.pairs().len())
    })
}

/// Reads matched pair `index` (from 0; pairs are sorted by row) into
/// `*pair_out`. CUSTODIA_STATUS_INDEX_OUT_OF_RANGE past the end.
///
/// # Safety
/// `outcome` is a live handle; `pair_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_outcome_pair(
    outcome: *const custodia_outcome,
    index: usize,
    pair_out: *mut custodia_pair,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let outcome = unsafe { handle::borrow(outcome, "outcome") }?;
        let out = handle::out(pair_out, "pair_out")?;
        let len = outcome.pairs().len();
        let pair = outcome
            .pairs()
            .get(index)
            .ok_or(ErrorKind::IndexOutOfRange {
                what: "pair",
                index,
                len,
            })?;
        write_out(
            out,
            custodia_pair {
                a: pair.a,
                b: pair.b,
                weight: pair.weight,
                probability: pair.probability,
            },
        );
        Ok(())
    })
}

/// Why rows `a` and `b` score as they do, as JSON: the prior, the total
/// weight and probability, per field its level, weight and whether it
/// counted, and what the chance of two people of one household takes off. Works for any two rows, matched or not; values never appear.
/// CUSTODIA_STATUS_INDEX_OUT_OF_RANGE for a row past the end. Free the
/// string with custodia_string_free.
///
/// # Safety
/// `outcome` is a live handle; the out-pointers are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_outcome_explain_json(
    outcome: *const custodia_outcome,
    a: usize,
    b: usize,
    json_out: *mut *mut c_char,
    len_out: *mut usize,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let outcome = unsafe { handle::borrow(outcome, "outcome") }?;
        let out = handle::out(json_out, "json_out")?;
        let len_out = handle::out(len_out, "len_out")?;
        let len = outcome.clusters().len();
        let explanation = outcome.explain(a, b).ok_or(ErrorKind::IndexOutOfRange {
            what: "row",
            index: a.max(b),
            len,
        })?;
        let json = serde_json::to_string(&explanation).unwrap_or_default();
        text::give_string(&json, out, len_out);
        Ok(())
    })
}

/// The model the run trained (or was given), as JSON, for
/// custodia_deduper_run_with_model and custodia_index_new. Free the string
/// with custodia_string_free.
///
/// # Safety
/// `outcome` is a live handle; the out-pointers are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_outcome_model_json(
    outcome: *const custodia_outcome,
    json_out: *mut *mut c_char,
    len_out: *mut usize,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let outcome = unsafe { handle::borrow(outcome, "outcome") }?;
        let out = handle::out(json_out, "json_out")?;
        let len_out = handle::out(len_out, "len_out")?;
        text::give_string(&outcome.model().to_json(), out, len_out);
        Ok(())
    })
}

/// Makes an empty index that scores with a trained model (JSON from
/// custodia_outcome_model_json). Its scores equal the batch run's for the
/// same pair. Free with custodia_index_free.
///
/// # Safety
/// `deduper` is a live handle; `model_json` points to `model_len` readable
/// bytes; `index_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_index_new(
    deduper: *const custodia_deduper,
    model_json: *const c_char,
    model_len: usize,
    index_out: *mut *mut custodia_index,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let deduper = unsafe { handle::borrow(deduper, "deduper") }?;
        // SAFETY: the caller promises `model_len` readable bytes.
        let model =
            Model::from_json(unsafe { text::str_arg(model_json, model_len, "model_json") }?)?;
        let out = handle::out(index_out, "index_out")?;
        handle::give(out, deduper.index(&model)?);
        Ok(())
    })
}

/// Adds a record (copied) to the index and writes its row (insertion
/// order, from 0) to `*row_out`. Needs the index to itself.
///
/// # Safety
/// `index` is a live handle no other thread is using; `record` is a live
/// record handle; `row_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_index_insert(
    index: *mut custodia_index,
    record: *const custodia_record,
    row_out: *mut usize,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live, unshared handle or NULL.
        let index = unsafe { handle::borrow_mut(index, "index") }?;
        // SAFETY: the caller passes a live record handle or NULL.
        let record = unsafe { handle::borrow(record, "record") }?.record();
        let out = handle::out(row_out, "row_out")?;
        write_out(out, index.insert(record)?);
        Ok(())
    })
}

/// The `k` indexed records most likely to be the same customer as
/// `record` (which is not added), strongest first, written to
/// `matches[0..*count_out]`; `matches` has room for `k`. Fewer when fewer
/// share a blocking key with it. Queries may run from several threads.
///
/// # Safety
/// `index` and `record` are live handles; `matches` has room for `k`
/// entries (or is NULL with `k` 0); `count_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_index_query(
    index: *const custodia_index,
    record: *const custodia_record,
    k: usize,
    matches: *mut custodia_match,
    count_out: *mut usize,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let index = unsafe { handle::borrow(index, "index") }?;
        // SAFETY: the caller passes a live record handle or NULL.
        let record = unsafe { handle::borrow(record, "record") }?.record();
        let count_out = handle::out(count_out, "count_out")?;
        if k > 0 && matches.is_null() {
            return Err(Failure::null("matches"));
        }
        let found = index.query(record, k)?;
        for (i, m) in found.iter().enumerate().take(k) {
            // SAFETY: `matches` is non-NULL with room for `k` entries, and
            // `i < k`.
            let slot = unsafe { matches.add(i) };
            write_out(
                slot,
                custodia_match {
                    row: m.row,
                    weight: m.weight,
                    probability: m.probability,
                },
            );
        }
        write_out(count_out, found.len().min(k));
        Ok(())
    })
}

/// The number of indexed records; 0 for NULL.
///
/// # Safety
/// `index` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_index_len(index: *const custodia_index) -> usize {
    guard(0, || {
        // SAFETY: the caller passes a live handle or NULL.
        unsafe { handle::borrow(index, "index") }.map_or(0, Index::len)
    })
}

/// Frees an index. NULL is a no-op.
///
/// # Safety
/// `index` is NULL or a live handle no other thread is using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_index_free(index: *mut custodia_index) {
    // SAFETY: the caller passes a live handle or NULL.
    guard((), || unsafe { handle::free(index) });
}

/// Compiles survivorship rules for `schema` from a merge policy in JSON
/// (see the README), or (NULL, 0) for the default (the most frequent
/// value, then the most complete record). Fails with CUSTODIA_STATUS_
/// INVALID_DEDUPE naming the setting. Free with custodia_merger_free.
///
/// # Safety
/// `schema` is a live schema handle; `policy_json` is NULL or points to
/// `policy_len` readable bytes; `merger_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_merger_new(
    schema: *const custodia_schema,
    policy_json: *const c_char,
    policy_len: usize,
    merger_out: *mut *mut custodia_merger,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live schema handle or NULL.
        let schema = unsafe { handle::borrow(schema, "schema") }?;
        // SAFETY: the caller promises `policy_len` readable bytes.
        let policy = match unsafe { optional_json(policy_json, policy_len, "policy_json") }? {
            Some(json) => MergePolicy::from_json(json)?,
            None => MergePolicy::default(),
        };
        let out = handle::out(merger_out, "merger_out")?;
        handle::give(out, Merger::new(schema, &policy)?);
        Ok(())
    })
}

/// Frees a merger. NULL is a no-op.
///
/// # Safety
/// `merger` is NULL or a live handle no other thread is using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_merger_free(merger: *mut custodia_merger) {
    // SAFETY: the caller passes a live handle or NULL.
    guard((), || unsafe { handle::free(merger) });
}

/// Merges `count` records into one golden record per cluster;
/// `clusters[i]` is record i's cluster id (as custodia_outcome_clusters
/// gives). Free the result with custodia_golden_free. Thread-safe for the
/// merger.
///
/// # Safety
/// `merger` is a live handle; `records` points to `count` live record
/// handles and `clusters` to `count` ids (both may be NULL with `count`
/// 0); `golden_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_merger_merge(
    merger: *const custodia_merger,
    records: *const *const custodia_record,
    count: usize,
    clusters: *const u32,
    golden_out: *mut *mut custodia_golden,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let merger = unsafe { handle::borrow(merger, "merger") }?;
        // SAFETY: the caller promises `count` record handles.
        let records = unsafe { records_arg(records, count, "records") }?;
        let clusters = if count == 0 {
            &[][..]
        } else if clusters.is_null() {
            return Err(Failure::null("clusters"));
        } else {
            // SAFETY: non-NULL, and the caller promises `count` ids.
            unsafe { std::slice::from_raw_parts(clusters, count) }
        };
        let out = handle::out(golden_out, "golden_out")?;
        handle::give(out, merger.merge(&records, clusters)?);
        Ok(())
    })
}

/// The number of golden records; 0 for NULL.
///
/// # Safety
/// `golden` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_golden_len(golden: *const custodia_golden) -> usize {
    guard(0, || {
        // SAFETY: the caller passes a live handle or NULL.
        unsafe { handle::borrow(golden, "golden") }.map_or(0, Vec::len)
    })
}

/// Looks up golden record `index`.
fn golden_at(golden: &[GoldenRecord], index: usize) -> Result<&GoldenRecord, Failure> {
    let len = golden.len();
    golden.get(index).ok_or_else(|| {
        ErrorKind::IndexOutOfRange {
            what: "golden record",
            index,
            len,
        }
        .into()
    })
}

/// Golden record `index` (from 0): its cluster id to `*cluster_out`, and a
/// copy of the merged record to `*record_out` (free it with
/// custodia_record_free). CUSTODIA_STATUS_INDEX_OUT_OF_RANGE past the end.
///
/// # Safety
/// `golden` is a live handle; the out-pointers are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_golden_record(
    golden: *const custodia_golden,
    index: usize,
    cluster_out: *mut u32,
    record_out: *mut *mut custodia_record,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let golden = golden_at(unsafe { handle::borrow(golden, "golden") }?, index)?;
        let cluster_out = handle::out(cluster_out, "cluster_out")?;
        let out = handle::out(record_out, "record_out")?;
        write_out(cluster_out, golden.cluster);
        handle::give(out, RecordHandle::Plain(golden.record.clone()));
        Ok(())
    })
}

/// Where the value of field `field_index` (schema order) of golden record
/// `index` came from: the input row, or -1 when no record of the cluster
/// had a value. CUSTODIA_STATUS_INDEX_OUT_OF_RANGE for either index past
/// the end.
///
/// # Safety
/// `golden` is a live handle; `row_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_golden_source(
    golden: *const custodia_golden,
    index: usize,
    field_index: usize,
    row_out: *mut i64,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let golden = golden_at(unsafe { handle::borrow(golden, "golden") }?, index)?;
        let out = handle::out(row_out, "row_out")?;
        let len = golden.sources.len();
        let source = golden
            .sources
            .get(field_index)
            .ok_or(ErrorKind::IndexOutOfRange {
                what: "field",
                index: field_index,
                len,
            })?;
        write_out(out, source.map_or(-1, |row| row as i64));
        Ok(())
    })
}

/// Frees golden records. NULL is a no-op.
///
/// # Safety
/// `golden` is NULL or a live handle no other thread is using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_golden_free(golden: *mut custodia_golden) {
    // SAFETY: the caller passes a live handle or NULL.
    guard((), || unsafe { handle::free(golden) });
}

/// Deduplicates a JSON array of record objects and writes
/// `{"clusters": [...], "pairs": [{"a", "b", "weight", "probability"}]}`
/// (cluster ids by position; pairs sorted by row). Errors name the record
/// (`record 3: ...`). Free the string with custodia_string_free.
/// Thread-safe.
///
/// # Safety
/// `deduper` is a live handle; `json` points to `len` readable bytes; the
/// out-pointers are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_dedupe_json(
    deduper: *const custodia_deduper,
    json: *const c_char,
    len: usize,
    json_out: *mut *mut c_char,
    len_out: *mut usize,
) -> custodia_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        text::json_stage(
            deduper,
            "deduper",
            json,
            len,
            json_out,
            len_out,
            |d, json| {
                let outcome = d.run(&records_from_json(d.schema(), json)?)?;
                Ok(serde_json::json!({
                    "clusters": outcome.clusters(),
                    "pairs": outcome.pairs(),
                })
                .to_string())
            },
        )
    }
}

/// Merges records into golden records, JSON in and out: input
/// `{"records": [{...}, ...], "clusters": [0, 0, 2, ...]}`, output an array
/// of `{"cluster", "members", "record", "sources"}` (sources: the row each
/// field's value came from, or null). Free the string with
/// custodia_string_free. Thread-safe.
///
/// # Safety
/// `merger` is a live handle; `json` points to `len` readable bytes; the
/// out-pointers are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_merge_json(
    merger: *const custodia_merger,
    json: *const c_char,
    len: usize,
    json_out: *mut *mut c_char,
    len_out: *mut usize,
) -> custodia_status {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Input {
        records: Vec<serde_json::Value>,
        clusters: Vec<u32>,
    }
    // SAFETY: forwarded from this function's contract.
    unsafe {
        text::json_stage(merger, "merger", json, len, json_out, len_out, |m, json| {
            let input: Input = serde_json::from_str(json).map_err(|e| ErrorKind::Json {
                document: JsonDocument::Record,
                line: e.line(),
                column: e.column(),
                detail: "expected {\"records\": [...], \"clusters\": [...]}".into(),
            })?;
            let records = records_from_values(m.schema(), input.records)?;
            let golden = m.merge(&records, &input.clusters)?;
            let items: Vec<String> = golden.iter().map(GoldenRecord::to_json).collect();
            Ok(format!("[{}]", items.join(",")))
        })
    }
}
