//! Normalization: every field put into one canonical form, with a change
//! log a pipeline can audit.
//!
//! A [`Normalizer`] built from a [`Schema`] turns a [`Record`] into a
//! [`Normalized`]: the normalized record, the [`Change`]s made (field,
//! rules applied, lengths before and after, never values), and the issues
//! found on the way (an ambiguous date, say). One module per kind does the
//! work and can be used on its own: [`text`], [`name`], [`email`],
//! [`phone`], [`address`], [`date`], [`id`].

pub mod address;
pub mod date;
pub mod email;
pub mod email_syntax;
pub mod id;
pub mod name;
pub mod phone;
pub mod text;

use std::borrow::Cow;

use crate::error::{FieldPath, Result};
use crate::issue::{Issue, IssueCode};
use crate::schema::{CasePolicy, Field, FieldKind, IdScheme, Record, RegionCode, Schema, Value};

/// A normalization step, for the change log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Step {
    /// Unicode NFC, full-width forms, invisible characters, white space.
    Text,
    /// Letter case.
    Case,
    /// Email domain case and IDNA, provider rules.
    Email,
    /// Phone number to E.164.
    Phone,
    /// Country name or code to ISO 3166-1 alpha-2.
    Country,
    /// Postcode format.
    Postcode,
    /// Street type abbreviation expanded.
    StreetType,
    /// Region code case.
    Region,
    /// Date to ISO 8601.
    Date,
    /// Separators removed from an identifier or account number.
    Identifier,
    /// Legacy 15-digit China resident id upgraded to 18 digits.
    IdUpgrade,
    /// Gender to its canonical value.
    Gender,
    /// Enumeration value to its canonical spelling.
    Enumeration,
    /// Numbers and booleans written as text, parsed.
    Type,
    /// Given and family names filled from the full name.
    NameSplit,
    /// Full name filled from given and family names.
    NameJoin,
}

impl Step {
    /// A stable snake-case name such as `"phone"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Case => "case",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Country => "country",
            Self::Postcode => "postcode",
            Self::StreetType => "street_type",
            Self::Region => "region",
            Self::Date => "date",
            Self::Identifier => "identifier",
            Self::IdUpgrade => "id_upgrade",
            Self::Gender => "gender",
            Self::Enumeration => "enumeration",
            Self::Type => "type",
            Self::NameSplit => "name_split",
            Self::NameJoin => "name_join",
        }
    }
}

/// A set of [`Step`]s, in the fixed order normalization applies them.
/// `Copy`, so a change log costs no allocation per change.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Steps(u32);

impl Steps {
    const ALL: [Step; 16] = [
        Step::Text,
        Step::Case,
        Step::Email,
        Step::Phone,
        Step::Country,
        Step::Postcode,
        Step::StreetType,
        Step::Region,
        Step::Date,
        Step::Identifier,
        Step::IdUpgrade,
        Step::Gender,
        Step::Enumeration,
        Step::Type,
        Step::NameSplit,
        Step::NameJoin,
    ];

    fn bit(rule: Step) -> u32 {
        1 << Self::ALL.iter().position(|r| *r == rule).unwrap_or(0)
    }

    /// Adds a rule.
    pub fn insert(&mut self, rule: Step) {
        self.0 |= Self::bit(rule);
    }

    /// Whether the set holds `rule`.
    pub fn contains(self, rule: Step) -> bool {
        self.0 & Self::bit(rule) != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The rules in the set.
    pub fn iter(self) -> impl Iterator<Item = Step> {
        Self::ALL.into_iter().filter(move |r| self.contains(*r))
    }
}

impl From<Step> for Steps {
    fn from(rule: Step) -> Self {
        Self(Self::bit(rule))
    }
}

impl std::fmt::Debug for Steps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// One field changed by normalization. It records lengths, not values, so
/// the log can be kept and shared without exposing customer data.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Change {
    /// The field's position in the schema.
    pub index: usize,
    /// The field's name.
    pub field: FieldPath,
    /// The steps that changed it.
    pub steps: Steps,
    /// Characters before (0 when the field was empty).
    pub before_chars: usize,
    /// Characters after (0 when the field is now empty).
    pub after_chars: usize,
}

