//! Validation: every problem in a record, reported as data.
//!
//! A [`Validator`] built from a [`Schema`] checks a [`Record`] and returns a
//! [`Report`] of every [`Issue`] found (not just the first), each with the
//! field, a stable [`IssueCode`], a [`Severity`] and a message that never
//! contains the value. Users add their own checks with [`Rule`] (a trait,
//! also implemented for closures).

mod report;

use std::borrow::Cow;
use std::sync::Arc;

pub use crate::checksum;
pub use crate::issue::{Issue, IssueCode, Severity};
pub use crate::normalize::email_syntax as email;
pub use email::EmailRules;
pub use report::Report;

use crate::error::Result;
use crate::normalize::phone::PhoneCheck;
use crate::normalize::{Normalized, address, date, id, phone, text};
use crate::schema::Date;
use crate::schema::{Field, FieldKind, IdScheme, Record, RegionCode, Schema, Value};
use checksum::IdProblem;

/// A check of a whole record, added to a [`Validator`] by its user.
///
/// Issues it pushes must not contain field values in their details.
pub trait Rule: Send + Sync {
    /// Pushes the issues found in `record`.
    fn check(&self, record: &Record, issues: &mut Vec<Issue>);
}

impl<F: Fn(&Record, &mut Vec<Issue>) + Send + Sync> Rule for F {
    fn check(&self, record: &Record, issues: &mut Vec<Issue>) {
        self(record, issues);
    }
}

/// Checks the records of one schema. Cheap to clone and safe to share
/// between threads.
#[derive(Clone)]
pub struct Validator {
    schema: Schema,
    today: Date,
    max_age: i32,
    email: EmailRules,
    possible_phones: bool,
    rules: Vec<Arc<dyn Rule>>,
    country: Option<usize>,
    /// The field whose age the schema's retention judges.
    retention: Option<usize>,
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validator")
            .field("schema", &self.schema.name())
            .field("today", &self.today)
            .field("max_age", &self.max_age)
            .field("email", &self.email)
            .field("rules", &self.rules.len())
            .finish()
    }
}

/// Options for a [`Validator`].
#[derive(Clone)]
pub struct ValidatorBuilder {
    inner: Validator,
}

impl std::fmt::Debug for ValidatorBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl ValidatorBuilder {
    /// The date birth dates are checked against (default: today, UTC). Fix
    /// it for results that do not change from day to day.
    #[must_use]
    pub fn today(mut self, today: Date) -> Self {
        self.inner.today = today;
        self
    }

    /// The oldest plausible age in years (default 130).
    #[must_use]
    pub fn max_age(mut self, years: u16) -> Self {
        self.inner.max_age = i32::from(years);
        self
    }

    /// Which rare email forms to accept (default: neither).
    #[must_use]
    pub fn email_rules(mut self, rules: EmailRules) -> Self {
        self.inner.email = rules;
        self
    }

