//! The crate's one error type, its kinds, and their stable numeric codes.
//!
//! [`Error`] is opaque (csv/jiff style) so that new kinds can be added without
//! breaking callers; [`ErrorKind`] says what went wrong and [`ErrorCode`] is the
//! stable number that the C ABI returns. Messages name the field and the rule
//! that failed; they never contain the value of a field, because customer data
//! must not end up in logs.

use std::fmt;

/// A `Result` whose error is custodia's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in a schema or record a problem is: a field name, or a field of a
/// schema entry such as `fields[3]`. Cloning is cheap (shared text).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FieldPath(std::sync::Arc<str>);

impl FieldPath {
    /// A path made of one field name.
    pub fn new(path: impl Into<String>) -> Self {
        Self(path.into().into())
    }

    /// The path as text, e.g. `email` or `fields[2].kind`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl From<&str> for FieldPath {
    fn from(path: &str) -> Self {
        Self::new(path)
    }
}

/// One step of a [`SettingPath`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PathSegment {
    /// A member of an object, by key (`audiences`, `support`).
    Key(String),
    /// An element of a list, by position from 0 (`fields[3]`).
    Index(usize),
}

/// Where in a settings document (a schema, a masking policy, dedupe
/// settings) a bad setting is, as the keys and list positions that lead to
/// it from the document's top: `fields[3].kind`,
/// `audiences.support.phone`, `blocking[0]`. Empty when the problem is
/// with the document as a whole, or not with one setting.
///
/// Keys are the document's own names (audiences, field names, options):
/// settings, never customer values. Displayed keys that are not plain
/// names are quoted as JSON strings (`audiences["a.b"]`), and long ones
/// are cut short.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct SettingPath(Vec<PathSegment>);

impl SettingPath {
    /// The top of the document (no segment).
    pub fn root() -> Self {
        Self::default()
    }

    /// A path of object keys only, from the top: `["audiences", "support"]`
    /// is `audiences.support`.
    pub fn of<S: AsRef<str>>(keys: &[S]) -> Self {
        Self(
            keys.iter()
                .map(|k| PathSegment::Key(k.as_ref().to_owned()))
                .collect(),
        )
    }

    /// This path followed by a key.
    #[must_use]
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.0.push(PathSegment::Key(key.into()));
        self
    }

    /// This path followed by a list position.
    #[must_use]
    pub fn index(mut self, index: usize) -> Self {
        self.0.push(PathSegment::Index(index));
        self
    }

    /// This path followed by `rest`.
    #[must_use]
    pub fn join(mut self, rest: &Self) -> Self {
        self.0.extend(rest.0.iter().cloned());
        self
    }

    /// The segments, from the top of the document.
    pub fn segments(&self) -> &[PathSegment] {
        &self.0
    }

    /// Whether the path is empty (the document as a whole).
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

/// The longest key a [`SettingPath`] displays in full, in characters.
const SHOWN_KEY_CHARS: usize = 64;

impl fmt::Display for SettingPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                PathSegment::Index(n) => write!(f, "[{n}]")?,
                PathSegment::Key(key) => {
                    let plain = !key.is_empty()
                        && key
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                    let shown: String = key.chars().take(SHOWN_KEY_CHARS).collect();
                    let cut = if shown.len() < key.len() { "…" } else { "" };
                    if plain {
                        if i > 0 {
                            f.write_str(".")?;
                        }
                        write!(f, "{shown}{cut}")?;
                    } else {
                        let quoted = serde_json::to_string(&format!("{shown}{cut}"))
                            .unwrap_or_else(|_| "\"?\"".to_owned());
                        write!(f, "[{quoted}]")?;
                    }
                }
            }
        }
        Ok(())
    }
}

impl fmt::Debug for SettingPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SettingPath({:?})", self.to_string())
    }
}

