//! Normalization and validation from C.

use std::ffi::c_char;

use super::handle::{self, Handle};
use super::record::{RecordHandle, custodia_record};
use super::schema::custodia_schema;
use super::text::{self, custodia_str};
use super::{custodia_status, guard, run, write_out};
use crate::normalize::Normalizer;
use crate::schema::Record;
use crate::validate::{Issue, Report, Severity, Validator};

/// Puts records of one schema into canonical form. Immutable: one
/// normalizer may be used by any number of threads at once.
pub struct custodia_normalizer {
    _private: [u8; 0],
}

impl Handle for custodia_normalizer {
    type Target = Normalizer;
}

/// Checks records of one schema. Immutable: one validator may be used by
/// any number of threads at once.
pub struct custodia_validator {
    _private: [u8; 0],
}

impl Handle for custodia_validator {
    type Target = Validator;
}

/// Everything validation found in one record. Owns its issues and their
/// strings. Use from one thread at a time.
pub struct custodia_report {
    _private: [u8; 0],
}

/// A report with each issue's message rendered once, so that C can borrow it.
#[derive(Debug)]
pub(crate) struct ReportHandle {
    issues: Vec<(Issue, String)>,
    json: String,
}

impl Handle for custodia_report {
    type Target = ReportHandle;
}

impl From<Report> for ReportHandle {
    fn from(report: Report) -> Self {
        let json = report.to_json();
        let issues = report
            .into_iter()
            .map(|issue| {
                let message = issue.message();
                (issue, message)
            })
            .collect();
        Self { issues, json }
    }
}

/// How bad an issue is.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum custodia_severity {
    /// Worth a look; the record can still be used.
    Warning = 1,
    /// The record is wrong; a pipeline rejects it.
    Error = 2,
}

/// One issue of a report. The strings are views owned by the report: valid
/// until custodia_report_free.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct custodia_issue {
    /// The field, e.g. "email".
    pub field: custodia_str,
    /// The stable issue code, e.g. 110 for an email syntax error.
    pub code: u32,
    /// The code's stable name, e.g. "email_syntax".
    pub name: custodia_str,
    /// Error or warning.
    pub severity: custodia_severity,
    /// The message: field and problem, never the value.
    pub message: custodia_str,
}

/// Makes a normalizer for `schema` (default options). On success
/// `*normalizer_out` owns a new handle; free it with custodia_normalizer_free.
///
/// # Safety
/// `schema` is a live schema handle; `normalizer_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_normalizer_new(
    schema: *const custodia_schema,
    normalizer_out: *mut *mut custodia_normalizer,
) -> custodia_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        super::schema::new_from_schema(schema, normalizer_out, "normalizer_out", Normalizer::new)
    }
}

/// Makes a normalizer for `schema` with options given as JSON (`options`,
/// `options_len` bytes of UTF-8; (NULL, 0) or "{}" for the defaults):
/// {"email_ascii_domain": bool, "email_provider_rules": bool,
/// "accept_possible_phones": bool}, each key optional. An unknown key
/// fails with CUSTODIA_STATUS_JSON and a message naming the nearest valid
/// one. On success `*normalizer_out` owns a new handle; free it with
/// custodia_normalizer_free.
///
/// # Safety
/// `schema` is a live schema handle; `options` points to `options_len`
/// readable bytes (or is NULL with 0); `normalizer_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_normalizer_new_with_options(
    schema: *const custodia_schema,
    options: *const c_char,
    options_len: usize,
    normalizer_out: *mut *mut custodia_normalizer,
) -> custodia_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        super::schema::new_with_options(
            schema,
            options,
            options_len,
            normalizer_out,
            "normalizer_out",
            |schema, options| Ok(Normalizer::builder(schema).options_json(options)?.build()),
        )
    }
}

