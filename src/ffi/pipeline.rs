//! Whole pipelines from C: the same runs as the command-line tool, on
//! buffers instead of files.

use std::ffi::c_char;

use super::audit::custodia_auditor;
use super::handle::{self, Handle};
use super::mask::custodia_keyring;
use super::text::{self, custodia_str};
use super::{Failure, custodia_status, guard, run, write_out};
use crate::audit::Auditor;
use crate::error::{ErrorKind, FieldPath};
use crate::mask::KeyRing;
use crate::pipeline::{Outputs, Pipeline, PipelineConfig, RunOptions, Side, Summary};

/// A pipeline built from JSON settings: its stages, and how it reads and
/// writes rows. Immutable: one pipeline may run on many threads at once.
pub struct custodia_pipeline {
    _private: [u8; 0],
}

/// A pipeline and how it lays out rows.
#[derive(Debug)]
pub(crate) struct PipelineHandle {
    pub(super) pipeline: Pipeline,
    pub(super) options: RunOptions,
    config: PipelineConfig,
}

impl Handle for custodia_pipeline {
    type Target = PipelineHandle;
}

/// What one run of a pipeline wrote, each part as bytes, and its summary.
/// Owns its buffers. Use from one thread at a time.
pub struct custodia_run {
    _private: [u8; 0],
}

/// The outputs of a run.
#[derive(Debug, Default)]
pub(crate) struct RunHandle {
    rows: Vec<u8>,
    rejects: Vec<u8>,
    pairs: Vec<u8>,
    golden: Vec<u8>,
    summary: String,
    model: String,
    clean: bool,
}

impl Handle for custodia_run {
    type Target = RunHandle;
}

/// The parts of a run, for custodia_run_output. Pass the number (a
/// `uint32_t`); other numbers fail with CUSTODIA_STATUS_INDEX_OUT_OF_RANGE.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum custodia_output {
    /// The output rows (CSV or JSON Lines, as the pipeline's format).
    Rows = 1,
    /// The rejected rows, with `_row` and `_issues`. A row that was not
    /// UTF-8 is here as its bytes were: this part may not be UTF-8.
    Rejects = 2,
    /// The matched pairs (CSV), empty without a dedupe step.
    Pairs = 3,
    /// The golden records, empty without a dedupe step.
    Golden = 4,
    /// The summary as JSON (row counts, issues by code, changes by rule).
    Summary = 5,
    /// The model a dedupe run scored with, as JSON; empty without one.
    Model = 6,
}

/// Builds a pipeline from JSON settings: the format the command-line
/// tool's `run` files use, with settings objects inline instead of file
/// paths (`schema`, `format`, `delimiter`, `header`, `map`, `drop`,
/// `warnings_column`, `reject_on`, `steps`, `dedupe`, `mask`; see the
/// README). `keyring` holds the masking keys; NULL for none. On success
/// `*pipeline_out` owns a new handle; free it with custodia_pipeline_free.
/// Thread-safe.
///
/// # Safety
/// `json` points to `len` readable bytes; `keyring` is NULL or a live key
/// ring; `pipeline_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_pipeline_new(
    json: *const c_char,
    len: usize,
    keyring: *const custodia_keyring,
    pipeline_out: *mut *mut custodia_pipeline,
) -> custodia_status {
    run(|| {
        // SAFETY: this function's contract is new_pipeline's, without an
        // auditor.
        unsafe { new_pipeline(json, len, keyring, None, pipeline_out) }
    })
}

/// As custodia_pipeline_new, with every row the pipeline writes logged by
/// `auditor` before it is written: a reveal, a masked view that holds
/// sensitive fields in clear, and a row written unmasked (to the rows of a
/// pipeline that masks nothing, or to the rejects), golden records
/// alike (see the README's audit trail). A run fails with
/// CUSTODIA_STATUS_AUDIT or _IO when an event cannot be recorded. Fails
/// with CUSTODIA_STATUS_INVALID_PIPELINE for a pipeline that rewraps.
/// The pipeline keeps its own reference to the auditor's sink: the
/// auditor may be freed first. Thread-safe.
///
/// # Safety
/// As for custodia_pipeline_new; `auditor` is a live auditor.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_pipeline_new_audited(
    json: *const c_char,
    len: usize,
    keyring: *const custodia_keyring,
    auditor: *const custodia_auditor,
    pipeline_out: *mut *mut custodia_pipeline,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live auditor or NULL.
        let auditor = unsafe { handle::borrow(auditor, "auditor") }?;
        // SAFETY: as for this function.
        unsafe { new_pipeline(json, len, keyring, Some(auditor), pipeline_out) }
    })
}