    /// Sets the options written in JSON, the form C and settings files
    /// use: `{"today": "YYYY-MM-DD", "max_age": years, "email":
    /// {"quoted_local_part": bool, "ip_literal": bool},
    /// "accept_possible_phones": bool}`, every key optional (an option left
    /// out keeps its value).
    ///
    /// # Errors
    /// [`ErrorKind::Json`](crate::ErrorKind::Json) for JSON of another
    /// shape or a `today` that is not a date; an unknown key names the
    /// nearest valid one.
    pub fn options_json(mut self, json: &str) -> Result<Self> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Email {
            quoted_local_part: Option<bool>,
            ip_literal: Option<bool>,
        }
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Options {
            today: Option<String>,
            max_age: Option<u16>,
            email: Option<Email>,
            accept_possible_phones: Option<bool>,
        }
        let options: Options = crate::schema::parse_options(json)?;
        if let Some(today) = options.today {
            let date = Date::from_iso(&today).ok_or_else(|| {
                crate::Error::from(crate::ErrorKind::Json {
                    document: crate::error::JsonDocument::Options,
                    line: 0,
                    column: 0,
                    detail: "`today` must be a date written YYYY-MM-DD".into(),
                })
            })?;
            self = self.today(date);
        }
        if let Some(years) = options.max_age {
            self = self.max_age(years);
        }
        if let Some(email) = options.email {
            let mut rules = self.inner.email;
            rules.quoted_local_part = email.quoted_local_part.unwrap_or(rules.quoted_local_part);
            rules.ip_literal = email.ip_literal.unwrap_or(rules.ip_literal);
            self = self.email_rules(rules);
        }
        if let Some(accept) = options.accept_possible_phones {
            self = self.accept_possible_phones(accept);
        }
        Ok(self)
    }

    /// Report a phone number that is possible but not valid (of a length
    /// its country uses, outside every range of its numbering plan) as a
    /// warning rather than an error. Off by default: libphonenumber calls
    /// such a number invalid, and most are typing errors or junk. Pair it
    /// with [`NormalizerBuilder::accept_possible_phones`], which stores
    /// them in E.164.
    ///
    /// [`NormalizerBuilder::accept_possible_phones`]: crate::normalize::NormalizerBuilder::accept_possible_phones
    #[must_use]
    pub fn accept_possible_phones(mut self, accept: bool) -> Self {
        self.inner.possible_phones = accept;
        self
    }

    /// Adds a rule of your own, run after the built-in checks.
    #[must_use]
    pub fn rule(mut self, rule: impl Rule + 'static) -> Self {
        self.inner.rules.push(Arc::new(rule));
        self
    }

    /// Builds the validator.
    pub fn build(self) -> Validator {
        self.inner
    }
}

/// Where a field is checked: its index, the record's region, phones that
/// normalization parsed already, and whether normalization wrote the
/// values (then they are clean already).
struct Checks<'a> {
    index: usize,
    region: Option<RegionCode>,
    phones: &'a [PhoneCheck],
    normalized: bool,
}

impl Checks<'_> {
    /// The text as [`text::clean`] leaves it, which a normalized value is.
    fn clean<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if self.normalized {
            Cow::Borrowed(text)
        } else {
            text::clean(text)
        }
    }

    /// The parse of a phone whose value normalization stored and has not
    /// been changed since.
    fn known_phone(&self, text: &str) -> Option<&Result<phone::ParsedPhone, phone::PhoneError>> {
        let known = self
            .phones
            .iter()
            .find(|p| p.index == self.index && p.stored == text);
        known.map(|p| &p.parsed)
    }
}

/// What the checks of one record learnt on the way, for cross-field rules.
#[derive(Default)]
struct Facts {
    resident_id: Option<(usize, checksum::ResidentIdInfo)>,
    birth_date: Option<(usize, Date)>,
    gender: Option<(usize, &'static str)>,
    phone_region: Option<(usize, RegionCode)>,
}

impl Validator {
    /// A validator with default options.
    pub fn new(schema: &Schema) -> Self {
        Self::builder(schema).build()
    }

    /// A builder for options and rules.
    pub fn builder(schema: &Schema) -> ValidatorBuilder {
        ValidatorBuilder {
            inner: Self {
                schema: schema.clone(),
                today: Date::today(),
                max_age: 130,
                email: EmailRules::default(),
                possible_phones: false,
                rules: Vec::new(),
                country: schema
                    .fields()
                    .iter()
                    .position(|f| *f.kind() == FieldKind::Country),
                retention: schema.retention().and_then(|r| schema.index_of(r.field())),
            },
        }
    }

    /// The schema this validator checks.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Checks one record.
    ///
    /// # Errors
    /// [`ErrorKind::SchemaMismatch`](crate::ErrorKind::SchemaMismatch) if the record is of another schema.
    pub fn validate(&self, record: &Record) -> Result<Report> {
        self.validate_with(record, &[], false)
    }

    /// Validates with the phones normalization already parsed.
    fn validate_with(
        &self,
        record: &Record,
        phones: &[PhoneCheck],
        normalized: bool,
    ) -> Result<Report> {
        record.check_schema(&self.schema)?;
        let mut issues = Vec::new();
        let mut facts = Facts::default();
        let region = address::record_region(record, self.country);
        for (index, (field, value)) in record.iter().enumerate() {
            let checks = Checks {
                index,
                region,
                phones,
                normalized,
            };
            self.check_field(&checks, field, value, &mut facts, &mut issues);
        }
        self.cross_field(record, region, &facts, &mut issues);
        for rule in &self.rules {
            rule.check(record, &mut issues);
        }
        Ok(Report::new(issues))
    }

