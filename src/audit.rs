//! The audit trail: every reveal of stored data (a decryption, or tokens
//! turned back into values) and every masked view that holds sensitive
//! fields in clear (a disclosure) produces an event (who, for which audience
//! and purpose, which fields of which record, when, and how it ended),
//! never a value. Events go to an [`AuditSink`]; the
//! built-in sink, [`AuditLog`], is an append-only JSON Lines file in which
//! each entry carries a keyed hash of the one before, so that [`verify`]
//! finds the first entry that was changed, removed, inserted or reordered.
//!
//! # The log format
//!
//! One JSON object per line, members in name order, then `mac` last:
//!
//! ```text
//! {"action":"decrypt","actor":"ops","audience":"auditor","count":1,"fields":["phone"],"outcome":"revealed",
//!  "prev":"<mac of the entry before, 64 hex digits; zeros for the first>",
//!  "purpose":"ticket 4711","record":"r:3f…","seq":0,"time":"2026-11-26T14:30:05Z",
//!  "withheld":["email"],"mac":"<HMAC-SHA-256 of the line up to here, closed with }>"}
//! ```
//!
//! `record` is a pseudonym of the record's key (HMAC-SHA-256 under a key
//! derived from the audit key, 16 bytes in hex): the same record has the
//! same reference throughout the log, and only a holder of the audit key
//! can tell which record a reference is. The chain key and the reference
//! key are both derived from the audit key with HKDF-SHA-256
//! (`custodia/v1/audit-chain/`, `custodia/v1/audit-record/`, then the key
//! id).
//!
//! # What the chain shows, and what it does not
//!
//! Without the audit key, nobody can change, insert or reorder an entry,
//! or remove one from the middle, without [`verify`] naming the line.
//! Cutting entries off the end leaves a shorter log that still verifies:
//! keep the last `mac` (the *head*, which [`verify`] returns) somewhere
//! else (a ticket, another system's log) to detect that. A holder of the
//! audit key can rewrite the whole log; keep the key apart from those
//! whose reveals are logged.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::{Value as Json, json};

use crate::error::{Error, ErrorKind, Result};
use crate::mask::{Key, KeyedMac, Masker, Purpose, Revealed};
use crate::schema::Date;
use crate::schema::Record;

fn audit_error(reason: impl Into<String>) -> Error {
    ErrorKind::Audit {
        reason: reason.into(),
    }
    .into()
}

/// The audience named in the disclosure of a record written unmasked
/// ([`Auditor::disclose_unmasked`]).
pub const UNMASKED: &str = "unmasked";

/// How a reveal ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The record was revealed.
    Revealed,
    /// It was not: a ciphertext did not decrypt, a key was missing.
    Failed,
}

impl Outcome {
    /// The outcome's name in the log.
    pub fn name(self) -> &'static str {
        match self {
            Self::Revealed => "revealed",
            Self::Failed => "failed",
        }
    }
}

/// What gave values back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Ciphertexts decrypted ([`Masker::reveal`]).
    Decrypt,
    /// Tokens turned back into values ([`Masker::detokenize`]).
    Detokenize,
    /// A masked view written for an audience whose policy keeps sensitive
    /// fields in clear ([`Auditor::disclose`]).
    Disclose,
}

impl Action {
    /// The action's name in the log.
    pub fn name(self) -> &'static str {
        match self {
            Self::Decrypt => "decrypt",
            Self::Detokenize => "detokenize",
            Self::Disclose => "disclose",
        }
    }
}

/// One reveal, as it is logged. It holds no value, only names and a
/// pseudonymous record reference.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditEvent {
    /// When, in UTC (`2026-11-26T14:30:05Z`).
    pub time: String,
    /// Who asked (a user or service name given by the caller).
    pub actor: String,
    /// What gave values back.
    pub action: Action,
    /// The audience whose view was made.
    pub audience: String,
    /// Why (required: a ticket, a case number, a legal basis).
    pub purpose: String,
    /// The fields decrypted or detokenized, or disclosed in clear.
    pub fields: Vec<String>,
    /// The fields that held a ciphertext the audience may not decrypt.
    pub withheld: Vec<String>,
    /// The pseudonymous reference of the record.
    pub record: String,
    /// How many records the event is about.
    pub count: u64,
    /// How it ended.
    pub outcome: Outcome,
}

