//! The audit trail from C: reveals and detokenizations logged to the
//! built-in hash-chained file or to a host's own sink, and the check of a
//! log file.

use std::ffi::{c_char, c_int, c_void};
use std::path::Path;
use std::sync::Arc;

use super::handle::{self, Handle};
use super::mask::{custodia_keyring, custodia_masker};
use super::record::{RecordHandle, custodia_record};
use super::text;
use super::{custodia_status, run, write_out};
use crate::audit::{self, Action, AuditEvent, AuditLog, AuditSink, Auditor};
use crate::error::{ErrorKind, Result};
use crate::mask::{Key, KeyRing};

/// Reveals or detokenizes records and logs each one (who, audience,
/// purpose, fields, a pseudonymous record reference, outcome; never a
/// value). Immutable: may be used by any number of threads at once (the
/// built-in log writes one line at a time; a host's sink must be
/// thread-safe).
pub struct custodia_auditor {
    _private: [u8; 0],
}

impl Handle for custodia_auditor {
    type Target = Auditor;
}

/// A host's audit sink: receives each event as one JSON object
/// (`event_json`, `event_len` bytes, not NUL-terminated, valid during the
/// call) with the members `action`, `actor`, `audience`, `count`,
/// `fields`, `outcome`, `purpose`, `record`, `time` and `withheld`.
/// Returns 0 once the event is recorded; any other number refuses it, and
/// the reveal then fails with CUSTODIA_STATUS_AUDIT without giving
/// anything back. It may be called from any thread that uses the
/// auditor, so it must be thread-safe.
pub type custodia_audit_sink_fn = Option<
    unsafe extern "C" fn(
        context: *mut c_void,
        event_json: *const c_char,
        event_len: usize,
    ) -> c_int,
>;

/// A C callback as an [`AuditSink`].
struct CallbackSink {
    callback: unsafe extern "C" fn(*mut c_void, *const c_char, usize) -> c_int,
    context: *mut c_void,
}

// SAFETY: the callback and its context are the host's; the documentation
// of custodia_auditor_new_with_sink requires them to be usable from any
// thread.
unsafe impl Send for CallbackSink {}
// SAFETY: as above.
unsafe impl Sync for CallbackSink {}

impl AuditSink for CallbackSink {
    fn append(&self, event: &AuditEvent) -> Result<()> {
        let json = event.to_json();
        // SAFETY: the host promised a callback that reads `event_len`
        // bytes at `event_json` during the call; both are valid here.
        let answer = unsafe { (self.callback)(self.context, json.as_ptr().cast(), json.len()) };
        if answer == 0 {
            Ok(())
        } else {
            Err(ErrorKind::Audit {
                reason: "the host's audit sink refused the event".into(),
            }
            .into())
        }
    }
}

/// The audit key `id` of `keyring`.
fn audit_key(ring: &KeyRing, id: &str) -> Result<Key> {
    ring.get(id)
        .cloned()
        .ok_or_else(|| ErrorKind::UnknownKey { key: id.to_owned() }.into())
}

/// The arguments every auditor is made with.
struct Made<'a> {
    key: Key,
    actor: &'a str,
    purpose: &'a str,
}

/// Reads the key ring, key id, actor and purpose arguments.
///
/// # Safety
/// As for custodia_auditor_new.
unsafe fn made<'a>(
    keyring: *const custodia_keyring,
    key_id: *const c_char,
    key_id_len: usize,
    actor: *const c_char,
    actor_len: usize,
    purpose: *const c_char,
    purpose_len: usize,
) -> std::result::Result<Made<'a>, super::Failure> {
    // SAFETY: the caller passes a live key ring or NULL.
    let ring = unsafe { handle::borrow(keyring, "keyring") }?;
    // SAFETY: the caller promises the lengths' readable bytes.
    let id = unsafe { text::str_arg(key_id, key_id_len, "key_id") }?;
    // SAFETY: as above.
    let actor = unsafe { text::str_arg(actor, actor_len, "actor") }?;
    // SAFETY: as above.
    let purpose = unsafe { text::str_arg(purpose, purpose_len, "purpose") }?;
    Ok(Made {
        key: audit_key(ring, id)?,
        actor,
        purpose,
    })
}

