//! What a schema says about later stages, as plain data: the masking
//! operator each audience applies to a field, and the comparator duplicate
//! detection uses on it. The schema only stores and validates these;
//! [`mask`](crate::mask) and [`dedupe`](crate::dedupe) give them their
//! meaning (and re-export them as `mask::Operator`, `dedupe::Comparator`).

use std::sync::LazyLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use unicode_segmentation::UnicodeSegmentation;

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
#[non_exhaustive]
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

impl Partial {
    /// Keep `first` and `last` characters, mask the rest with `*`.
    pub fn new(first: usize, last: usize) -> Self {
        Self {
            first,
            last,
            mask: '*',
            fixed: None,
        }
    }

    /// Mask with `mask` instead of `*`.
    #[must_use]
    pub fn mask_char(mut self, mask: char) -> Self {
        self.mask = mask;
        self
    }

    /// Write exactly `count` mask characters (see [`Partial::fixed`]).
    #[must_use]
    pub fn fixed_length(mut self, count: usize) -> Self {
        self.fixed = Some(count);
        self
    }
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

/// Every operator name an operator's JSON may give: the names usable alone
/// and the kinds that take options.
static OPERATOR_NAMES: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    [
        "keep",
        "redact",
        "null",
        "partial",
        "generalize",
        "hash",
        "token",
        "encrypt",
    ]
    .into_iter()
    .chain(Profile::ALL.iter().map(|p| p.name()))
    .collect()
});

/// The operator a name alone stands for.
fn named(name: &str) -> Option<Operator> {
    match name {
        "keep" => Some(Operator::Keep),
        "redact" => Some(Operator::Redact {
            marker: REDACTED.into(),
        }),
        "null" => Some(Operator::Null),
        other => Profile::from_name(other).map(Operator::Profile),
    }
}

/// How far [`Generalize`] coarsens, in JSON (`"to": "age_band"`).
#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Coarser {
    Year,
    YearMonth,
    AgeBand,
    Prefix,
    Range,
}

/// An operator with options, as JSON writes it: `op` and the options
/// that operator takes (the others are an error; a missing one takes its
/// default). serde checks names and types; [`OperatorJson::operator`]
/// which options go with which `op`.
#[derive(Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OperatorJson {
    #[serde(deserialize_with = "operator_name")]
    op: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    marker: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    first: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last: Option<usize>,
    #[serde(
        default,
        rename = "char",
        skip_serializing_if = "Option::is_none",
        deserialize_with = "mask_char"
    )]
    mask: Option<char>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "fixed_length"
    )]
    length: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to: Option<Coarser>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    width: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    keep: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tagged: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deterministic: Option<bool>,
}

fn operator_name<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let name = String::deserialize(deserializer)?;
    if OPERATOR_NAMES.contains(&name.as_str()) {
        Ok(name)
    } else {
        Err(de::Error::unknown_variant(&name, &OPERATOR_NAMES))
    }
}

fn mask_char<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<char>, D::Error> {
    let text = String::deserialize(deserializer)?;
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if standalone(c) => Ok(Some(c)),
        (Some(_), None) => Err(de::Error::custom(
            "`char` must be a visible character that does not combine with others",
        )),
        _ => Err(de::Error::custom("`char` must be one character")),
    }
}

fn fixed_length<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<usize>, D::Error> {
    let count = u64::deserialize(deserializer)?;
    if count > MAX_FIXED as u64 {
        return Err(de::Error::invalid_value(
            de::Unexpected::Unsigned(count),
            &format!("at most {MAX_FIXED}").as_str(),
        ));
    }
    Ok(Some(count as usize))
}

