//! What a schema says about later stages, as plain data: the masking
//! operator each audience applies to a field, and the comparator duplicate
//! detection uses on it. The schema only stores and validates these;
//! [`mask`](crate::mask) and [`dedupe`](crate::dedupe) give them their
//! meaning (and re-export them as `mask::Operator`, `dedupe::Comparator`).

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use unicode_segmentation::UnicodeSegmentation;

use crate::error::{SettingPath, SettingProblem};

/// What one field becomes for one audience.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operator {
    /// Shown as it is (an explicit grant).
    Keep,
    /// Replaced by a fixed marker.
    Redact {
        /// The marker, `[redacted]` by default.
        marker: String,
    },
    /// Dropped (null).
    Null,
    /// First and last characters kept, the rest masked.
    Partial(Partial),
    /// A named display convention.
    Profile(Profile),
    /// Made coarser.
    Generalize(Generalize),
    /// A keyed pseudonym: HMAC-SHA-256 of the normalized value under a key
    /// derived from the secret and its id, truncated, hex-encoded, prefixed
    /// with the key id (`k1:3fa2…`). The same value
    /// and key give the same pseudonym everywhere, so joins still work;
    /// another key gives unlinkable ones.
    Hash {
        /// The key id.
        key: String,
        /// Bytes of the MAC kept (8–32; default 12, shown as 24 hex digits).
        bytes: usize,
    },
    /// A reversible format-preserving token (FF1); see the table in
    /// [`token`](crate::mask::token).
    Token {
        /// The key id.
        key: String,
        /// Prefix the token with `key id:` so that it says which key made it
        /// (this gives up the pure format).
        tagged: bool,
    },
    /// Encrypted for storage, bound to the field and the record's key (see
    /// the `mask::crypt` module): `enc1.<key id>.<nonce>.<ciphertext>`.
    /// Audiences the policy lets reveal the field decrypt it with
    /// `Masker::reveal`.
    Encrypt {
        /// The key id (a key of 32 bytes, not decrypt-only).
        key: String,
        /// AES-SIV instead of XChaCha20-Poly1305 with a random nonce: equal
        /// values give equal ciphertexts (joinable, and countable).
        deterministic: bool,
    },
}

impl Operator {
    /// Whether the operator uses a key (hash, token).
    pub(crate) fn uses_key(&self) -> bool {
        matches!(
            self,
            Self::Hash { .. } | Self::Token { .. } | Self::Encrypt { .. }
        )
    }
}

/// Keep the first `first` and last `last` characters (grapheme clusters, so
/// CJK names and emoji are never cut in half), mask the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partial {
    /// Characters kept at the start.
    pub first: usize,
    /// Characters kept at the end.
    pub last: usize,
    /// The mask character.
    pub mask: char,
    /// Write exactly this many mask characters (at most [`MAX_FIXED`]),
    /// hiding the true length.
    pub fixed: Option<usize>,
}

/// Named display conventions, chosen by policies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Profile {
    /// `z***@example.com`: first character of the local part, domain kept.
    Email,
    /// `z***@***.com`: the domain masked too, top-level domain kept.
    EmailDomainMasked,
    /// `+86*******8000`: country calling code and last 4 digits kept.
    Phone,
    /// `138****8000`: the Chinese display convention for mobiles (first 3
    /// and last 4 of the 11 national digits of a `+861…` number, extension
    /// dropped); other numbers as [`Profile::Phone`].
    PhoneCn,
    /// `张*`, `欧阳**`, `J*** S****`: family name (CJK) or initials kept.
    Name,
    /// CN resident id, first and last character kept (`1****************X`).
    CnResidentId1x1,
    /// CN resident id, first 3 and last 4 kept.
    CnResidentId3x4,
    /// CN resident id, first 6 (region) and last 4 kept.
    ///
    /// The three resident id profiles keep only the last 4 characters (at
    /// most half) of a value that is not 18 characters long: another
    /// country's id in a field read by the record's country.
    CnResidentId6x4,
    /// Payment card, last 4 kept (what customers are shown).
    CardLast4,
    /// Payment card, first 6 and last 4 kept: the most PCI DSS allows staff.
    CardPci,
}