    /// Checks a normalized record and puts the issues normalization found
    /// (such as an ambiguous date) first in the report. Values are checked
    /// as they stand: normalization cleaned them, so they are not cleaned
    /// again.
    ///
    /// # Errors
    /// [`ErrorKind::SchemaMismatch`](crate::ErrorKind::SchemaMismatch) if the record is of another schema.
    pub fn validate_normalized(&self, normalized: &Normalized) -> Result<Report> {
        let found = self.validate_with(&normalized.record, &normalized.phones, true)?;
        let mut report = Report::new(normalized.issues.clone());
        report.extend(found);
        Ok(report)
    }

    fn check_field(
        &self,
        checks: &Checks<'_>,
        field: &Field,
        value: &Value,
        facts: &mut Facts,
        issues: &mut Vec<Issue>,
    ) {
        let (index, record_region) = (checks.index, checks.region);
        let issue = |code: IssueCode| Issue::new(field.path().clone(), code);
        let text = match value {
            Value::Null => {
                if field.is_required() {
                    issues.push(issue(IssueCode::Required));
                }
                return;
            }
            // White space alone is no value: normalization makes it null.
            Value::Text(text) if text::is_blank(text) => {
                if field.is_required() {
                    issues.push(issue(IssueCode::Required));
                }
                return;
            }
            Value::Text(text) => text.as_str(),
            _ => return,
        };
        if !field.kind().is_text() {
            issues.push(issue(IssueCode::WrongType).detail(match field.kind() {
                FieldKind::Integer => "expected a whole number",
                FieldKind::Decimal => "expected a decimal number",
                _ => "expected true or false",
            }));
            return;
        }
        // No more characters than bytes: most values need no count.
        if let Some(max) = field.max_len()
            && text.len() > max
        {
            let chars = text.chars().count();
            if chars > max {
                issues.push(
                    issue(IssueCode::TooLong).detail(format!("{chars} characters, at most {max}")),
                );
            }
        }
        let region = record_region.or_else(|| self.schema.region_for(field));
        match field.kind() {
            FieldKind::Email => {
                if let Err((code, detail)) = email::check(text.trim(), self.email) {
                    issues.push(issue(code).detail(detail));
                }
            }
            FieldKind::Phone => {
                let parsed_here;
                let parsed = match checks.known_phone(text) {
                    Some(known) => known.as_ref().map_err(|e| *e),
                    None => {
                        parsed_here = phone::parse_quick(text, region);
                        parsed_here.as_ref().map_err(|e| *e)
                    }
                };
                match parsed {
                    Err(e) => issues.push(issue(IssueCode::PhoneUnparsable).detail(e.reason())),
                    Ok(p) if !p.possible => {
                        issues.push(
                            issue(IssueCode::PhoneInvalid)
                                .detail("impossible length for its country"),
                        );
                    }
                    Ok(p) => {
                        if !p.valid {
                            let found = issue(IssueCode::PhonePossibleNotValid)
                                .detail("outside every range of its numbering plan");
                            issues.push(if self.possible_phones {
                                found.severity(Severity::Warning)
                            } else {
                                found
                            });
                        }
                        if let Some(r) = p.region {
                            facts.phone_region.get_or_insert((index, r));
                        }
                    }
                }
            }
            FieldKind::Date | FieldKind::BirthDate => {
                match date::parse(&checks.clean(text), region) {
                    Err(date::DateError::NoSuchDay) => {
                        issues.push(issue(IssueCode::DateInvalid).detail("no such day"))
                    }
                    Err(_) => issues.push(
                        issue(IssueCode::DateInvalid).detail("not a date format custodia reads"),
                    ),
                    Ok(parsed) if *field.kind() == FieldKind::BirthDate => {
                        let d = parsed.date;
                        if d > self.today {
                            issues.push(issue(IssueCode::BirthDateInFuture));
                        } else if d.years_until(self.today) > self.max_age {
                            issues.push(
                                issue(IssueCode::BirthDateTooOld)
                                    .detail(format!("more than {} years ago", self.max_age)),
                            );
                        }
                        facts.birth_date.get_or_insert((index, d));
                    }
                    Ok(parsed) if self.retention == Some(index) => {
                        if let Some((code, months)) = self
                            .schema
                            .retention()
                            .and_then(|r| r.verdict(parsed.date, self.today))
                        {
                            issues.push(
                                issue(code)
                                    .detail(format!("last updated {months} or more months ago")),
                            );
                        }
                    }
                    Ok(_) => {}
                }
            }
            FieldKind::Gender => match id::gender(text) {
                Some(g) => {
                    facts.gender.get_or_insert((index, g));
                }
                None => issues.push(issue(IssueCode::GenderUnknown)),
            },
            FieldKind::Country if address::country_code(text).is_none() => {
                issues.push(issue(IssueCode::CountryUnknown));
            }
            FieldKind::Postcode => {
                if let Some(country) = region
                    && address::postcode_lacks_format(text, country)
                {
                    issues.push(
                        issue(IssueCode::PostcodeInvalid).detail(format!("country {country}")),
                    );
                }
            }
            FieldKind::NationalId(scheme) => {
                let read = match id::reading(*scheme, region, &id::compact(text)) {
                    id::Reading::Scheme(read) => read,
                    id::Reading::NoScheme => return,
                    id::Reading::Unchecked => {
                        issues.push(issue(IssueCode::IdUnchecked));
                        return;
                    }
                };
                if read == IdScheme::CnResidentId && id::is_legacy_resident_id(text) {
                    issues.push(id::upgraded_issue(field.path().clone()));
                }
                let id = id::normalize_national_id_in(text, *scheme, region);
                match checksum::national_id(read, &id, self.today) {
                    Ok(Some(info)) => {
                        facts.resident_id.get_or_insert((index, info));
                    }
                    Ok(None) => {}
                    Err(problem) => issues.push(id_issue(field, problem, read.name())),
                }
            }
            FieldKind::Iban => {
                if let Err(problem) = checksum::iban(&id::compact(text)) {
                    issues.push(id_issue(field, problem, "IBAN"));
                }
            }
            FieldKind::PaymentCard => {
                if let Err(problem) = checksum::payment_card(&id::compact(text)) {
                    issues.push(id_issue(field, problem, "payment card"));
                }
            }
            FieldKind::Enumeration(values)
                if crate::normalize::enum_value(values, text).is_none() =>
            {
                issues.push(issue(IssueCode::NotAllowed));
            }
            FieldKind::Pattern(pattern) if !pattern.is_match(text) => {
                issues.push(issue(IssueCode::PatternMismatch));
            }
            _ => {}
        }
    }