/// Where audit events go. Implement it to send them to a host's own audit
/// system; [`AuditLog`] is the built-in, hash-chained file.
pub trait AuditSink: Send + Sync {
    /// Records one event. A reveal whose event cannot be recorded fails.
    ///
    /// # Errors
    /// Whatever keeps the sink from recording it.
    fn append(&self, event: &AuditEvent) -> Result<()>;
}

/// The time now, in UTC, to the second.
fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rest = secs % 86_400;
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        Date::from_days_since_epoch(days),
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

const ZERO_MAC: &str = "0000000000000000000000000000000000000000000000000000000000000000";

impl AuditEvent {
    /// The event as one JSON object, members in name order: a log line's
    /// members without the chain's (`seq`, `prev`, `mac`). What a host's
    /// own sink receives from C.
    pub fn to_json(&self) -> String {
        Json::Object(self.members()).to_string()
    }

    fn members(&self) -> serde_json::Map<String, Json> {
        let Json::Object(members) = json!({
            "time": self.time,
            "actor": self.actor,
            "action": self.action.name(),
            "audience": self.audience,
            "purpose": self.purpose,
            "fields": self.fields,
            "withheld": self.withheld,
            "record": self.record,
            "count": self.count,
            "outcome": self.outcome.name(),
        }) else {
            return serde_json::Map::new();
        };
        members
    }
}

/// The body of an entry (every member but `mac`) as JSON text.
fn body(event: &AuditEvent, seq: u64, prev: &str) -> String {
    let mut members = event.members();
    members.insert("seq".into(), seq.into());
    members.insert("prev".into(), prev.into());
    Json::Object(members).to_string()
}

/// Where the chain stands: the next sequence number and the last MAC.
struct Head {
    file: File,
    seq: u64,
    prev: String,
}

/// The built-in sink: an append-only JSON Lines file, hash-chained with a
/// key (see the module docs). Safe to share between threads; each event
/// is written with one `write` call as it comes.
pub struct AuditLog {
    chain: KeyedMac,
    head: Mutex<Head>,
}

impl fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditLog").finish_non_exhaustive()
    }
}

impl AuditLog {
    /// Opens the log at `path` to append to it, creating it if need be. An
    /// existing log is verified first: a log that was tampered with, or
    /// chained with another key, is not appended to.
    ///
    /// # Errors
    /// [`ErrorKind::Io`] when the file cannot be read or written,
    /// [`ErrorKind::Audit`] naming the first bad line of an existing log.
    pub fn open(path: &Path, key: &Key) -> Result<Self> {
        let chain = KeyedMac::new(key, Purpose::AuditChain)?;
        let (seq, prev) = if path.exists() {
            let file = File::open(path).map_err(|e| Error::io("reading the audit log", &e))?;
            let checked = verify_with(BufReader::new(file), &chain)?;
            if let Some(problem) = checked.problem {
                return Err(audit_error(format!(
                    "{}: line {}: {}; not appending to it",
                    path.display(),
                    problem.line,
                    problem.what
                )));
            }
            (checked.entries, checked.head)
        } else {
            (0, ZERO_MAC.to_owned())
        };
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| Error::io("opening the audit log", &e))?;
        Ok(Self {
            chain,
            head: Mutex::new(Head { file, seq, prev }),
        })
    }
}

impl AuditSink for AuditLog {
    fn append(&self, event: &AuditEvent) -> Result<()> {
        let mut head = self
            .head
            .lock()
            .map_err(|_| audit_error("the log was left unusable by a failed write"))?;
        let body = body(event, head.seq, &head.prev);
        let mac = hex(&self.chain.tag(body.as_bytes()));
        let open = body.strip_suffix('}').unwrap_or(&body);
        let line = format!("{open},\"mac\":\"{mac}\"}}\n");
        head.file
            .write_all(line.as_bytes())
            .map_err(|e| Error::io("writing the audit log", &e))?;
        head.seq += 1;
        head.prev = mac;
        Ok(())
    }
}

/// The first thing wrong with a log.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Problem {
    /// The line (from 1).
    pub line: u64,
    /// What is wrong with it.
    pub what: &'static str,
}