/// Normalizes `record` into a new record (the input is not changed). The
/// new record remembers what normalization noticed, so validating it also
/// reports that (an ambiguous date order, say). Fails with
/// CUSTODIA_STATUS_SCHEMA_MISMATCH for a record of another schema. Free the
/// result with custodia_record_free. Thread-safe for the normalizer.
///
/// # Safety
/// `normalizer` and `record` are live handles; `record_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_normalizer_normalize(
    normalizer: *const custodia_normalizer,
    record: *const custodia_record,
    record_out: *mut *mut custodia_record,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes live handles or NULL.
        let normalizer = unsafe { handle::borrow(normalizer, "normalizer") }?;
        // SAFETY: as above.
        let record = unsafe { handle::borrow(record, "record") }?.record();
        let out = handle::out(record_out, "record_out")?;
        handle::give(out, RecordHandle::Normalized(normalizer.normalize(record)?));
        Ok(())
    })
}

/// How many fields normalization changed in `record`; 0 for a record that
/// did not come from custodia_normalizer_normalize, or NULL.
///
/// # Safety
/// `record` is NULL or a live record handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_record_change_count(record: *const custodia_record) -> usize {
    guard(0, || {
        // SAFETY: the caller passes a live record handle or NULL.
        match unsafe { handle::borrow(record, "record") } {
            Ok(RecordHandle::Normalized(n)) => n.changes.len(),
            _ => 0,
        }
    })
}

/// Normalizes a JSON record and writes the normalized record as JSON to
/// `*json_out` (free with custodia_string_free). Thread-safe.
///
/// # Safety
/// `normalizer` is a live handle; `json` points to `len` readable bytes;
/// the out-pointers are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_normalize_json(
    normalizer: *const custodia_normalizer,
    json: *const c_char,
    len: usize,
    json_out: *mut *mut c_char,
    len_out: *mut usize,
) -> custodia_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        text::json_stage(
            normalizer,
            "normalizer",
            json,
            len,
            json_out,
            len_out,
            |n, json| {
                let record = Record::from_json(n.schema(), json)?;
                Ok(n.normalize_owned(record)?.record.to_json())
            },
        )
    }
}

/// Frees a normalizer. NULL is a no-op.
///
/// # Safety
/// `normalizer` is NULL or a live handle no other thread is using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_normalizer_free(normalizer: *mut custodia_normalizer) {
    // SAFETY: the caller passes a live handle or NULL.
    guard((), || unsafe { handle::free(normalizer) });
}

/// Makes a validator for `schema` (default options: birth dates checked
/// against today, UTC). Free with custodia_validator_free.
///
/// # Safety
/// `schema` is a live schema handle; `validator_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_validator_new(
    schema: *const custodia_schema,
    validator_out: *mut *mut custodia_validator,
) -> custodia_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        super::schema::new_from_schema(schema, validator_out, "validator_out", Validator::new)
    }
}

/// Makes a validator for `schema` with options given as JSON (`options`,
/// `options_len` bytes of UTF-8; (NULL, 0) or "{}" for the defaults):
/// {"today": "YYYY-MM-DD", "max_age": years, "email": {"quoted_local_part":
/// bool, "ip_literal": bool}, "accept_possible_phones": bool}, each key
/// optional. `today` fixes the date birth dates are checked against, for
/// results that do not change from day to day. An unknown key fails with
/// CUSTODIA_STATUS_JSON and a message naming the nearest valid one. Free
/// the validator with custodia_validator_free.
///
/// # Safety
/// `schema` is a live schema handle; `options` points to `options_len`
/// readable bytes (or is NULL with 0); `validator_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_validator_new_with_options(
    schema: *const custodia_schema,
    options: *const c_char,
    options_len: usize,
    validator_out: *mut *mut custodia_validator,
) -> custodia_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        super::schema::new_with_options(
            schema,
            options,
            options_len,
            validator_out,
            "validator_out",
            |schema, options| Ok(Validator::builder(schema).options_json(options)?.build()),
        )
    }
}