/// What is wrong with a setting: the reason of an
/// [`ErrorKind::InvalidSchema`], [`ErrorKind::InvalidPolicy`],
/// [`ErrorKind::InvalidDedupe`], [`ErrorKind::UnknownKind`] or
/// [`ErrorKind::BadOption`], for programs to act on without reading the
/// message. [`SettingProblem::name`] is its stable name, the same in C
/// and Python.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SettingProblem {
    /// A required setting is absent (`hash` without `key`, a kind
    /// `national_id` without `scheme`).
    Missing,
    /// A key the format does not have (a misspelt option).
    UnknownKey,
    /// A value of the wrong type (a string where a list belongs).
    WrongType,
    /// A name the setting does not know: an operator, a field kind, a
    /// scheme, a comparator, a transform, a region code.
    UnknownName,
    /// A number outside its range (a threshold of 1.5).
    OutOfRange,
    /// A name that cannot be used as one (empty, too long, control
    /// characters).
    BadName,
    /// A field name that is not in the schema.
    UnknownField,
    /// The same thing given twice.
    Duplicate,
    /// A list or document that needs at least one entry has none.
    Empty,
    /// A setting that is fine alone but not with another one (a token on a
    /// kind that cannot be tokenized, `most_recent` without an
    /// `updated_field`, an option for another kind).
    Conflict,
    /// A format version this version of custodia does not read.
    Unsupported,
    /// Settings, a model or data that do not fit each other (a model
    /// trained for other fields, cluster ids for other records).
    Mismatch,
    /// Data too large for the setting or the operation.
    TooLarge,
    /// A value that cannot work for another reason (a pattern that does
    /// not compile, a request that needs a step the pipeline lacks).
    Invalid,
}

impl SettingProblem {
    /// Every problem, in the order declared.
    pub const ALL: &'static [Self] = &[
        Self::Missing,
        Self::UnknownKey,
        Self::WrongType,
        Self::UnknownName,
        Self::OutOfRange,
        Self::BadName,
        Self::UnknownField,
        Self::Duplicate,
        Self::Empty,
        Self::Conflict,
        Self::Unsupported,
        Self::Mismatch,
        Self::TooLarge,
        Self::Invalid,
    ];

    /// The stable name, such as `"unknown_field"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::UnknownKey => "unknown_key",
            Self::WrongType => "wrong_type",
            Self::UnknownName => "unknown_name",
            Self::OutOfRange => "out_of_range",
            Self::BadName => "bad_name",
            Self::UnknownField => "unknown_field",
            Self::Duplicate => "duplicate",
            Self::Empty => "empty",
            Self::Conflict => "conflict",
            Self::Unsupported => "unsupported",
            Self::Mismatch => "mismatch",
            Self::TooLarge => "too_large",
            Self::Invalid => "invalid",
        }
    }

    /// The name followed by a NUL byte, for C.
    pub(crate) fn name_with_nul(self) -> &'static str {
        match self {
            Self::Missing => "missing\0",
            Self::UnknownKey => "unknown_key\0",
            Self::WrongType => "wrong_type\0",
            Self::UnknownName => "unknown_name\0",
            Self::OutOfRange => "out_of_range\0",
            Self::BadName => "bad_name\0",
            Self::UnknownField => "unknown_field\0",
            Self::Duplicate => "duplicate\0",
            Self::Empty => "empty\0",
            Self::Conflict => "conflict\0",
            Self::Unsupported => "unsupported\0",
            Self::Mismatch => "mismatch\0",
            Self::TooLarge => "too_large\0",
            Self::Invalid => "invalid\0",
        }
    }
}

impl fmt::Display for SettingProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// ` at `path`` for a message, or nothing for the whole document.
fn at(path: &SettingPath) -> String {
    if path.is_root() {
        String::new()
    } else {
        format!(" at `{path}`")
    }
}

/// Which document a JSON error was found in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonDocument {
    /// A schema definition.
    Schema,
    /// A customer record.
    Record,
    /// A masking policy.
    Policy,
    /// A key file (key id to hex secret).
    Keys,
    /// Normalizer or validator options.
    Options,
}

impl fmt::Display for JsonDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Schema => "schema",
            Self::Record => "record",
            Self::Policy => "policy",
            Self::Keys => "keys",
            Self::Options => "options",
        })
    }
}