/// What [`verify`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verification {
    /// The entries that verified, before any problem.
    pub entries: u64,
    /// The MAC of the last entry that verified (zeros for none): keep it
    /// elsewhere to detect entries cut off the end later.
    pub head: String,
    /// The first problem, if any.
    pub problem: Option<Problem>,
}

/// Checks a log read from `log` against the audit key: each entry's MAC,
/// its sequence number and its link to the entry before. Stops at the
/// first problem.
///
/// # Errors
/// [`ErrorKind::Io`] when the log cannot be read.
pub fn verify(log: impl BufRead, key: &Key) -> Result<Verification> {
    verify_with(log, &KeyedMac::new(key, Purpose::AuditChain)?)
}

/// The longest line read from a log as one entry. Events name fields,
/// never values, so entries are a few hundred bytes; a longer line is read
/// in pieces of this size (the first fails verification), so that a file
/// without line ends, or a device that never ends one (`/dev/zero`), is
/// not held in memory whole.
const MAX_ENTRY: u64 = 1 << 20;

/// The lines of `log` without their line ends, each at most
/// [`MAX_ENTRY`] bytes (a longer one comes in pieces).
fn bounded_lines(mut log: impl BufRead) -> impl Iterator<Item = std::io::Result<Vec<u8>>> {
    std::iter::from_fn(move || {
        let mut line = Vec::new();
        match std::io::Read::take(&mut log, MAX_ENTRY).read_until(b'\n', &mut line) {
            Ok(0) => None,
            Ok(_) => {
                if line.last() == Some(&b'\n') {
                    line.pop();
                }
                Some(Ok(line))
            }
            Err(e) => Some(Err(e)),
        }
    })
}

fn verify_with(log: impl BufRead, chain: &KeyedMac) -> Result<Verification> {
    let mut seq = 0u64;
    let mut prev = ZERO_MAC.to_owned();
    for (n, line) in bounded_lines(log).enumerate() {
        let line = line.map_err(|e| Error::io("reading the audit log", &e))?;
        let problem = |what| {
            Ok(Verification {
                entries: seq,
                head: prev.clone(),
                problem: Some(Problem {
                    line: n as u64 + 1,
                    what,
                }),
            })
        };
        let Ok(line) = std::str::from_utf8(&line) else {
            return problem("not UTF-8 text");
        };
        // `,"mac":"` + 64 hex digits + `"}`.
        let Some((open, mac)) = line
            .len()
            .checked_sub(74)
            .and_then(|at| line.get(at..).map(|tail| (&line[..at], tail)))
            .and_then(|(open, tail)| {
                tail.strip_prefix(",\"mac\":\"")
                    .and_then(|t| t.strip_suffix("\"}"))
                    .map(|mac| (open, mac))
            })
        else {
            return problem("not an audit entry (no `mac` at its end)");
        };
        let body = format!("{open}}}");
        let Ok(given) = (0..32)
            .map(|i| {
                mac.get(2 * i..2 * i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or(())
            })
            .collect::<std::result::Result<Vec<u8>, ()>>()
        else {
            return problem("the entry's `mac` is not 64 hex digits");
        };
        if !chain.verify(body.as_bytes(), &given) {
            return problem(
                "the entry was changed (its MAC does not match), or written with another key",
            );
        }
        let Ok(Json::Object(entry)) = serde_json::from_str::<Json>(&body) else {
            return problem("not a JSON object");
        };
        let entry_seq = entry.get("seq").and_then(Json::as_u64);
        let entry_prev = entry.get("prev").and_then(Json::as_str);
        if entry_seq.is_some_and(|s| s > seq) {
            return problem("entries before this one were removed");
        }
        if entry_seq != Some(seq) || entry_prev != Some(prev.as_str()) {
            return problem("the entry is out of place: inserted, reordered or copied");
        }
        seq += 1;
        prev = mac.to_owned();
    }
    Ok(Verification {
        entries: seq,
        head: prev,
        problem: None,
    })
}

/// Reveals records and logs each reveal: the masker's
/// [`reveal`](Masker::reveal) or [`detokenize`](Masker::detokenize), with
/// an [`AuditEvent`] for every record, revealed or not. Cheap to share between threads.
#[derive(Clone)]
pub struct Auditor {
    sink: Arc<dyn AuditSink>,
    refs: KeyedMac,
    actor: String,
    purpose: String,
}

impl fmt::Debug for Auditor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auditor")
            .field("actor", &self.actor)
            .field("purpose", &self.purpose)
            .finish_non_exhaustive()
    }
}