/// Builds a pipeline, audited by `auditor` when given.
///
/// # Safety
/// As for custodia_pipeline_new.
unsafe fn new_pipeline(
    json: *const c_char,
    len: usize,
    keyring: *const custodia_keyring,
    auditor: Option<&Auditor>,
    pipeline_out: *mut *mut custodia_pipeline,
) -> Result<(), Failure> {
    // SAFETY: the caller promises `len` readable bytes at `json`.
    let json = unsafe { text::str_arg(json, len, "json") }?;
    let keys = if keyring.is_null() {
        KeyRing::new()
    } else {
        // SAFETY: the caller passes a live key ring.
        unsafe { handle::borrow(keyring, "keyring") }?.clone()
    };
    let out = handle::out(pipeline_out, "pipeline_out")?;
    let config = PipelineConfig::from_json(json)?;
    let (mut pipeline, options) = config.build(keys)?;
    if let Some(auditor) = auditor {
        pipeline = pipeline.audited(auditor.clone())?;
    }
    handle::give(
        out,
        PipelineHandle {
            pipeline,
            options,
            config,
        },
    );
    Ok(())
}

/// Reads a byte argument: `len` bytes at `ptr`, any bytes; `(NULL, 0)` is
/// empty.
///
/// # Safety
/// `ptr` is NULL or points to `len` readable bytes that outlive `'a`.
pub(super) unsafe fn bytes_arg<'a>(
    ptr: *const c_char,
    len: usize,
    argument: &str,
) -> Result<&'a [u8], Failure> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(Failure::null(argument))
        };
    }
    if len > isize::MAX as usize {
        return Err(ErrorKind::TooLarge {
            path: FieldPath::new(argument),
            len,
            limit: isize::MAX as usize,
        }
        .into());
    }
    // SAFETY: non-NULL, and the caller promises `len` readable bytes; `len`
    // fits in isize (checked above).
    Ok(unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) })
}

/// The parts of a run, once it is done.
fn finished(summary: &Summary, mut handle: RunHandle) -> RunHandle {
    handle.summary = summary.to_json();
    handle.model = summary
        .model
        .as_ref()
        .map(|m| m.to_json())
        .unwrap_or_default();
    handle.clean = summary.is_clean();
    handle
}

/// Runs the pipeline over `input` (`len` bytes of CSV or JSON Lines, as
/// the pipeline's format; bytes that are not UTF-8 cost only their row):
/// the same rows, rejects, pairs, golden records and summary as the
/// command-line tool writes for the same settings. On success `*run_out`
/// owns the result; read it with custodia_run_output and free it with
/// custodia_run_free. Rows the pipeline rejects are not a failure: see
/// custodia_run_is_clean. Thread-safe for the pipeline.
///
/// # Safety
/// `pipeline` is a live handle; `input` points to `len` readable bytes;
/// `run_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_pipeline_run(
    pipeline: *const custodia_pipeline,
    input: *const c_char,
    len: usize,
    run_out: *mut *mut custodia_run,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let p = unsafe { handle::borrow(pipeline, "pipeline") }?;
        // SAFETY: the caller promises `len` readable bytes at `input`.
        let input = unsafe { bytes_arg(input, len, "input") }?;
        let out = handle::out(run_out, "run_out")?;
        let mut h = RunHandle::default();
        let outputs = Outputs::new(&mut h.rows)
            .rejects(&mut h.rejects)
            .pairs(&mut h.pairs)
            .golden(&mut h.golden);
        let summary = p.pipeline.run(&p.options, input, outputs, None)?;
        handle::give(out, finished(&summary, h));
        Ok(())
    })
}