/// What went wrong. Every variant names the place; none carries a field value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Text that should have been UTF-8 was not.
    #[error("field `{path}`: not valid UTF-8")]
    InvalidUtf8 {
        /// The field (or argument) that held the bytes.
        path: FieldPath,
    },
    /// A value is larger than the schema allows any value to be.
    #[error("field `{path}`: {len} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The field that held the value.
        path: FieldPath,
        /// Its size in bytes.
        len: usize,
        /// The schema's `max_value_bytes`.
        limit: usize,
    },
    /// An index past the end of a list: of a schema's fields, a report's
    /// issues, an outcome's pairs or rows, golden records.
    #[error("{what} index {index} is out of range: there are {len}")]
    IndexOutOfRange {
        /// What the index counts: `field`, `issue`, `pair`, `row`,
        /// `golden record`, `output part`.
        what: &'static str,
        /// The index asked for.
        index: usize,
        /// How many there are.
        len: usize,
    },
    /// The text is not JSON, or not JSON of the expected shape.
    #[error("{document} JSON, line {line}, column {column}: {detail}")]
    Json {
        /// Schema or record.
        document: JsonDocument,
        /// 1-based line of the problem (0 when unknown).
        line: usize,
        /// 1-based column of the problem (0 when unknown).
        column: usize,
        /// What is wrong. For records this never quotes the input.
        detail: String,
    },
    /// A schema field names a kind that custodia does not know.
    #[error("field `{path}`: unknown kind `{kind}`")]
    UnknownKind {
        /// The schema entry, e.g. `fields[2] (tier)`.
        path: FieldPath,
        /// The setting, e.g. `fields[2].kind`.
        setting: SettingPath,
        /// The kind name as written in the schema.
        kind: String,
    },
    /// Two schema fields share a name.
    #[error("field `{path}`: the name is used by an earlier field")]
    DuplicateField {
        /// The second field with that name.
        path: FieldPath,
    },
    /// A field option is missing, misspelt, or has a value that cannot work.
    #[error("field `{path}`: option `{option}` {reason}")]
    BadOption {
        /// The schema entry.
        path: FieldPath,
        /// The setting, e.g. `fields[2].pattern` (or, for an operator in
        /// a field's `mask`, `fields[2].mask.support.op`).
        setting: SettingPath,
        /// The option's name, e.g. `values` or `pattern`.
        option: String,
        /// What is wrong with it.
        problem: SettingProblem,
        /// Why it was refused.
        reason: String,
    },
    /// A schema setting that cannot work: its format, name or region, no
    /// fields, a size limit of 0, a field name that cannot be one.
    #[error("schema{}: {reason}", at(.path))]
    InvalidSchema {
        /// The setting, e.g. `fields[3].name` (empty for the schema as a
        /// whole).
        path: SettingPath,
        /// What is wrong with it.
        problem: SettingProblem,
        /// Why it was refused, in words.
        reason: String,
    },
    /// A record names a field that its schema does not have.
    #[error("field `{path}`: not in the schema")]
    UnknownField {
        /// The name as given.
        path: FieldPath,
    },
    /// A value of a type the field cannot hold (e.g. a JSON object for a name).
    #[error("field `{path}`: expected {expected}, found {found}")]
    WrongType {
        /// The field.
        path: FieldPath,
        /// What the field accepts.
        expected: &'static str,
        /// What was given (a type, never the value).
        found: &'static str,
    },
    /// Pipeline settings that cannot work (steps out of order, a missing
    /// section, an unknown key or issue code).
    #[error("pipeline settings: {reason}")]
    InvalidPipeline {
        /// What is wrong.
        reason: String,
    },
    /// Reading the input or writing an output failed.
    #[error("{what}: {message}")]
    Io {
        /// What was being done (`reading`, `writing rejects`...).
        what: String,
        /// The operating system's kind of error.
        kind: std::io::ErrorKind,
        /// Its message (never data).
        message: String,
    },
    /// The input cannot be read as set up: its encoding, a header that
    /// names no field, a column named in the settings that is not there.
    #[error("{reason}")]
    Input {
        /// What is wrong, naming columns only by settings the caller gave.
        reason: String,
    },
    /// A record names the same field twice (a JSON key, a CSV column), so
    /// which value was meant is unknown.
    #[error("field `{path}`: given twice in one record")]
    DuplicateKey {
        /// The field named twice.
        path: FieldPath,
    },
    /// A CSV row whose column count differs from its header's.
    #[error("row has {found} columns but the header has {expected}")]
    RowLength {
        /// Columns in the header.
        expected: usize,
        /// Columns in the row.
        found: usize,
    },
    /// An audience the masking policy does not define, or that a masker
    /// made for some audiences only was not made for.
    #[error(
        "no masking policy for audience `{audience}` (not in the policy, or not among the audiences this masker was made for)"
    )]
    UnknownAudience {
        /// The audience asked for.
        audience: String,
    },
    /// A key id that the key ring does not hold.
    #[error("no key with id `{key}` in the key ring")]
    UnknownKey {
        /// The key id.
        key: String,
    },
    /// A key that cannot be used (wrong length, empty id).
    #[error("key `{key}`: {reason}")]
    InvalidKey {
        /// The key id.
        key: String,
        /// Why.
        reason: &'static str,
    },
    /// A masking policy that cannot be read, or cannot be applied to its
    /// schema.
    #[error("masking policy{}: {reason}", at(.path))]
    InvalidPolicy {
        /// The setting, e.g. `audiences.support.phone` or
        /// `audiences.support.phone.key`, as in the policy's JSON.
        path: SettingPath,
        /// What is wrong with it.
        problem: SettingProblem,
        /// Why, in words.
        reason: String,
    },
    /// A value that an operator cannot transform (e.g. too few digits to
    /// tokenize within FF1's minimum domain).
    #[error("field `{path}`: {reason}")]
    CannotMask {
        /// The field.
        path: FieldPath,
        /// Why (never the value).
        reason: &'static str,
    },
    /// A value that should be a ciphertext and does not decrypt: not in the
    /// ciphertext format, altered, or moved from another field or record.
    #[error("field `{path}`: cannot decrypt: {reason}")]
    CannotDecrypt {
        /// The field.
        path: FieldPath,
        /// Why (never the value).
        reason: &'static str,
    },
    /// An audit log that cannot be read or written as one.
    #[error("audit log: {reason}")]
    Audit {
        /// Why (never a value).
        reason: String,
    },
    /// A duplicate-detection setting, model or request that cannot work
    /// (unknown field in a blocking rule, threshold out of range, a model
    /// trained for another schema).
    #[error("dedupe{}: {reason}", at(.path))]
    InvalidDedupe {
        /// The setting, e.g. `threshold`, `blocking[0]` or
        /// `fields.email[1]` (in a merge policy), as in the settings' JSON;
        /// empty when the problem is not with one setting.
        path: SettingPath,
        /// What is wrong.
        problem: SettingProblem,
        /// Why, in words.
        reason: String,
    },
    /// A record was used with a schema other than the one it was built for.
    #[error("the record belongs to schema `{record}`, not `{expected}`")]
    SchemaMismatch {
        /// The schema the caller expected.
        expected: String,
        /// The record's schema.
        record: String,
    },
}

