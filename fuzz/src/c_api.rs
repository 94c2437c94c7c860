//! The `c_api` target: sequences of calls to the C entry points, declared
//! here as C sees them (`include/custodia.h`), with arbitrary bytes and
//! lengths: NULL strings with zero and huge lengths, buffers with any length
//! up to their size (over the 1 MiB value limit too), NULL handles and NULL
//! out-parameters, and records, keys, policies, settings and models made
//! from fuzzed JSON. No call may return `CUSTODIA_STATUS_PANIC`.

use std::ffi::{CStr, c_char};

use arbitrary::{Arbitrary, Unstructured};

use super::{Text, WORDS};

/// The status of a caught panic.
const PANIC: u32 = 9001;

#[repr(C)]
#[derive(Clone, Copy)]
struct CStrView {
    ptr: *const c_char,
    len: usize,
}

#[repr(C)]
struct Issue {
    field: CStrView,
    code: u32,
    name: CStrView,
    severity: u32,
    message: CStrView,
}

#[repr(C)]
struct Pair {
    a: usize,
    b: usize,
    weight: f64,
    probability: f64,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct Match {
    row: usize,
    weight: f64,
    probability: f64,
}

/// An opaque handle.
type H = *mut std::ffi::c_void;

unsafe extern "C" {
    fn custodia_version() -> *const c_char;
    fn custodia_status_name(status: u32) -> *const c_char;
    fn custodia_last_error_message() -> *const c_char;
    fn custodia_last_error_field_path() -> *const c_char;
    fn custodia_string_free(s: *mut c_char);

    fn custodia_schema_customer(out: *mut H) -> u32;
    fn custodia_schema_from_json(json: *const c_char, len: usize, out: *mut H) -> u32;
    fn custodia_schema_to_json(schema: H, out: *mut *mut c_char, len: *mut usize) -> u32;
    fn custodia_schema_name(schema: H, out: *mut CStrView) -> u32;
    fn custodia_schema_field_count(schema: H) -> usize;
    fn custodia_schema_field_name(schema: H, index: usize, out: *mut CStrView) -> u32;
    fn custodia_schema_field_index(
        schema: H,
        name: *const c_char,
        len: usize,
        out: *mut usize,
    ) -> u32;
    fn custodia_schema_free(schema: H);

    fn custodia_record_new(schema: H, out: *mut H) -> u32;
    fn custodia_record_from_json(schema: H, json: *const c_char, len: usize, out: *mut H) -> u32;
    fn custodia_record_set(
        record: H,
        name: *const c_char,
        name_len: usize,
        value: *const c_char,
        value_len: usize,
    ) -> u32;
    fn custodia_record_set_at(
        record: H,
        index: usize,
        value: *const c_char,
        value_len: usize,
    ) -> u32;
    fn custodia_record_get(
        record: H,
        name: *const c_char,
        name_len: usize,
        out: *mut *mut c_char,
        len: *mut usize,
    ) -> u32;
    fn custodia_record_get_at(
        record: H,
        index: usize,
        out: *mut *mut c_char,
        len: *mut usize,
    ) -> u32;
    fn custodia_record_to_json(record: H, out: *mut *mut c_char, len: *mut usize) -> u32;
    fn custodia_record_change_count(record: H) -> usize;
    fn custodia_record_free(record: H);

    fn custodia_normalizer_new(schema: H, out: *mut H) -> u32;
    fn custodia_normalizer_normalize(normalizer: H, record: H, out: *mut H) -> u32;
    fn custodia_normalize_json(
        normalizer: H,
        json: *const c_char,
        len: usize,
        out: *mut *mut c_char,
        out_len: *mut usize,
    ) -> u32;
    fn custodia_normalizer_free(normalizer: H);
    fn custodia_validator_new(schema: H, out: *mut H) -> u32;
    fn custodia_validator_validate(validator: H, record: H, out: *mut H) -> u32;
    fn custodia_validate_json(
        validator: H,
        json: *const c_char,
        len: usize,
        out: *mut *mut c_char,
        out_len: *mut usize,
    ) -> u32;
    fn custodia_validator_free(validator: H);
    fn custodia_report_len(report: H) -> usize;
    fn custodia_report_is_valid(report: H) -> bool;
    fn custodia_report_issue(report: H, index: usize, out: *mut Issue) -> u32;
    fn custodia_report_json(report: H, out: *mut CStrView) -> u32;
    fn custodia_report_free(report: H);

    fn custodia_keyring_new(out: *mut H) -> u32;
    fn custodia_keyring_add(
        keyring: H,
        id: *const c_char,
        id_len: usize,
        secret: *const u8,
        secret_len: usize,
    ) -> u32;
    fn custodia_keyring_from_json(json: *const c_char, len: usize, out: *mut H) -> u32;
    fn custodia_keyring_free(keyring: H);
    fn custodia_masker_new_for_audience(
        schema: H,
        policy: H,
        keyring: H,
        audience: *const c_char,
        audience_len: usize,
        out: *mut H,
    ) -> u32;
    fn custodia_policy_from_json(json: *const c_char, len: usize, out: *mut H) -> u32;
    fn custodia_policy_customer(out: *mut H) -> u32;
    fn custodia_policy_from_schema(schema: H, out: *mut H) -> u32;
    fn custodia_policy_free(policy: H);
    fn custodia_masker_new(schema: H, policy: H, keyring: H, out: *mut H) -> u32;
    fn custodia_masker_mask(
        masker: H,
        record: H,
        audience: *const c_char,
        audience_len: usize,
        out: *mut H,
    ) -> u32;
    fn custodia_masker_detokenize(
        masker: H,
        record: H,
        audience: *const c_char,
        audience_len: usize,
        out: *mut H,
    ) -> u32;
    fn custodia_mask_json(
        masker: H,
        audience: *const c_char,
        audience_len: usize,
        json: *const c_char,
        len: usize,
        out: *mut *mut c_char,
        out_len: *mut usize,
    ) -> u32;
    fn custodia_masker_free(masker: H);

    fn custodia_deduper_new(schema: H, config: *const c_char, len: usize, out: *mut H) -> u32;
    fn custodia_deduper_free(deduper: H);
    fn custodia_deduper_run(deduper: H, records: *const H, count: usize, out: *mut H) -> u32;
    fn custodia_deduper_run_with_model(
        deduper: H,
        records: *const H,
        count: usize,
        model: *const c_char,
        model_len: usize,
        out: *mut H,
    ) -> u32;
    fn custodia_deduper_link(
        deduper: H,
        left: *const H,
        left_count: usize,
        right: *const H,
        right_count: usize,
        out: *mut H,
    ) -> u32;
    fn custodia_outcome_free(outcome: H);
    fn custodia_outcome_clusters(outcome: H, out: *mut *const u32, len: *mut usize) -> u32;
    fn custodia_outcome_pair_count(outcome: H) -> usize;
    fn custodia_outcome_pair(outcome: H, index: usize, out: *mut Pair) -> u32;
    fn custodia_outcome_explain_json(
        outcome: H,
        a: usize,
        b: usize,
        out: *mut *mut c_char,
        len: *mut usize,
    ) -> u32;
    fn custodia_outcome_model_json(outcome: H, out: *mut *mut c_char, len: *mut usize) -> u32;
    fn custodia_index_new(deduper: H, model: *const c_char, len: usize, out: *mut H) -> u32;
    fn custodia_index_insert(index: H, record: H, row: *mut usize) -> u32;
    fn custodia_index_query(
        index: H,
        record: H,
        k: usize,
        matches: *mut Match,
        count: *mut usize,
    ) -> u32;
    fn custodia_index_len(index: H) -> usize;
    fn custodia_index_free(index: H);
    fn custodia_merger_new(schema: H, policy: *const c_char, len: usize, out: *mut H) -> u32;
    fn custodia_merger_free(merger: H);
    fn custodia_merger_merge(
        merger: H,
        records: *const H,
        count: usize,
        clusters: *const u32,
        out: *mut H,
    ) -> u32;
    fn custodia_golden_len(golden: H) -> usize;
    fn custodia_golden_record(golden: H, index: usize, cluster: *mut u32, out: *mut H) -> u32;
    fn custodia_golden_source(golden: H, index: usize, field: usize, row: *mut i64) -> u32;
    fn custodia_golden_free(golden: H);
    fn custodia_dedupe_json(
        deduper: H,
        json: *const c_char,
        len: usize,
        out: *mut *mut c_char,
        out_len: *mut usize,
    ) -> u32;
    fn custodia_pipeline_new(json: *const c_char, len: usize, keyring: H, out: *mut H) -> u32;
    fn custodia_pipeline_run(pipeline: H, input: *const c_char, len: usize, out: *mut H) -> u32;
    fn custodia_pipeline_link(
        pipeline: H,
        left_name: *const c_char,
        left_name_len: usize,
        left: *const c_char,
        left_len: usize,
        right_name: *const c_char,
        right_name_len: usize,
        right: *const c_char,
        right_len: usize,
        out: *mut H,
    ) -> u32;
    fn custodia_pipeline_profile(
        pipeline: H,
        input: *const c_char,
        len: usize,
        settings: *const c_char,
        settings_len: usize,
        json_out: *mut *mut c_char,
        len_out: *mut usize,
    ) -> u32;
    fn custodia_profile_html(
        profile: *const c_char,
        len: usize,
        html_out: *mut *mut c_char,
        len_out: *mut usize,
    ) -> u32;
    fn custodia_profile_compare(
        profile: *const c_char,
        len: usize,
        previous: *const c_char,
        previous_len: usize,
        points: f64,
        json_out: *mut *mut c_char,
        len_out: *mut usize,
    ) -> u32;
    fn custodia_run_output(run: H, part: u32, out: *mut CStrView) -> u32;
    fn custodia_run_is_clean(run: H) -> bool;
    fn custodia_run_free(run: H);
    fn custodia_pipeline_free(pipeline: H);
    fn custodia_merge_json(
        merger: H,
        json: *const c_char,
        len: usize,
        out: *mut *mut c_char,
        out_len: *mut usize,
    ) -> u32;
}

/// JSON documents the C functions take, to start mutations from.
const SEEDS: &[&str] = &[
    r#"{"customer_id": "c-1", "full_name": "张伟", "phone": "138 1234 5678", "country": "CN"}"#,
    r#"{"customer_id": "c-2", "full_name": "Michał Kowalski", "email": "M@X.PL", "birth_date": "31/12/1990"}"#,
    r#"{"customer_id": "c-3", "given_name": "Zach🙂", "family_name": "佐々木", "iban": "DE89370400440532013000", "payment_card": "4111111111111111", "updated_at": "ab€xy"}"#,
    r#"{"name": "t", "fields": [{"name": "id", "kind": "text"}, {"name": "n", "kind": "full_name"}, {"name": "p", "kind": "phone", "region": "CN"}]}"#,
    r#"{"name": "p", "audiences": {"support": {"phone": "phone_cn", "full_name": "name", "email": {"op": "hash", "key": "k1"}, "birth_date": {"op": "generalize", "to": "age_band", "width": 10}}}}"#,
    r#"{"threshold": 0.5, "blocking": ["family_name:phonetic + birth_date:year"], "clustering": {"mode": "connected"}}"#,
    r#"{"rules": ["most_recent", "longest"], "updated_field": "updated_at", "trusted_sources": ["crm"]}"#,
    r#"[{"customer_id": "a", "full_name": "Ann Lee", "email": "ann@x.com"}, {"customer_id": "b", "full_name": "Anne Lee", "email": "ann@x.com"}]"#,
    r#"{"records": [{"customer_id": "a", "full_name": "Ann Lee"}], "clusters": [0]}"#,
    r#"{"steps": ["clean", "dedupe", "mask"], "mask": {"audience": "support"}, "map": {"mobile": "phone"}}"#,
    r#"{"format": "jsonl", "steps": ["clean", "dedupe"], "dedupe": {"config": {"u_pairs": 1000}}}"#,
    "customer_id,full_name,email,phone\nc1,Michał Kowalski,m@x.pl,+48 601 234 567\nc2,\"Kowalski, Michał\",m@x.pl,\n",
    "{\"customer_id\": \"c1\", \"full_name\": \"佐々木\"}\n{\"customer_id\": 2}\n[1]\n",
    r#"{"pseudonym": "000102030405060708090a0b0c0d0e0f", "token": "0f0e0d0c0b0a09080706050403020100", "k1": "00112233445566778899aabbccddeeff0011223344556677"}"#,
    r#"{"top": 3, "as_of": "2026-11-01", "staleness_field": "updated_at"}"#,
    "customer_id,full_name,phone,updated_at,cluster_id\nc1,Ann Lee,+86 138 1234 5678,2026-01-02,1\nc2,Anne Lee,13812345678,ab€xy,1\n",
    "support",
    "analytics",
    "auditor",
    "k1",
    "full_name",
];

/// A string argument: a pointer and a length.
#[derive(Arbitrary, Debug)]
enum Arg {
    /// NULL with this length (0: the empty string; otherwise an error).
    Null(u64),
    /// NULL with a length no buffer could have.
    NullHuge,
    /// Bytes, passed with a length up to their size.
    Bytes(Vec<u8>, u16),
    /// Text from every script.
    Text(Text),
    /// A seed document, possibly cut short.
    Seed(u8, u16),
    /// A word from the dictionary repeated.
    Repeat(u8, u16),
    /// A word repeated to just over the 1 MiB value limit (when the
    /// second byte is 255: a megabyte per call would slow every run).
    Huge(u8, u8),
}

/// An argument as a buffer and the length passed with it (never past the
/// buffer's end), or NULL and any length.
struct Buffer {
    bytes: Option<Vec<u8>>,
    len: usize,
}

impl Arg {
    fn buffer(&self) -> Buffer {
        let cut = |bytes: Vec<u8>, keep: u16| {
            let len = if keep == u16::MAX {
                bytes.len()
            } else {
                bytes.len().min(usize::from(keep))
            };
            Buffer {
                bytes: Some(bytes),
                len,
            }
        };
        match self {
            Self::Null(len) => Buffer {
                bytes: None,
                len: usize::try_from(*len).unwrap_or(usize::MAX),
            },
            Self::NullHuge => Buffer {
                bytes: None,
                len: usize::MAX,
            },
            Self::Bytes(bytes, keep) => cut(bytes.clone(), *keep),
            Self::Text(text) => {
                let bytes = text.0.clone().into_bytes();
                let len = bytes.len();
                Buffer {
                    bytes: Some(bytes),
                    len,
                }
            }
            Self::Seed(i, keep) => {
                let seed = SEEDS[usize::from(*i) % SEEDS.len()].as_bytes().to_vec();
                cut(seed, *keep)
            }
            Self::Repeat(..) | Self::Huge(..) => {
                let (w, bytes) = match self {
                    Self::Repeat(w, bytes) => (*w, usize::from(*bytes)),
                    Self::Huge(w, 255) => (*w, (1 << 20) + 1),
                    Self::Huge(w, n) => (*w, usize::from(*n)),
                    _ => (0, 0),
                };
                let word = WORDS[usize::from(w) % WORDS.len()].as_bytes();
                let bytes = word.repeat(bytes / word.len().max(1) + 1);
                let len = bytes.len();
                Buffer {
                    bytes: Some(bytes),
                    len,
                }
            }
        }
    }
}

impl Buffer {
    fn ptr(&self) -> *const c_char {
        self.bytes
            .as_ref()
            .map_or(std::ptr::null(), |b| b.as_ptr().cast())
    }
}

#[derive(Arbitrary, Debug)]
enum Op {
    SchemaCustomer,
    SchemaFromJson(Arg),
    SchemaRead(u8, u64, Arg),
    RecordNew(u8),
    RecordFromJson(u8, Arg),
    RecordSet(u8, Arg, Arg),
    RecordSetAt(u8, u64, Arg),
    RecordGet(u8, Arg, u64),
    Normalize(u8, u8),
    NormalizeJson(u8, Arg),
    Validate(u8, u8),
    ValidateJson(u8, Arg),
    KeyringAdd(u8, Arg, Arg),
    PolicyFromJson(Arg),
    PolicyDefault,
    PolicyFromSchema(u8),
    MaskerNew(u8, u8, u8),
    MaskerForAudience(u8, u8, u8, Arg),
    KeyringFromJson(Arg),
    Mask(u8, u8, Arg, bool),
    MaskJson(u8, Arg, Arg),
    DeduperNew(u8, Arg),
    Run(u8, Vec<u8>, Option<Arg>),
    Link(u8, Vec<u8>, Vec<u8>),
    Outcome(u8, u64, u64),
    IndexNew(u8, Arg),
    IndexInsert(u8, u8),
    IndexQuery(u8, u8, u8),
    MergerNew(u8, Arg),
    Merge(u8, Vec<(u8, u32)>),
    DedupeJson(u8, Arg),
    MergeJson(u8, Arg),
    PipelineNew(Arg, u8),
    PipelineRun(u8, Arg),
    PipelineLink(u8, Arg, Arg, Arg, Arg),
    /// A profile of fuzzed input, kept (as JSON) for the two below.
    PipelineProfile(u8, Arg, Option<Arg>),
    /// A kept profile (cut or changed at one byte), or fuzzed text.
    ProfileHtml(Profile),
    ProfileCompare(Profile, Profile, f64),
    NullArguments(u8),
    Status(u32),
    Free(u8, u8),
}

/// A profile argument: one a pipeline made (by slot), cut to a length
/// and with one byte changed, or any argument.
#[derive(Arbitrary, Debug)]
enum Profile {
    Kept(u8, u16, Option<(u16, u8)>),
    Other(Arg),
}

impl Profile {
    fn buffer(&self, kept: &[Vec<u8>]) -> Buffer {
        match self {
            Self::Kept(slot, keep, change) if !kept.is_empty() => {
                let mut bytes = kept[usize::from(*slot) % kept.len()].clone();
                if let Some((at, byte)) = change
                    && !bytes.is_empty()
                {
                    let at = usize::from(*at) % bytes.len();
                    bytes[at] = *byte;
                }
                let len = if *keep == u16::MAX {
                    bytes.len()
                } else {
                    bytes.len().min(usize::from(*keep))
                };
                Buffer {
                    bytes: Some(bytes),
                    len,
                }
            }
            Self::Kept(..) => Buffer {
                bytes: None,
                len: 0,
            },
            Self::Other(arg) => arg.buffer(),
        }
    }
}

/// Live handles by kind; a slot past the end (or of an empty list) is NULL.
#[derive(Default)]
struct Handles {
    schemas: Vec<H>,
    records: Vec<H>,
    normalizers: Vec<H>,
    validators: Vec<H>,
    keyrings: Vec<H>,
    policies: Vec<H>,
    maskers: Vec<H>,
    dedupers: Vec<H>,
    outcomes: Vec<H>,
    indexes: Vec<H>,
    mergers: Vec<H>,
    goldens: Vec<H>,
    pipelines: Vec<H>,
    /// Profiles made, as JSON (at most [`MAX_HANDLES`]).
    profiles: Vec<Vec<u8>>,
}

/// At most this many live handles of one kind.
const MAX_HANDLES: usize = 8;

fn pick(list: &[H], slot: u8) -> H {
    if list.is_empty() || slot == u8::MAX {
        std::ptr::null_mut()
    } else {
        list[usize::from(slot) % list.len()]
    }
}

fn keep(list: &mut Vec<H>, handle: H, free: unsafe extern "C" fn(H)) {
    if list.len() < MAX_HANDLES {
        list.push(handle);
    } else {
        // SAFETY: `handle` is a live handle just returned by custodia.
        unsafe { free(handle) };
    }
}

/// Checks a status: anything but a caught panic is fine. After a failure
/// the error message and path are read (they must be valid C strings).
fn check(status: u32) -> bool {
    assert!(status != PANIC, "a C call returned CUSTODIA_STATUS_PANIC");
    if status != 0 {
        // SAFETY: both return static or thread-local NUL-terminated
        // strings, valid until the next custodia call on this thread.
        unsafe {
            let _ = CStr::from_ptr(custodia_last_error_message())
                .to_bytes()
                .len();
            let _ = CStr::from_ptr(custodia_last_error_field_path())
                .to_bytes()
                .len();
        }
    }
    status == 0
}

/// Takes an owned string out-parameter: checks its length and frees it.
///
/// # Safety
/// `s` is NULL or a string custodia returned with length `len`.
unsafe fn take_string(s: *mut c_char, len: usize) {
    if !s.is_null() {
        // SAFETY: custodia's strings are NUL-terminated after `len` bytes.
        let bytes = unsafe { std::slice::from_raw_parts(s.cast::<u8>(), len + 1) };
        assert_eq!(
            bytes[len], 0,
            "a string out-parameter is not NUL-terminated"
        );
        // SAFETY: `s` came from custodia and is freed once.
        unsafe { custodia_string_free(s) };
    }
}

/// Reads a borrowed view (it must be readable and UTF-8).
///
/// # Safety
/// `view` was just filled in by custodia from a live handle.
unsafe fn read_view(view: CStrView) {
    assert!(!view.ptr.is_null(), "a custodia_str view is NULL");
    // SAFETY: custodia promises `len` readable bytes at `ptr`.
    let bytes = unsafe { std::slice::from_raw_parts(view.ptr.cast::<u8>(), view.len) };
    assert!(
        std::str::from_utf8(bytes).is_ok(),
        "a custodia_str view is not UTF-8"
    );
}

/// Calls that produce an owned string into `(out, len)`.
fn string_call(call: impl FnOnce(*mut *mut c_char, *mut usize) -> u32) {
    let mut out: *mut c_char = std::ptr::null_mut();
    let mut len = 0usize;
    if check(call(&raw mut out, &raw mut len)) {
        // SAFETY: on success `out` holds a string of `len` bytes.
        unsafe { take_string(out, len) };
    }
}

/// `c_api`: up to 64 calls of the C entry points (see the module docs).
pub fn c_api(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let mut handles = Handles::default();
    for _ in 0..64 {
        let Ok(op) = u.arbitrary::<Op>() else {
            break;
        };
        // SAFETY: every handle passed is NULL or live in `handles`, every
        // buffer outlives its call, and every out-pointer is writable.
        unsafe { step(&mut handles, op) };
    }
    // SAFETY: every handle in `handles` is live and freed once.
    unsafe { free_all(handles) };
}

/// Runs one call.
///
/// # Safety
/// Every handle in `h` is live.
#[allow(clippy::too_many_lines)]
unsafe fn step(h: &mut Handles, op: Op) {
    let null = std::ptr::null_mut();
    let mut out: H = null;
    // SAFETY: every handle passed is NULL or live in `h` (freed ones are
    // removed), every buffer outlives its call, out-pointers are locals.
    unsafe {
        match op {
            Op::SchemaCustomer => {
                if check(custodia_schema_customer(&raw mut out)) {
                    keep(&mut h.schemas, out, custodia_schema_free);
                }
            }
            Op::SchemaFromJson(json) => {
                let b = json.buffer();
                if check(custodia_schema_from_json(b.ptr(), b.len, &raw mut out)) {
                    keep(&mut h.schemas, out, custodia_schema_free);
                }
            }
            Op::SchemaRead(s, index, name) => {
                let schema = pick(&h.schemas, s);
                string_call(|o, l| custodia_schema_to_json(schema, o, l));
                let mut view = CStrView {
                    ptr: std::ptr::null(),
                    len: 0,
                };
                if check(custodia_schema_name(schema, &raw mut view)) {
                    read_view(view);
                }
                let count = custodia_schema_field_count(schema);
                let index = usize::try_from(index).unwrap_or(usize::MAX);
                if check(custodia_schema_field_name(schema, index, &raw mut view)) {
                    assert!(index < count);
                    read_view(view);
                }
                let b = name.buffer();
                let mut found = usize::MAX;
                if check(custodia_schema_field_index(
                    schema,
                    b.ptr(),
                    b.len,
                    &raw mut found,
                )) {
                    assert!(found < count);
                }
            }
            Op::RecordNew(s) => {
                if check(custodia_record_new(pick(&h.schemas, s), &raw mut out)) {
                    keep(&mut h.records, out, custodia_record_free);
                }
            }
            Op::RecordFromJson(s, json) => {
                let b = json.buffer();
                if check(custodia_record_from_json(
                    pick(&h.schemas, s),
                    b.ptr(),
                    b.len,
                    &raw mut out,
                )) {
                    keep(&mut h.records, out, custodia_record_free);
                }
            }
            Op::RecordSet(r, name, value) => {
                let (n, v) = (name.buffer(), value.buffer());
                check(custodia_record_set(
                    pick(&h.records, r),
                    n.ptr(),
                    n.len,
                    v.ptr(),
                    v.len,
                ));
            }
            Op::RecordSetAt(r, index, value) => {
                let v = value.buffer();
                let index = usize::try_from(index).unwrap_or(usize::MAX);
                check(custodia_record_set_at(
                    pick(&h.records, r),
                    index,
                    v.ptr(),
                    v.len,
                ));
            }
            Op::RecordGet(r, name, index) => {
                let record = pick(&h.records, r);
                let n = name.buffer();
                string_call(|o, l| custodia_record_get(record, n.ptr(), n.len, o, l));
                let index = usize::try_from(index).unwrap_or(usize::MAX);
                string_call(|o, l| custodia_record_get_at(record, index, o, l));
                string_call(|o, l| custodia_record_to_json(record, o, l));
                let _ = custodia_record_change_count(record);
            }
            Op::Normalize(s, r) => {
                let mut normalizer: H = null;
                if check(custodia_normalizer_new(
                    pick(&h.schemas, s),
                    &raw mut normalizer,
                )) {
                    if check(custodia_normalizer_normalize(
                        normalizer,
                        pick(&h.records, r),
                        &raw mut out,
                    )) {
                        keep(&mut h.records, out, custodia_record_free);
                    }
                    keep(&mut h.normalizers, normalizer, custodia_normalizer_free);
                }
            }
            Op::NormalizeJson(n, json) => {
                let b = json.buffer();
                let normalizer = pick(&h.normalizers, n);
                string_call(|o, l| custodia_normalize_json(normalizer, b.ptr(), b.len, o, l));
            }
            Op::Validate(s, r) => {
                let mut validator: H = null;
                if check(custodia_validator_new(
                    pick(&h.schemas, s),
                    &raw mut validator,
                )) {
                    if check(custodia_validator_validate(
                        validator,
                        pick(&h.records, r),
                        &raw mut out,
                    )) {
                        walk_report(out);
                        custodia_report_free(out);
                    }
                    keep(&mut h.validators, validator, custodia_validator_free);
                }
            }
            Op::ValidateJson(v, json) => {
                let b = json.buffer();
                let validator = pick(&h.validators, v);
                string_call(|o, l| custodia_validate_json(validator, b.ptr(), b.len, o, l));
            }
            Op::KeyringAdd(k, id, secret) => {
                if h.keyrings.is_empty() && check(custodia_keyring_new(&raw mut out)) {
                    h.keyrings.push(out);
                }
                let (i, s) = (id.buffer(), secret.buffer());
                check(custodia_keyring_add(
                    pick(&h.keyrings, k),
                    i.ptr(),
                    i.len,
                    s.ptr().cast(),
                    s.len,
                ));
            }
            Op::PolicyFromJson(json) => {
                let b = json.buffer();
                if check(custodia_policy_from_json(b.ptr(), b.len, &raw mut out)) {
                    keep(&mut h.policies, out, custodia_policy_free);
                }
            }
            Op::PolicyDefault => {
                if check(custodia_policy_customer(&raw mut out)) {
                    keep(&mut h.policies, out, custodia_policy_free);
                }
            }
            Op::PolicyFromSchema(s) => {
                if check(custodia_policy_from_schema(
                    pick(&h.schemas, s),
                    &raw mut out,
                )) {
                    keep(&mut h.policies, out, custodia_policy_free);
                }
            }
            Op::MaskerNew(s, p, k) => {
                if check(custodia_masker_new(
                    pick(&h.schemas, s),
                    pick(&h.policies, p),
                    pick(&h.keyrings, k),
                    &raw mut out,
                )) {
                    keep(&mut h.maskers, out, custodia_masker_free);
                }
            }
            Op::MaskerForAudience(s, p, k, audience) => {
                let a = audience.buffer();
                if check(custodia_masker_new_for_audience(
                    pick(&h.schemas, s),
                    pick(&h.policies, p),
                    pick(&h.keyrings, k),
                    a.ptr(),
                    a.len,
                    &raw mut out,
                )) {
                    keep(&mut h.maskers, out, custodia_masker_free);
                }
            }
            Op::KeyringFromJson(json) => {
                let b = json.buffer();
                if check(custodia_keyring_from_json(b.ptr(), b.len, &raw mut out)) {
                    keep(&mut h.keyrings, out, custodia_keyring_free);
                }
            }
            Op::Mask(m, r, audience, detokenize) => {
                let a = audience.buffer();
                let masker = pick(&h.maskers, m);
                if check(custodia_masker_mask(
                    masker,
                    pick(&h.records, r),
                    a.ptr(),
                    a.len,
                    &raw mut out,
                )) {
                    let mut back: H = null;
                    if detokenize
                        && check(custodia_masker_detokenize(
                            masker,
                            out,
                            a.ptr(),
                            a.len,
                            &raw mut back,
                        ))
                    {
                        custodia_record_free(back);
                    }
                    keep(&mut h.records, out, custodia_record_free);
                }
            }
            Op::MaskJson(m, audience, json) => {
                let (a, b) = (audience.buffer(), json.buffer());
                let masker = pick(&h.maskers, m);
                string_call(|o, l| {
                    custodia_mask_json(masker, a.ptr(), a.len, b.ptr(), b.len, o, l)
                });
            }
            Op::DeduperNew(s, config) => {
                let b = config.buffer();
                if check(custodia_deduper_new(
                    pick(&h.schemas, s),
                    b.ptr(),
                    b.len,
                    &raw mut out,
                )) {
                    keep(&mut h.dedupers, out, custodia_deduper_free);
                }
            }
            Op::Run(d, rows, model) => {
                let records = rows_of(&h.records, &rows);
                let deduper = pick(&h.dedupers, d);
                let status = match model {
                    None => {
                        custodia_deduper_run(deduper, records.as_ptr(), records.len(), &raw mut out)
                    }
                    Some(model) => {
                        let b = model.buffer();
                        custodia_deduper_run_with_model(
                            deduper,
                            records.as_ptr(),
                            records.len(),
                            b.ptr(),
                            b.len,
                            &raw mut out,
                        )
                    }
                };
                if check(status) {
                    keep(&mut h.outcomes, out, custodia_outcome_free);
                }
            }
            Op::Link(d, left, right) => {
                let (left, right) = (rows_of(&h.records, &left), rows_of(&h.records, &right));
                if check(custodia_deduper_link(
                    pick(&h.dedupers, d),
                    left.as_ptr(),
                    left.len(),
                    right.as_ptr(),
                    right.len(),
                    &raw mut out,
                )) {
                    keep(&mut h.outcomes, out, custodia_outcome_free);
                }
            }
            Op::Outcome(o, a, b) => {
                let outcome = pick(&h.outcomes, o);
                let mut clusters: *const u32 = std::ptr::null();
                let mut len = 0usize;
                if check(custodia_outcome_clusters(
                    outcome,
                    &raw mut clusters,
                    &raw mut len,
                )) {
                    let clusters = std::slice::from_raw_parts(clusters, len);
                    assert!(clusters.iter().all(|&c| (c as usize) < len.max(1)));
                }
                let pairs = custodia_outcome_pair_count(outcome);
                let mut pair = Pair {
                    a: 0,
                    b: 0,
                    weight: 0.0,
                    probability: 0.0,
                };
                for i in [0, pairs.saturating_sub(1), pairs] {
                    if check(custodia_outcome_pair(outcome, i, &raw mut pair)) {
                        assert!(pair.a < pair.b && pair.b < len);
                        assert!((0.0..=1.0).contains(&pair.probability));
                        let _ = pair.weight;
                    }
                }
                let (a, b) = (
                    usize::try_from(a).unwrap_or(usize::MAX),
                    usize::try_from(b).unwrap_or(usize::MAX),
                );
                string_call(|o, l| custodia_outcome_explain_json(outcome, a, b, o, l));
                string_call(|o, l| custodia_outcome_model_json(outcome, o, l));
            }
            Op::IndexNew(d, model) => {
                let b = model.buffer();
                if check(custodia_index_new(
                    pick(&h.dedupers, d),
                    b.ptr(),
                    b.len,
                    &raw mut out,
                )) {
                    keep(&mut h.indexes, out, custodia_index_free);
                }
            }
            Op::IndexInsert(i, r) => {
                let index = pick(&h.indexes, i);
                let before = custodia_index_len(index);
                let mut row = usize::MAX;
                if check(custodia_index_insert(
                    index,
                    pick(&h.records, r),
                    &raw mut row,
                )) {
                    assert_eq!(row, before);
                    assert_eq!(custodia_index_len(index), before + 1);
                }
            }
            Op::IndexQuery(i, r, k) => {
                let k = usize::from(k % 16);
                let mut matches = vec![
                    Match {
                        row: 0,
                        weight: 0.0,
                        probability: 0.0
                    };
                    k
                ];
                let mut count = usize::MAX;
                let ptr = if k == 0 {
                    std::ptr::null_mut()
                } else {
                    matches.as_mut_ptr()
                };
                if check(custodia_index_query(
                    pick(&h.indexes, i),
                    pick(&h.records, r),
                    k,
                    ptr,
                    &raw mut count,
                )) {
                    assert!(count <= k);
                }
            }
            Op::MergerNew(s, policy) => {
                let b = policy.buffer();
                if check(custodia_merger_new(
                    pick(&h.schemas, s),
                    b.ptr(),
                    b.len,
                    &raw mut out,
                )) {
                    keep(&mut h.mergers, out, custodia_merger_free);
                }
            }
            Op::Merge(m, members) => {
                let members: Vec<(u8, u32)> = members.into_iter().take(40).collect();
                let rows: Vec<u8> = members.iter().map(|&(r, _)| r).collect();
                let records = rows_of(&h.records, &rows);
                let clusters: Vec<u32> = members
                    .iter()
                    .map(|&(_, c)| c)
                    .take(records.len())
                    .collect();
                if check(custodia_merger_merge(
                    pick(&h.mergers, m),
                    records.as_ptr(),
                    records.len(),
                    clusters.as_ptr(),
                    &raw mut out,
                )) {
                    walk_golden(out);
                    keep(&mut h.goldens, out, custodia_golden_free);
                }
            }
            Op::DedupeJson(d, json) => {
                let b = json.buffer();
                let deduper = pick(&h.dedupers, d);
                string_call(|o, l| custodia_dedupe_json(deduper, b.ptr(), b.len, o, l));
            }
            Op::MergeJson(m, json) => {
                let b = json.buffer();
                let merger = pick(&h.mergers, m);
                string_call(|o, l| custodia_merge_json(merger, b.ptr(), b.len, o, l));
            }
            Op::PipelineNew(json, k) => {
                let b = json.buffer();
                if check(custodia_pipeline_new(
                    b.ptr(),
                    b.len,
                    pick(&h.keyrings, k),
                    &raw mut out,
                )) {
                    keep(&mut h.pipelines, out, custodia_pipeline_free);
                }
            }
            Op::PipelineRun(p, input) => {
                let b = input.buffer();
                if check(custodia_pipeline_run(
                    pick(&h.pipelines, p),
                    b.ptr(),
                    b.len,
                    &raw mut out,
                )) {
                    walk_run(out);
                }
            }
            Op::PipelineLink(p, left_name, left, right_name, right) => {
                let (ln, l, rn, r) = (
                    left_name.buffer(),
                    left.buffer(),
                    right_name.buffer(),
                    right.buffer(),
                );
                if check(custodia_pipeline_link(
                    pick(&h.pipelines, p),
                    ln.ptr(),
                    ln.len,
                    l.ptr(),
                    l.len,
                    rn.ptr(),
                    rn.len,
                    r.ptr(),
                    r.len,
                    &raw mut out,
                )) {
                    walk_run(out);
                }
            }
            Op::PipelineProfile(p, input, settings) => {
                let b = input.buffer();
                let settings = settings.map_or(
                    Buffer {
                        bytes: None,
                        len: 0,
                    },
                    |s| s.buffer(),
                );
                let (mut json, mut len) = (std::ptr::null_mut(), 0usize);
                if check(custodia_pipeline_profile(
                    pick(&h.pipelines, p),
                    b.ptr(),
                    b.len,
                    settings.ptr(),
                    settings.len,
                    &raw mut json,
                    &raw mut len,
                )) && !json.is_null()
                {
                    // SAFETY: on success `json` holds `len` bytes.
                    let bytes = std::slice::from_raw_parts(json.cast::<u8>(), len).to_vec();
                    if h.profiles.len() < MAX_HANDLES {
                        h.profiles.push(bytes);
                    }
                    take_string(json, len);
                }
            }
            Op::ProfileHtml(profile) => {
                let b = profile.buffer(&h.profiles);
                string_call(|o, l| custodia_profile_html(b.ptr(), b.len, o, l));
            }
            Op::ProfileCompare(profile, previous, points) => {
                let (b, p) = (profile.buffer(&h.profiles), previous.buffer(&h.profiles));
                string_call(|o, l| {
                    custodia_profile_compare(b.ptr(), b.len, p.ptr(), p.len, points, o, l)
                });
            }
            Op::NullArguments(which) => null_arguments(h, which),
            Op::Status(status) => {
                let _ = CStr::from_ptr(custodia_status_name(status))
                    .to_bytes()
                    .len();
                let _ = CStr::from_ptr(custodia_version()).to_bytes().len();
            }
            Op::Free(kind, slot) => free_one(h, kind, slot),
        }
    }
}

/// The records at the given slots (live handles only, at most 40).
fn rows_of(records: &[H], rows: &[u8]) -> Vec<H> {
    if records.is_empty() {
        return Vec::new();
    }
    rows.iter()
        .take(40)
        .map(|&r| records[usize::from(r) % records.len()])
        .collect()
}

/// Reads every issue of a report, and one past the end.
unsafe fn walk_report(report: H) {
    // SAFETY: `report` is live; the views belong to it.
    unsafe {
        let len = custodia_report_len(report);
        let _ = custodia_report_is_valid(report);
        for i in 0..=len {
            let mut issue = Issue {
                field: CStrView {
                    ptr: std::ptr::null(),
                    len: 0,
                },
                code: 0,
                name: CStrView {
                    ptr: std::ptr::null(),
                    len: 0,
                },
                severity: 0,
                message: CStrView {
                    ptr: std::ptr::null(),
                    len: 0,
                },
            };
            if check(custodia_report_issue(report, i, &raw mut issue)) {
                assert!(i < len);
                read_view(issue.field);
                read_view(issue.name);
                read_view(issue.message);
                assert!(matches!(issue.severity, 1 | 2) && issue.code > 0);
            }
        }
        let mut json = CStrView {
            ptr: std::ptr::null(),
            len: 0,
        };
        if check(custodia_report_json(report, &raw mut json)) {
            read_view(json);
        }
    }
}

/// Reads every part of a run (and a part that does not exist), then frees
/// it.
unsafe fn walk_run(run: H) {
    // SAFETY: `run` is live; the views belong to it until it is freed.
    unsafe {
        let _ = custodia_run_is_clean(run);
        for part in 0..=7 {
            let mut view = CStrView {
                ptr: std::ptr::null(),
                len: 0,
            };
            if check(custodia_run_output(run, part, &raw mut view)) {
                assert!((1..=6).contains(&part));
                assert!(!view.ptr.is_null());
                if part != 2 {
                    read_view(view);
                }
            }
        }
        custodia_run_free(run);
    }
}

/// Reads every golden record and the source of each of its fields.
unsafe fn walk_golden(golden: H) {
    // SAFETY: `golden` is live.
    unsafe {
        let len = custodia_golden_len(golden);
        for i in 0..len.min(8) + 1 {
            let mut cluster = 0u32;
            let mut record: H = std::ptr::null_mut();
            if check(custodia_golden_record(
                golden,
                i,
                &raw mut cluster,
                &raw mut record,
            )) {
                custodia_record_free(record);
            }
            for field in 0..4 {
                let mut row = 0i64;
                check(custodia_golden_source(golden, i, field * 7, &raw mut row));
            }
        }
    }
}

/// Calls a function with NULL for each of its pointer arguments in turn.
unsafe fn null_arguments(h: &Handles, which: u8) {
    let null: H = std::ptr::null_mut();
    let schema = pick(&h.schemas, 0);
    let record = pick(&h.records, 0);
    let json = b"{}";
    // SAFETY: NULL is what is being tested; everything else is live.
    unsafe {
        match which % 15 {
            0 => check(custodia_schema_customer(null.cast())),
            1 => check(custodia_schema_from_json(
                json.as_ptr().cast(),
                2,
                null.cast(),
            )),
            2 => check(custodia_record_new(schema, null.cast())),
            3 => check(custodia_record_get(
                record,
                c"email".as_ptr(),
                5,
                null.cast(),
                null.cast(),
            )),
            4 => check(custodia_record_to_json(null, null.cast(), null.cast())),
            5 => check(custodia_normalizer_normalize(null, record, null.cast())),
            6 => check(custodia_validator_validate(null, null, null.cast())),
            7 => check(custodia_masker_mask(
                null,
                record,
                std::ptr::null(),
                0,
                null.cast(),
            )),
            8 => check(custodia_deduper_run(null, std::ptr::null(), 3, null.cast())),
            9 => check(custodia_index_query(
                null,
                record,
                5,
                null.cast(),
                null.cast(),
            )),
            10 => check(custodia_merger_merge(
                null,
                std::ptr::null(),
                2,
                std::ptr::null(),
                null.cast(),
            )),
            11 => check(custodia_pipeline_profile(
                pick(&h.pipelines, 0),
                std::ptr::null(),
                0,
                std::ptr::null(),
                7,
                null.cast(),
                null.cast(),
            )),
            12 => check(custodia_profile_html(
                std::ptr::null(),
                4,
                null.cast(),
                null.cast(),
            )),
            13 => check(custodia_profile_compare(
                json.as_ptr().cast(),
                2,
                std::ptr::null(),
                0,
                f64::NAN,
                null.cast(),
                null.cast(),
            )),
            _ => check(custodia_keyring_add(
                null,
                std::ptr::null(),
                5,
                std::ptr::null(),
                16,
            )),
        };
    }
}

/// Frees one handle of a kind.
unsafe fn free_one(h: &mut Handles, kind: u8, slot: u8) {
    let take = |list: &mut Vec<H>| {
        if list.is_empty() {
            std::ptr::null_mut()
        } else {
            list.swap_remove(usize::from(slot) % list.len())
        }
    };
    // SAFETY: the handle was live and is now out of `h`: freed once. NULL
    // (an empty list) is a no-op for every `_free`.
    unsafe {
        match kind % 13 {
            0 => custodia_schema_free(take(&mut h.schemas)),
            12 => custodia_pipeline_free(take(&mut h.pipelines)),
            1 => custodia_record_free(take(&mut h.records)),
            2 => custodia_normalizer_free(take(&mut h.normalizers)),
            3 => custodia_validator_free(take(&mut h.validators)),
            4 => custodia_keyring_free(take(&mut h.keyrings)),
            5 => custodia_policy_free(take(&mut h.policies)),
            6 => custodia_masker_free(take(&mut h.maskers)),
            7 => custodia_deduper_free(take(&mut h.dedupers)),
            8 => custodia_outcome_free(take(&mut h.outcomes)),
            9 => custodia_index_free(take(&mut h.indexes)),
            10 => custodia_merger_free(take(&mut h.mergers)),
            _ => custodia_golden_free(take(&mut h.goldens)),
        }
    }
}

unsafe fn free_all(h: Handles) {
    // SAFETY: every handle is live and freed once.
    unsafe {
        h.schemas.into_iter().for_each(|x| custodia_schema_free(x));
        h.records.into_iter().for_each(|x| custodia_record_free(x));
        h.normalizers
            .into_iter()
            .for_each(|x| custodia_normalizer_free(x));
        h.validators
            .into_iter()
            .for_each(|x| custodia_validator_free(x));
        h.keyrings
            .into_iter()
            .for_each(|x| custodia_keyring_free(x));
        h.policies.into_iter().for_each(|x| custodia_policy_free(x));
        h.maskers.into_iter().for_each(|x| custodia_masker_free(x));
        h.dedupers
            .into_iter()
            .for_each(|x| custodia_deduper_free(x));
        h.outcomes
            .into_iter()
            .for_each(|x| custodia_outcome_free(x));
        h.indexes.into_iter().for_each(|x| custodia_index_free(x));
        h.mergers.into_iter().for_each(|x| custodia_merger_free(x));
        h.goldens.into_iter().for_each(|x| custodia_golden_free(x));
        h.pipelines
            .into_iter()
            .for_each(|x| custodia_pipeline_free(x));
    }
}