/// Makes an auditor that appends its events to the hash-chained JSON Lines
/// file at `log_path` (created if need be; an existing log is verified
/// first and not appended to if it was tampered with), chained and with
/// record references keyed by the key `key_id` of `keyring` (which may be
/// freed afterwards), on behalf of `actor` for `purpose` (both required:
/// a user or service name; a ticket, a case, a legal basis). Fails with
/// CUSTODIA_STATUS_UNKNOWN_KEY, _AUDIT (an empty actor or purpose, a log
/// that does not verify), _IO. Free with custodia_auditor_free.
///
/// # Safety
/// `log_path`, `key_id`, `actor` and `purpose` point to as many readable
/// bytes as their lengths say; `keyring` is a live key ring;
/// `auditor_out` is writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn custodia_auditor_new(
    log_path: *const c_char,
    log_path_len: usize,
    keyring: *const custodia_keyring,
    key_id: *const c_char,
    key_id_len: usize,
    actor: *const c_char,
    actor_len: usize,
    purpose: *const c_char,
    purpose_len: usize,
    auditor_out: *mut *mut custodia_auditor,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller promises `log_path_len` readable bytes.
        let path = unsafe { text::str_arg(log_path, log_path_len, "log_path") }?;
        // SAFETY: this function's contract covers made's.
        let made = unsafe {
            made(
                keyring,
                key_id,
                key_id_len,
                actor,
                actor_len,
                purpose,
                purpose_len,
            )
        }?;
        let out = handle::out(auditor_out, "auditor_out")?;
        let log = AuditLog::open(Path::new(path), &made.key)?;
        handle::give(
            out,
            Auditor::new(Arc::new(log), &made.key, made.actor, made.purpose)?,
        );
        Ok(())
    })
}

/// Makes an auditor that sends its events to `sink` (see
/// custodia_audit_sink_fn), called with `context`; otherwise as
/// custodia_auditor_new (record references keyed by the key `key_id`).
/// Free with custodia_auditor_free.
///
/// # Safety
/// `sink` is a function as custodia_audit_sink_fn describes, usable with
/// `context` from any thread until the auditor is freed; the other
/// arguments as for custodia_auditor_new.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn custodia_auditor_new_with_sink(
    sink: custodia_audit_sink_fn,
    context: *mut c_void,
    keyring: *const custodia_keyring,
    key_id: *const c_char,
    key_id_len: usize,
    actor: *const c_char,
    actor_len: usize,
    purpose: *const c_char,
    purpose_len: usize,
    auditor_out: *mut *mut custodia_auditor,
) -> custodia_status {
    run(|| {
        let callback = sink.ok_or_else(|| super::Failure::null("sink"))?;
        // SAFETY: this function's contract covers made's.
        let made = unsafe {
            made(
                keyring,
                key_id,
                key_id_len,
                actor,
                actor_len,
                purpose,
                purpose_len,
            )
        }?;
        let out = handle::out(auditor_out, "auditor_out")?;
        let sink = Arc::new(CallbackSink { callback, context });
        handle::give(
            out,
            Auditor::new(sink, &made.key, made.actor, made.purpose)?,
        );
        Ok(())
    })
}

/// The shared body of custodia_auditor_reveal, _detokenize and _mask.
///
/// # Safety
/// As for custodia_auditor_reveal.
unsafe fn audited_step(
    auditor: *const custodia_auditor,
    masker: *const custodia_masker,
    record: *const custodia_record,
    audience: *const c_char,
    audience_len: usize,
    record_out: *mut *mut custodia_record,
    action: Action,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller passes live handles or NULL.
        let auditor = unsafe { handle::borrow(auditor, "auditor") }?;
        // SAFETY: as above.
        let masker = unsafe { handle::borrow(masker, "masker") }?;
        // SAFETY: as above.
        let record = unsafe { handle::borrow(record, "record") }?.record();
        // SAFETY: the caller promises `audience_len` readable bytes.
        let audience = unsafe { text::str_arg(audience, audience_len, "audience") }?;
        let out = handle::out(record_out, "record_out")?;
        let done = match action {
            Action::Detokenize => auditor.detokenize(masker, record.clone(), audience)?,
            Action::Disclose => auditor.mask(masker, record, audience)?,
            Action::Decrypt => auditor.reveal(masker, record.clone(), audience)?,
        };
        handle::give(out, RecordHandle::Plain(done));
        Ok(())
    })
}

/// As custodia_masker_reveal, and logs the reveal first: the record comes
/// back only once its event is recorded (a failed reveal is logged too,
/// with the outcome `failed`). Fails as custodia_masker_reveal, and with
/// CUSTODIA_STATUS_AUDIT or _IO when the event cannot be recorded.
/// Thread-safe for the auditor and the masker.
///
/// # Safety
/// `auditor`, `masker` and `record` are live handles; `audience` points to
/// `audience_len` readable bytes; `record_out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_auditor_reveal(
    auditor: *const custodia_auditor,
    masker: *const custodia_masker,
    record: *const custodia_record,
    audience: *const c_char,
    audience_len: usize,
    record_out: *mut *mut custodia_record,
) -> custodia_status {
    // SAFETY: this function's contract is audited_step's.
    unsafe {
        audited_step(
            auditor,
            masker,
            record,
            audience,
            audience_len,
            record_out,
            Action::Decrypt,
        )
    }
}

