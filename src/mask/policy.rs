//! Masking policies: per audience, per field, an operator. Default deny:
//! a field a policy does not mention is redacted for that audience.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::operator::{Generalize, Operator, Partial, Profile};
use crate::error::{Error, ErrorCode, JsonDocument, Result, SettingPath, SettingProblem};
use crate::schema::json::read_document;

/// Which operator each audience applies to each field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(default = "unnamed")]
    name: String,
    audiences: BTreeMap<String, BTreeMap<String, Operator>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    record_key: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    reveal: BTreeMap<String, BTreeSet<String>>,
}

/// The name of a policy whose JSON gives none.
fn unnamed() -> String {
    "policy".into()
}

/// The record key field when a policy names none.
pub const DEFAULT_RECORD_KEY: &str = "customer_id";

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
    /// Every member is checked: an unknown key, an option the operator does
    /// not take, or a value of the wrong type (`"tagged": "yes"`) is an
    /// error, never ignored.
    ///
    /// # Errors
    /// [`ErrorKind::Json`](crate::ErrorKind::Json) for malformed JSON;
    /// [`ErrorKind::InvalidPolicy`](crate::ErrorKind::InvalidPolicy) with
    /// the setting's path (`audiences.support.phone.bytes`) and problem for
    /// anything else.
    pub fn from_json(json: &str) -> Result<Self> {
        let read = read_document(
            json,
            JsonDocument::Policy,
            |_| "malformed policy JSON".into(),
            Error::policy,
        );
        // serde would also read a policy from a list of its members.
        if json.trim_start().starts_with('{') {
            return read;
        }
        match read {
            Err(e) if e.code() == ErrorCode::Json => Err(e),
            _ => Err(Error::policy(
                SettingPath::root(),
                SettingProblem::WrongType,
                "a policy is a JSON object",
            )),
        }
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
        // Names, numbers and operators into a String: cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The built-in policy for the standard customer schema, with three
    /// audiences:
    ///
    /// - `support` sees what customer service needs: display profiles
    ///   (`138****8000`, `z***@example.com`, `张*`; the given and family
    ///   names through the `name` profile too, so that they show no more
    ///   of a name than its full form does), birth year, city and
    ///   country, card last 4, resident id 3+4, postcode prefix; no street.
    /// - `analytics` sees stable pseudonyms it can join on (key id
    ///   `pseudonym`), age bands, postcode prefixes, city, region, country
    ///   and gender; no names, no street, no payment data.
    /// - `auditor` sees everything, with phone, national id, IBAN and card
    ///   as reversible tokens (key id `token`) that it can detokenize.
    pub fn customer() -> Self {
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
            ("family_name", p(Profile::Name)),
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
        let mut policy = Self::new("customer");
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
        let builtin = Policy::customer();
        assert_eq!(Policy::from_json(&builtin.to_json()).unwrap(), builtin);
    }

    #[test]
    fn bad_policies_say_where() {
        use SettingProblem as P;
        for (json, says, path, problem) in [
            (
                r#"{"audiences": {"s": {"phone": "phonee"}}}"#,
                "masking policy at `audiences.s.phone`: unknown variant `phonee` (did you mean `phone`?)",
                "audiences.s.phone",
                P::UnknownName,
            ),
            (
                r#"{"audiences": {"s": {"a": {"op": "hash"}}}}"#,
                "missing field `key`",
                "audiences.s.a.key",
                P::Missing,
            ),
            (
                r#"{"audiences": {"s": {"a": {"op": "blur"}}}}"#,
                "unknown variant `blur`",
                "audiences.s.a.op",
                P::UnknownName,
            ),
            (
                r#"{"audiences": {"s": {"a": {"first": 1}}}}"#,
                "missing field `op`",
                "audiences.s.a.op",
                P::Missing,
            ),
            (
                r#"{"audiences": {"s": {"a": {"op": "partial", "frist": 1}}}}"#,
                "unknown field `frist` (did you mean `first`?)",
                "audiences.s.a.frist",
                P::UnknownKey,
            ),
            (
                r#"{"audiences": {"s": {"a": {"op": "partial", "first": "1"}}}}"#,
                "invalid type: string \"1\", expected usize",
                "audiences.s.a.first",
                P::WrongType,
            ),
            (
                r#"{"audiences": {"s": {"a": {"op": "generalize", "to": "decade"}}}}"#,
                "unknown variant `decade`",
                "audiences.s.a.to",
                P::UnknownName,
            ),
            (
                r#"{"audiences": {"s": {"a": {"op": "partial", "char": "\u0301"}}}}"#,
                "does not combine",
                "audiences.s.a.char",
                P::Invalid,
            ),
            (
                r#"{"audiences": {"s": {"a": {"op": "partial", "char": "\u0890"}}}}"#,
                "does not combine",
                "audiences.s.a.char",
                P::Invalid,
            ),
            (
                r#"{"audiences": {"s": {"a": {"op": "partial", "char": " "}}}}"#,
                "visible character",
                "audiences.s.a.char",
                P::Invalid,
            ),
            (
                r#"{"audiences": {"s": {"a": {"op": "partial", "length": 1025}}}}"#,
                "expected at most 1024",
                "audiences.s.a.length",
                P::OutOfRange,
            ),
            (
                r#"{"audiences": {"s": {"a": 7}}}"#,
                "expected an operator: a name or an object with `op`",
                "audiences.s.a",
                P::WrongType,
            ),
            (
                r#"{"audiences": {"s": []}}"#,
                "expected a map",
                "audiences.s",
                P::WrongType,
            ),
            (
                r#"{"audiences": []}"#,
                "expected a map",
                "audiences",
                P::WrongType,
            ),
            (
                r#"{}"#,
                "missing field `audiences`",
                "audiences",
                P::Missing,
            ),
            (
                r#"{"audience": {}}"#,
                "unknown field `audience` (did you mean `audiences`?)",
                "audience",
                P::UnknownKey,
            ),
            (
                r#"{"audiences": {}, "record_key": 1}"#,
                "invalid type: integer `1`, expected a string",
                "record_key",
                P::WrongType,
            ),
            (
                r#"{"audiences": {}, "reveal": {"s": ["a", 2]}}"#,
                "invalid type: integer `2`, expected a string",
                "reveal.s[1]",
                P::WrongType,
            ),
            (r#"[]"#, "a policy is a JSON object", "", P::WrongType),
            (
                r#"["crm", {}, null, {}]"#,
                "a policy is a JSON object",
                "",
                P::WrongType,
            ),
            (
                r#"{"audiences": {"s": {"a": {"op": "hash", "key": "k", "first": 1}}}}"#,
                "unknown field `first`, expected one of `op`, `key`, `bytes`",
                "audiences.s.a.first",
                P::UnknownKey,
            ),
            (
                r#"{"audiences": {"s": {"a": {"op": "token", "key": "k", "tagged": "yes"}}}}"#,
                "expected a boolean",
                "audiences.s.a.tagged",
                P::WrongType,
            ),
            (
                r#"{"audiences": {"s": {"a": {"op": "partial", "char": "ab"}}}}"#,
                "`char` must be one character",
                "audiences.s.a.char",
                P::Invalid,
            ),
            (
                r#"{"audiences": {"s": {"a": {"op": "generalize"}}}}"#,
                "missing field `to`",
                "audiences.s.a.to",
                P::Missing,
            ),
        ] {
            let err = Policy::from_json(json).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::InvalidPolicy, "{json}");
            assert!(err.to_string().contains(says), "{json}: {err}");
            assert_eq!(
                err.setting_path().map(ToString::to_string).as_deref(),
                Some(path),
                "{json}: {err}"
            );
            assert_eq!(err.setting_problem(), Some(problem), "{json}: {err}");
        }
        let err = Policy::from_json("{").unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::Json);
        assert!(err.to_string().starts_with("policy JSON"), "{err}");
    }
}