impl ErrorKind {
    /// The stable code of this kind of error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidUtf8 { .. } => ErrorCode::InvalidUtf8,
            Self::TooLarge { .. } => ErrorCode::TooLarge,
            Self::IndexOutOfRange { .. } => ErrorCode::IndexOutOfRange,
            Self::Json { .. } => ErrorCode::Json,
            Self::UnknownKind { .. } => ErrorCode::UnknownKind,
            Self::DuplicateField { .. } => ErrorCode::DuplicateField,
            Self::BadOption { .. } => ErrorCode::BadOption,
            Self::InvalidSchema { .. } => ErrorCode::InvalidSchema,
            Self::UnknownField { .. } => ErrorCode::UnknownField,
            Self::WrongType { .. } => ErrorCode::WrongType,
            Self::RowLength { .. } => ErrorCode::RowLength,
            Self::SchemaMismatch { .. } => ErrorCode::SchemaMismatch,
            Self::DuplicateKey { .. } => ErrorCode::DuplicateKey,
            Self::Io { .. } => ErrorCode::Io,
            Self::InvalidPipeline { .. } => ErrorCode::InvalidPipeline,
            Self::Input { .. } => ErrorCode::Input,
            Self::UnknownAudience { .. } => ErrorCode::UnknownAudience,
            Self::UnknownKey { .. } => ErrorCode::UnknownKey,
            Self::InvalidKey { .. } => ErrorCode::InvalidKey,
            Self::InvalidPolicy { .. } => ErrorCode::InvalidPolicy,
            Self::CannotMask { .. } => ErrorCode::CannotMask,
            Self::CannotDecrypt { .. } => ErrorCode::CannotDecrypt,
            Self::Audit { .. } => ErrorCode::Audit,
            Self::InvalidDedupe { .. } => ErrorCode::InvalidDedupe,
        }
    }

    fn setting(&self) -> Option<(&SettingPath, SettingProblem)> {
        match self {
            Self::InvalidSchema { path, problem, .. }
            | Self::InvalidPolicy { path, problem, .. }
            | Self::InvalidDedupe { path, problem, .. }
            | Self::BadOption {
                setting: path,
                problem,
                ..
            } => Some((path, *problem)),
            Self::UnknownKind { setting, .. } => Some((setting, SettingProblem::UnknownName)),
            _ => None,
        }
    }

    fn field_path(&self) -> Option<&FieldPath> {
        match self {
            Self::InvalidUtf8 { path }
            | Self::TooLarge { path, .. }
            | Self::UnknownKind { path, .. }
            | Self::DuplicateField { path }
            | Self::DuplicateKey { path }
            | Self::BadOption { path, .. }
            | Self::UnknownField { path }
            | Self::WrongType { path, .. }
            | Self::CannotMask { path, .. }
            | Self::CannotDecrypt { path, .. } => Some(path),
            Self::IndexOutOfRange { .. }
            | Self::Json { .. }
            | Self::InvalidSchema { .. }
            | Self::RowLength { .. }
            | Self::SchemaMismatch { .. }
            | Self::Io { .. }
            | Self::Input { .. }
            | Self::InvalidPipeline { .. }
            | Self::UnknownAudience { .. }
            | Self::UnknownKey { .. }
            | Self::InvalidKey { .. }
            | Self::InvalidPolicy { .. }
            | Self::Audit { .. }
            | Self::InvalidDedupe { .. } => None,
        }
    }
}