impl Profile {
    /// Every profile.
    pub const ALL: &'static [Self] = &[
        Self::Email,
        Self::EmailDomainMasked,
        Self::Phone,
        Self::PhoneCn,
        Self::Name,
        Self::CnResidentId1x1,
        Self::CnResidentId3x4,
        Self::CnResidentId6x4,
        Self::CardLast4,
        Self::CardPci,
    ];

    /// The profile's name in policy JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::EmailDomainMasked => "email_domain_masked",
            Self::Phone => "phone",
            Self::PhoneCn => "phone_cn",
            Self::Name => "name",
            Self::CnResidentId1x1 => "cn_resident_id_1_1",
            Self::CnResidentId3x4 => "cn_resident_id_3_4",
            Self::CnResidentId6x4 => "cn_resident_id_6_4",
            Self::CardLast4 => "card_last4",
            Self::CardPci => "card_pci",
        }
    }

    /// The profile with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|p| p.name() == name)
    }
}

/// Ways to make a value coarser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Generalize {
    /// A date to its year (`1990`).
    Year,
    /// A date to year and month (`1990-06`).
    YearMonth,
    /// A birth date to an age band of `width` years (`30-39`).
    AgeBand {
        /// Years per band.
        width: u16,
    },
    /// A postcode to its first `keep` characters and a `*` (`SW1*`); at
    /// least one character is always cut (`101` is `10*`).
    Prefix {
        /// Characters kept.
        keep: usize,
    },
    /// A number to the range of `width` it falls in (`1000-1999`).
    Range {
        /// Width of each range.
        width: u64,
    },
}

/// The default redaction marker.
pub const REDACTED: &str = "[redacted]";

/// The most mask characters [`Partial::fixed`] writes (a larger number is
/// taken as this).
pub const MAX_FIXED: usize = 1024;

/// Whether `c` can be a mask character: visible, and a character of its
/// own next to any other (not a combining mark, joiner, regional indicator
/// or control, which would merge with what they mask).
pub(crate) fn standalone(c: char) -> bool {
    let alone = |s: &str| s.graphemes(true).count() == 2;
    !c.is_control()
        && !c.is_whitespace()
        && alone(&format!("{c}{c}"))
        && alone(&format!("a{c}"))
        && alone(&format!("{c}a"))
}

/// Why an operator cannot be read: where inside the operator (empty for
/// the operator itself, `key`, `char`...), what is wrong, and in words.
#[derive(Debug)]
pub(crate) struct OperatorError {
    pub(crate) path: SettingPath,
    pub(crate) problem: SettingProblem,
    pub(crate) reason: String,
}

fn op_error(
    key: Option<&str>,
    problem: SettingProblem,
    reason: impl Into<String>,
) -> OperatorError {
    OperatorError {
        path: key.map_or_else(SettingPath::root, |k| SettingPath::of(&[k])),
        problem,
        reason: reason.into(),
    }
}