impl Auditor {
    /// An auditor that sends events to `sink`, made on behalf of `actor`
    /// for `purpose`, with record references keyed by `key` (the audit
    /// key; see the module docs).
    ///
    /// # Errors
    /// [`ErrorKind::Audit`] for an empty purpose or actor.
    pub fn new(
        sink: Arc<dyn AuditSink>,
        key: &Key,
        actor: impl Into<String>,
        purpose: impl Into<String>,
    ) -> Result<Self> {
        let (actor, purpose) = (actor.into(), purpose.into());
        if purpose.trim().is_empty() {
            return Err(audit_error("a reveal needs a purpose"));
        }
        if actor.trim().is_empty() {
            return Err(audit_error("a reveal needs an actor"));
        }
        Ok(Self {
            sink,
            refs: KeyedMac::new(key, Purpose::AuditRef)?,
            actor,
            purpose,
        })
    }

    /// The pseudonymous reference of a record key.
    pub fn record_ref(&self, record_key: &str) -> String {
        format!("r:{}", hex(&self.refs.tag(record_key.as_bytes())[..16]))
    }

    /// Reveals `record` for `audience` with `masker` and records the event
    /// (also when the reveal fails: then with the outcome `failed`, and
    /// the reveal's error is returned).
    ///
    /// # Errors
    /// The errors of [`Masker::reveal`]; the sink's, in which case nothing
    /// is revealed.
    pub fn reveal(&self, masker: &Masker, record: Record, audience: &str) -> Result<Record> {
        let event = self.event(Action::Decrypt, masker, &record, audience);
        self.logged(event, masker.reveal_detailed(record, audience))
    }

    /// Turns the tokens of `record` (masked for `audience`) back into
    /// values with `masker` ([`Masker::detokenize`]) and records the event,
    /// naming the fields that held a token (also when it fails: then with
    /// the outcome `failed`, and the error is returned).
    ///
    /// # Errors
    /// The errors of [`Masker::detokenize`]; the sink's, in which case
    /// nothing is given back.
    pub fn detokenize(&self, masker: &Masker, record: Record, audience: &str) -> Result<Record> {
        let event = self.event(Action::Detokenize, masker, &record, audience);
        self.logged(event, masker.detokenize_detailed(record, audience))
    }

    /// Masks `record` for `audience` with `masker` ([`Masker::mask`]) and
    /// records the disclosure when the view holds sensitive fields in
    /// clear ([`Auditor::disclose`]): the view comes back only once the
    /// sink has the event.
    ///
    /// # Errors
    /// The errors of [`Masker::mask`]; the sink's, in which case no view
    /// is given.
    pub fn mask(&self, masker: &Masker, record: &Record, audience: &str) -> Result<Record> {
        let view = masker.mask(record, audience)?;
        self.disclose(masker, &view, &masker.record_key_of(record), audience)?;
        Ok(view)
    }

    /// Records that `view`, made by `masker` for `audience` from a
    /// record whose key field holds `record_key`, holds sensitive fields
    /// in clear (those of [`Masker::clear_fields`] that are not empty in
    /// it), before the view is written anywhere. A view without any sends
    /// no event. Returns whether an event was sent.
    ///
    /// # Errors
    /// [`ErrorKind::UnknownAudience`];
    /// the sink's, in which case the view must not be written.
    pub fn disclose(
        &self,
        masker: &Masker,
        view: &Record,
        record_key: &str,
        audience: &str,
    ) -> Result<bool> {
        let clear = masker.clear_fields(audience)?;
        self.disclosed(view, |name| clear.contains(&name), record_key, audience)
    }

    /// Records that `record` is written unmasked (the output of a run that
    /// masks nothing, or a reject file), before it is: an event for the
    /// audience [`UNMASKED`] naming its sensitive fields that are not
    /// empty, none for a record without any. Returns whether an event was
    /// sent.
    ///
    /// # Errors
    /// The sink's, in which case the record must not be written.
    pub fn disclose_unmasked(&self, record: &Record, record_key: &str) -> Result<bool> {
        let schema = record.schema().clone();
        let sensitive = |name: &str| schema.field(name).is_some_and(|f| f.is_sensitive());
        self.disclosed(record, sensitive, record_key, UNMASKED)
    }