/// Validates `record` and gives a report of every issue (an empty report
/// for a clean record). A record from custodia_normalizer_normalize also
/// gets the issues normalization noticed. Free the report with
/// custodia_report_free. Thread-safe for the validator.
///
/// # Safety
/// `validator` and `record` are live handles; `report_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_validator_validate(
    validator: *const custodia_validator,
    record: *const custodia_record,
    report_out: *mut *mut custodia_report,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes live handles or NULL.
        let validator = unsafe { handle::borrow(validator, "validator") }?;
        // SAFETY: as above.
        let record = unsafe { handle::borrow(record, "record") }?;
        let out = handle::out(report_out, "report_out")?;
        let report = match record {
            RecordHandle::Plain(r) => validator.validate(r)?,
            RecordHandle::Normalized(n) => validator.validate_normalized(n)?,
        };
        handle::give(out, ReportHandle::from(report));
        Ok(())
    })
}

/// Validates a JSON record and writes the report as JSON (a list of
/// `{field, code, name, severity, message}`) to `*json_out` (free with
/// custodia_string_free). Thread-safe.
///
/// # Safety
/// `validator` is a live handle; `json` points to `len` readable bytes; the
/// out-pointers are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_validate_json(
    validator: *const custodia_validator,
    json: *const c_char,
    len: usize,
    json_out: *mut *mut c_char,
    len_out: *mut usize,
) -> custodia_status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        text::json_stage(
            validator,
            "validator",
            json,
            len,
            json_out,
            len_out,
            |v, json| Ok(v.validate(&Record::from_json(v.schema(), json)?)?.to_json()),
        )
    }
}

/// Frees a validator. NULL is a no-op.
///
/// # Safety
/// `validator` is NULL or a live handle no other thread is using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_validator_free(validator: *mut custodia_validator) {
    // SAFETY: the caller passes a live handle or NULL.
    guard((), || unsafe { handle::free(validator) });
}

/// The number of issues in a report; 0 for NULL.
///
/// # Safety
/// `report` is NULL or a live report handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_report_len(report: *const custodia_report) -> usize {
    guard(0, || {
        // SAFETY: the caller passes a live report handle or NULL.
        unsafe { handle::borrow(report, "report") }.map_or(0, |r| r.issues.len())
    })
}

/// Whether the report has no issue of error severity (warnings allowed);
/// false for NULL.
///
/// # Safety
/// `report` is NULL or a live report handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_report_is_valid(report: *const custodia_report) -> bool {
    guard(false, || {
        // SAFETY: the caller passes a live report handle or NULL.
        unsafe { handle::borrow(report, "report") }
            .is_ok_and(|r| r.issues.iter().all(|(i, _)| i.level() != Severity::Error))
    })
}

/// Reads issue `index` (from 0) into `*issue_out`; its strings are views
/// owned by the report. CUSTODIA_STATUS_INDEX_OUT_OF_RANGE past the end.
///
/// # Safety
/// `report` is a live report handle; `issue_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_report_issue(
    report: *const custodia_report,
    index: usize,
    issue_out: *mut custodia_issue,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live report handle or NULL.
        let report = unsafe { handle::borrow(report, "report") }?;
        let out = handle::out(issue_out, "issue_out")?;
        let len = report.issues.len();
        let (issue, message) =
            report
                .issues
                .get(index)
                .ok_or(crate::ErrorKind::IndexOutOfRange {
                    what: "issue",
                    index,
                    len,
                })?;
        write_out(
            out,
            custodia_issue {
                field: custodia_str::of(issue.path().as_str()),
                code: issue.code().number(),
                name: custodia_str::of(issue.code().name()),
                severity: match issue.level() {
                    Severity::Warning => custodia_severity::Warning,
                    Severity::Error => custodia_severity::Error,
                },
                message: custodia_str::of(message),
            },
        );
        Ok(())
    })
}

/// The report as JSON, as a view owned by the report.
///
/// # Safety
/// `report` is a live report handle; `json_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_report_json(
    report: *const custodia_report,
    json_out: *mut custodia_str,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live report handle or NULL.
        let report = unsafe { handle::borrow(report, "report") }?;
        write_out(
            handle::out(json_out, "json_out")?,
            custodia_str::of(&report.json),
        );
        Ok(())
    })
}

/// Frees a report and all its strings. NULL is a no-op.
///
/// # Safety
/// `report` is NULL or a live report handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_report_free(report: *mut custodia_report) {
    // SAFETY: the caller passes a live report handle or NULL.
    guard((), || unsafe { handle::free(report) });
}