/// As custodia_masker_detokenize, and logs it as custodia_auditor_reveal
/// does (the event's `action` is `detokenize`, its `fields` those that
/// held a token). Thread-safe for the auditor and the masker.
///
/// # Safety
/// As for custodia_auditor_reveal.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_auditor_detokenize(
    auditor: *const custodia_auditor,
    masker: *const custodia_masker,
    record: *const custodia_record,
    audience: *const c_char,
    audience_len: usize,
    record_out: *mut *mut custodia_record,
) -> custodia_status {
    // SAFETY: this function's contract is audited_step's.
    unsafe {
        audited_step(
            auditor,
            masker,
            record,
            audience,
            audience_len,
            record_out,
            Action::Detokenize,
        )
    }
}

/// As custodia_masker_mask, and logs the view first when it holds
/// sensitive fields in clear (the audience's policy keeps them): an event
/// whose `action` is `disclose` and whose `fields` are those fields, and
/// no event for a view without any. The view comes back only once its
/// event is recorded. Fails as custodia_masker_mask, and with
/// CUSTODIA_STATUS_AUDIT or _IO when the event cannot be recorded.
/// Thread-safe for the auditor and the masker.
///
/// # Safety
/// As for custodia_auditor_reveal.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_auditor_mask(
    auditor: *const custodia_auditor,
    masker: *const custodia_masker,
    record: *const custodia_record,
    audience: *const c_char,
    audience_len: usize,
    record_out: *mut *mut custodia_record,
) -> custodia_status {
    // SAFETY: this function's contract is audited_step's.
    unsafe {
        audited_step(
            auditor,
            masker,
            record,
            audience,
            audience_len,
            record_out,
            Action::Disclose,
        )
    }
}

/// Frees an auditor (closing its log file). NULL is ignored.
///
/// # Safety
/// `auditor` is NULL or a live auditor not used by another thread, and is
/// not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn custodia_auditor_free(auditor: *mut custodia_auditor) {
    // SAFETY: the caller passes a live handle or NULL.
    super::guard((), || unsafe { handle::free(auditor) });
}

/// Checks the audit log file at `log_path` against the key `key_id` of
/// `keyring`: each entry's MAC, its sequence number and its link to the
/// entry before. Writes how many entries verified to `entries_out`, the
/// line of the first problem to `bad_line_out` (0 when there is none) and
/// the head (the MAC of the last entry that verified, 64 hex digits; keep
/// it elsewhere to detect entries cut off the end later) to `head_out`
/// (free with custodia_string_free). Returns CUSTODIA_STATUS_OK when the
/// whole log verifies, _AUDIT when an entry was changed, removed,
/// inserted or reordered (custodia_last_error_message says which line and
/// what), _UNKNOWN_KEY, _IO.
///
/// # Safety
/// `log_path` and `key_id` point to as many readable bytes as their
/// lengths say; `keyring` is a live key ring; the out-pointers are
/// writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn custodia_audit_verify(
    log_path: *const c_char,
    log_path_len: usize,
    keyring: *const custodia_keyring,
    key_id: *const c_char,
    key_id_len: usize,
    entries_out: *mut u64,
    bad_line_out: *mut u64,
    head_out: *mut *mut c_char,
) -> custodia_status {
    run(|| {
        // SAFETY: the caller promises `log_path_len` readable bytes.
        let path = unsafe { text::str_arg(log_path, log_path_len, "log_path") }?;
        // SAFETY: the caller passes a live key ring or NULL.
        let ring = unsafe { handle::borrow(keyring, "keyring") }?;
        // SAFETY: the caller promises `key_id_len` readable bytes.
        let id = unsafe { text::str_arg(key_id, key_id_len, "key_id") }?;
        let (entries, bad_line, head) = (
            handle::out(entries_out, "entries_out")?,
            handle::out(bad_line_out, "bad_line_out")?,
            handle::out(head_out, "head_out")?,
        );
        let key = audit_key(ring, id)?;
        let file =
            std::fs::File::open(path).map_err(|e| crate::Error::io("reading the audit log", &e))?;
        let checked = audit::verify(std::io::BufReader::new(file), &key)?;
        write_out(entries, checked.entries);
        write_out(bad_line, checked.problem.as_ref().map_or(0, |p| p.line));
        write_out(head, text::owned(&checked.head));
        match checked.problem {
            None => Ok(()),
            Some(problem) => Err(ErrorKind::Audit {
                reason: format!("line {}: {}", problem.line, problem.what),
            }
            .into()),
        }
    })
}