    /// Sends a disclosure of the fields of `view` that `shown` picks and
    /// that are not empty, when there are any.
    fn disclosed(
        &self,
        view: &Record,
        shown: impl Fn(&str) -> bool,
        record_key: &str,
        audience: &str,
    ) -> Result<bool> {
        let fields: Vec<String> = view
            .schema()
            .fields()
            .iter()
            .map(|f| f.name())
            .filter(|name| shown(name) && view.get(name).is_some_and(|v| !v.is_null()))
            .map(str::to_owned)
            .collect();
        if fields.is_empty() {
            return Ok(false);
        }
        let event = AuditEvent {
            time: now(),
            actor: self.actor.clone(),
            action: Action::Disclose,
            audience: audience.to_owned(),
            purpose: self.purpose.clone(),
            fields,
            withheld: Vec::new(),
            record: self.record_ref(record_key),
            count: 1,
            outcome: Outcome::Revealed,
        };
        self.sink.append(&event)?;
        Ok(true)
    }

    fn event(
        &self,
        action: Action,
        masker: &Masker,
        record: &Record,
        audience: &str,
    ) -> AuditEvent {
        AuditEvent {
            time: now(),
            actor: self.actor.clone(),
            action,
            audience: audience.to_owned(),
            purpose: self.purpose.clone(),
            fields: Vec::new(),
            withheld: Vec::new(),
            record: self.record_ref(&masker.record_key_of(record)),
            count: 1,
            outcome: Outcome::Revealed,
        }
    }