/// Reads one operator in policy JSON form (a name or an object with `op`).
pub(crate) fn parse_operator(op: &Json) -> Result<Operator, OperatorError> {
    use SettingProblem as P;
    let named = |name: &str, key: Option<&str>| -> Result<Operator, OperatorError> {
        Ok(match name {
            "keep" => Operator::Keep,
            "redact" => Operator::Redact {
                marker: REDACTED.into(),
            },
            "null" => Operator::Null,
            other => Operator::Profile(Profile::from_name(other).ok_or_else(|| {
                op_error(key, P::UnknownName, format!("unknown operator `{other}`"))
            })?),
        })
    };
    let obj = match op {
        Json::String(name) => return named(name, None),
        Json::Object(obj) => obj,
        _ => {
            return Err(op_error(
                None,
                P::WrongType,
                "an operator is a name or an object with `op`",
            ));
        }
    };
    let kind = match obj.get("op") {
        None => {
            return Err(op_error(
                Some("op"),
                P::Missing,
                "the object has no `op` name",
            ));
        }
        Some(Json::String(kind)) => kind.as_str(),
        Some(_) => return Err(op_error(Some("op"), P::WrongType, "`op` must be a name")),
    };
    let uint = |key: &str, default: u64| -> Result<u64, OperatorError> {
        match obj.get(key) {
            None => Ok(default),
            Some(v) => v.as_u64().ok_or_else(|| {
                op_error(
                    Some(key),
                    P::WrongType,
                    format!("`{key}` must be a whole number"),
                )
            }),
        }
    };
    let text = |key: &str| obj.get(key).and_then(Json::as_str);
    let key_id = |op: &str| {
        text("key")
            .ok_or_else(|| op_error(Some("key"), P::Missing, format!("`{op}` needs a `key` id")))
    };
    let allowed: &[&str] = match kind {
        "redact" => &["op", "marker"],
        "partial" => &["op", "first", "last", "char", "length"],
        "generalize" => &["op", "to", "width", "keep"],
        "hash" => &["op", "key", "bytes"],
        "token" => &["op", "key", "tagged"],
        "encrypt" => &["op", "key", "deterministic"],
        _ => &["op"],
    };
    if let Some(extra) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(op_error(
            Some(extra),
            P::UnknownKey,
            format!("unknown option `{extra}` for `{kind}`"),
        ));
    }
    Ok(match kind {
        "redact" => Operator::Redact {
            marker: text("marker").unwrap_or(REDACTED).to_owned(),
        },
        "partial" => {
            let mut chars = text("char").unwrap_or("*").chars();
            let (Some(mask), None) = (chars.next(), chars.next()) else {
                return Err(op_error(
                    Some("char"),
                    P::Invalid,
                    "`char` must be one character",
                ));
            };
            if !standalone(mask) {
                return Err(op_error(
                    Some("char"),
                    P::Invalid,
                    "`char` must be a visible character that does not combine with others",
                ));
            }
            let fixed = obj.get("length").map(|_| uint("length", 0)).transpose()?;
            if fixed.is_some_and(|n| n > MAX_FIXED as u64) {
                return Err(op_error(
                    Some("length"),
                    P::OutOfRange,
                    format!("`length` must be at most {MAX_FIXED}"),
                ));
            }
            Operator::Partial(Partial {
                first: uint("first", 0)? as usize,
                last: uint("last", 0)? as usize,
                mask,
                fixed: fixed.map(|n| n as usize),
            })
        }
        "generalize" => Operator::Generalize(match text("to") {
            Some("year") => Generalize::Year,
            Some("year_month") => Generalize::YearMonth,
            Some("age_band") => Generalize::AgeBand {
                width: uint("width", 10)?.clamp(1, 200) as u16,
            },
            Some("prefix") => Generalize::Prefix {
                keep: uint("keep", 3)? as usize,
            },
            Some("range") => Generalize::Range {
                width: uint("width", 10)?.max(1),
            },
            to => {
                return Err(op_error(
                    Some("to"),
                    if to.is_some() {
                        P::UnknownName
                    } else {
                        P::Missing
                    },
                    "`to` must be year, year_month, age_band, prefix or range",
                ));
            }
        }),
        "hash" => Operator::Hash {
            key: key_id("hash")?.to_owned(),
            bytes: uint("bytes", 12)?.clamp(8, 32) as usize,
        },
        "token" => Operator::Token {
            key: key_id("token")?.to_owned(),
            tagged: obj.get("tagged").and_then(Json::as_bool).unwrap_or(false),
        },
        "encrypt" => Operator::Encrypt {
            key: key_id("encrypt")?.to_owned(),
            deterministic: obj
                .get("deterministic")
                .and_then(Json::as_bool)
                .unwrap_or(false),
        },
        other => return named(other, Some("op")),
    })
}