/// The result of normalizing one record: the type the later stages take
/// ([`Validator::validate_normalized`], [`Masker::mask_normalized`],
/// [`Deduper::run_normalized`], [`Merger::merge_normalized`]), so that a
/// pipeline normalizes each record once and the types say which side of
/// normalization a record is on. A [`Normalizer`] makes one;
/// [`Normalized::stored`] takes back a record normalized before.
///
/// A value changed in [`Normalized::record`] afterwards is taken as it is
/// (validation parses a changed phone again).
///
/// [`Validator::validate_normalized`]: crate::Validator::validate_normalized
/// [`Masker::mask_normalized`]: crate::mask::Masker::mask_normalized
/// [`Deduper::run_normalized`]: crate::dedupe::Deduper::run_normalized
/// [`Merger::merge_normalized`]: crate::dedupe::Merger::merge_normalized
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Normalized {
    /// The normalized record.
    pub record: Record,
    /// What was changed.
    pub changes: Vec<Change>,
    /// What normalization noticed (e.g. an ambiguous date order); validation
    /// adds these to its report ([`Validator::validate_normalized`]).
    ///
    /// [`Validator::validate_normalized`]: crate::Validator::validate_normalized
    pub issues: Vec<Issue>,
    /// Phones parsed on the way, so validation pays for each parse once.
    pub(crate) phones: Vec<phone::PhoneCheck>,
}

impl Normalized {
    /// A record normalized earlier (by a normalizer of its schema) and
    /// stored, taken as normalized without normalizing it again: no
    /// changes, no issues. What the pipeline does with the rows it keeps
    /// for deduplication; for a record of unknown origin, normalize it.
    pub fn stored(record: Record) -> Self {
        Self {
            record,
            changes: Vec::new(),
            issues: Vec::new(),
            phones: Vec::new(),
        }
    }

    /// The normalized record, without the change log.
    pub fn into_record(self) -> Record {
        self.record
    }
}

/// Puts the records of one schema into canonical form. Cheap to clone and
/// safe to share between threads.
#[derive(Clone, Debug)]
pub struct Normalizer {
    schema: Schema,
    email_ascii: bool,
    email_provider_rules: bool,
    possible_phones: bool,
    country: Option<usize>,
    names: NameFields,
}

#[derive(Clone, Copy, Debug, Default)]
struct NameFields {
    full: Option<usize>,
    given: Option<usize>,
    family: Option<usize>,
}

/// Options for a [`Normalizer`].
#[derive(Clone, Debug)]
pub struct NormalizerBuilder {
    schema: Schema,
    email_ascii: bool,
    email_provider_rules: bool,
    possible_phones: bool,
}

impl NormalizerBuilder {
    /// Store email domains in ASCII (`xn--…`) rather than Unicode form.
    #[must_use]
    pub fn email_ascii_domain(mut self, ascii: bool) -> Self {
        self.email_ascii = ascii;
        self
    }

    /// Apply provider rules (Gmail dots, `+tags`) to the stored email, not
    /// only to its match key. Off by default: the mailbox owner may care.
    #[must_use]
    pub fn email_provider_rules(mut self, apply: bool) -> Self {
        self.email_provider_rules = apply;
        self
    }

    /// Store numbers that are possible but not valid (of a length their
    /// country uses, outside every range of its numbering plan) in E.164
    /// too. Off by default: such a value is kept as written, and
    /// validation reports it as an error unless
    /// [`ValidatorBuilder::accept_possible_phones`] says otherwise.
    ///
    /// [`ValidatorBuilder::accept_possible_phones`]: crate::validate::ValidatorBuilder::accept_possible_phones
    #[must_use]
    pub fn accept_possible_phones(mut self, accept: bool) -> Self {
        self.possible_phones = accept;
        self
    }

    /// Sets the options written in JSON, the form C and settings files
    /// use: `{"email_ascii_domain": bool, "email_provider_rules": bool,
    /// "accept_possible_phones": bool}`, every key optional (an option left
    /// out keeps its value).
    ///
    /// # Errors
    /// [`ErrorKind::Json`](crate::ErrorKind::Json) for JSON of another
    /// shape; an unknown key names the nearest valid one.
    pub fn options_json(mut self, json: &str) -> Result<Self> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Options {
            email_ascii_domain: Option<bool>,
            email_provider_rules: Option<bool>,
            accept_possible_phones: Option<bool>,
        }
        let options: Options = crate::schema::parse_options(json)?;
        self.email_ascii = options.email_ascii_domain.unwrap_or(self.email_ascii);
        self.email_provider_rules = options
            .email_provider_rules
            .unwrap_or(self.email_provider_rules);
        self.possible_phones = options
            .accept_possible_phones
            .unwrap_or(self.possible_phones);
        Ok(self)
    }

    /// Builds the normalizer.
    pub fn build(self) -> Normalizer {
        let find =
            |want: fn(&FieldKind) -> bool| self.schema.fields().iter().position(|f| want(f.kind()));
        let names = NameFields {
            full: find(|k| *k == FieldKind::FullName),
            given: find(|k| *k == FieldKind::GivenName),
            family: find(|k| *k == FieldKind::FamilyName),
        };
        Normalizer {
            country: find(|k| *k == FieldKind::Country),
            names,
            email_ascii: self.email_ascii,
            email_provider_rules: self.email_provider_rules,
            possible_phones: self.possible_phones,
            schema: self.schema,
        }
    }
}