/// serde's message for settings, with an unknown key's nearest valid one
/// named first: "unknown field `treshold` (did you mean `threshold`?),
/// expected one of ...".
pub(crate) fn hint_unknown_key(message: &str) -> String {
    let tick =
        |s: &str| -> Vec<String> { s.split('`').skip(1).step_by(2).map(str::to_owned).collect() };
    for lead in ["unknown field `", "unknown variant `"] {
        let Some(at) = message.find(lead) else {
            continue;
        };
        let rest = &message[at + lead.len()..];
        let Some((key, after)) = rest.split_once('`') else {
            continue;
        };
        let valid_keys = tick(after);
        let close = |valid: &String| {
            strsim::damerau_levenshtein(key, valid) <= key.chars().count().max(3) / 2 + 1
        };
        // A typo, else a key cut short (`ip` for `ip_literal`).
        let nearest = valid_keys
            .iter()
            .filter(|valid| close(valid))
            .min_by_key(|valid| strsim::damerau_levenshtein(key, valid))
            .or_else(|| {
                valid_keys
                    .iter()
                    .filter(|valid| key.len() >= 2 && valid.starts_with(key))
                    .min_by_key(|valid| valid.len())
            });
        if let Some(valid) = nearest {
            let head = &message[..at + lead.len() + key.len() + 1];
            return format!("{head} (did you mean `{valid}`?){after}");
        }
    }
    message.to_owned()
}

/// Reads settings JSON into `T`, tracking where serde stops: an error
/// comes back as the setting's path (the misspelt key itself for an
/// unknown one), the kind of problem, and serde's message with an unknown
/// key's nearest valid one named.
pub(crate) fn settings_json<T: serde::de::DeserializeOwned>(
    json: &str,
) -> std::result::Result<T, (SettingPath, SettingProblem, String)> {
    let mut de = serde_json::Deserializer::from_str(json);
    let value = serde_path_to_error::deserialize(&mut de).map_err(setting_error)?;
    de.end()
        .map_err(|e| (SettingPath::root(), SettingProblem::Invalid, e.to_string()))?;
    Ok(value)
}

/// Reads `T` from JSON already parsed, with errors as [`settings_json`]'s.
pub(crate) fn settings_value<T: serde::de::DeserializeOwned>(
    value: &serde_json::Value,
) -> std::result::Result<T, (SettingPath, SettingProblem, String)> {
    serde_path_to_error::deserialize(value).map_err(setting_error)
}

/// Where serde stopped, the kind of problem (from serde's standard
/// messages: unknown field, unknown variant, invalid type...), and the
/// message with an unknown key's nearest valid one named.
fn setting_error(
    err: serde_path_to_error::Error<serde_json::Error>,
) -> (SettingPath, SettingProblem, String) {
    let mut path = SettingPath::root();
    for segment in err.path() {
        path = match segment {
            serde_path_to_error::Segment::Seq { index } => path.index(*index),
            serde_path_to_error::Segment::Map { key } => path.key(key.as_str()),
            serde_path_to_error::Segment::Enum { variant } => path.key(variant.as_str()),
            serde_path_to_error::Segment::Unknown => path,
        };
    }
    let message = err.inner().to_string();
    let between_ticks = |lead: &str| {
        message
            .strip_prefix(lead)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
    };
    // Point at the key itself, not at its object.
    let ending_in = |path: SettingPath, key: String| {
        if path.segments().last() == Some(&PathSegment::Key(key.clone())) {
            path
        } else {
            path.key(key)
        }
    };
    let problem = if let Some(key) = between_ticks("unknown field `") {
        path = ending_in(path, key);
        SettingProblem::UnknownKey
    } else if message.starts_with("unknown variant") {
        SettingProblem::UnknownName
    } else if message.starts_with("invalid type") {
        SettingProblem::WrongType
    } else if let Some(key) = between_ticks("missing field `") {
        path = ending_in(path, key);
        SettingProblem::Missing
    } else if let Some(key) = between_ticks("duplicate field `") {
        path = ending_in(path, key);
        SettingProblem::Duplicate
    } else if message.starts_with("invalid value") {
        SettingProblem::OutOfRange
    } else {
        SettingProblem::Invalid
    };
    (path, problem, hint_unknown_key(&message))
}