    /// Resident id vs birth date and gender; phone country vs address.
    fn cross_field(
        &self,
        record: &Record,
        region: Option<RegionCode>,
        facts: &Facts,
        issues: &mut Vec<Issue>,
    ) {
        let name = |i: usize| record.schema().fields()[i].name().to_owned();
        if let Some((id_index, info)) = facts.resident_id {
            if let Some((index, d)) = facts.birth_date
                && d != info.birth_date
            {
                issues.push(
                    Issue::new(name(index), IssueCode::IdBirthDateMismatch)
                        .detail(format!("see field `{}`", name(id_index))),
                );
            }
            let id_gender = if info.male { "male" } else { "female" };
            if let Some((index, g)) = facts.gender
                && matches!(g, "male" | "female")
                && g != id_gender
            {
                issues.push(
                    Issue::new(name(index), IssueCode::IdGenderMismatch)
                        .detail(format!("see field `{}`", name(id_index))),
                );
            }
        }
        if let (Some((index, phone_region)), Some(country)) = (facts.phone_region, region)
            && phone_region != country
            && self
                .country
                .is_some_and(|c| record.get_at(c).is_some_and(|v| !v.is_null()))
        {
            issues.push(
                Issue::new(name(index), IssueCode::PhoneCountryMismatch)
                    .detail(format!("phone is {phone_region}, address is {country}")),
            );
        }
    }
}

fn id_issue(field: &Field, problem: IdProblem, what: &'static str) -> Issue {
    let code = match problem {
        IdProblem::Format => IssueCode::IdFormat,
        IdProblem::Checksum => IssueCode::IdChecksum,
        IdProblem::Region => IssueCode::IdRegion,
        IdProblem::BirthDate => IssueCode::IdBirthDate,
        _ => IssueCode::IdNeverIssued,
    };
    Issue::new(field.name(), code).detail(what)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validator() -> Validator {
        Validator::builder(&Schema::customer())
            .today(Date::new(2026, 11, 22).unwrap())
            .build()
    }

    fn codes(json: &str) -> Vec<IssueCode> {
        let record = Record::from_json(&Schema::customer(), json).unwrap();
        validator()
            .validate(&record)
            .unwrap()
            .issues()
            .iter()
            .map(Issue::code)
            .collect()
    }

    #[test]
    fn national_ids_are_checked_by_the_record_country() {
        let id = |country: &str, id: &str| {
            codes(&format!(
                r#"{{"customer_id": "c", "country": "{country}", "national_id": "{id}"}}"#
            ))
        };
        assert_eq!(id("US", "123-45-6789"), []);
        assert_eq!(id("US", "666-12-3456"), [IssueCode::IdNeverIssued]);
        assert_eq!(id("CN", "11010519491231002X"), []);
        assert_eq!(id("CN", "110105194912310021"), [IssueCode::IdChecksum]);
        assert_eq!(id("United Kingdom", "AB 12 34 56 C"), []);
        assert_eq!(id("ES", "54362315-Z"), [IssueCode::IdChecksum]);
        assert_eq!(id("KR", "971013-9019902"), []);
        // A country without a scheme: not checked.
        assert_eq!(id("JP", "anything at all"), []);
        // No country: an 18-character resident id is checked as one; a
        // 9-digit number (SSN, SIN or BSN?) is kept with a warning.
        let none = |id: &str| codes(&format!(r#"{{"customer_id": "c", "national_id": "{id}"}}"#));
        assert_eq!(none("110105194912310021"), [IssueCode::IdChecksum]);
        assert_eq!(none("11010519491231002X"), []);
        assert_eq!(none("123-45-6789"), [IssueCode::IdUnchecked]);
        assert_eq!(IssueCode::IdUnchecked.default_severity(), Severity::Warning);
        // The default region stands in for a missing country.
        let schema = Schema::from_json(
            r#"{"name": "s", "region": "US", "fields": [
                {"name": "id", "kind": "national_id", "scheme": "by_country"}]}"#,
        )
        .unwrap();
        let record = Record::from_json(&schema, r#"{"id": "666-12-3456"}"#).unwrap();
        let report = Validator::new(&schema).validate(&record).unwrap();
        let found: Vec<_> = report.issues().iter().map(Issue::code).collect();
        assert_eq!(found, [IssueCode::IdNeverIssued]);
    }

    #[test]
    fn a_clean_record_has_no_issues() {
        assert_eq!(
            codes(
                r#"{"customer_id": "c1", "full_name": "张伟", "gender": "female",
                    "birth_date": "1949-12-31", "email": "zhang.wei@example.com",
                    "phone": "+8613800138000", "postcode": "200000", "country": "CN",
                    "national_id": "11010519491231002X", "iban": "DE89370400440532013000",
                    "payment_card": "4111111111111111"}"#
            ),
            []
        );
    }

    #[test]
    fn every_problem_is_reported_not_just_the_first() {
        let found = codes(
            r#"{"email": "x..y@example.com", "phone": "12", "birth_date": "2030-01-01",
                "national_id": "11010519491231002Y", "iban": "DE89370400440532013001",
                "payment_card": "4111111111111112", "country": "Atlantis", "gender": "maybe"}"#,
        );
        for code in [
            IssueCode::Required,
            IssueCode::EmailSyntax,
            IssueCode::PhoneUnparsable,
            IssueCode::BirthDateInFuture,
            IssueCode::IdFormat,
            IssueCode::IdChecksum,
            IssueCode::CountryUnknown,
            IssueCode::GenderUnknown,
        ] {
            assert!(found.contains(&code), "{code} missing from {found:?}");
        }
    }