impl Normalizer {
    /// A normalizer with default options.
    pub fn new(schema: &Schema) -> Self {
        Self::builder(schema).build()
    }

    /// A builder for options.
    pub fn builder(schema: &Schema) -> NormalizerBuilder {
        NormalizerBuilder {
            schema: schema.clone(),
            email_ascii: false,
            email_provider_rules: false,
            possible_phones: false,
        }
    }

    /// The schema this normalizer works on.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Normalizes a copy of `record`.
    ///
    /// # Errors
    /// [`ErrorKind::SchemaMismatch`](crate::ErrorKind::SchemaMismatch) if the record is of another schema.
    pub fn normalize(&self, record: &Record) -> Result<Normalized> {
        self.normalize_owned(record.clone())
    }

    /// Normalizes `record` in place of a copy.
    ///
    /// # Errors
    /// [`ErrorKind::SchemaMismatch`](crate::ErrorKind::SchemaMismatch) if the record is of another schema.
    pub fn normalize_owned(&self, mut record: Record) -> Result<Normalized> {
        record.check_schema(&self.schema)?;
        let (mut changes, mut notes) = (Vec::new(), Notes::default());
        // Missing name parts are derived first, so that they are normalized
        // like any other value.
        self.derive_names(&mut record, &mut changes);
        // The country goes next: phones, postcodes and dates read by it.
        if let Some(index) = self.country {
            self.normalize_field(&mut record, index, None, &mut changes, &mut notes);
        }
        let region = address::record_region(&record, self.country);
        for index in 0..self.schema.len() {
            if Some(index) != self.country {
                self.normalize_field(&mut record, index, region, &mut changes, &mut notes);
            }
        }
        Ok(Normalized {
            record,
            changes,
            issues: notes.issues,
            phones: notes.phones,
        })
    }

    fn normalize_field(
        &self,
        record: &mut Record,
        index: usize,
        record_region: Option<RegionCode>,
        changes: &mut Vec<Change>,
        notes: &mut Notes,
    ) {
        let Some(field) = self.schema.field_at(index) else {
            return;
        };
        let region = record_region.or_else(|| self.schema.region_for(field));
        if *field.kind() == FieldKind::Phone {
            self.normalize_phone(record, index, field, region, changes, notes);
            return;
        }
        let Some(value) = record.value_mut(index) else {
            return;
        };
        let Value::Text(before) = value else { return };
        let mut rules = Steps::default();
        // An email is only trimmed: what cleaning removes or folds inside
        // it would make another address of it, or hide a corrupted one.
        // Identifiers are compacted by their own rules, which likewise
        // keep what would hide a corrupted value.
        let cleaned = match field.kind() {
            FieldKind::Email
            | FieldKind::NationalId(_)
            | FieldKind::Iban
            | FieldKind::PaymentCard => Cow::Borrowed(before.trim()),
            _ => text::clean(before),
        };
        if matches!(cleaned, Cow::Owned(_)) || cleaned.len() != before.len() {
            rules.insert(Step::Text);
        }
        let result = self.normalize_text(field, &cleaned, region, &mut rules, notes);
        if rules.is_empty() {
            return;
        }
        let before_chars = before.chars().count();
        let new_value = match result {
            Some(text) if !text.is_empty() => {
                let text = text.into_owned();
                Value::Text(text).fit(field.kind()).unwrap_or(Value::Null)
            }
            _ => Value::Null,
        };
        if matches!(
            new_value,
            Value::Integer(_) | Value::Decimal(_) | Value::Boolean(_)
        ) {
            rules.insert(Step::Type);
        }
        let after_chars = new_value.to_text().map_or(0, |t| t.chars().count());
        *value = new_value;
        // A derived name part already has its change; extend it.
        if let Some(derived) = changes.iter_mut().find(|c| c.index == index) {
            derived.steps.0 |= rules.0;
            derived.after_chars = after_chars;
            return;
        }
        changes.push(Change {
            index,
            field: field.path().clone(),
            steps: rules,
            before_chars,
            after_chars,
        });
    }