/// custodia's error: what went wrong ([`Error::kind`]), its stable number
/// ([`Error::code`]) and where ([`Error::field_path`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Error(Box<ErrorKind>);

impl Error {
    /// An I/O error while doing `what`.
    pub(crate) fn io(what: &str, err: &std::io::Error) -> Self {
        ErrorKind::Io {
            what: what.to_owned(),
            kind: err.kind(),
            message: err.to_string(),
        }
        .into()
    }

    /// A schema setting that cannot work ([`ErrorKind::InvalidSchema`]).
    pub(crate) fn schema(
        path: SettingPath,
        problem: SettingProblem,
        reason: impl Into<String>,
    ) -> Self {
        ErrorKind::InvalidSchema {
            path,
            problem,
            reason: reason.into(),
        }
        .into()
    }

    /// A policy setting that cannot work ([`ErrorKind::InvalidPolicy`]).
    pub(crate) fn policy(
        path: SettingPath,
        problem: SettingProblem,
        reason: impl Into<String>,
    ) -> Self {
        ErrorKind::InvalidPolicy {
            path,
            problem,
            reason: reason.into(),
        }
        .into()
    }

    /// A dedupe setting or request that cannot work
    /// ([`ErrorKind::InvalidDedupe`]).
    pub(crate) fn dedupe(
        path: SettingPath,
        problem: SettingProblem,
        reason: impl Into<String>,
    ) -> Self {
        ErrorKind::InvalidDedupe {
            path,
            problem,
            reason: reason.into(),
        }
        .into()
    }

    /// An input that cannot be read as set up.
    pub(crate) fn input(reason: impl Into<String>) -> Self {
        ErrorKind::Input {
            reason: reason.into(),
        }
        .into()
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0
    }

    /// The stable numeric code, the same number the C ABI returns.
    pub fn code(&self) -> ErrorCode {
        self.0.code()
    }

    /// The field the error is about, when it is about one field.
    pub fn field_path(&self) -> Option<&FieldPath> {
        self.0.field_path()
    }

    /// For an error in settings (a schema, a masking policy, dedupe
    /// settings): where the bad setting is, e.g. `fields[3].kind` or
    /// `audiences.support.phone` (empty for the document as a whole).
    pub fn setting_path(&self) -> Option<&SettingPath> {
        self.0.setting().map(|(path, _)| path)
    }

    /// For an error in settings: what is wrong with the setting.
    pub fn setting_problem(&self) -> Option<SettingProblem> {
        self.0.setting().map(|(_, problem)| problem)
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Self(Box::new(kind))
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for Error {}

/// Declares every error code once: its variant, number, stable name and
/// description. [`ErrorCode`], its table and its names all come from here,
/// and the C header's `custodia_status` enum is generated from them
/// (`tests/header.rs`), so a new code is one entry.
macro_rules! error_codes {
    ($($(#[doc = $doc:literal])+ $variant:ident = $number:literal => $name:literal,)+) => {
        /// Stable numbers for every kind of error, shared with the C ABI
        /// (`custodia_status`). Numbers are grouped in blocks (1000s:
        /// arguments, 2000s: schemas, 3000s: records, 4000s: duplicate
        /// detection, 5000s: masking, 6000s: input and output, 9000s:
        /// internal) and never reused.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u32)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($(#[doc = $doc])+ $variant = $number,)+
        }

        impl ErrorCode {
            /// Every code, in numeric order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// A short stable name such as `"UNKNOWN_FIELD"`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)+
                }
            }

            /// The name followed by a NUL byte, for C.
            pub(crate) fn name_with_nul(self) -> &'static str {
                match self {
                    $(Self::$variant => concat!($name, "\0"),)+
                }
            }

            /// What the code means, in one or two sentences (the C header
            /// documents each status with it).
            pub fn description(self) -> &'static str {
                match self {
                    $(Self::$variant => concat!($($doc),+).trim_ascii_start(),)+
                }
            }
        }
    };
}