    #[test]
    fn cross_field_checks() {
        let found = codes(
            r#"{"customer_id": "c", "national_id": "11010519491231002X", "birth_date": "1950-01-01",
                "gender": "male", "phone": "+61293744000", "country": "CN"}"#,
        );
        assert_eq!(
            found,
            [
                IssueCode::IdBirthDateMismatch,
                IssueCode::IdGenderMismatch,
                IssueCode::PhoneCountryMismatch
            ]
        );
    }

    #[test]
    fn messages_never_contain_values() {
        let record = Record::from_json(
            &Schema::customer(),
            r#"{"email": "secret..name@example.com", "phone": "99999", "national_id": "110105194912310021"}"#,
        )
        .unwrap();
        let report = validator().validate(&record).unwrap();
        for issue in report.issues() {
            let m = issue.message();
            assert!(
                !m.contains("secret") && !m.contains("99999") && !m.contains("1101051949"),
                "{m}"
            );
        }
    }

    #[test]
    fn phones_parsed_by_normalization_give_the_same_report() {
        let schema = Schema::customer();
        let normalizer = crate::Normalizer::new(&schema);
        for phone in [
            "(02) 9374 4000",
            "02 9374 400",
            "138 0013 8000",
            "+61 2 9374 4000 x 12",
        ] {
            let json = format!(r#"{{"customer_id": "c", "phone": "{phone}", "country": "AU"}}"#);
            let record = Record::from_json(&schema, &json).unwrap();
            let mut normalized = normalizer.normalize(&record).unwrap();
            let reused = validator().validate_normalized(&normalized).unwrap();
            let fresh = validator().validate(&normalized.record).unwrap();
            assert_eq!(reused, fresh, "{phone}");
            // A value changed after normalization is parsed again.
            normalized.record.set("phone", "12").unwrap();
            let changed = validator().validate_normalized(&normalized).unwrap();
            let flagged =
                changed.has(IssueCode::PhoneUnparsable) || changed.has(IssueCode::PhoneInvalid);
            assert!(flagged, "{phone}: {:?}", changed.issues());
        }
    }

    #[test]
    fn possible_but_invalid_phones_are_errors_by_default() {
        let schema = Schema::customer();
        let record = Record::from_json(
            &schema,
            r#"{"customer_id": "c", "phone": "+44 0201 234567"}"#,
        )
        .unwrap();
        let report = validator().validate(&record).unwrap();
        assert!(report.has(IssueCode::PhonePossibleNotValid));
        assert!(!report.is_valid());
        let relaxed = Validator::builder(&schema)
            .accept_possible_phones(true)
            .build()
            .validate(&record)
            .unwrap();
        assert!(relaxed.has(IssueCode::PhonePossibleNotValid));
        assert!(relaxed.is_valid());
        // Normalization keeps such a value as written; the verdict is the same.
        let normalized = crate::Normalizer::new(&schema).normalize(&record).unwrap();
        let again = validator().validate_normalized(&normalized).unwrap();
        assert_eq!(again, report);
    }

    #[test]
    fn user_rules_run_after_built_in_ones() {
        let v = Validator::builder(&Schema::customer())
            .rule(|r: &Record, issues: &mut Vec<Issue>| {
                if r.get("email").is_some_and(Value::is_null)
                    && r.get("phone").is_some_and(Value::is_null)
                {
                    issues.push(
                        Issue::new("email", IssueCode::Custom(10_001))
                            .detail("need email or phone"),
                    );
                }
            })
            .build();
        let record = Record::from_json(&Schema::customer(), r#"{"customer_id": "c"}"#).unwrap();
        let report = v.validate(&record).unwrap();
        assert_eq!(report.issues()[0].code(), IssueCode::Custom(10_001));
        assert!(!report.is_valid());
    }

    #[test]
    fn options_from_json() {
        let schema = Schema::customer();
        let record = Record::from_json(
            &schema,
            r#"{"customer_id": "c", "birth_date": "1950-01-01"}"#,
        )
        .unwrap();
        let codes = |options: &str| -> Vec<IssueCode> {
            let v = Validator::builder(&schema)
                .options_json(options)
                .unwrap()
                .build();
            v.validate(&record)
                .unwrap()
                .issues()
                .iter()
                .map(Issue::code)
                .collect()
        };
        assert!(codes("{}").is_empty());
        assert_eq!(
            codes(r#"{"today": "1949-12-31"}"#),
            [IssueCode::BirthDateInFuture]
        );
        assert_eq!(
            codes(r#"{"today": "2026-11-26", "max_age": 60}"#),
            [IssueCode::BirthDateTooOld]
        );
        let quoted = Record::from_json(
            &schema,
            r#"{"customer_id": "c", "email": "\"a b\"@example.com"}"#,
        )
        .unwrap();
        let strict = Validator::new(&schema).validate(&quoted).unwrap();
        assert!(!strict.is_valid());
        let loose = Validator::builder(&schema)
            .options_json(r#"{"email": {"quoted_local_part": true}}"#)
            .unwrap()
            .build();
        assert!(loose.validate(&quoted).unwrap().is_valid());
        for (bad, says) in [
            (r#"{"max_agee": 1}"#, "did you mean `max_age`"),
            (r#"{"today": "2026-13-01"}"#, "`today` must be a date"),
            (r#"{"email": {"ip": true}}"#, "did you mean `ip_literal`"),
            ("[", "options JSON"),
        ] {
            let err = Validator::builder(&schema).options_json(bad).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::Json);
            assert!(err.to_string().contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn records_past_the_schema_retention_limits_draw_warnings_and_stay_valid() {
        let schema = Schema::from_json(
            r#"{"name": "kept", "fields": [
                {"name": "id", "kind": "text", "required": true},
                {"name": "updated_at", "kind": "date"},
                {"name": "born", "kind": "birth_date"}],
              "retention": {"stale_after_months": 24, "delete_after_months": 84}}"#,
        )
        .unwrap();
        let validator = Validator::builder(&schema)
            .today(Date::new(2026, 3, 31).unwrap())
            .build();
        let found = |updated: &str| {
            let json =
                format!(r#"{{"id": "c1", "updated_at": "{updated}", "born": "1990-01-01"}}"#);
            let report = validator
                .validate(&Record::from_json(&schema, &json).unwrap())
                .unwrap();
            let invalid = report
                .issues()
                .iter()
                .any(|i| i.code() == IssueCode::DateInvalid);
            assert_eq!(
                report.is_valid(),
                !invalid,
                "{updated}: retention issues are warnings"
            );
            let issues: Vec<_> = report
                .issues()
                .iter()
                .map(|i| (i.code(), i.to_string()))
                .collect();
            for (_, text) in &issues {
                assert!(
                    !text.contains(updated),
                    "the date is not in the message: {text}"
                );
            }
            issues.into_iter().map(|(code, _)| code).collect::<Vec<_>>()
        };
        assert_eq!(found("2026-03-31"), []);
        assert_eq!(found("2024-04-01"), [], "23 months and 30 days");
        assert_eq!(found("2024-03-31"), [IssueCode::StaleRecord]);
        assert_eq!(found("2019-04-01"), [IssueCode::StaleRecord]);
        assert_eq!(found("2019-03-31"), [IssueCode::RetentionExpired]);
        assert_eq!(found("1970-01-01"), [IssueCode::RetentionExpired]);
        // A date in the future is no age; a wrong date is its own issue.
        assert_eq!(found("2030-01-01"), []);
        assert_eq!(found("2019-02-30"), [IssueCode::DateInvalid]);
        let missing = Record::from_json(&schema, r#"{"id": "c1"}"#).unwrap();
        assert!(validator.validate(&missing).unwrap().issues().is_empty());
        // The birth date, also a date, is never judged by retention.
        let old = Record::from_json(&schema, r#"{"id": "c", "born": "1930-01-01"}"#).unwrap();
        assert!(validator.validate(&old).unwrap().issues().is_empty());
        let issue = validator
            .validate(
                &Record::from_json(&schema, r#"{"id": "c", "updated_at": "2001-05-05"}"#).unwrap(),
            )
            .unwrap();
        let issue = &issue.issues()[0];
        assert_eq!(issue.code().name(), "retention_expired");
        assert_eq!(issue.level(), Severity::Warning);
        assert_eq!(issue.path().as_str(), "updated_at");
    }
}
