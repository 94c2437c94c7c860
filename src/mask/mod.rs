//! Field-level masking and pseudonymization: each audience sees only what
//! its [`Policy`] grants.
//!
//! A [`Masker`] compiles a policy against a schema and a [`KeyRing`], then
//! masks records for an audience: normalized first (so `138 0013 8000` and
//! `+8613800138000` mask and hash alike), then each field through its
//! [`Operator`]. A field the policy does not mention is redacted (default
//! deny); an audience the policy does not define is an error.
//! [`k_anonymity`] checks an export before it leaves.
//!
//! # Keys
//!
//! A [`Key`] is an id and a secret of 16, 24 or 32 bytes; key files are
//! read with [`KeyRing::from_json`]. A secret is never used as it is: each
//! use gets its own key, derived with HKDF-SHA-256 (RFC 5869; no salt, the
//! secret as input key material) with the purpose and the key id as
//! `info`:
//!
//! | use | `info` | length |
//! |---|---|---|
//! | pseudonyms ([`Operator::Hash`], HMAC-SHA-256) | `custodia/v1/pseudonym/` + id | 32 bytes |
//! | tokens ([`Operator::Token`], FF1 over AES) | `custodia/v1/token/` + id | the secret's (AES-128, -192, -256) |
//!
//! So one secret under two ids gives unrelated pseudonyms and tokens.
//!
//! [`Masker::new`] needs every key its policy names;
//! [`Masker::for_audiences`] only those of the audiences it is made for.
//! A masker keeps no secret: it expands the derived keys once into HMAC
//! and AES states that are zeroized when its last clone is dropped, and it
//! overwrites the stack the cryptographic code used after expanding keys
//! and after each record it masks or detokenizes with keys.
//!
//! # Hostile values
//!
//! No operator panics on any text. Display profiles and generalizations
//! are idempotent. A token gives back exactly its value and no two values
//! share one, so a value for which that cannot hold (a wrong check digit,
//! too few or too many digits; see [`token`]) is refused with
//! [`ErrorKind::CannotMask`], naming the field and never the value.

pub mod crypt;
mod keys;
mod operator;
pub(crate) mod policy;
mod state;
pub mod token;
#[allow(unsafe_code)]
mod wipe;

use std::collections::HashMap;
use std::sync::Arc;

pub use crypt::{FieldCipher, Mode};
pub(crate) use keys::Purpose;
pub use keys::{Key, KeyProvider, KeyRing};
pub use operator::{
    Generalize, MAX_FIXED, Operator, Partial, Profile, REDACTED, generalize, partial, profile,
};
pub use policy::{DEFAULT_RECORD_KEY, Policy};
pub(crate) use state::KeyedMac;

use crate::error::{ErrorKind, FieldPath, Result};
use crate::normalize::{Normalized, Normalizer};
use crate::schema::Date;
use crate::schema::{Record, Schema, Value};
use state::KeyStates;

/// Applies a policy to records. Cheap to clone and safe to share between
/// threads. It keeps no secret, only the states expanded from its keys
/// (HMAC, AES key schedules), which are zeroized when the last clone is
/// dropped.
#[derive(Clone, Debug)]
pub struct Masker {
    schema: Schema,
    normalizer: Normalizer,
    keys: Arc<KeyStates>,
    audiences: HashMap<String, Vec<Operator>>,
    /// Per compiled audience, which fields it may decrypt.
    reveal: HashMap<String, Vec<bool>>,
    /// The field ciphertexts are bound to, when the schema has it.
    record_key: Option<usize>,
    today: Date,
}

/// A stored record revealed for an audience, and what was decrypted.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Revealed {
    /// The audience's view of the record.
    pub record: Record,
    /// The fields given back, in schema order: those that held a
    /// ciphertext the audience may decrypt (and did), or a token.
    pub revealed: Vec<String>,
    /// The fields that held a ciphertext the audience may not decrypt:
    /// shown as `[redacted]`.
    pub withheld: Vec<String>,
}

impl Masker {
    /// Compiles `policy` for `schema` with the keys it names, for every
    /// audience of the policy. The ring is dropped (and its secrets
    /// zeroized) once the keys are expanded.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidPolicy`] for a field the schema lacks or a token
    /// on a kind that cannot be tokenized; [`ErrorKind::UnknownKey`] for a
    /// key id missing from `keys`.
    pub fn new(schema: &Schema, policy: &Policy, keys: KeyRing) -> Result<Self> {
        Self::compile(schema, policy, &keys, None)
    }