impl OperatorJson {
    /// The operator, once the options are known to go with `op`.
    fn operator<E: de::Error>(self) -> Result<Operator, E> {
        let allowed: &'static [&'static str] = match self.op.as_str() {
            "redact" => &["op", "marker"],
            "partial" => &["op", "first", "last", "char", "length"],
            "generalize" => &["op", "to", "width", "keep"],
            "hash" => &["op", "key", "bytes"],
            "token" => &["op", "key", "tagged"],
            "encrypt" => &["op", "key", "deterministic"],
            _ => &["op"],
        };
        let given = [
            ("marker", self.marker.is_some()),
            ("first", self.first.is_some()),
            ("last", self.last.is_some()),
            ("char", self.mask.is_some()),
            ("length", self.length.is_some()),
            ("to", self.to.is_some()),
            ("width", self.width.is_some()),
            ("keep", self.keep.is_some()),
            ("key", self.key.is_some()),
            ("bytes", self.bytes.is_some()),
            ("tagged", self.tagged.is_some()),
            ("deterministic", self.deterministic.is_some()),
        ];
        if let Some((extra, _)) = given
            .iter()
            .find(|(name, present)| *present && !allowed.contains(name))
        {
            return Err(E::unknown_field(extra, allowed));
        }
        let key = |key: Option<String>| key.ok_or_else(|| E::missing_field("key"));
        Ok(match self.op.as_str() {
            "redact" => Operator::Redact {
                marker: self.marker.unwrap_or_else(|| REDACTED.into()),
            },
            "partial" => Operator::Partial(Partial {
                first: self.first.unwrap_or(0),
                last: self.last.unwrap_or(0),
                mask: self.mask.unwrap_or('*'),
                fixed: self.length,
            }),
            "generalize" => Operator::Generalize(match self.to {
                Some(Coarser::Year) => Generalize::Year,
                Some(Coarser::YearMonth) => Generalize::YearMonth,
                Some(Coarser::AgeBand) => Generalize::AgeBand {
                    width: self.width.unwrap_or(10).clamp(1, 200) as u16,
                },
                Some(Coarser::Prefix) => Generalize::Prefix {
                    keep: self.keep.unwrap_or(3),
                },
                Some(Coarser::Range) => Generalize::Range {
                    width: self.width.unwrap_or(10).max(1),
                },
                None => return Err(E::missing_field("to")),
            }),
            "hash" => Operator::Hash {
                key: key(self.key)?,
                bytes: self.bytes.unwrap_or(12).clamp(8, 32) as usize,
            },
            "token" => Operator::Token {
                key: key(self.key)?,
                tagged: self.tagged.unwrap_or(false),
            },
            "encrypt" => Operator::Encrypt {
                key: key(self.key)?,
                deterministic: self.deterministic.unwrap_or(false),
            },
            name => named(name).ok_or_else(|| E::unknown_variant(name, &OPERATOR_NAMES))?,
        })
    }
}

impl From<&Operator> for OperatorJson {
    fn from(operator: &Operator) -> Self {
        let op = |name: &str| Self {
            op: name.to_owned(),
            ..Self::default()
        };
        match operator {
            Operator::Keep => op("keep"),
            Operator::Null => op("null"),
            Operator::Profile(p) => op(p.name()),
            Operator::Redact { marker } => Self {
                marker: (marker != REDACTED).then(|| marker.clone()),
                ..op("redact")
            },
            Operator::Partial(p) => Self {
                first: Some(p.first),
                last: Some(p.last),
                mask: Some(p.mask),
                length: p.fixed,
                ..op("partial")
            },
            Operator::Generalize(g) => {
                let (to, width, keep) = match *g {
                    Generalize::Year => (Coarser::Year, None, None),
                    Generalize::YearMonth => (Coarser::YearMonth, None, None),
                    Generalize::AgeBand { width } => (Coarser::AgeBand, Some(width.into()), None),
                    Generalize::Prefix { keep } => (Coarser::Prefix, None, Some(keep)),
                    Generalize::Range { width } => (Coarser::Range, Some(width), None),
                };
                Self {
                    to: Some(to),
                    width,
                    keep,
                    ..op("generalize")
                }
            }
            Operator::Hash { key, bytes } => Self {
                key: Some(key.clone()),
                bytes: Some(*bytes as u64),
                ..op("hash")
            },
            Operator::Token { key, tagged } => Self {
                key: Some(key.clone()),
                tagged: Some(*tagged),
                ..op("token")
            },
            Operator::Encrypt { key, deterministic } => Self {
                key: Some(key.clone()),
                deterministic: Some(*deterministic),
                ..op("encrypt")
            },
        }
    }
}

/// JSON form: a name for an operator without options (`"keep"`,
/// `"phone_cn"`, `"redact"`), else an object with `op` and its options
/// (`{"op": "hash", "key": "k1", "bytes": 12}`).
impl Serialize for Operator {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let json = OperatorJson::from(self);
        if named(&json.op).as_ref() == Some(self) {
            serializer.serialize_str(&json.op)
        } else {
            json.serialize(serializer)
        }
    }
}

/// Reads either JSON form; see [`Policy::from_json`](crate::Policy::from_json).
impl<'de> Deserialize<'de> for Operator {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Either;
        impl<'de> de::Visitor<'de> for Either {
            type Value = Operator;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an operator: a name or an object with `op`")
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<Operator, E> {
                named(name).ok_or_else(|| E::unknown_variant(name, &OPERATOR_NAMES))
            }

            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Operator, A::Error> {
                OperatorJson::deserialize(de::value::MapAccessDeserializer::new(map))?.operator()
            }
        }
        deserializer.deserialize_any(Either)
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