/// Links two inputs with the pipeline (which needs a dedupe step), named
/// `left_name` and `right_name` in `_source` and cluster ids; each is read
/// with the settings' `map`, or its own from `sources` when the settings
/// name it. The result is as for
/// custodia_pipeline_run. Thread-safe for the pipeline.
///
/// # Safety
/// `pipeline` is a live handle; each (pointer, length) pair points to that
/// many readable bytes (the names UTF-8); `run_out` is writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn custodia_pipeline_link(
    pipeline: *const custodia_pipeline,
    left_name: *const c_char,
    left_name_len: usize,
    left: *const c_char,
    left_len: usize,
    right_name: *const c_char,
    right_name_len: usize,
    right: *const c_char,
    right_len: usize,
    run_out: *mut *mut custodia_run,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let p = unsafe { handle::borrow(pipeline, "pipeline") }?;
        // SAFETY: the caller promises readable bytes for each pair.
        let left_name = unsafe { text::str_arg(left_name, left_name_len, "left_name") }?;
        // SAFETY: as above.
        let right_name = unsafe { text::str_arg(right_name, right_name_len, "right_name") }?;
        // SAFETY: as above.
        let left = unsafe { bytes_arg(left, left_len, "left") }?;
        // SAFETY: as above.
        let right = unsafe { bytes_arg(right, right_len, "right") }?;
        let out = handle::out(run_out, "run_out")?;
        let mut h = RunHandle::default();
        let outputs = Outputs::new(&mut h.rows)
            .rejects(&mut h.rejects)
            .pairs(&mut h.pairs)
            .golden(&mut h.golden);
        let (left_options, right_options) = (
            p.config.options_for(left_name)?,
            p.config.options_for(right_name)?,
        );
        let side = |name, options, input| Side {
            name,
            options,
            input,
        };
        let summary = p.pipeline.link(
            side(left_name, &left_options, left),
            side(right_name, &right_options, right),
            outputs,
            None,
        )?;
        handle::give(out, finished(&summary, h));
        Ok(())
    })
}

/// A view of one part of a run (a custodia_output number); valid until
/// custodia_run_free. Not NUL-terminated; only the rejects may hold bytes
/// that are not UTF-8.
///
/// # Safety
/// `run_handle` is a live run handle; `part_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_run_output(
    run_handle: *const custodia_run,
    part: u32,
    part_out: *mut custodia_str,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let h = unsafe { handle::borrow(run_handle, "run") }?;
        let out = handle::out(part_out, "part_out")?;
        use custodia_output as P;
        let bytes: &[u8] = match part {
            p if p == P::Rows as u32 => &h.rows,
            p if p == P::Rejects as u32 => &h.rejects,
            p if p == P::Pairs as u32 => &h.pairs,
            p if p == P::Golden as u32 => &h.golden,
            p if p == P::Summary as u32 => h.summary.as_bytes(),
            p if p == P::Model as u32 => h.model.as_bytes(),
            _ => {
                return Err(ErrorKind::IndexOutOfRange {
                    what: "output part",
                    index: part as usize,
                    len: 6,
                }
                .into());
            }
        };
        write_out(out, custodia_str::of_bytes(bytes));
        Ok(())
    })
}

/// Whether every row came through clean (none rejected, none written with
/// errors); false for NULL.
///
/// # Safety
/// `run_handle` is NULL or a live run handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_run_is_clean(run_handle: *const custodia_run) -> bool {
    guard(false, || {
        // SAFETY: the caller passes a live handle or NULL.
        unsafe { handle::borrow(run_handle, "run") }.is_ok_and(|h| h.clean)
    })
}

/// Frees a run. NULL is a no-op.
///
/// # Safety
/// `run_handle` is NULL or a live handle no other thread is using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_run_free(run_handle: *mut custodia_run) {
    // SAFETY: the caller passes a live handle or NULL.
    guard((), || unsafe { handle::free(run_handle) });
}

/// Frees a pipeline. NULL is a no-op.
///
/// # Safety
/// `pipeline` is NULL or a live handle no other thread is using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_pipeline_free(pipeline: *mut custodia_pipeline) {
    // SAFETY: the caller passes a live handle or NULL.
    guard((), || unsafe { handle::free(pipeline) });
}
