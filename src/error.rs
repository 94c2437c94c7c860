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
    /// A field index past the end of the schema.
    #[error("field index {index} is out of range: the schema has {len} fields")]
    IndexOutOfRange {
        /// The index asked for.
        index: usize,
        /// How many fields the schema has.
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
        /// The option's name, e.g. `values` or `pattern`.
        option: String,
        /// Why it was refused.
        reason: String,
    },
    /// The schema as a whole is unusable (no fields, bad name, unknown format).
    #[error("schema: {reason}")]
    InvalidSchema {
        /// Why it was refused.
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
    /// A masking policy names an audience it does not define.
    #[error("no masking policy for audience `{audience}`")]
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
    /// A masking policy that cannot be applied to its schema.
    #[error("masking policy: {reason}")]
    InvalidPolicy {
        /// Why, naming the audience and field.
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
    #[error("dedupe: {reason}")]
    InvalidDedupe {
        /// Why, naming the setting.
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