    /// The canonical text for one cleaned value; pushes the rules that
    /// changed it. Values already in canonical form (an ISO date, a country
    /// code) are recognized cheaply and not parsed again.
    fn normalize_text<'a>(
        &self,
        field: &Field,
        cleaned: &'a str,
        region: Option<RegionCode>,
        rules: &mut Steps,
        notes: &mut Notes,
    ) -> Option<Cow<'a, str>> {
        if cleaned.is_empty() {
            return None;
        }
        // Computed only when the case policy needs it.
        let single_case = || text::is_single_case(cleaned);
        let mut current = Cow::Borrowed(cleaned);
        let is_name = matches!(
            field.kind(),
            FieldKind::FullName | FieldKind::GivenName | FieldKind::FamilyName
        );
        match field.kind() {
            _ if is_name && field.case_policy() == CasePolicy::Auto => {
                apply(rules, Step::Case, &mut current, |s| {
                    owned(name::fix_case(s))
                });
            }
            FieldKind::Email => apply(rules, Step::Email, &mut current, |s| {
                let canonical = email::normalize(s, self.email_ascii);
                if !self.email_provider_rules {
                    return owned(canonical);
                }
                let (local, domain) = canonical.rsplit_once('@')?;
                let (local, domain) = email::apply_provider_rules(local, domain);
                Some(format!("{local}@{domain}"))
            }),
            FieldKind::Street => {
                apply(rules, Step::StreetType, &mut current, |s| {
                    owned(address::expand_street_type(s))
                });
            }
            FieldKind::Region => {
                apply(rules, Step::Region, &mut current, |s| {
                    owned(address::normalize_region(s))
                });
            }
            FieldKind::Postcode => apply(rules, Step::Postcode, &mut current, |s| {
                owned(address::normalize_postcode(s, region))
            }),
            FieldKind::Country => apply(rules, Step::Country, &mut current, |s| {
                if address::is_country_code(s) {
                    None
                } else {
                    address::country_code(s).map(|c| c.as_str().to_owned())
                }
            }),
            FieldKind::Date | FieldKind::BirthDate => apply(rules, Step::Date, &mut current, |s| {
                if date::Date::from_iso(s).is_some() {
                    return None;
                }
                let parsed = date::parse(s, region).ok()?;
                if parsed.ambiguous {
                    let detail = match region {
                        Some(r) => format!("read by the convention of {r}"),
                        None => "read day first".to_owned(),
                    };
                    let issue =
                        Issue::new(field.path().clone(), IssueCode::DateAmbiguous).detail(detail);
                    notes.issues.push(issue);
                }
                Some(parsed.date.to_string())
            }),
            FieldKind::Gender => apply(rules, Step::Gender, &mut current, |s| {
                if id::GENDERS.contains(&s) {
                    None
                } else {
                    id::gender(s).map(str::to_owned)
                }
            }),
            FieldKind::NationalId(scheme) => {
                apply(rules, Step::Identifier, &mut current, |s| {
                    owned(id::normalize_national_id_in(s, *scheme, region))
                });
                let read = id::reading(*scheme, region, &id::compact(cleaned));
                if read == id::Reading::Scheme(IdScheme::CnResidentId)
                    && id::is_legacy_resident_id(cleaned)
                {
                    rules.insert(Step::IdUpgrade);
                    notes.issues.push(id::upgraded_issue(field.path().clone()));
                }
            }
            FieldKind::Iban | FieldKind::PaymentCard => {
                apply(rules, Step::Identifier, &mut current, |s| {
                    owned(id::compact(s))
                });
            }
            FieldKind::Enumeration(values) => apply(rules, Step::Enumeration, &mut current, |s| {
                enum_value(values, s).filter(|v| *v != s).cloned()
            }),
            _ => {}
        }
        // `Auto` looks at the value as it came in: `1 martin pl` is title
        // cased even though expanding `pl` made it mixed case.
        match field.case_policy() {
            CasePolicy::Keep => {}
            CasePolicy::Auto if is_name || !single_case() => {}
            CasePolicy::Auto => {
                apply(rules, Step::Case, &mut current, |s| {
                    Some(text::title_case(s))
                });
            }
            policy => apply(rules, Step::Case, &mut current, |s| {
                owned(text::apply_case(s, policy))
            }),
        }
        Some(current)
    }

    /// A phone goes to E.164 when it parses, as written, to a valid number
    /// (or a possible one, when told to accept those); otherwise it stays
    /// as written, for validation to report: the value is not cleaned
    /// first, because removing a control or invisible character that the
    /// phone backend refuses would turn a corrupted value into a number.
    /// An extension moves to the field `<name>_extension` when the schema
    /// has one, or else to the record's extras under that name.
    fn normalize_phone(
        &self,
        record: &mut Record,
        index: usize,
        field: &Field,
        region: Option<RegionCode>,
        changes: &mut Vec<Change>,
        notes: &mut Notes,
    ) {
        let Some(Value::Text(before)) = record.get_at(index) else {
            return;
        };
        let before_chars = before.chars().count();
        let (parsed, unchanged) = if text::is_blank(before) {
            (None, false)
        } else {
            let parsed = phone::parse_quick(before, region);
            let unchanged = parsed.as_ref().is_ok_and(|p| p.e164 == *before);
            (Some(parsed), unchanged)
        };
        let change = |record: &mut Record, value: Value, changes: &mut Vec<Change>| {
            let after_chars = value.to_text().map_or(0, |t| t.chars().count());
            let rules = if value.is_null() {
                Step::Text
            } else {
                Step::Phone
            };
            if let Some(slot) = record.value_mut(index) {
                *slot = value;
            }
            changes.push(Change {
                index,
                field: field.path().clone(),
                steps: rules.into(),
                before_chars,
                after_chars,
            });
        };
        let Some(parsed) = parsed else {
            change(record, Value::Null, changes);
            return;
        };
        let accepted = parsed
            .as_ref()
            .is_ok_and(|p| p.valid || (self.possible_phones && p.possible));
        let as_written = |record: &Record| record.text(field.name()).unwrap_or_default().to_owned();
        let parsed = match parsed {
            Ok(p) if accepted => p,
            parsed => {
                let stored = as_written(record);
                notes.phones.push(phone::PhoneCheck {
                    index,
                    stored,
                    parsed,
                });
                return;
            }
        };
        if let Some(extension) = &parsed.extension
            && !self.store_extension(record, field, extension, changes)
        {
            // Another extension is there already: the number stays as
            // written, so that neither is lost.
            let stored = as_written(record);
            notes.phones.push(phone::PhoneCheck {
                index,
                stored,
                parsed: Ok(parsed),
            });
            return;
        }
        if !unchanged {
            change(record, Value::Text(parsed.e164.clone()), changes);
        }
        notes.phones.push(phone::PhoneCheck {
            index,
            stored: parsed.e164.clone(),
            parsed: Ok(parsed),
        });
    }

    /// Puts a phone's extension into `<name>_extension`: the schema's field
    /// of that name, or else the record's extras. False when that place
    /// holds another value already.
    fn store_extension(
        &self,
        record: &mut Record,
        field: &Field,
        extension: &str,
        changes: &mut Vec<Change>,
    ) -> bool {
        let name = format!("{}_extension", field.name());
        let Some(index) = self.schema.index_of(&name) else {
            return record.set_extra_text(&name, extension);
        };
        match record.get_at(index) {
            Some(Value::Text(held)) => text::clean(held) == extension,
            Some(Value::Null) => {
                if let Some(slot) = record.value_mut(index) {
                    *slot = Value::Text(extension.to_owned());
                }
                changes.push(Change {
                    index,
                    field: FieldPath::new(name),
                    steps: Step::Phone.into(),
                    before_chars: 0,
                    after_chars: extension.chars().count(),
                });
                true
            }
            _ => false,
        }
    }

    /// Fills given and family names from the full name when both are empty,
    /// or the full name from them when it is empty. Runs on the values as
    /// they came in; normalization of the filled fields follows.
    fn derive_names(&self, record: &mut Record, changes: &mut Vec<Change>) {
        let NameFields {
            full: Some(full),
            given,
            family,
        } = self.names
        else {
            return;
        };
        // What normalization will leave: text that cleans to nothing is null.
        let text_at = |record: &Record, i: Option<usize>| {
            let raw = i.and_then(|i| record.get_at(i)).and_then(Value::as_str)?;
            Some(text::clean(raw))
                .filter(|t| !t.is_empty())
                .map(Cow::into_owned)
        };
        let present = |record: &Record, i: Option<usize>| {
            let raw = i.and_then(|i| record.get_at(i)).and_then(Value::as_str);
            raw.is_some_and(|t| !text::is_blank(t))
        };
        // The common case, all three present or full name alone with no
        // part fields, costs no allocation.
        let parts_present = present(record, given) || present(record, family);
        let full_present = present(record, Some(full));
        if full_present == parts_present {
            return;
        }
        let mut set = |record: &mut Record, index: usize, text: String, rule: Step| {
            let after_chars = text.chars().count();
            if let Some(slot) = record.value_mut(index) {
                *slot = Value::Text(text);
                let field = self.schema.fields()[index].path().clone();
                changes.push(Change {
                    index,
                    field,
                    steps: rule.into(),
                    before_chars: 0,
                    after_chars,
                });
            }
        };
        if full_present {
            if given.is_none() && family.is_none() {
                return;
            }
            // `split` cleans the text itself.
            let Some(full_name) = record.get_at(full).and_then(Value::as_str) else {
                return;
            };
            let region = address::record_region(record, self.country);
            let parts = name::split_in(full_name, region.as_ref().map(RegionCode::as_str));
            if let (Some(i), Some(g)) = (given, parts.given) {
                set(record, i, g, Step::NameSplit);
            }
            if let (Some(i), Some(f)) = (family, parts.family) {
                set(record, i, f, Step::NameSplit);
            }
        } else {
            let (given_text, family_text) = (text_at(record, given), text_at(record, family));
            if let Some(joined) = name::join(given_text.as_deref(), family_text.as_deref()) {
                set(record, full, joined, Step::NameJoin);
            }
        }
    }

    /// The key duplicate detection compares for the field at `index`:
    /// emails by [`email::match_key`], identifiers compacted, dates and
    /// phones as normalized, other text by [`text::match_key`]. `None` for
    /// null values and unknown indices.
    pub fn match_key(&self, index: usize, value: &Value) -> Option<String> {
        let field = self.schema.field_at(index)?;
        let text = value.to_text()?;
        Some(match field.kind() {
            FieldKind::Email => email::match_key(&text).unwrap_or_else(|| text::match_key(&text)),
            FieldKind::Phone | FieldKind::Date | FieldKind::BirthDate => text.into_owned(),
            FieldKind::NationalId(_) | FieldKind::Iban | FieldKind::PaymentCard => {
                id::compact(&text).into_owned()
            }
            _ => text::match_key(&text),
        })
    }

    /// [`Normalizer::match_key`] appended to `out`; `false`, and nothing
    /// appended, where that is `None`. Duplicate detection writes the keys
    /// of most fields straight into its table this way, without a string
    /// per key.
    pub(crate) fn push_match_key(&self, index: usize, value: &Value, out: &mut String) -> bool {
        let Some(kind) = self.schema.field_at(index).map(|f| f.kind()) else {
            return false;
        };
        let Some(text) = value.to_text() else {
            return false;
        };
        match kind {
            FieldKind::Phone | FieldKind::Date | FieldKind::BirthDate => out.push_str(&text),
            FieldKind::Email
            | FieldKind::NationalId(_)
            | FieldKind::Iban
            | FieldKind::PaymentCard => {
                out.push_str(&self.match_key(index, value).unwrap_or_default());
            }
            _ => text::push_match_key(&text, out),
        }
        true
    }

    /// The match key of every field of a normalized record, in schema order.
    pub fn match_keys(&self, record: &Record) -> Vec<Option<String>> {
        record
            .values()
            .iter()
            .enumerate()
            .map(|(i, v)| self.match_key(i, v))
            .collect()
    }
}

