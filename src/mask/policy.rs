//! Masking policies: per audience, per field, an operator. Default deny:
//! a field a policy does not mention is redacted for that audience.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use super::operator::{Generalize, MAX_FIXED, Operator, Partial, Profile, REDACTED};
use crate::error::{Error, ErrorKind, JsonDocument, Result};

/// Which operator each audience applies to each field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    name: String,
    audiences: BTreeMap<String, BTreeMap<String, Operator>>,
    record_key: Option<String>,
    reveal: BTreeMap<String, BTreeSet<String>>,
}

/// The record key field when a policy names none.
pub const DEFAULT_RECORD_KEY: &str = "customer_id";

fn invalid(reason: String) -> Error {
    ErrorKind::InvalidPolicy { reason }.into()
}

impl Policy {
    /// An empty policy (every field of every audience redacted).
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            audiences: BTreeMap::new(),
            record_key: None,
            reveal: BTreeMap::new(),
        }
    }

    /// Names the field whose value identifies a record (default
    /// `customer_id`): every ciphertext is bound to it, so that one moved
    /// to another record does not decrypt. An audience that encrypts must
    /// keep this field as it is.
    #[must_use]
    pub fn record_key(mut self, field: &str) -> Self {
        self.record_key = Some(field.to_owned());
        self
    }

    /// The record key field (see [`Policy::record_key`]).
    pub fn record_key_field(&self) -> &str {
        self.record_key.as_deref().unwrap_or(DEFAULT_RECORD_KEY)
    }

    /// Lets `audience` decrypt `field` when it reveals stored records
    /// ([`Masker::reveal`](super::Masker::reveal)). Default deny: a
    /// ciphertext in a field not granted is withheld. What the audience
    /// then sees is its own operator applied to the decrypted value (`keep`
    /// for the value itself, a display profile for a masked one).
    #[must_use]
    pub fn reveal(mut self, audience: &str, field: &str) -> Self {
        self.reveal
            .entry(audience.to_owned())
            .or_default()
            .insert(field.to_owned());
        self
    }

    /// Whether `audience` may decrypt `field`.
    pub fn may_reveal(&self, audience: &str, field: &str) -> bool {
        self.reveal
            .get(audience)
            .is_some_and(|fields| fields.contains(field))
    }

    /// The reveal grants: audience to fields.
    pub(crate) fn reveal_grants(&self) -> &BTreeMap<String, BTreeSet<String>> {
        &self.reveal
    }

    /// Sets the operator for `field` as seen by `audience`.
    #[must_use]
    pub fn rule(mut self, audience: &str, field: &str, operator: Operator) -> Self {
        self.audiences
            .entry(audience.to_owned())
            .or_default()
            .insert(field.to_owned(), operator);
        self
    }

    /// The policy's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The audiences, in name order.
    pub fn audiences(&self) -> impl Iterator<Item = &str> {
        self.audiences.keys().map(String::as_str)
    }

    /// The operators of one audience, by field name.
    pub fn audience(&self, audience: &str) -> Option<&BTreeMap<String, Operator>> {
        self.audiences.get(audience)
    }

    /// Loads a policy from JSON:
    ///
    /// ```json
    /// {"name": "crm",
    ///  "audiences": {
    ///    "support": {"phone": "phone_cn", "email": "email", "city": "keep",
    ///                "birth_date": {"op": "generalize", "to": "year"}},
    ///    "analytics": {"email": {"op": "hash", "key": "k1"}}}}
    /// ```
    ///
    /// An operator is a name (`keep`, `redact`, `null`, or a profile:
    /// `email`, `email_domain_masked`, `phone`, `phone_cn`, `name`,
    /// `cn_resident_id_1_1`, `cn_resident_id_3_4`, `cn_resident_id_6_4`,
    /// `card_last4`, `card_pci`) or an object with `op`: `redact`
    /// (`marker`), `partial` (`first`, `last`, `char`, `length`),
    /// `generalize` (`to`: `year`, `year_month`, `age_band` with `width`,
    /// `prefix` with `keep`, `range` with `width`), `hash` (`key`, `bytes`)
    /// `token` (`key`, `tagged`) or `encrypt` (`key`, `deterministic`).
    ///
    /// Two more members serve field encryption: `record_key`, the field
    /// every ciphertext is bound to (default `customer_id`), and `reveal`,
    /// which fields each audience may decrypt (default none):
    /// `"reveal": {"auditor": ["phone", "national_id"]}`.
    ///
    /// # Errors
    /// [`ErrorKind::Json`] for malformed JSON, [`ErrorKind::InvalidPolicy`]
    /// naming the audience and field of a bad operator.
    pub fn from_json(json: &str) -> Result<Self> {
        let root: Json = serde_json::from_str(json).map_err(|e| ErrorKind::Json {
            document: JsonDocument::Policy,
            line: e.line(),
            column: e.column(),
            detail: "malformed policy JSON".into(),
        })?;
        let Json::Object(root) = root else {
            return Err(invalid("a policy is a JSON object".into()));
        };
        let mut policy = Self::new(root.get("name").and_then(Json::as_str).unwrap_or("policy"));
        for key in root.keys() {
            if !["name", "audiences", "record_key", "reveal"].contains(&key.as_str()) {
                return Err(invalid(format!(
                    "unknown key `{key}` (expected `name`, `audiences`, `record_key`, `reveal`)"
                )));
            }
        }
        match root.get("record_key") {
            None => {}
            Some(Json::String(field)) => policy = policy.record_key(field),
            Some(_) => return Err(invalid("`record_key` must be a field name".into())),
        }
        if let Some(reveal) = root.get("reveal") {
            let Json::Object(reveal) = reveal else {
                return Err(invalid(
                    "`reveal` must map audiences to lists of fields".into(),
                ));
            };
            for (audience, fields) in reveal {
                let Some(fields) = fields.as_array() else {
                    return Err(invalid(format!(
                        "reveal: audience `{audience}` must have a list of fields"
                    )));
                };
                for field in fields {
                    let Some(field) = field.as_str() else {
                        return Err(invalid(format!(
                            "reveal: audience `{audience}`: fields are names"
                        )));
                    };
                    policy = policy.reveal(audience, field);
                }
            }
        }
        let Some(Json::Object(audiences)) = root.get("audiences") else {
            return Err(invalid("`audiences` must be an object of audiences".into()));
        };
        for (audience, fields) in audiences {
            let Json::Object(fields) = fields else {
                return Err(invalid(format!(
                    "audience `{audience}` must map fields to operators"
                )));
            };
            for (field, op) in fields {
                let operator = parse_operator(op).map_err(|why| {
                    invalid(format!("audience `{audience}`, field `{field}`: {why}"))
                })?;
                policy = policy.rule(audience, field, operator);
            }
        }
        Ok(policy)
    }

    /// The policy written into a schema's fields (their `mask` option:
    /// audience to operator), named after the schema.
    pub fn from_schema(schema: &crate::Schema) -> Self {
        let mut policy = Self::new(schema.name());
        for field in schema.fields() {
            for (audience, op) in field.mask_rules() {
                policy = policy.rule(audience, field.name(), op.clone());
            }
        }
        policy
    }

    /// Writes the policy as JSON that [`Policy::from_json`] reads back.
    pub fn to_json(&self) -> String {
        let audiences: serde_json::Map<String, Json> = self
            .audiences
            .iter()
            .map(|(a, fields)| {
                let ops = fields
                    .iter()
                    .map(|(f, op)| (f.clone(), operator_json(op)))
                    .collect();
                (a.clone(), Json::Object(ops))
            })
            .collect();
        let mut root = serde_json::json!({"name": self.name, "audiences": audiences});
        if let Some(map) = root.as_object_mut() {
            if let Some(field) = &self.record_key {
                map.insert("record_key".into(), Json::String(field.clone()));
            }
            if !self.reveal.is_empty() {
                map.insert("reveal".into(), serde_json::json!(self.reveal));
            }
        }
        root.to_string()
    }

    /// The built-in policy for the standard customer schema, with three
    /// audiences:
    ///
    /// - `support` sees what customer service needs: display profiles
    ///   (`138****8000`, `z***@example.com`, `张*`), birth year, city and
    ///   country, card last 4, resident id 3+4, postcode prefix; no street.
    /// - `analytics` sees stable pseudonyms it can join on (key id
    ///   `pseudonym`), age bands, postcode prefixes, city, region, country
    ///   and gender; no names, no street, no payment data.
    /// - `auditor` sees everything, with phone, national id, IBAN and card
    ///   as reversible tokens (key id `token`) that it can detokenize.
    pub fn customer_default() -> Self {
        use Operator as O;
        let hash = || O::Hash {
            key: "pseudonym".into(),
            bytes: 12,
        };
        let token = || O::Token {
            key: "token".into(),
            tagged: false,
        };
        let p = O::Profile;
        let prefix = O::Generalize(Generalize::Prefix { keep: 3 });
        let support = [
            ("customer_id", O::Keep),
            ("source", O::Keep),
            ("full_name", p(Profile::Name)),
            ("given_name", p(Profile::Name)),
            ("family_name", O::Keep),
            ("gender", O::Keep),
            ("birth_date", O::Generalize(Generalize::Year)),
            ("email", p(Profile::Email)),
            ("phone", p(Profile::PhoneCn)),
            ("city", O::Keep),
            ("region", O::Keep),
            ("postcode", prefix.clone()),
            ("country", O::Keep),
            ("national_id", p(Profile::CnResidentId3x4)),
            (
                "iban",
                O::Partial(Partial {
                    first: 4,
                    last: 4,
                    mask: '*',
                    fixed: None,
                }),
            ),
            ("payment_card", p(Profile::CardLast4)),
            ("updated_at", O::Keep),
        ];
        let analytics = [
            ("customer_id", hash()),
            ("source", O::Keep),
            ("gender", O::Keep),
            (
                "birth_date",
                O::Generalize(Generalize::AgeBand { width: 10 }),
            ),
            ("email", hash()),
            ("phone", hash()),
            ("city", O::Keep),
            ("region", O::Keep),
            ("postcode", prefix),
            ("country", O::Keep),
            ("national_id", hash()),
            ("updated_at", O::Generalize(Generalize::YearMonth)),
        ];
        let auditor = crate::schema::standard::CUSTOMER_FIELDS.map(|field| {
            let op = match field {
                "phone" | "national_id" | "iban" | "payment_card" => token(),
                _ => O::Keep,
            };
            (field, op)
        });
        let mut policy = Self::new("customer_default");
        for (audience, rules) in [
            ("support", support.to_vec()),
            ("analytics", analytics.to_vec()),
            ("auditor", auditor.to_vec()),
        ] {
            for (field, op) in rules {
                policy = policy.rule(audience, field, op);
            }
        }
        policy
    }
}

