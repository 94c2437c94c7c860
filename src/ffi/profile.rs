//! Data-quality profiles from C: a pipeline reads an input into a profile
//! (JSON); a profile renders as an HTML page and compares with an earlier
//! one. Profiles travel as their JSON (`custodia-profile`, version 1; see
//! the README), so C keeps no profile handle.

use std::ffi::c_char;

use super::handle;
use super::pipeline::{bytes_arg, custodia_pipeline};
use super::text::{self, give_string};
use super::{custodia_status, run};
use crate::profile::{Profile, ProfileSettings, Profiler};

/// Reads `input` (`len` bytes of CSV or JSON Lines, as the pipeline's
/// format and column settings say) through the pipeline's clean step
/// into a data-quality profile and writes it as JSON: the same profile as
/// `custodia profile` makes of the same input. `settings` is the profile
/// settings JSON (`{"top": 10, "as_of": "2026-11-01", "staleness_field":
/// "updated_at"}`, every key optional); `(NULL, 0)` for the defaults. An
/// input with a `cluster_id` column gives the profile duplicates. On
/// success `*json_out` (length `*len_out`) is a new string; free it with
/// custodia_string_free. Thread-safe for the pipeline.
///
/// # Safety
/// `pipeline` is a live handle; `input` and `settings` are NULL with
/// length 0 or point to that many readable bytes; the out-pointers are
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_pipeline_profile(
    pipeline: *const custodia_pipeline,
    input: *const c_char,
    len: usize,
    settings: *const c_char,
    settings_len: usize,
    json_out: *mut *mut c_char,
    len_out: *mut usize,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes a live handle or NULL.
        let p = unsafe { handle::borrow(pipeline, "pipeline") }?;
        // SAFETY: the caller promises `len` readable bytes at `input`.
        let input = unsafe { bytes_arg(input, len, "input") }?;
        // SAFETY: the caller promises `settings_len` readable bytes.
        let settings = unsafe { text::str_arg(settings, settings_len, "settings") }?;
        let out = handle::out(json_out, "json_out")?;
        let len_out = handle::out(len_out, "len_out")?;
        let settings = if settings.trim().is_empty() {
            ProfileSettings::default()
        } else {
            ProfileSettings::from_json(settings)?
        };
        let mut profiler = Profiler::new(p.pipeline.schema(), &settings)?;
        p.pipeline.profile(&p.options, input, &mut profiler, None)?;
        give_string(&profiler.finish().to_json(), out, len_out);
        Ok(())
    })
}

/// Renders a profile (its JSON, as custodia_pipeline_profile writes it) as
/// one self-contained HTML page: inline CSS and SVG charts, no script,
/// nothing fetched. On success `*html_out` (length `*len_out`) is a new
/// string; free it with custodia_string_free. Fails with
/// CUSTODIA_STATUS_INPUT for text that is not a profile this library
/// reads. Thread-safe.
///
/// # Safety
/// `profile` points to `len` readable bytes; the out-pointers are
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_profile_html(
    profile: *const c_char,
    len: usize,
    html_out: *mut *mut c_char,
    len_out: *mut usize,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller promises `len` readable bytes at `profile`.
        let json = unsafe { text::str_arg(profile, len, "profile") }?;
        let out = handle::out(html_out, "html_out")?;
        let len_out = handle::out(len_out, "len_out")?;
        give_string(&Profile::from_json(json)?.to_html(), out, len_out);
        Ok(())
    })
}

/// Compares a profile with an earlier one (both as JSON) and writes the
/// profile again with its `drift` member: the fields whose completeness or
/// validity moved by at least `points` percentage points (0 to 100) or
/// that have new issue codes, and the issue codes new and gone. On success
/// `*json_out` (length `*len_out`) is a new string; free it with
/// custodia_string_free. Thread-safe.
///
/// # Safety
/// `profile` and `previous` point to that many readable bytes; the
/// out-pointers are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_profile_compare(
    profile: *const c_char,
    len: usize,
    previous: *const c_char,
    previous_len: usize,
    points: f64,
    json_out: *mut *mut c_char,
    len_out: *mut usize,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller promises `len` readable bytes at `profile`.
        let json = unsafe { text::str_arg(profile, len, "profile") }?;
        // SAFETY: the caller promises `previous_len` readable bytes.
        let earlier = unsafe { text::str_arg(previous, previous_len, "previous") }?;
        let out = handle::out(json_out, "json_out")?;
        let len_out = handle::out(len_out, "len_out")?;
        give_string(&Profile::compare_json(json, earlier, points)?, out, len_out);
        Ok(())
    })
}