/// Writes an operator in the form [`parse_operator`] reads.
pub(crate) fn operator_json(op: &Operator) -> Json {
    use serde_json::json;
    match op {
        Operator::Keep => json!("keep"),
        Operator::Null => json!("null"),
        Operator::Redact { marker } if marker == REDACTED => json!("redact"),
        Operator::Redact { marker } => json!({"op": "redact", "marker": marker}),
        Operator::Profile(p) => json!(p.name()),
        Operator::Partial(p) => {
            let mut o = json!({"op": "partial", "first": p.first, "last": p.last, "char": p.mask.to_string()});
            if let (Some(n), Some(map)) = (p.fixed, o.as_object_mut()) {
                map.insert("length".into(), json!(n));
            }
            o
        }
        Operator::Generalize(g) => match g {
            Generalize::Year => json!({"op": "generalize", "to": "year"}),
            Generalize::YearMonth => json!({"op": "generalize", "to": "year_month"}),
            Generalize::AgeBand { width } => {
                json!({"op": "generalize", "to": "age_band", "width": width})
            }
            Generalize::Prefix { keep } => {
                json!({"op": "generalize", "to": "prefix", "keep": keep})
            }
            Generalize::Range { width } => {
                json!({"op": "generalize", "to": "range", "width": width})
            }
        },
        Operator::Hash { key, bytes } => json!({"op": "hash", "key": key, "bytes": bytes}),
        Operator::Token { key, tagged } => json!({"op": "token", "key": key, "tagged": tagged}),
        Operator::Encrypt { key, deterministic } => {
            json!({"op": "encrypt", "key": key, "deterministic": deterministic})
        }
    }
}

/// How duplicate detection compares one field. Each comparator sorts a pair
/// of values into one of a few levels, from `different` (level 0) to
/// `exact`; the model learns how much each level says. A missing value on
/// either side says nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Comparator {
    /// Person names: exact; close (same pinyin spelling, nicknames such as
    /// Bob/Robert, Jaro–Winkler ≥ 0.92 or one edit); similar (same Double
    /// Metaphone code, Jaro–Winkler ≥ 0.8, or an initial); different.
    /// Given and family names swapped between two records count as close.
    Name,
    /// Short text such as a city: exact; close (Jaro–Winkler ≥ 0.94 or one
    /// edit); similar (Jaro–Winkler ≥ 0.85); different.
    Text,
    /// Street lines: exact; close (same words in any order, Jaro–Winkler ≥
    /// 0.92 or up to two edits); similar (half the words shared or
    /// Jaro–Winkler ≥ 0.8); different.
    Address,
    /// Codes and identifiers (postcode, house number, national id): exact;
    /// one edit (a typo or two digits swapped); different.
    Code,
    /// Equal or not (gender, country, region).
    Exact,
    /// Dates: exact; close (one digit wrong, or day and month swapped); same
    /// year; different.
    Date,
    /// Email addresses by match key: exact; close (same mailbox at another
    /// domain, or one edit in the mailbox at the same domain); similar
    /// (mailbox names Jaro–Winkler ≥ 0.88); different. Mailboxes whose
    /// numbers differ (`ann.lee71`, `ann.lee3`) are different; a slip
    /// (one edit, similarity) counts only in mailboxes of at least five
    /// letters; a mailbox that is its owner's names alone is compared as
    /// missing unless it is the same address.
    Email,
    /// E.164 phone numbers: exact; close (same last seven digits, or one
    /// edit); different.
    Phone,
}

impl Comparator {
    /// Every comparator, in documentation order.
    pub const ALL: [Self; 8] = [
        Self::Name,
        Self::Text,
        Self::Address,
        Self::Code,
        Self::Exact,
        Self::Date,
        Self::Email,
        Self::Phone,
    ];

    /// The comparator's name in schema JSON (`"compare": "name"`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Text => "text",
            Self::Address => "address",
            Self::Code => "code",
            Self::Exact => "exact",
            Self::Date => "date",
            Self::Email => "email",
            Self::Phone => "phone",
        }
    }

    /// The comparator called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// How duplicate detection treats a field, as its schema says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Comparison {
    /// The schema says nothing: the field's kind decides
    /// ([`Comparator::for_kind`]).
    #[default]
    ByKind,
    /// Never compared (`"compare": null`).
    Never,
    /// Compared with this comparator.
    With(Comparator),
}