/// Reads one operator in policy JSON form (a name or an object with `op`).
pub(crate) fn parse_operator(op: &Json) -> Result<Operator, String> {
    let named = |name: &str| -> Result<Operator, String> {
        Ok(match name {
            "keep" => Operator::Keep,
            "redact" => Operator::Redact {
                marker: REDACTED.into(),
            },
            "null" => Operator::Null,
            other => Operator::Profile(
                Profile::from_name(other).ok_or_else(|| format!("unknown operator `{other}`"))?,
            ),
        })
    };
    let obj = match op {
        Json::String(name) => return named(name),
        Json::Object(obj) => obj,
        _ => return Err("an operator is a name or an object with `op`".into()),
    };
    let kind = obj
        .get("op")
        .and_then(Json::as_str)
        .ok_or("the object has no `op` name")?;
    let uint = |key: &str, default: u64| -> Result<u64, String> {
        match obj.get(key) {
            None => Ok(default),
            Some(v) => v
                .as_u64()
                .ok_or_else(|| format!("`{key}` must be a whole number")),
        }
    };
    let text = |key: &str| obj.get(key).and_then(Json::as_str);
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
        return Err(format!("unknown option `{extra}` for `{kind}`"));
    }
    Ok(match kind {
        "redact" => Operator::Redact {
            marker: text("marker").unwrap_or(REDACTED).to_owned(),
        },
        "partial" => {
            let mut chars = text("char").unwrap_or("*").chars();
            let (Some(mask), None) = (chars.next(), chars.next()) else {
                return Err("`char` must be one character".into());
            };
            if !super::operator::standalone(mask) {
                return Err(
                    "`char` must be a visible character that does not combine with others".into(),
                );
            }
            let fixed = obj.get("length").map(|_| uint("length", 0)).transpose()?;
            if fixed.is_some_and(|n| n > MAX_FIXED as u64) {
                return Err(format!("`length` must be at most {MAX_FIXED}"));
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
            _ => return Err("`to` must be year, year_month, age_band, prefix or range".into()),
        }),
        "hash" => Operator::Hash {
            key: text("key").ok_or("`hash` needs a `key` id")?.to_owned(),
            bytes: uint("bytes", 12)?.clamp(8, 32) as usize,
        },
        "token" => Operator::Token {
            key: text("key").ok_or("`token` needs a `key` id")?.to_owned(),
            tagged: obj.get("tagged").and_then(Json::as_bool).unwrap_or(false),
        },
        "encrypt" => Operator::Encrypt {
            key: text("key").ok_or("`encrypt` needs a `key` id")?.to_owned(),
            deterministic: obj
                .get("deterministic")
                .and_then(Json::as_bool)
                .unwrap_or(false),
        },
        other => return named(other),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_from_json() {
        let policy = Policy::from_json(
            r##"{"name": "crm", "audiences": {"support": {
                "phone": "phone_cn", "email": {"op": "partial", "first": 2, "char": "#"},
                "birth_date": {"op": "generalize", "to": "age_band", "width": 5},
                "customer_id": {"op": "hash", "key": "k1"}}}}"##,
        )
        .unwrap();
        let support = policy.audience("support").unwrap();
        assert_eq!(support["phone"], Operator::Profile(Profile::PhoneCn));
        assert_eq!(
            support["email"],
            Operator::Partial(Partial {
                first: 2,
                last: 0,
                mask: '#',
                fixed: None
            })
        );
        assert_eq!(
            support["customer_id"],
            Operator::Hash {
                key: "k1".into(),
                bytes: 12
            }
        );
        assert_eq!(policy.audiences().collect::<Vec<_>>(), ["support"]);
        assert_eq!(Policy::from_json(&policy.to_json()).unwrap(), policy);
        let builtin = Policy::customer_default();
        assert_eq!(Policy::from_json(&builtin.to_json()).unwrap(), builtin);
    }

    #[test]
    fn bad_policies_say_where() {
        for (json, says) in [
            (
                r#"{"audiences": {"s": {"phone": "phonee"}}}"#,
                "audience `s`, field `phone`: unknown operator `phonee`",
            ),
            (
                r#"{"audiences": {"s": {"a": {"op": "hash"}}}}"#,
                "needs a `key`",
            ),
            (
                r#"{"audiences": {"s": {"a": {"op": "partial", "frist": 1}}}}"#,
                "unknown option `frist`",
            ),
            (
                r#"{"audiences": {"s": {"a": {"op": "generalize", "to": "decade"}}}}"#,
                "`to` must be",
            ),
            (
                r#"{"audiences": {"s": {"a": {"op": "partial", "char": "\u0301"}}}}"#,
                "does not combine",
            ),
            (
                r#"{"audiences": {"s": {"a": {"op": "partial", "char": "\u0890"}}}}"#,
                "does not combine",
            ),
            (
                r#"{"audiences": {"s": {"a": {"op": "partial", "char": " "}}}}"#,
                "visible character",
            ),
            (
                r#"{"audiences": {"s": {"a": {"op": "partial", "length": 1025}}}}"#,
                "`length` must be at most 1024",
            ),
            (r#"{"audiences": []}"#, "must be an object"),
            (r#"{"audience": {}}"#, "unknown key `audience`"),
        ] {
            let err = Policy::from_json(json).unwrap_err();
            assert!(err.to_string().contains(says), "{json}: {err}");
        }
        let err = Policy::from_json("{").unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::Json);
        assert!(err.to_string().starts_with("policy JSON"), "{err}");
    }
}