/// The allowed value `text` stands for: itself, or the value with the same
/// match key (`GOLD` for `gold`). Shared by normalization and validation.
pub(crate) fn enum_value<'a>(values: &'a [String], text: &str) -> Option<&'a String> {
    values.iter().find(|v| *v == text).or_else(|| {
        let key = text::match_key(text);
        values.iter().find(|v| text::match_key(v) == key)
    })
}

/// What normalizing one record noticed besides changes.
#[derive(Default)]
struct Notes {
    issues: Vec<Issue>,
    phones: Vec<phone::PhoneCheck>,
}

/// Replaces `current` with what `f` makes of it (`None`: nothing to do),
/// and notes `rule` when that is a change.
fn apply(
    rules: &mut Steps,
    rule: Step,
    current: &mut Cow<'_, str>,
    f: impl FnOnce(&str) -> Option<String>,
) {
    if let Some(next) = f(current)
        && next != **current
    {
        rules.insert(rule);
        *current = Cow::Owned(next);
    }
}

/// The new text when a normalizer changed something.
fn owned(result: Cow<'_, str>) -> Option<String> {
    match result {
        Cow::Owned(text) => Some(text),
        Cow::Borrowed(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The key appended to other text is the match key, for every
        /// field of the standard schema (emails, identifiers, dates,
        /// phones, names and other text) and any text; nothing is appended
        /// where there is no key.
        #[test]
        fn appended_match_keys_are_the_match_keys(
            text in "[ -~]{0,16}|\\PC{0,10}|[a-zA-Z.+]{1,6}@(gmail|Example)\\.com",
            before in "[a-z]{0,3}",
        ) {
            let schema = Schema::customer();
            let normalizer = Normalizer::new(&schema);
            for value in [Value::Text(text), Value::Null] {
                for index in 0..=schema.len() {
                    let key = normalizer.match_key(index, &value);
                    let mut out = before.clone();
                    let pushed = normalizer.push_match_key(index, &value, &mut out);
                    proptest::prop_assert_eq!(pushed, key.is_some());
                    proptest::prop_assert_eq!(out, before.clone() + key.as_deref().unwrap_or(""));
                }
            }
        }
    }

    fn normalize(json: &str) -> Normalized {
        let schema = Schema::customer();
        let record = Record::from_json(&schema, json).unwrap();
        Normalizer::new(&schema).normalize(&record).unwrap()
    }

    #[test]
    fn a_messy_chinese_record() {
        let n = normalize(
            r#"{"full_name": " 欧阳娜娜 ", "gender": "女", "birth_date": "2000年6月15日",
                "email": "Nana@例子.中国", "phone": "１３９１２３４５６７８", "country": "中国",
                "national_id": "110105491231002"}"#,
        );
        let r = &n.record;
        assert_eq!(r.text("full_name"), Some("欧阳娜娜"));
        assert_eq!(r.text("family_name"), Some("欧阳"));
        assert_eq!(r.text("given_name"), Some("娜娜"));
        assert_eq!(r.text("gender"), Some("female"));
        assert_eq!(r.text("birth_date"), Some("2000-06-15"));
        assert_eq!(r.text("email"), Some("Nana@例子.中国"));
        assert_eq!(r.text("phone"), Some("+8613912345678"));
        assert_eq!(r.text("country"), Some("CN"));
        assert_eq!(r.text("national_id"), Some("11010519491231002X"));
        let rules: Vec<_> = n.changes.iter().flat_map(|c| c.steps.iter()).collect();
        for rule in [
            Step::Text,
            Step::Gender,
            Step::Date,
            Step::Phone,
            Step::Country,
            Step::IdUpgrade,
            Step::NameSplit,
        ] {
            assert!(rules.contains(&rule), "{rule:?} in {rules:?}");
        }
        // The upgraded id's check character was computed, not verified.
        let codes: Vec<_> = n.issues.iter().map(Issue::code).collect();
        assert_eq!(codes, [IssueCode::IdUpgraded]);
        assert_eq!(n.issues[0].level(), crate::Severity::Warning);
    }

    #[test]
    fn a_messy_australian_record() {
        let n = normalize(
            r#"{"full_name": "ANN O'NEIL", "phone": "(02) 9374 4000", "street": "1 martin pl",
                "city": "SYDNEY", "region": "nsw", "postcode": 2000, "country": "Australia",
                "birth_date": "02/03/1990"}"#,
        );
        let r = &n.record;
        assert_eq!(r.text("full_name"), Some("Ann O'Neil"));
        assert_eq!(
            (r.text("given_name"), r.text("family_name")),
            (Some("Ann"), Some("O'Neil"))
        );
        assert_eq!(r.text("phone"), Some("+61293744000"));
        assert_eq!(r.text("street"), Some("1 Martin Place"));
        assert_eq!(r.text("city"), Some("Sydney"));
        assert_eq!(r.text("region"), Some("NSW"));
        assert_eq!(r.text("postcode"), Some("2000"));
        assert_eq!(r.text("birth_date"), Some("1990-03-02"));
        assert_eq!(n.issues.len(), 1);
        assert_eq!(n.issues[0].code(), IssueCode::DateAmbiguous);
    }

    #[test]
    fn clean_records_are_left_alone() {
        let n = normalize(
            r#"{"customer_id": "c1", "email": "ann@example.com", "phone": "+8613800138000", "country": "CN"}"#,
        );
        assert!(n.changes.is_empty(), "{:?}", n.changes);
        let again = Normalizer::new(&Schema::customer())
            .normalize(&n.record)
            .unwrap();
        assert_eq!(again.record, n.record);
    }

    #[test]
    fn phone_extensions_are_kept_beside_the_e164_number() {
        // The customer schema has no field for it: the record's extras.
        let n = normalize(r#"{"phone": "+262 692 12 34 56 ext. 738"}"#);
        assert_eq!(n.record.text("phone"), Some("+262692123456"));
        let extra = n
            .record
            .extras()
            .iter()
            .find(|(k, _)| k == "phone_extension");
        assert_eq!(extra.and_then(|(_, v)| v.as_str()), Some("738"));
        assert!(n.record.to_json().contains(r#""phone_extension":"738""#));
        // A schema with a field for it.
        let schema = Schema::from_json(
            r#"{"name": "x", "region": "DE", "fields": [{"name": "tel", "kind": "phone"},
                {"name": "tel_extension", "kind": "text"}]}"#,
        )
        .unwrap();
        let record = Record::from_json(&schema, r#"{"tel": "+262692123456;ext=738"}"#).unwrap();
        let n = Normalizer::new(&schema).normalize(&record).unwrap();
        assert_eq!(n.record.text("tel"), Some("+262692123456"));
        assert_eq!(n.record.text("tel_extension"), Some("738"));
        // Another extension there already: nothing is overwritten or lost.
        let record = Record::from_json(
            &schema,
            r#"{"tel": "+262692123456;ext=738", "tel_extension": "12"}"#,
        )
        .unwrap();
        let n = Normalizer::new(&schema).normalize(&record).unwrap();
        assert_eq!(n.record.text("tel"), Some("+262692123456;ext=738"));
        assert_eq!(n.record.text("tel_extension"), Some("12"));
    }

    #[test]
    fn phones_are_parsed_as_written_and_invalid_ones_kept() {
        // Already E.164 but with a national prefix: parsed, not trusted.
        let n = normalize(r#"{"phone": "+4902012345678"}"#);
        assert_eq!(n.record.text("phone"), Some("+492012345678"));
        // A control character is not removed to make a number of it.
        let n = normalize(r#"{"phone": "030\u00071234567", "country": "DE"}"#);
        assert_eq!(n.record.text("phone"), Some("030\u{7}1234567"));
        // Possible but not valid: kept as written unless accepted.
        let n = normalize(r#"{"phone": "+44 0201 234567"}"#);
        assert_eq!(n.record.text("phone"), Some("+44 0201 234567"));
        let schema = Schema::customer();
        let record = Record::from_json(&schema, r#"{"phone": "+44 0201 234567"}"#).unwrap();
        let relaxed = Normalizer::builder(&schema)
            .accept_possible_phones(true)
            .build()
            .normalize(&record)
            .unwrap();
        assert_eq!(relaxed.record.text("phone"), Some("+44201234567"));
    }

    #[test]
    fn full_name_is_joined_from_parts() {
        let n = normalize(r#"{"given_name": "伟", "family_name": "张"}"#);
        assert_eq!(n.record.text("full_name"), Some("张伟"));
        assert!(n.changes.iter().any(|c| c.steps == Step::NameJoin.into()));
    }

    #[test]
    fn change_log_has_lengths_not_values() {
        let n = normalize(r#"{"phone": "138 0013 8000", "country": "CN"}"#);
        let change = n
            .changes
            .iter()
            .find(|c| c.field.as_str() == "phone")
            .unwrap();
        assert_eq!((change.before_chars, change.after_chars), (13, 14));
        assert!(!format!("{:?}", n.changes).contains("138"));
    }

    #[test]
    fn enumeration_values_take_their_allowed_spelling() {
        let values = vec!["Gold".to_owned(), "silver".to_owned()];
        assert_eq!(enum_value(&values, "Gold"), Some(&values[0]));
        assert_eq!(enum_value(&values, "GOLD"), Some(&values[0]));
        assert_eq!(enum_value(&values, "Silver"), Some(&values[1]));
        assert_eq!(enum_value(&values, "bronze"), None);
    }

    #[test]
    fn other_schemas_are_refused() {
        let other =
            Schema::from_json(r#"{"name": "x", "fields": [{"name": "a", "kind": "text"}]}"#)
                .unwrap();
        let err = Normalizer::new(&Schema::customer())
            .normalize(&Record::new(&other))
            .unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::SchemaMismatch);
    }

    #[test]
    fn options_from_json() {
        let schema = Schema::customer();
        let record = Record::from_json(
            &schema,
            r#"{"customer_id": "c", "email": "Nana@例子.中国"}"#,
        )
        .unwrap();
        let ascii = Normalizer::builder(&schema)
            .options_json(r#"{"email_ascii_domain": true}"#)
            .unwrap()
            .build();
        let out = ascii.normalize(&record).unwrap();
        assert_eq!(
            out.record.text("email"),
            Some("Nana@xn--fsqu00a.xn--fiqs8s")
        );
        let plain = Normalizer::builder(&schema)
            .options_json("{}")
            .unwrap()
            .build();
        assert_eq!(
            plain.normalize(&record).unwrap().record.text("email"),
            Some("Nana@例子.中国")
        );
        let err = Normalizer::builder(&schema)
            .options_json(r#"{"email_ascii": true}"#)
            .unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::Json);
        assert!(
            err.to_string()
                .contains("did you mean `email_ascii_domain`"),
            "{err}"
        );
        assert!(
            Normalizer::builder(&schema)
                .options_json(r#"{"email_ascii_domain": 1}"#)
                .is_err()
        );
    }
}