    /// Sends `event`, completed with how `result` ended, to the sink;
    /// the record only once the sink has it.
    fn logged(&self, mut event: AuditEvent, result: Result<Revealed>) -> Result<Record> {
        match result {
            Ok(revealed) => {
                event.fields = revealed.revealed;
                event.withheld = revealed.withheld;
                self.sink.append(&event)?;
                Ok(revealed.record)
            }
            Err(err) => {
                event.outcome = Outcome::Failed;
                if let Some(path) = err.field_path() {
                    event.fields = vec![path.to_string()];
                }
                self.sink.append(&event)?;
                Err(err)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn key() -> Key {
        Key::new("audit", &[11; 32]).unwrap()
    }

    fn event(i: u64) -> AuditEvent {
        AuditEvent {
            time: format!("2026-11-26T14:00:{i:02}Z"),
            actor: "ops".into(),
            action: Action::Decrypt,
            audience: "auditor".into(),
            purpose: "ticket 4711".into(),
            fields: vec!["phone".into()],
            withheld: vec![],
            record: format!("r:{i}"),
            count: 1,
            outcome: Outcome::Revealed,
        }
    }

    /// The audit key, the chain and reference keys derived from it, and
    /// the HMAC states keyed with them are gone from memory once the log,
    /// the auditor and the key are dropped (see `mask::residue_tests`).
    #[test]
    fn audit_keys_are_gone_after_drop() {
        use crate::mask::residue_tests::{key_needles, random_secret, scan};
        let dir = scratch("residue");
        let path = dir.join("audit.jsonl");
        let key = Key::new("audit", &random_secret(32)).unwrap();
        let mut planted = Vec::new();
        key_needles(&key, &mut planted);
        let log = Arc::new(AuditLog::open(&path, &key).unwrap());
        let auditor = Auditor::new(log.clone(), &key, "ops", "ticket 4711").unwrap();
        for i in 0..3 {
            let mut e = event(i);
            e.record = auditor.clone().record_ref(&format!("c-{i}"));
            log.append(&e).unwrap();
        }
        let file = BufReader::new(File::open(&path).unwrap());
        assert_eq!(verify(file, &key).unwrap().entries, 3);
        // Reopening verifies the log with a fresh chain state.
        drop(AuditLog::open(&path, &key).unwrap());
        drop((auditor, log, key));
        let found = scan(&planted);
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            found.is_empty(),
            "{} copies left:\n{}",
            found.len(),
            found.join("\n")
        );
    }

    /// A log of five entries, as lines.
    fn log(dir: &Path) -> Vec<String> {
        let path = dir.join("audit.jsonl");
        let log = AuditLog::open(&path, &key()).unwrap();
        for i in 0..3 {
            log.append(&event(i)).unwrap();
        }
        drop(log);
        // Reopened: the chain goes on.
        let log = AuditLog::open(&path, &key()).unwrap();
        for i in 3..5 {
            log.append(&event(i)).unwrap();
        }
        std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn check(lines: &[String]) -> Verification {
        let mut text = lines.join("\n");
        text.push('\n');
        verify(text.as_bytes(), &key()).unwrap()
    }

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("custodia-audit-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_log_verifies_and_every_tampering_is_found() {
        let dir = scratch("tamper");
        let lines = log(&dir);
        assert_eq!(lines.len(), 5);
        assert!(lines[0].contains("\"prev\":\"0000"));
        assert!(!lines.iter().any(|l| l.contains("+86")));
        let good = check(&lines);
        assert_eq!((good.entries, good.problem.clone()), (5, None));
        assert_eq!(good.head.len(), 64);
        let problem = |lines: &[String]| check(lines).problem.unwrap();

        // Changed: one character of the purpose.
        let mut changed = lines.clone();
        changed[2] = changed[2].replace("ticket 4711", "ticket 4712");
        let p = problem(&changed);
        assert_eq!(p.line, 3);
        assert!(p.what.contains("changed"), "{p:?}");
        // Removed from the middle.
        let mut removed = lines.clone();
        removed.remove(1);
        let p = problem(&removed);
        assert_eq!(p.line, 2);
        assert!(p.what.contains("removed"), "{p:?}");
        // Inserted: a copy of an earlier entry.
        let mut inserted = lines.clone();
        inserted.insert(3, lines[1].clone());
        let p = problem(&inserted);
        assert_eq!(p.line, 4);
        assert!(p.what.contains("out of place"), "{p:?}");
        // Reordered.
        let mut reordered = lines.clone();
        reordered.swap(2, 3);
        assert_eq!(problem(&reordered).line, 3);
        // Written with another key.
        let other = verify(
            format!("{}\n", lines[0]).as_bytes(),
            &Key::new("audit", &[12; 32]).unwrap(),
        )
        .unwrap();
        assert_eq!(other.problem.unwrap().line, 1);
        // Not an entry at all.
        let mut junk = lines.clone();
        junk[4] = "{}".into();
        assert_eq!(problem(&junk).line, 5);
        // Cut off the end: verifies, with an earlier head.
        let cut = check(&lines[..3]);
        assert_eq!(cut.entries, 3);
        assert_ne!(cut.head, good.head);
        // A tampered log is not appended to.
        let path = dir.join("audit.jsonl");
        std::fs::write(&path, changed.join("\n") + "\n").unwrap();
        let err = AuditLog::open(&path, &key()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Audit);
        assert!(err.to_string().contains("line 3"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Events kept in memory.
    #[derive(Default)]
    struct Memory(Mutex<Vec<AuditEvent>>);

    impl AuditSink for Memory {
        fn append(&self, event: &AuditEvent) -> Result<()> {
            self.0.lock().unwrap().push(event.clone());
            Ok(())
        }
    }

    #[test]
    fn detokenizing_is_audited_with_the_fields_and_never_a_value() {
        use crate::mask::{KeyRing, Policy};
        use crate::schema::Schema;
        let schema = Schema::customer();
        let ring = KeyRing::new()
            .with(Key::new("pseudonym", &[3u8; 32]).unwrap())
            .with(Key::new("token", &[4u8; 32]).unwrap());
        let masker = Masker::new(&schema, &Policy::customer(), ring).unwrap();
        let record = Record::from_json(
            &schema,
            r#"{"customer_id": "c-1", "phone": "+8613812345678", "national_id": "11010519491231002X"}"#,
        )
        .unwrap();
        let tokens = masker.mask(&record, "auditor").unwrap();
        let sink = Arc::new(Memory::default());
        let auditor = Auditor::new(sink.clone(), &key(), "ops", "case 7").unwrap();
        let back = auditor
            .detokenize(&masker, tokens.clone(), "auditor")
            .unwrap();
        assert_eq!(back.text("phone"), Some("+8613812345678"));
        assert_eq!(back, masker.detokenize(tokens.clone(), "auditor").unwrap());
        // A token that was altered does not come back, and that is logged too.
        let mut altered = tokens;
        altered.set("phone", "not a token").unwrap();
        assert!(auditor.detokenize(&masker, altered, "auditor").is_err());
        let events = sink.0.lock().unwrap().clone();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].action, Action::Detokenize);
        assert_eq!(events[0].outcome, Outcome::Revealed);
        assert_eq!(events[0].fields, ["phone", "national_id"]);
        assert_eq!(events[0].record, auditor.record_ref("c-1"));
        assert_eq!(events[1].outcome, Outcome::Failed);
        assert_eq!(events[1].fields, ["phone"]);
        let logged = format!("{:?}", events);
        for value in ["13812345678", "11010519491231002X", "not a token"] {
            assert!(!logged.contains(value), "{value} in {logged}");
        }
        let line = body(&events[0], 0, ZERO_MAC);
        assert!(line.contains(r#""action":"detokenize""#), "{line}");
    }

    /// A view with sensitive fields in clear is logged with those fields
    /// (only the non-empty ones) and the record's reference; a view with
    /// none, or made for an audience that masks them, is not.
    #[test]
    fn views_in_clear_are_disclosed_and_masked_ones_are_not() {
        use crate::mask::{KeyRing, Policy};
        use crate::schema::Schema;
        let schema = Schema::customer();
        let ring = KeyRing::new()
            .with(Key::new("pseudonym", &[3u8; 32]).unwrap())
            .with(Key::new("token", &[4u8; 32]).unwrap());
        let masker = Masker::new(&schema, &Policy::customer(), ring).unwrap();
        let clear = masker.clear_fields("auditor").unwrap();
        assert!(
            clear.contains(&"email") && !clear.contains(&"phone"),
            "{clear:?}"
        );
        assert!(masker.clear_fields("support").unwrap().is_empty());
        assert!(masker.clear_fields("nobody").is_err());
        let record = Record::from_json(
            &schema,
            r#"{"customer_id": "c-1", "email": "ann@example.com", "phone": "+8613812345678", "city": "Beijing"}"#,
        )
        .unwrap();
        let sink = Arc::new(Memory::default());
        let auditor = Auditor::new(sink.clone(), &key(), "ops", "export 3").unwrap();
        let view = auditor.mask(&masker, &record, "auditor").unwrap();
        assert_eq!(view, masker.mask(&record, "auditor").unwrap());
        let support = masker.mask(&record, "support").unwrap();
        assert!(
            !auditor
                .disclose(&masker, &support, "c-1", "support")
                .unwrap()
        );
        let nothing =
            Record::from_json(&schema, r#"{"customer_id": "c-2", "city": "Beijing"}"#).unwrap();
        let view = masker.mask(&nothing, "auditor").unwrap();
        assert!(!auditor.disclose(&masker, &view, "c-2", "auditor").unwrap());
        let events = sink.0.lock().unwrap().clone();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].action, Action::Disclose);
        assert_eq!(events[0].fields, ["email"]);
        assert_eq!(events[0].record, auditor.record_ref("c-1"));
        assert_eq!(events[0].purpose, "export 3");
        let logged = format!("{:?}", events);
        assert!(
            !logged.contains("ann@") && !logged.contains("c-1"),
            "{logged}"
        );
    }

    /// A log without line ends (a device that never ends a line) is read
    /// a bounded piece at a time and fails verification at its first line.
    #[test]
    fn a_log_without_line_ends_is_not_read_whole() {
        let chain = KeyedMac::new(&key(), Purpose::AuditChain).unwrap();
        let endless = std::io::BufReader::new(std::io::repeat(b'x'));
        let checked = verify_with(endless, &chain).unwrap();
        assert_eq!(checked.entries, 0);
        assert_eq!(checked.problem.unwrap().line, 1);
        let lines: Vec<Vec<u8>> = bounded_lines(&b"ab\ncd"[..]).map(Result::unwrap).collect();
        assert_eq!(lines, [b"ab".to_vec(), b"cd".to_vec()]);
    }

    #[test]
    fn times_are_utc() {
        let t = now();
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.ends_with('Z') && t.as_bytes()[10] == b'T', "{t}");
    }
}