    /// Compiles `policy` for `schema`, to mask for `audiences` only: only
    /// the keys those audiences use must be in `keys` (an audience that
    /// uses none, such as `support` in the built-in policy, needs no keys
    /// at all). The whole policy is still checked against the schema.
    ///
    /// # Errors
    /// As for [`Masker::new`] (keys only of `audiences`), and
    /// [`ErrorKind::UnknownAudience`] for an audience the policy does not
    /// define.
    pub fn for_audiences(
        schema: &Schema,
        policy: &Policy,
        keys: KeyRing,
        audiences: &[&str],
    ) -> Result<Self> {
        if let Some(missing) = audiences.iter().find(|a| policy.audience(a).is_none()) {
            return Err(ErrorKind::UnknownAudience {
                audience: (*missing).to_owned(),
            }
            .into());
        }
        Self::compile(schema, policy, &keys, Some(audiences))
    }

    fn compile(
        schema: &Schema,
        policy: &Policy,
        keys: &KeyRing,
        wanted: Option<&[&str]>,
    ) -> Result<Self> {
        let states = KeyStates::new(keys)?;
        let mut audiences = HashMap::new();
        let record_key_name = policy.record_key_field();
        let record_key = schema.index_of(record_key_name);
        use crate::error::{SettingPath, SettingProblem as P};
        let bad = |at: &[&str], problem, reason: String| -> crate::Error {
            crate::Error::policy(SettingPath::of(at), problem, reason)
        };
        for audience in policy.audiences() {
            let rules = policy
                .audience(audience)
                .map_or_else(Default::default, Clone::clone);
            let compiled = wanted.is_none_or(|w| w.contains(&audience));
            let mut ops = vec![
                Operator::Redact {
                    marker: REDACTED.into()
                };
                schema.len()
            ];
            for (field_name, op) in rules {
                let at = ["audiences", audience, field_name.as_str()];
                let index = schema.index_of(&field_name).ok_or_else(|| {
                    bad(
                        &at,
                        P::UnknownField,
                        format!("field `{field_name}` is not in schema `{}`", schema.name()),
                    )
                })?;
                if let Operator::Token { .. } = &op
                    && !token::supports(schema.fields()[index].kind())
                {
                    return Err(bad(
                        &at,
                        P::Conflict,
                        format!(
                            "field `{field_name}` of kind `{}` cannot be tokenized",
                            schema.fields()[index].kind().name()
                        ),
                    ));
                }
                if let (
                    Operator::Hash { key, .. }
                    | Operator::Token { key, .. }
                    | Operator::Encrypt { key, .. },
                    true,
                ) = (&op, compiled)
                {
                    states.require_active(key)?;
                    if let Operator::Encrypt { .. } = op {
                        states.require_crypt(key)?;
                    }
                }
                ops[index] = op;
            }
            if ops.iter().any(|op| matches!(op, Operator::Encrypt { .. })) {
                let Some(rk) = record_key else {
                    return Err(bad(
                        &["record_key"],
                        P::UnknownField,
                        format!(
                            "audience `{audience}` encrypts, but the record key field `{record_key_name}` is not in schema `{}` (set `record_key`)",
                            schema.name()
                        ),
                    ));
                };
                if ops[rk] != Operator::Keep {
                    return Err(bad(
                        &["audiences", audience, record_key_name],
                        P::Conflict,
                        format!(
                            "audience `{audience}` encrypts, so it must keep the record key field `{record_key_name}` as it is"
                        ),
                    ));
                }
            }
            if compiled {
                audiences.insert(audience.to_owned(), ops);
            }
        }
        let mut reveal = HashMap::new();
        for (audience, fields) in policy.reveal_grants() {
            if policy.audience(audience).is_none() {
                return Err(bad(
                    &["reveal", audience],
                    P::Conflict,
                    format!("audience `{audience}` has no operators in the policy"),
                ));
            }
            let mut grants = vec![false; schema.len()];
            for field in fields {
                let index = schema.index_of(field).ok_or_else(|| {
                    bad(
                        &["reveal", audience],
                        P::UnknownField,
                        format!("field `{field}` is not in schema `{}`", schema.name()),
                    )
                })?;
                grants[index] = true;
            }
            if record_key.is_none() {
                return Err(bad(
                    &["record_key"],
                    P::UnknownField,
                    format!(
                        "revealing needs the record key field `{record_key_name}`, which is not in schema `{}` (set `record_key`)",
                        schema.name()
                    ),
                ));
            }
            if audiences.contains_key(audience.as_str()) {
                reveal.insert(audience.clone(), grants);
            }
        }
        Ok(Self {
            schema: schema.clone(),
            normalizer: Normalizer::new(schema),
            keys: Arc::new(states),
            audiences,
            reveal,
            record_key,
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

    /// The sensitive fields that `audience` sees in clear (its policy
    /// keeps them as they are), in schema order: what a view made for it
    /// discloses.
    ///
    /// # Errors
    /// [`ErrorKind::UnknownAudience`].
    pub fn clear_fields(&self, audience: &str) -> Result<Vec<&str>> {
        self.check_audience(audience)?;
        Ok(self.audiences[audience]
            .iter()
            .zip(self.schema.fields())
            .filter(|(op, field)| **op == Operator::Keep && field.is_sensitive())
            .map(|(_, field)| field.name())
            .collect())
    }

    /// Normalizes `record` (with default options), then masks it for
    /// `audience`: [`Masker::mask_normalized`] for a raw record.
    ///
    /// # Errors
    /// As for [`Masker::mask_normalized`].
    pub fn mask(&self, record: &Record, audience: &str) -> Result<Record> {
        // The audience is checked before the record is normalized.
        self.operators(record, audience)?;
        self.mask_normalized(self.normalizer.normalize(record)?, audience)
    }

    /// Masks a normalized record for `audience` (the record is consumed:
    /// masking rewrites it in place). A pipeline normalizes once and
    /// hands the same [`Normalized`] to validation first.
    ///
    /// # Errors
    /// [`ErrorKind::UnknownAudience`], [`ErrorKind::SchemaMismatch`], and
    /// [`ErrorKind::CannotMask`] for a value a token cannot be made of.
    pub fn mask_normalized(&self, normalized: Normalized, audience: &str) -> Result<Record> {
        let record = normalized.record;
        let ops = self.operators(&record, audience)?;
        self.apply(ops, record)
    }

    /// Applies one audience's operators, field by field. When some use a
    /// key, the stack the cryptographic code used is cleared afterwards,
    /// once for the record (see [`state`]).
    fn apply(&self, ops: &[Operator], record: Record) -> Result<Record> {
        if ops.iter().any(|op| matches!(op, Operator::Encrypt { .. })) {
            state::scrubbed_crypt(|| self.apply_fields(ops, record, &[]))
        } else if ops.iter().any(Operator::uses_key) {
            state::scrubbed(|| self.apply_fields(ops, record, &[]))
        } else {
            self.apply_fields(ops, record, &[])
        }
    }

    /// The value of the record's key field, as ciphertexts are bound to it
    /// (empty when the field is empty or not in the schema).
    pub fn record_key_of(&self, record: &Record) -> String {
        self.record_key
            .and_then(|i| record.get_at(i))
            .and_then(Value::to_text)
            .map(|t| t.into_owned())
            .unwrap_or_default()
    }

    /// Applies `ops` to the fields of `record`, except those `skip` marks.
    /// The record's extras (a phone's extension normalization moved out,
    /// members outside the schema) are dropped: a policy names schema
    /// fields only, so it cannot say how to mask them.
    fn apply_fields(&self, ops: &[Operator], mut record: Record, skip: &[bool]) -> Result<Record> {
        record.clear_extras();
        let record_key = if ops.iter().any(|op| matches!(op, Operator::Encrypt { .. })) {
            self.record_key_of(&record)
        } else {
            String::new()
        };
        for (index, op) in ops.iter().enumerate() {
            if *op == Operator::Keep || skip.get(index).copied().unwrap_or(false) {
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
                Operator::Profile(p) => Some(operator::profile_of_kind(&text, *p, field.kind())),
                Operator::Generalize(g) => {
                    Some(generalize(&text, *g, self.today).unwrap_or_else(|| REDACTED.to_owned()))
                }
                Operator::Hash { key, bytes } => {
                    let state = self.keys.require(key)?;
                    let input = self.normalizer.match_key(index, value).unwrap_or_default();
                    Some(operator::pseudonym(
                        state,
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
                Operator::Encrypt { key, deterministic } => {
                    let mode = if *deterministic {
                        Mode::Deterministic
                    } else {
                        Mode::Randomized
                    };
                    let k = self.keys.require_crypt(key)?;
                    Some(
                        crypt::seal(k, key, mode, field.name(), &record_key, &text).map_err(
                            |reason| ErrorKind::CannotMask {
                                path: field.path().clone(),
                                reason,
                            },
                        )?,
                    )
                }
            };
            *value = masked.map_or(Value::Null, Value::Text);
        }
        Ok(record)
    }

    /// Reveals a stored record (one masked for an audience that encrypts,
    /// say `storage`) for `audience`: each ciphertext in a field the policy
    /// lets the audience reveal is decrypted, each other ciphertext is
    /// withheld (`[redacted]`), and then the audience's operators apply to
    /// the record as they would in [`Masker::mask_normalized`] (`keep`
    /// shows the decrypted value, a display profile masks it). Every
    /// ciphertext is checked against its field and the record's key.
    ///
    /// # Errors
    /// [`ErrorKind::UnknownAudience`]; [`ErrorKind::CannotDecrypt`] naming
    /// the field (never the value) for a ciphertext that was altered or
    /// moved from another field or record; [`ErrorKind::UnknownKey`] for a
    /// ciphertext made with a key not in the ring; masking errors.
    pub fn reveal(&self, record: Record, audience: &str) -> Result<Record> {
        Ok(self.reveal_detailed(record, audience)?.record)
    }

    /// As [`Masker::reveal`], saying which fields were decrypted and which
    /// withheld (what an audit event records).
    ///
    /// # Errors
    /// As for [`Masker::reveal`].
    pub fn reveal_detailed(&self, record: Record, audience: &str) -> Result<Revealed> {
        let ops = self.operators(&record, audience)?;
        state::scrubbed_crypt(|| self.reveal_fields(ops, audience, record))
    }

    fn reveal_fields(
        &self,
        ops: &[Operator],
        audience: &str,
        mut record: Record,
    ) -> Result<Revealed> {
        let grants = self.reveal.get(audience).map(Vec::as_slice).unwrap_or(&[]);
        let record_key = self.record_key_of(&record);
        let mut skip = vec![false; ops.len()];
        let (mut revealed, mut withheld) = (Vec::new(), Vec::new());
        for (index, field) in self.schema.fields().iter().enumerate() {
            let Some(value) = record.value_mut(index) else {
                continue;
            };
            let Some(text) = value.as_str().filter(|t| crypt::is_ciphertext(t)) else {
                continue;
            };
            if grants.get(index).copied().unwrap_or(false) {
                let plain = crypt::open(text, field.name(), &record_key, |id| {
                    self.keys.require_crypt(id)
                })
                .map_err(|e| e.into_error(field.path()))?;
                *value = Value::Text(plain.as_str().to_owned())
                    .fit(field.kind())
                    .unwrap_or_else(|_| Value::Text(plain.as_str().to_owned()));
                revealed.push(field.name().to_owned());
            } else {
                *value = Value::Text(REDACTED.to_owned());
                skip[index] = true;
                withheld.push(field.name().to_owned());
            }
        }
        let record = self.apply_fields(ops, record, &skip)?;
        Ok(Revealed {
            record,
            revealed,
            withheld,
        })
    }

    /// Re-encrypts the ciphertexts of a stored record (masked for
    /// `audience`, which encrypts) that were made with another key than
    /// the one the audience's operator names now: after a key rotation,
    /// with the old key kept decrypt-only in the ring. Other fields, and
    /// ciphertexts already under the current key, are left as they are.
    ///
    /// # Errors
    /// [`ErrorKind::CannotDecrypt`] for a field the audience encrypts that
    /// holds something else than a ciphertext that decrypts; as for
    /// [`Masker::reveal`].
    pub fn rewrap(&self, record: Record, audience: &str) -> Result<Record> {
        let ops = self.operators(&record, audience)?;
        state::scrubbed_crypt(|| self.rewrap_fields(ops, record))
    }

    fn rewrap_fields(&self, ops: &[Operator], mut record: Record) -> Result<Record> {
        let record_key = self.record_key_of(&record);
        for (index, op) in ops.iter().enumerate() {
            let Operator::Encrypt { key, deterministic } = op else {
                continue;
            };
            let field = &self.schema.fields()[index];
            let Some(value) = record.value_mut(index) else {
                continue;
            };
            if value.is_null() {
                continue;
            }
            let text = value.as_str().unwrap_or_default();
            if crypt::ciphertext_key(text) == Some(key.as_str()) {
                continue;
            }
            let plain = crypt::open(text, field.name(), &record_key, |id| {
                self.keys.require_crypt(id)
            })
            .map_err(|e| e.into_error(field.path()))?;
            let mode = if *deterministic {
                Mode::Deterministic
            } else {
                Mode::Randomized
            };
            let sealed = crypt::seal(
                self.keys.require_crypt(key)?,
                key,
                mode,
                field.name(),
                &record_key,
                &plain,
            )
            .map_err(|reason| ErrorKind::CannotMask {
                path: field.path().clone(),
                reason,
            })?;
            *value = Value::Text(sealed);
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
    pub fn detokenize(&self, record: Record, audience: &str) -> Result<Record> {
        Ok(self.detokenize_detailed(record, audience)?.record)
    }

    /// As [`Masker::detokenize`], saying which fields held a token (what
    /// an audit event records; `withheld` is empty).
    ///
    /// # Errors
    /// As for [`Masker::detokenize`].
    pub fn detokenize_detailed(&self, record: Record, audience: &str) -> Result<Revealed> {
        let ops = self.operators(&record, audience)?;
        state::scrubbed(|| self.detokenize_fields(ops, record))
    }

    fn detokenize_fields(&self, ops: &[Operator], mut record: Record) -> Result<Revealed> {
        let mut revealed = Vec::new();
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
            revealed.push(field.name().to_owned());
        }
        Ok(Revealed {
            record,
            revealed,
            withheld: Vec::new(),
        })
    }
}

/// How identifiable a set of records is by some of its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
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
        Masker::new(&Schema::customer(), &Policy::customer(), keys())
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

    /// Masking a raw record is normalizing it, then masking the result;
    /// an unknown audience or another schema is refused either way.
    #[test]
    fn mask_is_normalize_then_mask_normalized() {
        let m = masker();
        let normalized = Normalizer::new(&Schema::customer())
            .normalize(&record())
            .unwrap();
        assert_ne!(normalized.record, record(), "normalization changes it");
        for audience in ["support", "analytics", "auditor"] {
            let raw = m.mask(&record(), audience).unwrap();
            let typed = m.mask_normalized(normalized.clone(), audience).unwrap();
            assert_eq!(raw, typed, "{audience}");
        }
        let err = m.mask_normalized(normalized, "nobody").unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::UnknownAudience);
        let other = Schema::builder("other")
            .field(crate::schema::Field::new("email", crate::FieldKind::Email))
            .build()
            .unwrap();
        let err = m
            .mask_normalized(Normalized::stored(Record::new(&other)), "support")
            .unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::SchemaMismatch);
    }

    #[test]
    fn support_sees_display_forms() {
        let r = masker().mask(&record(), "support").unwrap();
        assert_eq!(r.text("full_name"), Some("欧阳**"));
        // Name parts show no more than the full name: the family name not
        // whole, the given name (hidden in the full name) not at all.
        assert_eq!(r.text("family_name"), Some("欧*"));
        assert_eq!(r.text("given_name"), Some("**"));
        assert_eq!(r.text("email"), Some("N***@example.com"));
        assert_eq!(r.text("phone"), Some("138****5678"));
        assert_eq!(r.text("birth_date"), Some("1990"));
        assert_eq!(r.text("street"), Some(REDACTED), "default deny");
        assert_eq!(r.text("postcode"), Some("200*"));
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
        assert!(crate::checksum::luhn(masked.text("payment_card").unwrap()));
        assert_eq!(m.detokenize(masked, "auditor").unwrap(), normalized);
    }

    #[test]
    fn errors() {
        let m = masker();
        assert_eq!(
            m.mask(&record(), "marketing").unwrap_err().code(),
            crate::ErrorCode::UnknownAudience
        );
        let err =
            Masker::new(&Schema::customer(), &Policy::customer(), KeyRing::new()).unwrap_err();
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
        assert_eq!(
            err.setting_path().map(ToString::to_string).as_deref(),
            Some("audiences.a.email")
        );
        assert_eq!(err.setting_problem(), Some(crate::SettingProblem::Conflict));
        let bad = Policy::new("p").rule("a", "nope", Operator::Keep);
        let err = Masker::new(&Schema::customer(), &bad, keys()).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::InvalidPolicy);
        assert_eq!(
            err.to_string(),
            "masking policy at `audiences.a.nope`: field `nope` is not in schema `customer`"
        );
        assert_eq!(
            err.setting_problem(),
            Some(crate::SettingProblem::UnknownField)
        );
        let mut short = record();
        short.set("phone", "+8610086").unwrap();
        let err = m
            .mask_normalized(Normalized::stored(short), "auditor")
            .unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::CannotMask);
        assert!(!err.to_string().contains("10086"));
    }

    #[test]
    fn keys_are_needed_only_by_the_audiences_that_use_them() {
        let (schema, policy) = (Schema::customer(), Policy::customer());
        let support = Masker::for_audiences(&schema, &policy, KeyRing::new(), &["support"])
            .unwrap()
            .with_today(Date::new(2026, 11, 22).unwrap());
        let all = masker();
        assert_eq!(
            support.mask(&record(), "support").unwrap(),
            all.mask(&record(), "support").unwrap()
        );
        // Only the audiences asked for are compiled.
        let err = support.mask(&record(), "analytics").unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::UnknownAudience);
        for (audiences, key) in [
            (&["analytics"][..], "pseudonym"),
            (&["support", "auditor"], "token"),
        ] {
            let err =
                Masker::for_audiences(&schema, &policy, KeyRing::new(), audiences).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::UnknownKey);
            assert!(err.to_string().contains(&format!("`{key}`")), "{err}");
        }
        let err =
            Masker::for_audiences(&schema, &policy, keys(), &["support", "marketing"]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("no masking policy for audience `marketing`"),
            "{err}"
        );
        // A masker made for some audiences says why another is refused.
        let support = Masker::for_audiences(&schema, &policy, keys(), &["support"]).unwrap();
        let err = support
            .mask(&Record::new(&schema), "analytics")
            .unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::UnknownAudience);
        assert!(
            err.to_string()
                .contains("audiences this masker was made for"),
            "{err}"
        );
        // The whole policy is still checked against the schema.
        let bad = policy.clone().rule("analytics", "nope", Operator::Keep);
        let err = Masker::for_audiences(&schema, &bad, KeyRing::new(), &["support"]).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::InvalidPolicy);
        // And `new` still wants every key.
        let err = Masker::new(
            &schema,
            &policy,
            KeyRing::new().with(Key::new("token", &[1; 16]).unwrap()),
        )
        .unwrap_err();
        assert!(err.to_string().contains("`pseudonym`"), "{err}");
    }

    #[test]
    fn values_a_token_could_not_give_back_are_refused() {
        let m = masker();
        let tokenized = |field: &str, value: &str| {
            let mut r = Record::new(&Schema::customer());
            r.set(field, value).unwrap();
            m.mask_normalized(Normalized::stored(r), "auditor")
        };
        for (field, bad, good) in [
            ("payment_card", "4111111111111112", "4111111111111111"),
            ("iban", "DE00370400440532013000", "DE89370400440532013000"),
            ("iban", "DE99370400440532013000", "DE89370400440532013000"),
            ("national_id", "110105194912310021", "11010519491231002X"),
        ] {
            let err = tokenized(field, bad).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::CannotMask, "{bad}");
            let message = err.to_string();
            assert!(
                message.contains(field) && message.contains("check"),
                "{message}"
            );
            assert!(!message.contains(&bad[bad.len() - 6..]), "{message}");
            let token = tokenized(field, good).unwrap();
            assert_eq!(
                m.detokenize(token, "auditor").unwrap().text(field),
                Some(good)
            );
        }
        // A token altered by hand is refused too, not "repaired".
        let token = tokenized("payment_card", "4111111111111111").unwrap();
        let mut altered = token.clone();
        let digits = token.text("payment_card").unwrap();
        let last = (digits.as_bytes()[15] - b'0' + 1) % 10;
        altered
            .set("payment_card", format!("{}{last}", &digits[..15]))
            .unwrap();
        assert_eq!(
            m.detokenize(altered, "auditor").unwrap_err().code(),
            crate::ErrorCode::CannotMask
        );
    }

    #[test]
    fn the_key_id_is_bound_into_pseudonyms_and_tokens() {
        let secret = [42u8; 32];
        let policy = |id: &str| {
            Policy::new("p")
                .rule(
                    "a",
                    "email",
                    Operator::Hash {
                        key: id.into(),
                        bytes: 12,
                    },
                )
                .rule(
                    "a",
                    "phone",
                    Operator::Token {
                        key: id.into(),
                        tagged: false,
                    },
                )
        };
        let mask = |id: &str| {
            let ring = KeyRing::new().with(Key::new(id, &secret).unwrap());
            Masker::new(&Schema::customer(), &policy(id), ring)
                .unwrap()
                .mask(&record(), "a")
                .unwrap()
        };
        let (a, b) = (mask("ka"), mask("kb"));
        let digest = |r: &Record| {
            r.text("email")
                .unwrap()
                .split_once(':')
                .unwrap()
                .1
                .to_owned()
        };
        assert_ne!(digest(&a), digest(&b));
        assert_ne!(a.text("phone"), b.text("phone"));
    }

    /// The built-in policy with a `storage` audience that encrypts the
    /// sensitive fields (key `crypt`, one of them deterministically), and
    /// `auditor` and `support` allowed to reveal some of them.
    pub(crate) fn storage_policy() -> Policy {
        let encrypt = |deterministic| Operator::Encrypt {
            key: "crypt".into(),
            deterministic,
        };
        let mut policy = Policy::customer();
        for field in crate::schema::standard::CUSTOMER_FIELDS {
            let op = match field {
                "email" => encrypt(true),
                "full_name" | "given_name" | "family_name" | "phone" | "birth_date" | "street"
                | "national_id" | "iban" | "payment_card" => encrypt(false),
                _ => Operator::Keep,
            };
            policy = policy.rule("storage", field, op);
        }
        for field in [
            "full_name",
            "phone",
            "email",
            "national_id",
            "payment_card",
            "iban",
        ] {
            policy = policy.reveal("auditor", field);
        }
        policy
            .reveal("support", "phone")
            .reveal("support", "full_name")
    }

    fn crypt_masker() -> Masker {
        let ring = keys().with(Key::new("crypt", &[5u8; 32]).unwrap()).with(
            Key::new("crypt-old", &[6u8; 32])
                .unwrap()
                .decrypt_only(true),
        );
        Masker::new(&Schema::customer(), &storage_policy(), ring)
            .unwrap()
            .with_today(Date::new(2026, 11, 22).unwrap())
    }

    #[test]
    fn storage_encrypts_and_audiences_reveal_what_they_may() {
        let m = crypt_masker();
        let stored = m.mask(&record(), "storage").unwrap();
        assert_eq!(stored.text("customer_id"), Some("c-1"));
        assert_eq!(stored.text("city"), Some("上海"));
        for field in ["full_name", "phone", "email", "national_id", "payment_card"] {
            let text = stored.text(field).unwrap();
            assert!(crypt::is_ciphertext(text), "{field}: {text}");
            assert_eq!(crypt::ciphertext_key(text), Some("crypt"));
        }
        assert!(stored.text("email").unwrap().starts_with("det1.crypt.."));
        assert!(stored.text("phone").unwrap().starts_with("enc1.crypt."));
        assert!(stored.get("iban").unwrap().is_null(), "nulls stay null");
        // The auditor sees the values it may reveal through its own
        // operators: kept, or tokens.
        let normalized = Normalizer::new(&Schema::customer())
            .normalize(&record())
            .unwrap()
            .record;
        let audited = m.reveal_detailed(stored.clone(), "auditor").unwrap();
        assert_eq!(
            audited.revealed,
            ["full_name", "email", "phone", "national_id", "payment_card"]
        );
        assert_eq!(
            audited.withheld,
            ["given_name", "family_name", "birth_date", "street"]
        );
        let auditor = m.mask(&record(), "auditor").unwrap();
        assert_eq!(audited.record.text("full_name"), Some("欧阳娜娜"));
        assert_eq!(audited.record.text("email"), normalized.text("email"));
        assert_eq!(audited.record.text("street"), Some(REDACTED));
        assert_eq!(audited.record.text("birth_date"), Some(REDACTED));
        // Tokens are deterministic: the same as masking the original.
        assert_eq!(audited.record.text("phone"), auditor.text("phone"));
        assert_eq!(
            m.detokenize(audited.record, "auditor")
                .unwrap()
                .text("phone"),
            Some("+8613812345678")
        );
        // Support may reveal the phone, and sees it through its profile.
        let support = m.reveal(stored.clone(), "support").unwrap();
        assert_eq!(support.text("phone"), Some("138****5678"));
        assert_eq!(support.text("full_name"), Some("欧阳**"));
        assert_eq!(support.text("email"), Some(REDACTED), "default deny");
        assert_eq!(support.text("national_id"), Some(REDACTED));
        // Analytics may reveal nothing.
        let analytics = m.reveal_detailed(stored, "analytics").unwrap();
        assert!(analytics.revealed.is_empty());
        assert_eq!(analytics.record.text("phone"), Some(REDACTED));
    }

    #[test]
    fn moved_or_altered_ciphertexts_do_not_reveal() {
        let m = crypt_masker();
        let stored = m.mask(&record(), "storage").unwrap();
        // Into another record.
        let mut other = stored.clone();
        other.set("customer_id", "c-2").unwrap();
        let err = m.reveal(other, "auditor").unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::CannotDecrypt);
        assert!(err.to_string().contains("full_name"), "{err}");
        // Into another field.
        let mut swapped = stored.clone();
        let phone = stored.text("phone").unwrap().to_owned();
        swapped.set("national_id", phone.as_str()).unwrap();
        let err = m.reveal(swapped, "auditor").unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::CannotDecrypt);
        assert!(err.to_string().contains("national_id"), "{err}");
        assert!(!err.to_string().contains("5678"), "{err}");
        // One character changed.
        let mut flipped = stored;
        let mut bytes = phone.clone().into_bytes();
        let last = bytes.len() - 1;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        flipped
            .set("phone", String::from_utf8(bytes).unwrap())
            .unwrap();
        assert_eq!(
            m.reveal(flipped, "auditor").unwrap_err().code(),
            crate::ErrorCode::CannotDecrypt
        );
    }

    #[test]
    fn rotation_rewraps_to_the_current_key() {
        let m = crypt_masker();
        let stored = m.mask(&record(), "storage").unwrap();
        assert_eq!(m.rewrap(stored.clone(), "storage").unwrap(), stored);
        let old = FieldCipher::new(
            KeyRing::new().with(Key::new("crypt-old", &[6u8; 32]).unwrap()),
            "crypt-old",
        )
        .unwrap();
        let mut aged = stored.clone();
        let phone = old.encrypt("phone", "c-1", "+8613812345678").unwrap();
        aged.set("phone", phone.as_str()).unwrap();
        let email = old
            .encrypt_deterministic("email", "c-1", "Nana.O@example.com")
            .unwrap();
        aged.set("email", email.as_str()).unwrap();
        let before = m.reveal(aged.clone(), "auditor").unwrap();
        let rewrapped = m.rewrap(aged, "storage").unwrap();
        assert_eq!(
            crypt::ciphertext_key(rewrapped.text("phone").unwrap()),
            Some("crypt")
        );
        assert_eq!(rewrapped.text("email"), stored.text("email"));
        assert_eq!(rewrapped.text("national_id"), stored.text("national_id"));
        assert_eq!(m.reveal(rewrapped, "auditor").unwrap(), before);
        // A plain value where a ciphertext belongs is refused.
        let mut plain = stored;
        plain.set("phone", "+8613812345678").unwrap();
        let err = m.rewrap(plain, "storage").unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::CannotDecrypt);
        assert!(!err.to_string().contains("5678"), "{err}");
    }

    #[test]
    fn encryption_policies_are_checked() {
        let schema = Schema::customer();
        let ring = || keys().with(Key::new("crypt", &[5u8; 32]).unwrap());
        let enc = Operator::Encrypt {
            key: "crypt".into(),
            deterministic: false,
        };
        let p = Policy::new("p").rule("s", "email", enc);
        let err = Masker::new(&schema, &p, ring()).unwrap_err();
        assert!(
            err.to_string()
                .contains("must keep the record key field `customer_id`"),
            "{err}"
        );
        let p = p.rule("s", "customer_id", Operator::Keep);
        assert!(Masker::new(&schema, &p, ring()).is_ok());
        let err = Masker::new(&schema, &p.clone().record_key("nope"), ring()).unwrap_err();
        assert!(err.to_string().contains("`nope` is not in schema"), "{err}");
        let err = Masker::new(&schema, &p.clone().reveal("s", "nope"), ring()).unwrap_err();
        assert!(err.to_string().contains("field `nope`"), "{err}");
        let err = Masker::new(&schema, &p.clone().reveal("x", "email"), ring()).unwrap_err();
        assert!(err.to_string().contains("audience `x`"), "{err}");
        // Encryption keys are 32 bytes, and active.
        let short = p.clone().rule(
            "s",
            "phone",
            Operator::Encrypt {
                key: "token".into(),
                deterministic: true,
            },
        );
        let ring16 = keys().with(Key::new("token", &[4u8; 16]).unwrap());
        let err = Masker::new(
            &schema,
            &short,
            ring16.with(Key::new("crypt", &[5u8; 32]).unwrap()),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "key `token`: encryption keys are 32 bytes");
        let retired = keys().with(Key::new("crypt", &[5u8; 32]).unwrap().decrypt_only(true));
        let err = Masker::new(&schema, &p, retired).unwrap_err();
        assert!(err.to_string().contains("decrypt-only"), "{err}");
        // The policy JSON round trip keeps all of it.
        let full = storage_policy().record_key("customer_id");
        assert_eq!(Policy::from_json(&full.to_json()).unwrap(), full);
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

#[cfg(test)]
#[cfg(target_os = "linux")]
pub(crate) mod residue_tests;
