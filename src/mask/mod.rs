//! Field-level masking and pseudonymization: each audience sees only what
//! its [`Policy`] grants.
//!
//! A [`Masker`] compiles a policy against a schema and a [`KeyRing`], then
//! masks records for an audience: normalized first (so `138 0013 8000` and
//! `+8613800138000` mask and hash alike), then each field through its
//! [`Operator`]. A field the policy does not mention is redacted (default
//! deny); an audience the policy does not define is an error.
//! [`k_anonymity`] checks an export before it leaves.

mod keys;
mod operator;
pub(crate) mod policy;
pub mod token;

use std::collections::HashMap;

pub use keys::{Key, KeyRing};
pub use operator::{
    Generalize, Operator, Partial, Profile, REDACTED, generalize, partial, profile,
};
pub use policy::Policy;

use crate::error::{ErrorKind, FieldPath, Result};
use crate::normalize::Normalizer;
use crate::normalize::date::Date;
use crate::schema::{Record, Schema, Value};

/// Applies a policy to records. Cheap to clone and safe to share between
/// threads; keys live inside it and are zeroized when it is dropped.
#[derive(Clone, Debug)]
pub struct Masker {
    schema: Schema,
    normalizer: Normalizer,
    keys: KeyRing,
    audiences: HashMap<String, Vec<Operator>>,
    today: Date,
}

impl Masker {
    /// Compiles `policy` for `schema` with the keys it names.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidPolicy`] for a field the schema lacks or a token
    /// on a kind that cannot be tokenized; [`ErrorKind::UnknownKey`] for a
    /// key id missing from `keys`.
    pub fn new(schema: &Schema, policy: &Policy, keys: KeyRing) -> Result<Self> {
        let mut audiences = HashMap::new();
        for audience in policy.audiences() {
            let rules = policy
                .audience(audience)
                .map_or_else(Default::default, Clone::clone);
            let mut ops = vec![
                Operator::Redact {
                    marker: REDACTED.into()
                };
                schema.len()
            ];
            for (field_name, op) in rules {
                let index =
                    schema
                        .index_of(&field_name)
                        .ok_or_else(|| ErrorKind::InvalidPolicy {
                            reason: format!(
                                "audience `{audience}`: field `{field_name}` is not in schema `{}`",
                                schema.name()
                            ),
                        })?;
                match &op {
                    Operator::Hash { key, .. } => {
                        keys.require(key)?;
                    }
                    Operator::Token { key, .. } => {
                        keys.require(key)?;
                        if !token::supports(schema.fields()[index].kind()) {
                            return Err(ErrorKind::InvalidPolicy {
                                reason: format!(
                                    "audience `{audience}`: field `{field_name}` of kind `{}` cannot be tokenized",
                                    schema.fields()[index].kind().name()
                                ),
                            }
                            .into());
                        }
                    }
                    _ => {}
                }
                ops[index] = op;
            }
            audiences.insert(audience.to_owned(), ops);
        }
        Ok(Self {
            schema: schema.clone(),
            normalizer: Normalizer::new(schema),
            keys,
            audiences,
            today: Date::today(),
        })
    }

    /// The schema this masker works on.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Fixes the date age bands are computed against (default: today, UTC).
    #[must_use]
    pub fn with_today(mut self, today: Date) -> Self {
        self.today = today;
        self
    }

    /// Checks that the policy has `audience`.
    ///
    /// # Errors
    /// [`ErrorKind::UnknownAudience`].
    pub fn check_audience(&self, audience: &str) -> Result<()> {
        if self.audiences.contains_key(audience) {
            Ok(())
        } else {
            Err(ErrorKind::UnknownAudience {
                audience: audience.to_owned(),
            }
            .into())
        }
    }

    fn operators(&self, record: &Record, audience: &str) -> Result<&[Operator]> {
        record.check_schema(&self.schema)?;
        self.audiences
            .get(audience)
            .map(Vec::as_slice)
            .ok_or_else(|| {
                ErrorKind::UnknownAudience {
                    audience: audience.to_owned(),
                }
                .into()
            })
    }

    /// Normalizes `record`, then masks it for `audience`.
    ///
    /// # Errors
    /// [`ErrorKind::UnknownAudience`], [`ErrorKind::SchemaMismatch`], and
    /// [`ErrorKind::CannotMask`] for a value a token cannot be made of.
    pub fn mask(&self, record: &Record, audience: &str) -> Result<Record> {
        let ops = self.operators(record, audience)?;
        let normalized = self.normalizer.normalize(record)?;
        self.apply(ops, normalized.record)
    }

    /// Masks a record that is already normalized.
    ///
    /// # Errors
    /// As for [`Masker::mask`].
    pub fn mask_normalized(&self, record: Record, audience: &str) -> Result<Record> {
        let ops = self.operators(&record, audience)?;
        self.apply(ops, record)
    }

