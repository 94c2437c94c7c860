//! Schema JSON: loading with precise errors, and writing back.
//!
//! The format is documented on [`Schema::from_json`]. Unknown keys are an
//! error so that a misspelt option is never silently ignored; later versions
//! of custodia only add keys, so older schema files keep loading.

use serde::{Deserialize, Serialize};

use super::spec::{Comparator, Comparison, Operator};
use super::{
    CasePolicy, DEFAULT_MAX_VALUE_BYTES, Field, FieldKind, IdScheme, Pattern, RegionCode,
    Retention, Schema,
};
use crate::error::{Error, ErrorKind, JsonDocument, Result, SettingPath, SettingProblem};

/// The schema file format this version reads and writes.
const FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchema {
    #[serde(default = "format_default")]
    format: u32,
    name: String,
    #[serde(default = "version_default")]
    version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    allow_extra_fields: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_value_bytes: Option<usize>,
    fields: Vec<RawField>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retention: Option<RawRetention>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRetention {
    #[serde(default = "retention_field_default")]
    field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stale_after_months: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    delete_after_months: Option<u32>,
}

fn retention_field_default() -> String {
    "updated_at".to_owned()
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    name: String,
    kind: String,
    #[serde(default, skip_serializing_if = "is_false")]
    required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sensitive: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_length: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    case: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mask: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    compare: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scheme: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    values: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pattern: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
}

fn format_default() -> u32 {
    FORMAT
}

fn version_default() -> u32 {
    1
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Schema {
    /// Loads a schema from JSON.
    ///
    /// ```json
    /// {
    ///   "name": "crm_contacts",
    ///   "version": 3,
    ///   "region": "CN",
    ///   "fields": [
    ///     {"name": "id", "kind": "text", "required": true},
    ///     {"name": "name", "kind": "full_name", "required": true, "max_length": 100},
    ///     {"name": "mobile", "kind": "phone", "region": "CN"},
    ///     {"name": "id_card", "kind": "national_id", "scheme": "cn_resident_id"},
    ///     {"name": "tier", "kind": "enum", "values": ["gold", "silver"]},
    ///     {"name": "member_no", "kind": "pattern", "pattern": "M[0-9]{8}"}
    ///   ]
    /// }
    /// ```
    ///
    /// Top-level keys: `name` and `fields` (required), `version` (default 1),
    /// `region` (ISO 3166-1 alpha-2), `description`, `allow_extra_fields`
    /// (default false), `max_value_bytes` (default 1 MiB), `retention`
    /// (`{"field": "updated_at", "stale_after_months": 24,
    /// "delete_after_months": 84}`, see [`Retention`]; `field` defaults to
    /// `updated_at`) and `format` (the file format, 1). Field keys: `name`, `kind` (required), `required`,
    /// `sensitive` (default by kind), `max_length` (characters), `region`,
    /// `case` (`keep`, `upper`, `lower`, `title`, `auto`), `mask` (audience
    /// to masking operator, as in [`Policy::from_json`]), `compare` (how
    /// duplicate detection compares the field: `name`, `text`, `address`,
    /// `code`, `exact`, `date`, `email`, `phone`, or `none`; by kind when
    /// absent, see [`Comparator`]), `description`, and the kind options
    /// `scheme` (`national_id`: `by_country`, `cn_resident_id`, `cn_uscc`,
    /// `us_ssn`, `gb_nino`, `es_dni`, `fr_nir`, `it_codice_fiscale`,
    /// `de_idnr`, `nl_bsn`, `br_cpf`, `in_aadhaar`, `kr_rrn`, `ca_sin`; see
    /// [`IdScheme`]), `values` (`enum`) and
    /// `pattern` (`pattern`, matched against the whole value).
    ///
    /// Kinds: `full_name`, `given_name`, `family_name`, `email`, `phone`,
    /// `street`, `city`, `region`, `postcode`, `country`, `date`,
    /// `birth_date`, `gender`, `national_id`, `iban`, `payment_card`, `text`,
    /// `integer`, `decimal`, `boolean`, `enum`, `pattern`.
    ///
    /// # Errors
    /// [`ErrorKind::Json`] with line and column for malformed JSON;
    /// [`ErrorKind::InvalidSchema`] with the setting's path for a misspelt
    /// key (`fields[0].requird`, with the nearest valid key named) or a
    /// value of the wrong type; and the schema errors of [`SchemaBuilder::build`]
    /// (`UnknownKind`, `DuplicateField`, `BadOption`, `InvalidSchema`), each
    /// naming the field as `fields[i] (name)`.
    ///
    /// [`SchemaBuilder::build`]: super::SchemaBuilder::build
    /// [`Policy::from_json`]: crate::Policy::from_json
    pub fn from_json(json: &str) -> Result<Self> {
        read_document::<RawSchema>(json, JsonDocument::Schema, schema_detail, Error::schema)?
            .into_schema()
    }

    /// Writes the schema as pretty JSON that [`Schema::from_json`] reads back
    /// into an equal schema.
    pub fn to_json(&self) -> String {
        // Serializing plain strings, numbers and lists into a String cannot
        // fail; an empty object is a safe fallback all the same.
        serde_json::to_string_pretty(&RawSchema::from(self)).unwrap_or_else(|_| "{}".into())
    }
}

impl Serialize for Schema {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RawSchema::from(self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Schema {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        RawSchema::deserialize(deserializer)?
            .into_schema()
            .map_err(serde::de::Error::custom)
    }
}

/// Reads options JSON into `T`, with an unknown key's nearest valid one
/// named in the error.
pub(crate) fn parse_options<T: serde::de::DeserializeOwned>(json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| {
        json_error(
            JsonDocument::Options,
            &e,
            crate::error::hint_unknown_key(&e.to_string()),
        )
    })
}

/// Turns a serde_json error into custodia's, with `detail` as the message.
pub(crate) fn json_error(document: JsonDocument, err: &serde_json::Error, detail: String) -> Error {
    ErrorKind::Json {
        document,
        line: err.line(),
        column: err.column(),
        detail,
    }
    .into()
}

/// Reads a settings document into `T`. Malformed JSON is an
/// [`ErrorKind::Json`] error with line and column, `detail` saying what;
/// well-formed JSON that is not a `T` (a misspelt key, a value of the
/// wrong type) is read again to learn where, and `invalid` makes the error
/// for that setting.
pub(crate) fn read_document<T: serde::de::DeserializeOwned>(
    json: &str,
    document: JsonDocument,
    detail: impl Fn(&serde_json::Error) -> String,
    invalid: impl FnOnce(SettingPath, SettingProblem, String) -> Error,
) -> Result<T> {
    serde_json::from_str(json).map_err(|e| {
        if e.classify() != serde_json::error::Category::Data {
            return json_error(document, &e, detail(&e));
        }
        match crate::error::settings_json::<T>(json) {
            Err((path, problem, reason)) => invalid(path, problem, reason),
            Ok(_) => json_error(document, &e, detail(&e)),
        }
    })
}

/// A JSON object's members in their order, as parsed from text: a key
/// that appears twice is an error ([`ErrorKind::DuplicateKey`]) instead
/// of the last one silently winning.
pub(crate) fn parse_object(
    document: JsonDocument,
    json: &str,
) -> Result<Vec<(String, serde_json::Value)>> {
    let mut de = serde_json::Deserializer::from_str(json);
    let parsed = UniqueObject::deserialize(&mut de).and_then(|object| de.end().map(|()| object));
    match parsed {
        Ok(UniqueObject::Members(members)) => Ok(members),
        Ok(UniqueObject::Duplicate(key)) => Err(ErrorKind::DuplicateKey {
            path: key.as_str().into(),
        }
        .into()),
        Err(e) => {
            let detail = match e.classify() {
                serde_json::error::Category::Data => "expected a JSON object",
                serde_json::error::Category::Eof => "unexpected end of input",
                _ => "malformed JSON",
            };
            Err(json_error(document, &e, detail.into()))
        }
    }
}

/// A JSON object read member by member, stopping at a repeated key.
enum UniqueObject {
    Members(Vec<(String, serde_json::Value)>),
    Duplicate(String),
}

impl<'de> Deserialize<'de> for UniqueObject {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = UniqueObject;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<UniqueObject, A::Error> {
                let mut members: Vec<(String, serde_json::Value)> = Vec::new();
                let mut seen = std::collections::HashSet::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value = map.next_value()?;
                    if !seen.insert(key.clone()) {
                        // Read the rest, so that malformed JSON after the
                        // repeat is reported as such.
                        while map
                            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                            .is_some()
                        {}
                        return Ok(UniqueObject::Duplicate(key));
                    }
                    members.push((key, value));
                }
                Ok(UniqueObject::Members(members))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// serde's own explanation, without its position suffix (we report line and
/// column separately). Schemas hold no customer data, so quoting is fine.
fn schema_detail(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

impl RawSchema {
    fn into_schema(self) -> Result<Schema> {
        if self.format != FORMAT {
            return Err(Error::schema(
                SettingPath::of(&["format"]),
                SettingProblem::Unsupported,
                format!(
                    "format {} is not supported (this version reads format {FORMAT})",
                    self.format
                ),
            ));
        }
        let mut builder = Schema::builder(self.name)
            .version(self.version)
            .allow_extra_fields(self.allow_extra_fields)
            .max_value_bytes(self.max_value_bytes.unwrap_or(DEFAULT_MAX_VALUE_BYTES));
        if let Some(region) = self.region {
            let code = RegionCode::new(&region).ok_or_else(|| {
                Error::schema(
                    SettingPath::of(&["region"]),
                    SettingProblem::UnknownName,
                    "region must be a known two-letter region code (ISO 3166-1, or XK, AC, TA) such as \"CN\"",
                )
            })?;
            builder = builder.region(code);
        }
        if let Some(description) = self.description {
            builder = builder.description(description);
        }
        for (i, raw) in self.fields.into_iter().enumerate() {
            builder = builder.field(raw.into_field(i)?);
        }
        if let Some(raw) = self.retention {
            let mut retention = Retention::by(raw.field);
            if let Some(months) = raw.stale_after_months {
                retention = retention.stale_after_months(months);
            }
            if let Some(months) = raw.delete_after_months {
                retention = retention.delete_after_months(months);
            }
            builder = builder.retention(retention);
        }
        builder.build()
    }
}

impl RawField {
    fn into_field(self, index: usize) -> Result<Field> {
        let Self {
            name,
            kind,
            required,
            sensitive,
            max_length,
            region,
            case,
            mask,
            compare,
            scheme,
            values,
            pattern,
            description,
        } = self;
        use SettingProblem as P;
        let path = super::schema_path(index, &name);
        let setting = SettingPath::root().key("fields").index(index);
        let (has_scheme, has_values, has_pattern) =
            (scheme.is_some(), values.is_some(), pattern.is_some());
        let bad_at = |option: &str, within: &SettingPath, problem, reason: String| {
            Error::from(ErrorKind::BadOption {
                path: path.clone(),
                setting: setting.clone().key(option).join(within),
                option: option.into(),
                problem,
                reason,
            })
        };
        let bad = |option: &str, problem, reason: String| {
            bad_at(option, &SettingPath::root(), problem, reason)
        };
        let only_for = |option: &str, kind: &str| {
            bad(
                option,
                P::Conflict,
                format!("only applies to kind `{kind}`"),
            )
        };
        let kind =
            match kind.as_str() {
                "national_id" => {
                    let name = scheme.as_deref().ok_or_else(|| {
                        bad(
                            "scheme",
                            P::Missing,
                            format!("is required for kind `national_id` ({})", schemes()),
                        )
                    })?;
                    let scheme = IdScheme::from_name(name).ok_or_else(|| {
                        bad(
                            "scheme",
                            P::UnknownName,
                            format!("names an unknown scheme `{name}` ({})", schemes()),
                        )
                    })?;
                    FieldKind::NationalId(scheme)
                }
                "enum" => FieldKind::Enumeration(values.ok_or_else(|| {
                    bad("values", P::Missing, "is required for kind `enum`".into())
                })?),
                "pattern" => {
                    let source = pattern.as_deref().ok_or_else(|| {
                        bad(
                            "pattern",
                            P::Missing,
                            "is required for kind `pattern`".into(),
                        )
                    })?;
                    FieldKind::Pattern(
                        Pattern::new(source).map_err(|why| bad("pattern", P::Invalid, why))?,
                    )
                }
                other => {
                    let Some(simple) = simple_kind(other) else {
                        return Err(ErrorKind::UnknownKind {
                            path,
                            setting: setting.key("kind"),
                            kind,
                        }
                        .into());
                    };
                    simple
                }
            };
        if has_scheme && !matches!(kind, FieldKind::NationalId(_)) {
            return Err(only_for("scheme", "national_id"));
        }
        if has_values && !matches!(kind, FieldKind::Enumeration(_)) {
            return Err(only_for("values", "enum"));
        }
        if has_pattern && !matches!(kind, FieldKind::Pattern(_)) {
            return Err(only_for("pattern", "pattern"));
        }
        let mut field = Field::new(name, kind).required(required);
        if let Some(sensitive) = sensitive {
            field = field.sensitive(sensitive);
        }
        if let Some(max_length) = max_length {
            field = field.max_length(max_length);
        }
        if let Some(region) = region {
            let code = RegionCode::new(&region).ok_or_else(|| {
                bad(
                    "region",
                    P::UnknownName,
                    "must be a known two-letter region code (ISO 3166-1, or XK, AC, TA) such as \"CN\"".into(),
                )
            })?;
            field = field.region(code);
        }
        if let Some(case) = case {
            let policy = CasePolicy::from_name(&case).ok_or_else(|| {
                bad(
                    "case",
                    P::UnknownName,
                    format!("must be one of keep, upper, lower, title, auto, not `{case}`"),
                )
            })?;
            field = field.case(policy);
        }
        for (audience, op) in mask.into_iter().flatten() {
            let operator = crate::error::settings_value::<Operator>(&op).map_err(
                |(path, problem, reason)| {
                    bad_at(
                        "mask",
                        &SettingPath::of(&[&audience]).join(&path),
                        problem,
                        format!("for audience `{audience}`: {reason}"),
                    )
                },
            )?;
            field = field.mask(audience, operator);
        }
        if let Some(compare) = compare {
            let comparison = match compare.as_str() {
                "none" => Comparison::Never,
                name => Comparison::With(Comparator::from_name(name).ok_or_else(|| {
                    bad(
                        "compare",
                        P::UnknownName,
                        format!(
                            "must be one of none, {}, not `{compare}`",
                            Comparator::ALL.map(Comparator::name).join(", ")
                        ),
                    )
                })?),
            };
            field = field.comparison(comparison);
        }
        if let Some(description) = description {
            field = field.description(description);
        }
        Ok(field)
    }
}

fn schemes() -> String {
    let names: Vec<_> = IdScheme::ALL.iter().map(|s| s.name()).collect();
    format!("one of {}", names.join(", "))
}

/// The kinds that take no options.
fn simple_kind(name: &str) -> Option<FieldKind> {
    use FieldKind as K;
    Some(match name {
        "full_name" => K::FullName,
        "given_name" => K::GivenName,
        "family_name" => K::FamilyName,
        "email" => K::Email,
        "phone" => K::Phone,
        "street" => K::Street,
        "city" => K::City,
        "region" => K::Region,
        "postcode" => K::Postcode,
        "country" => K::Country,
        "date" => K::Date,
        "birth_date" => K::BirthDate,
        "gender" => K::Gender,
        "iban" => K::Iban,
        "payment_card" => K::PaymentCard,
        "text" => K::Text,
        "integer" => K::Integer,
        "decimal" => K::Decimal,
        "boolean" => K::Boolean,
        _ => return None,
    })
}

impl From<&Schema> for RawSchema {
    fn from(schema: &Schema) -> Self {
        let fields = schema
            .fields()
            .iter()
            .map(|field| {
                let kind = field.kind();
                RawField {
                    name: field.name().to_owned(),
                    kind: kind.name().to_owned(),
                    required: field.is_required(),
                    sensitive: (field.is_sensitive() != kind.sensitive_by_default())
                        .then_some(field.is_sensitive()),
                    max_length: field.max_len(),
                    region: field.default_region().map(|r| r.as_str().to_owned()),
                    case: field.case_option().map(|c| c.name().to_owned()),
                    mask: {
                        let rules: serde_json::Map<_, _> = field
                            .mask_rules()
                            .map(|(a, op)| {
                                (a.to_owned(), serde_json::to_value(op).unwrap_or_default())
                            })
                            .collect();
                        (!rules.is_empty()).then_some(rules)
                    },
                    compare: match field.comparison_setting() {
                        Comparison::ByKind => None,
                        Comparison::Never => Some("none".to_owned()),
                        Comparison::With(c) => Some(c.name().to_owned()),
                    },
                    scheme: match kind {
                        FieldKind::NationalId(scheme) => Some(scheme.name().to_owned()),
                        _ => None,
                    },
                    values: match kind {
                        FieldKind::Enumeration(values) => Some(values.clone()),
                        _ => None,
                    },
                    pattern: match kind {
                        FieldKind::Pattern(pattern) => Some(pattern.as_str().to_owned()),
                        _ => None,
                    },
                    description: field.about().map(str::to_owned),
                }
            })
            .collect();
        Self {
            format: FORMAT,
            name: schema.name().to_owned(),
            version: schema.version(),
            region: schema.default_region().map(|r| r.as_str().to_owned()),
            description: schema.description().map(str::to_owned),
            allow_extra_fields: schema.allows_extra_fields(),
            max_value_bytes: (schema.max_value_bytes() != DEFAULT_MAX_VALUE_BYTES)
                .then_some(schema.max_value_bytes()),
            fields,
            retention: schema.retention().map(|r| RawRetention {
                field: r.field().to_owned(),
                stale_after_months: r.stale_after(),
                delete_after_months: r.delete_after(),
            }),
        }
    }
}