error_codes! {
    /// A required pointer argument was NULL (C ABI only).
    NullArgument = 1001 => "NULL_ARGUMENT",
    /// A string argument or value was not valid UTF-8.
    InvalidUtf8 = 1002 => "INVALID_UTF8",
    /// A value exceeded the schema's size limit.
    TooLarge = 1003 => "TOO_LARGE",
    /// A field index was past the end of the schema.
    IndexOutOfRange = 1004 => "INDEX_OUT_OF_RANGE",
    /// Malformed JSON, or JSON of the wrong shape.
    Json = 2001 => "JSON",
    /// A schema field of an unknown kind.
    UnknownKind = 2002 => "UNKNOWN_KIND",
    /// Two schema fields with the same name.
    DuplicateField = 2003 => "DUPLICATE_FIELD",
    /// A bad field option in a schema.
    BadOption = 2004 => "BAD_OPTION",
    /// A schema that cannot be used.
    InvalidSchema = 2005 => "INVALID_SCHEMA",
    /// A record field that is not in the schema.
    UnknownField = 3001 => "UNKNOWN_FIELD",
    /// A value of a type the field cannot hold.
    WrongType = 3002 => "WRONG_TYPE",
    /// A CSV row of the wrong length.
    RowLength = 3003 => "ROW_LENGTH",
    /// A record used with the wrong schema.
    SchemaMismatch = 3004 => "SCHEMA_MISMATCH",
    /// A record that names the same field twice (a JSON key, a CSV column).
    DuplicateKey = 3005 => "DUPLICATE_KEY",
    /// A duplicate-detection setting or model that cannot work.
    InvalidDedupe = 4001 => "INVALID_DEDUPE",
    /// A masking policy without the audience asked for.
    UnknownAudience = 5001 => "UNKNOWN_AUDIENCE",
    /// A key id missing from the key ring.
    UnknownKey = 5002 => "UNKNOWN_KEY",
    /// A key that cannot be used.
    InvalidKey = 5003 => "INVALID_KEY",
    /// A masking policy that does not fit its schema.
    InvalidPolicy = 5004 => "INVALID_POLICY",
    /// A value a masking operator cannot transform.
    CannotMask = 5005 => "CANNOT_MASK",
    /// A ciphertext that does not decrypt: it was altered or moved from
    /// another field or record or made with another key.
    CannotDecrypt = 5006 => "CANNOT_DECRYPT",
    /// An audit log that cannot be read or written as one.
    Audit = 5007 => "AUDIT",
    /// Reading an input or writing an output failed.
    Io = 6001 => "IO",
    /// An input that cannot be read as set up (its encoding, its header, a
    /// column named in the settings).
    Input = 6002 => "INPUT",
    /// Pipeline settings that cannot work (steps out of order, a missing
    /// section, an unknown key or issue code).
    InvalidPipeline = 6003 => "INVALID_PIPELINE",
    /// An internal error (a caught panic, C ABI only). Free the handles
    /// involved rather than using them again.
    Panic = 9001 => "PANIC",
}

impl ErrorCode {
    /// The code's number.
    pub fn as_u32(self) -> u32 {
        self as u32
    }