    /// Applies one audience's operators, field by field.
    fn apply(&self, ops: &[Operator], mut record: Record) -> Result<Record> {
        for (index, op) in ops.iter().enumerate() {
            if *op == Operator::Keep {
                continue;
            }
            let field = &self.schema.fields()[index];
            let Some(value) = record.value_mut(index) else {
                continue;
            };
            let Some(text) = value.to_text() else {
                continue;
            };
            let masked = match op {
                Operator::Keep => continue,
                Operator::Null => None,
                Operator::Redact { marker } => Some(marker.clone()),
                Operator::Partial(p) => Some(partial(&text, *p)),
                Operator::Profile(p) => Some(profile(&text, *p)),
                Operator::Generalize(g) => {
                    Some(generalize(&text, *g, self.today).unwrap_or_else(|| REDACTED.to_owned()))
                }
                Operator::Hash { key, bytes } => {
                    let key = self.keys.require(key)?;
                    let input = self.normalizer.match_key(index, value).unwrap_or_default();
                    Some(operator::pseudonym(
                        key,
                        field.kind().name(),
                        &input,
                        *bytes,
                    ))
                }
                Operator::Token { key, tagged } => {
                    let k = self.keys.require(key)?;
                    let token =
                        token::transform(field.kind(), k, &text, false).map_err(|reason| {
                            ErrorKind::CannotMask {
                                path: field.path().clone(),
                                reason,
                            }
                        })?;
                    Some(if *tagged {
                        format!("{key}:{token}")
                    } else {
                        token
                    })
                }
            };
            *value = masked.map_or(Value::Null, Value::Text);
        }
        Ok(record)
    }

    /// Masks many records for one audience, in order.
    ///
    /// # Errors
    /// The first error of [`Masker::mask`].
    pub fn mask_all(&self, records: &[Record], audience: &str) -> Result<Vec<Record>> {
        records.iter().map(|r| self.mask(r, audience)).collect()
    }

    /// Reverses the tokens in a record masked for `audience` (the other
    /// fields stay as they are). A tagged token names its key, so records
    /// tokenized before a key rotation still detokenize while the old key
    /// is in the ring.
    ///
    /// # Errors
    /// [`ErrorKind::UnknownKey`] and [`ErrorKind::CannotMask`] for a value
    /// that is not a token.
    pub fn detokenize(&self, mut record: Record, audience: &str) -> Result<Record> {
        let ops = self.operators(&record, audience)?;
        for (index, op) in ops.iter().enumerate() {
            let Operator::Token { key, tagged } = op else {
                continue;
            };
            let field = &self.schema.fields()[index];
            let Some(Value::Text(text)) = record.value_mut(index) else {
                continue;
            };
            let (key, token) = match (tagged, text.split_once(':')) {
                (true, Some((id, token))) => (id.to_owned(), token.to_owned()),
                _ => (key.clone(), text.clone()),
            };
            let plain = token::transform(field.kind(), self.keys.require(&key)?, &token, true)
                .map_err(|reason| ErrorKind::CannotMask {
                    path: field.path().clone(),
                    reason,
                })?;
            *text = plain;
        }
        Ok(record)
    }
}

/// How identifiable a set of records is by some of its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KAnonymity {
    /// The size of the smallest group of records sharing the same values of
    /// the quasi-identifiers (0 for no records). Every record is hidden
    /// among at least `k`.
    pub k: usize,
    /// How many distinct groups there are.
    pub groups: usize,
    /// How many records are in groups smaller than `threshold` (see
    /// [`k_anonymity`]).
    pub at_risk: usize,
}

/// Computes k-anonymity over `quasi_identifiers` (fields such as birth
/// date, postcode and gender that identify people in combination), and how
/// many records sit in groups smaller than `threshold`.
///
/// # Errors
/// [`ErrorKind::UnknownField`] for a name not in the records' schema.
pub fn k_anonymity(
    records: &[Record],
    quasi_identifiers: &[&str],
    threshold: usize,
) -> Result<KAnonymity> {
    let Some(first) = records.first() else {
        return Ok(KAnonymity {
            k: 0,
            groups: 0,
            at_risk: 0,
        });
    };
    let indices: Vec<usize> = quasi_identifiers
        .iter()
        .map(|name| {
            first.schema().index_of(name).ok_or_else(|| {
                ErrorKind::UnknownField {
                    path: FieldPath::new(*name),
                }
                .into()
            })
        })
        .collect::<Result<_>>()?;
    let mut groups: HashMap<Vec<Option<String>>, usize> = HashMap::new();
    for record in records {
        let key = indices
            .iter()
            .map(|&i| {
                record
                    .get_at(i)
                    .and_then(Value::to_text)
                    .map(|t| t.into_owned())
            })
            .collect();
        *groups.entry(key).or_default() += 1;
    }
    let k = groups.values().copied().min().unwrap_or(0);
    let at_risk = groups.values().filter(|&&n| n < threshold).sum();
    Ok(KAnonymity {
        k,
        groups: groups.len(),
        at_risk,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> KeyRing {
        KeyRing::new()
            .with(Key::new("pseudonym", &[3u8; 32]).unwrap())
            .with(Key::new("token", &[4u8; 32]).unwrap())
    }

    fn masker() -> Masker {
        Masker::new(&Schema::customer(), &Policy::customer_default(), keys())
            .unwrap()
            .with_today(Date::new(2026, 11, 22).unwrap())
    }

    fn record() -> Record {
        Record::from_json(
            &Schema::customer(),
            r#"{"customer_id": "c-1", "full_name": "欧阳娜娜", "email": "Nana.O@Example.com",
                "phone": "138 1234 5678", "birth_date": "1990-06-15", "street": "南京西路1号",
                "city": "上海", "postcode": "200040", "country": "中国",
                "national_id": "11010519491231002X", "payment_card": "4111 1111 1111 1111"}"#,
        )
        .unwrap()
    }

    #[test]
    fn support_sees_display_forms() {
        let r = masker().mask(&record(), "support").unwrap();
        assert_eq!(r.text("full_name"), Some("欧阳**"));
        assert_eq!(r.text("family_name"), Some("欧阳"));
        assert_eq!(r.text("given_name"), Some("娜*"));
        assert_eq!(r.text("email"), Some("N***@example.com"));
        assert_eq!(r.text("phone"), Some("138****5678"));
        assert_eq!(r.text("birth_date"), Some("1990"));
        assert_eq!(r.text("street"), Some(REDACTED), "default deny");
        assert_eq!(r.text("postcode"), Some("200"));
        assert_eq!(r.text("country"), Some("CN"));
        assert_eq!(r.text("national_id"), Some("110***********002X"));
        assert_eq!(r.text("payment_card"), Some("************1111"));
        assert!(r.get("iban").unwrap().is_null(), "nulls stay null");
    }

    #[test]
    fn analytics_sees_joinable_pseudonyms() {
        let m = masker();
        let a = m.mask(&record(), "analytics").unwrap();
        assert!(a.get("full_name").unwrap().as_str() == Some(REDACTED));
        assert_eq!(a.text("birth_date"), Some("30-39"));
        let pseudonym = a.text("email").unwrap();
        assert!(pseudonym.starts_with("pseudonym:"));
        // Formatting differences do not break joins.
        let mut other = record();
        other.set("email", "nana.o@example.COM").unwrap();
        other.set("phone", "+86 138-1234-5678").unwrap();
        let b = m.mask(&other, "analytics").unwrap();
        assert_eq!(b.text("email"), Some(pseudonym));
        assert_eq!(b.text("phone"), a.text("phone"));
    }

    #[test]
    fn auditors_can_reverse_tokens() {
        let m = masker();
        let normalized = Normalizer::new(&Schema::customer())
            .normalize(&record())
            .unwrap()
            .record;
        let masked = m.mask(&record(), "auditor").unwrap();
        let phone = masked.text("phone").unwrap();
        assert!(phone.starts_with("+86") && phone.len() == 14 && phone != "+8613812345678");
        assert!(crate::validate::checksum::luhn(
            masked.text("payment_card").unwrap()
        ));
        assert_eq!(m.detokenize(masked, "auditor").unwrap(), normalized);
    }

    #[test]
    fn errors() {
        let m = masker();
        assert_eq!(
            m.mask(&record(), "marketing").unwrap_err().code(),
            crate::ErrorCode::UnknownAudience
        );
        let err = Masker::new(
            &Schema::customer(),
            &Policy::customer_default(),
            KeyRing::new(),
        )
        .unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::UnknownKey);
        let bad = Policy::new("p").rule(
            "a",
            "email",
            Operator::Token {
                key: "token".into(),
                tagged: false,
            },
        );
        let err = Masker::new(&Schema::customer(), &bad, keys()).unwrap_err();
        assert!(err.to_string().contains("cannot be tokenized"), "{err}");
        let bad = Policy::new("p").rule("a", "nope", Operator::Keep);
        assert_eq!(
            Masker::new(&Schema::customer(), &bad, keys())
                .unwrap_err()
                .code(),
            crate::ErrorCode::InvalidPolicy
        );
        let mut short = record();
        short.set("phone", "+8610086").unwrap();
        let err = m.mask_normalized(short, "auditor").unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::CannotMask);
        assert!(!err.to_string().contains("10086"));
    }

    #[test]
    fn k_anonymity_of_an_export() {
        let m = masker();
        let schema = Schema::customer();
        let records: Vec<Record> = (0..6)
            .map(|i| {
                let json = format!(
                    r#"{{"customer_id": "c{i}", "birth_date": "19{}0-01-01", "gender": "{}", "postcode": "20004{i}", "country": "CN"}}"#,
                    if i < 4 { 8 } else { 9 },
                    if i % 2 == 0 { "female" } else { "male" }
                );
                m.mask(&Record::from_json(&schema, &json).unwrap(), "analytics").unwrap()
            })
            .collect();
        let report = k_anonymity(&records, &["birth_date", "gender", "postcode"], 2).unwrap();
        assert_eq!((report.k, report.groups, report.at_risk), (1, 4, 2));
        let report = k_anonymity(&records, &["postcode"], 2).unwrap();
        assert_eq!(report.k, 6);
        assert!(k_anonymity(&records, &["nope"], 2).is_err());
    }
}