    /// The code with this number, if there is one.
    pub fn from_u32(number: u32) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|code| code.as_u32() == number)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_name_the_nearest_valid_one() {
        let hinted = hint_unknown_key(
            "unknown field `treshold`, expected one of `threshold`, `blocking` at line 1 column 11",
        );
        assert_eq!(
            hinted,
            "unknown field `treshold` (did you mean `threshold`?), expected one of `threshold`, `blocking` at line 1 column 11"
        );
        assert!(
            hint_unknown_key("unknown field `block`, expected one of `threshold`, `blocking`")
                .contains("(did you mean `blocking`?)")
        );
        let far = "unknown field `zzzzzzzz`, expected one of `threshold`, `blocking`";
        assert_eq!(hint_unknown_key(far), far);
        assert_eq!(hint_unknown_key("other"), "other");
    }

    #[test]
    fn setting_paths_read_as_in_the_json() {
        assert_eq!(SettingPath::root().to_string(), "");
        assert!(SettingPath::root().is_root());
        let kind = SettingPath::of(&["fields"]).index(3).key("kind");
        assert_eq!(kind.to_string(), "fields[3].kind");
        assert_eq!(
            kind.segments(),
            [
                PathSegment::Key("fields".into()),
                PathSegment::Index(3),
                PathSegment::Key("kind".into())
            ]
        );
        let phone = SettingPath::of(&["audiences", "support", "phone"]);
        assert_eq!(phone.to_string(), "audiences.support.phone");
        assert_eq!(
            phone.join(&SettingPath::of(&["key"])).to_string(),
            "audiences.support.phone.key"
        );
        // Keys that are not plain names are quoted, and long ones cut.
        assert_eq!(
            SettingPath::of(&["audiences", "a.b \"c\""]).to_string(),
            r#"audiences["a.b \"c\""]"#
        );
        let long = "x".repeat(100);
        let shown = SettingPath::of(&[long.as_str()]).to_string();
        assert_eq!(shown, format!("{}…", "x".repeat(64)));
        assert_eq!(SettingPath::of(&[""]).index(0).to_string(), r#"[""][0]"#);
    }

    #[test]
    fn problems_have_stable_unique_names() {
        let mut seen = std::collections::HashSet::new();
        for &problem in SettingProblem::ALL {
            assert!(seen.insert(problem.name()), "{problem}");
            assert_eq!(problem.name_with_nul(), format!("{}\0", problem.name()));
            assert_eq!(problem.to_string(), problem.name());
        }
        assert_eq!(SettingProblem::UnknownField.name(), "unknown_field");
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Settings {
        threshold: f64,
        #[serde(default)]
        rules: Vec<Rule>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Rule {
        Longest,
    }

    #[test]
    fn settings_json_says_where_and_what() {
        let cases = [
            (
                r#"{"threshold": 0.5, "treshold": 1}"#,
                "treshold",
                SettingProblem::UnknownKey,
            ),
            (r#"{"rules": []}"#, "threshold", SettingProblem::Missing),
            (
                r#"{"threshold": "high"}"#,
                "threshold",
                SettingProblem::WrongType,
            ),
            (
                r#"{"threshold": 0.5, "rules": ["longest", "shortest"]}"#,
                "rules[1]",
                SettingProblem::UnknownName,
            ),
            (
                r#"{"threshold": 0.5, "threshold": 0.6}"#,
                "threshold",
                SettingProblem::Duplicate,
            ),
            (r#"{"threshold": 0.5} x"#, "", SettingProblem::Invalid),
            (r#"{"threshold": "#, "threshold", SettingProblem::Invalid),
        ];
        for (json, path, problem) in cases {
            let Err((at, what, message)) = settings_json::<Settings>(json) else {
                panic!("{json} was read");
            };
            assert_eq!(at.to_string(), path, "{json}: {message}");
            assert_eq!(what, problem, "{json}: {message}");
        }
        let Err((_, _, message)) = settings_json::<Settings>(r#"{"treshold": 1}"#) else {
            panic!("read");
        };
        assert!(message.contains("did you mean `threshold`"), "{message}");
        assert!(settings_json::<Settings>(r#"{"threshold": 0.5}"#).is_ok());
    }

    #[test]
    fn settings_errors_expose_path_and_problem() {
        let err = Error::policy(
            SettingPath::of(&["audiences", "support", "phone"]),
            SettingProblem::UnknownName,
            "unknown operator `blur`",
        );
        assert_eq!(err.code(), ErrorCode::InvalidPolicy);
        assert_eq!(
            err.to_string(),
            "masking policy at `audiences.support.phone`: unknown operator `blur`"
        );
        assert_eq!(
            err.setting_path().map(ToString::to_string).as_deref(),
            Some("audiences.support.phone")
        );
        assert_eq!(err.setting_problem(), Some(SettingProblem::UnknownName));
        let whole = Error::dedupe(
            SettingPath::root(),
            SettingProblem::Mismatch,
            "other fields",
        );
        assert_eq!(whole.to_string(), "dedupe: other fields");
        assert_eq!(whole.setting_path(), Some(&SettingPath::root()));
        let schema = Error::schema(SettingPath::of(&["fields"]), SettingProblem::Empty, "none");
        assert_eq!(schema.to_string(), "schema at `fields`: none");
        let other = Error::from(ErrorKind::UnknownField { path: "x".into() });
        assert_eq!(other.setting_path(), None);
        assert_eq!(other.setting_problem(), None);
    }

    #[test]
    fn codes_round_trip_and_are_sorted_and_unique() {
        let mut previous = 0;
        for &code in ErrorCode::ALL {
            assert!(code.as_u32() > previous, "{code} out of order");
            previous = code.as_u32();
            assert_eq!(ErrorCode::from_u32(code.as_u32()), Some(code));
        }
        assert_eq!(ErrorCode::from_u32(0), None);
        assert_eq!(ErrorCode::from_u32(123_456), None);
    }

    #[test]
    fn error_exposes_kind_code_and_path() {
        let err = Error::from(ErrorKind::UnknownField {
            path: "emial".into(),
        });
        assert_eq!(err.code(), ErrorCode::UnknownField);
        assert_eq!(err.field_path().map(FieldPath::as_str), Some("emial"));
        assert_eq!(err.to_string(), "field `emial`: not in the schema");
        let err = Error::from(ErrorKind::RowLength {
            expected: 3,
            found: 2,
        });
        assert_eq!(err.field_path(), None);
    }
}
