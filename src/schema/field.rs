//! One column of a schema: its name, its kind, and its options.

use std::fmt;
use std::sync::LazyLock;

use super::spec::{Comparator, Comparison, Operator};
use crate::error::{ErrorKind, FieldPath, Result, SettingPath, SettingProblem};

/// What a field holds. The kind decides how a value is normalized, validated,
/// compared for duplicates and masked.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldKind {
    /// A person's whole name as written, e.g. `Dr. Ann O'Neil` or `欧阳娜娜`.
    FullName,
    /// Given (first) name.
    GivenName,
    /// Family name (surname).
    FamilyName,
    /// An email address.
    Email,
    /// A telephone number.
    Phone,
    /// Street address line (house number and street).
    Street,
    /// City, town or suburb.
    City,
    /// State, province or region.
    Region,
    /// Postal code.
    Postcode,
    /// Country, as ISO 3166-1 alpha-2 once normalized.
    Country,
    /// A calendar date.
    Date,
    /// A date of birth: a date that may not lie in the future.
    BirthDate,
    /// Gender.
    Gender,
    /// A national identification number of the given scheme.
    NationalId(IdScheme),
    /// An International Bank Account Number (ISO 13616).
    Iban,
    /// A payment card number (PAN).
    PaymentCard,
    /// Free text.
    Text,
    /// A whole number (fits in `i64`).
    Integer,
    /// A decimal number, kept as exact decimal text.
    Decimal,
    /// True or false.
    Boolean,
    /// One of a fixed list of values.
    Enumeration(Vec<String>),
    /// Text that must match a regular expression, in full.
    Pattern(Pattern),
}

impl FieldKind {
    /// The kind's name in schema JSON, e.g. `"birth_date"`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::FullName => "full_name",
            Self::GivenName => "given_name",
            Self::FamilyName => "family_name",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Street => "street",
            Self::City => "city",
            Self::Region => "region",
            Self::Postcode => "postcode",
            Self::Country => "country",
            Self::Date => "date",
            Self::BirthDate => "birth_date",
            Self::Gender => "gender",
            Self::NationalId(_) => "national_id",
            Self::Iban => "iban",
            Self::PaymentCard => "payment_card",
            Self::Text => "text",
            Self::Integer => "integer",
            Self::Decimal => "decimal",
            Self::Boolean => "boolean",
            Self::Enumeration(_) => "enum",
            Self::Pattern(_) => "pattern",
        }
    }

    /// Whether values of this kind identify or describe a person closely
    /// enough that they are treated as sensitive by default.
    pub fn sensitive_by_default(&self) -> bool {
        matches!(
            self,
            Self::FullName
                | Self::GivenName
                | Self::FamilyName
                | Self::Email
                | Self::Phone
                | Self::Street
                | Self::Postcode
                | Self::BirthDate
                | Self::NationalId(_)
                | Self::Iban
                | Self::PaymentCard
        )
    }

    /// Whether values of this kind are text (as opposed to numbers or booleans).
    pub fn is_text(&self) -> bool {
        !matches!(self, Self::Integer | Self::Decimal | Self::Boolean)
    }
}

/// How normalization cases the letters of a text value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CasePolicy {
    /// Leave as written.
    Keep,
    /// UPPER CASE.
    Upper,
    /// lower case.
    Lower,
    /// Title Case for every word.
    Title,
    /// Title case only when the value is written all upper or all lower
    /// case (`ANN O'NEIL`, `ann o'neil`); mixed case is left as written.
    Auto,
}

impl CasePolicy {
    /// Every policy.
    pub const ALL: &'static [Self] = &[
        Self::Keep,
        Self::Upper,
        Self::Lower,
        Self::Title,
        Self::Auto,
    ];

    /// The policy's name in schema JSON, e.g. `"auto"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Keep => "keep",
            Self::Upper => "upper",
            Self::Lower => "lower",
            Self::Title => "title",
            Self::Auto => "auto",
        }
    }

    /// The policy with this JSON name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|p| p.name() == name)
    }
}

/// The scheme of a national identification number.
///
/// Each scheme has a normalization (separators removed, upper case; see
/// [`normalize_national_id`](crate::normalize::id::normalize_national_id))
/// and a check ([`checksum::national_id`](crate::checksum::national_id)).
/// [`ByCountry`](Self::ByCountry) reads each value by the scheme of its
/// record's country.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdScheme {
    /// China resident identity card number (GB 11643), 18 characters.
    CnResidentId,
    /// China unified social credit code for organisations (GB 32100).
    CnUscc,
    /// United States Social Security Number.
    UsSsn,
    /// United Kingdom National Insurance number (HMRC): two prefix
    /// letters, six digits, suffix letter `A` to `D`.
    GbNino,
    /// Spain: DNI (8 digits and a check letter) or NIE (`X`, `Y` or `Z`,
    /// 7 digits and a check letter); one scheme accepts both.
    EsDni,
    /// France: NIR, the social security number (15 characters, Corsica's
    /// `2A`/`2B` included).
    FrNir,
    /// Italy: codice fiscale of a person (16 characters; the 11-digit
    /// number of a company is not one).
    ItCodiceFiscale,
    /// Germany: tax identification number (IdNr, Steuer-ID), 11 digits.
    DeIdnr,
    /// Netherlands: BSN, citizen service number, 9 digits (an 8-digit one
    /// gets its leading zero back).
    NlBsn,
    /// Brazil: CPF, individual taxpayer number, 11 digits.
    BrCpf,
    /// India: Aadhaar number, 12 digits (Verhoeff check digit).
    InAadhaar,
    /// South Korea: resident registration number, 13 digits.
    KrRrn,
    /// Canada: Social Insurance Number, 9 digits (Luhn).
    CaSin,
    /// The scheme of the record's country (its `country` field, else the
    /// field's or schema's default region), from [`IdScheme::BY_COUNTRY`].
    /// A country without a scheme: the value is normalized and accepted
    /// unchecked. No country at all: the value is checked by the one
    /// scheme of that table whose shape it has (an 18-character China
    /// resident id, a UK NINO, a Spanish DNI or NIE, an Italian codice
    /// fiscale, a French NIR with `2A`/`2B`, a 12-digit Aadhaar, a
    /// 13-digit Korean RRN); a value of a shape several schemes share
    /// (9 or 11 digits, say) or none has is kept, normalized, with the
    /// warning [`IdUnchecked`](crate::IssueCode::IdUnchecked).
    ByCountry,
}

impl IdScheme {
    /// Every scheme custodia knows.
    pub const ALL: &'static [Self] = &[
        Self::CnResidentId,
        Self::CnUscc,
        Self::UsSsn,
        Self::GbNino,
        Self::EsDni,
        Self::FrNir,
        Self::ItCodiceFiscale,
        Self::DeIdnr,
        Self::NlBsn,
        Self::BrCpf,
        Self::InAadhaar,
        Self::KrRrn,
        Self::CaSin,
        Self::ByCountry,
    ];

    /// The personal national id scheme of each country (ISO 3166-1
    /// alpha-2), which [`ByCountry`](Self::ByCountry) reads a value by.
    pub const BY_COUNTRY: &'static [(&'static str, Self)] = &[
        ("BR", Self::BrCpf),
        ("CA", Self::CaSin),
        ("CN", Self::CnResidentId),
        ("DE", Self::DeIdnr),
        ("ES", Self::EsDni),
        ("FR", Self::FrNir),
        ("GB", Self::GbNino),
        ("IN", Self::InAadhaar),
        ("IT", Self::ItCodiceFiscale),
        ("KR", Self::KrRrn),
        ("NL", Self::NlBsn),
        ("US", Self::UsSsn),
    ];

    /// The scheme's name in schema JSON, e.g. `"cn_resident_id"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::CnResidentId => "cn_resident_id",
            Self::CnUscc => "cn_uscc",
            Self::UsSsn => "us_ssn",
            Self::GbNino => "gb_nino",
            Self::EsDni => "es_dni",
            Self::FrNir => "fr_nir",
            Self::ItCodiceFiscale => "it_codice_fiscale",
            Self::DeIdnr => "de_idnr",
            Self::NlBsn => "nl_bsn",
            Self::BrCpf => "br_cpf",
            Self::InAadhaar => "in_aadhaar",
            Self::KrRrn => "kr_rrn",
            Self::CaSin => "ca_sin",
            Self::ByCountry => "by_country",
        }
    }

    /// The scheme with this JSON name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.name() == name)
    }

    /// The personal national id scheme of `country`, from
    /// [`BY_COUNTRY`](Self::BY_COUNTRY).
    pub fn for_country(country: RegionCode) -> Option<Self> {
        Self::BY_COUNTRY
            .iter()
            .find(|(c, _)| *c == country.as_str())
            .map(|(_, s)| *s)
    }
}

/// A regular expression that a whole value must match.
///
/// Patterns come from schema files, which may be untrusted, so compilation is
/// bounded in size; matching runs in linear time (the `regex` crate).
#[derive(Clone)]
pub struct Pattern {
    source: Box<str>,
    regex: regex::Regex,
}

/// Upper bound on the compiled size of one pattern.
const PATTERN_SIZE_LIMIT: usize = 1 << 20;

impl Pattern {
    /// Compiles `source`; it must match the whole value (it is anchored).
    ///
    /// The error is the regex compiler's explanation, for the schema author.
    pub fn new(source: &str) -> Result<Self, String> {
        let regex = regex::RegexBuilder::new(&format!("^(?:{source})$"))
            .size_limit(PATTERN_SIZE_LIMIT)
            .build()
            .map_err(|e| match e {
                regex::Error::CompiledTooBig(_) => "is too large once compiled".to_owned(),
                other => format!("is not a valid regular expression: {other}"),
            })?;
        Ok(Self {
            source: source.into(),
            regex,
        })
    }

    /// The pattern as written in the schema.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether `value` matches the pattern in full.
    pub fn is_match(&self, value: &str) -> bool {
        self.regex.is_match(value)
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for Pattern {}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Pattern").field(&self.source).finish()
    }
}

/// The region table: one region a line, its alpha-2 code first (the names
/// after it are for normalization).
pub(crate) const COUNTRIES: &str = include_str!("countries.txt");

/// Every code of [`COUNTRIES`] in a 26 × 26 table: checking a code (done
/// for every record) costs no hashing.
static KNOWN_REGIONS: LazyLock<[bool; 26 * 26]> = LazyLock::new(|| {
    let mut known = [false; 26 * 26];
    for line in COUNTRIES.lines() {
        if let Some(code) = line.split('|').next().and_then(RegionCode::letters) {
            known[region_slot(code.0)] = true;
        }
    }
    known
});

fn region_slot([a, b]: [u8; 2]) -> usize {
    usize::from(a.wrapping_sub(b'A')) * 26 + usize::from(b.wrapping_sub(b'A'))
}

/// Whether two upper-case ASCII letters are a known region code.
fn is_known_region(code: [u8; 2]) -> bool {
    code.iter().all(u8::is_ascii_uppercase) && KNOWN_REGIONS[region_slot(code)]
}

/// A region code such as `CN` or `DE`, stored upper case: an ISO 3166-1
/// alpha-2 code, or one of the codes outside it that the phone numbering
/// and IBAN registries use (`XK` Kosovo, user-assigned; `AC` Ascension
/// Island and `TA` Tristan da Cunha, exceptionally reserved). The one table
/// of them is `src/schema/countries.txt`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode([u8; 2]);

impl RegionCode {
    /// Parses a known region code, in either case: `cn` is `CN`; `ZZ` and
    /// other unassigned codes are `None`.
    pub fn new(code: &str) -> Option<Self> {
        Self::letters(code).filter(|c| is_known_region(c.0))
    }

    /// Any two ASCII letters, upper-cased (for reading the table itself).
    pub(crate) fn letters(code: &str) -> Option<Self> {
        match code.as_bytes() {
            &[a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                Some(Self([a.to_ascii_uppercase(), b.to_ascii_uppercase()]))
            }
            _ => None,
        }
    }

    /// The code as upper-case text.
    pub fn as_str(&self) -> &str {
        // Both bytes are ASCII letters (checked in `letters`), so this never fails.
        std::str::from_utf8(&self.0).unwrap_or("ZZ")
    }
}

impl fmt::Debug for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One field of a [`Schema`](crate::Schema).
///
/// Build one with [`Field::new`] and the chained setters, or load it from
/// schema JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    name: FieldPath,
    kind: FieldKind,
    required: bool,
    sensitive: bool,
    max_length: Option<usize>,
    region: Option<RegionCode>,
    case: Option<CasePolicy>,
    mask: Vec<(String, Operator)>,
    compare: Comparison,
    description: Option<String>,
}

/// Longest accepted field or schema name, in bytes.
pub(crate) const MAX_NAME_BYTES: usize = 128;

impl Field {
    /// A field that is optional and sensitive if its kind is
    /// ([`FieldKind::sensitive_by_default`]).
    pub fn new(name: impl Into<String>, kind: FieldKind) -> Self {
        let sensitive = kind.sensitive_by_default();
        Self {
            name: FieldPath::new(name),
            kind,
            required: false,
            sensitive,
            max_length: None,
            region: None,
            case: None,
            mask: Vec::new(),
            compare: Comparison::ByKind,
            description: None,
        }
    }

    /// Makes the field required (or optional again).
    #[must_use]
    pub fn required(mut self, required: bool) -> Self {
        self.required = required;
        self
    }

    /// Overrides whether the field is sensitive.
    #[must_use]
    pub fn sensitive(mut self, sensitive: bool) -> Self {
        self.sensitive = sensitive;
        self
    }

    /// Limits values to this many characters (checked by validation).
    #[must_use]
    pub fn max_length(mut self, max_length: usize) -> Self {
        self.max_length = Some(max_length);
        self
    }

    /// Sets the field's own default region (e.g. for phone numbers), which
    /// takes precedence over the schema's.
    #[must_use]
    pub fn region(mut self, region: RegionCode) -> Self {
        self.region = Some(region);
        self
    }

    /// Sets how normalization cases the value (see [`Field::case_policy`]).
    #[must_use]
    pub fn case(mut self, case: CasePolicy) -> Self {
        self.case = Some(case);
        self
    }

    /// Says how `audience` sees this field when masking (the schema's own
    /// policy, [`Policy::from_schema`](crate::Policy::from_schema)).
    #[must_use]
    pub fn mask(mut self, audience: impl Into<String>, operator: Operator) -> Self {
        let audience = audience.into();
        self.mask.retain(|(a, _)| *a != audience);
        self.mask.push((audience, operator));
        self
    }

    /// Says how duplicate detection compares this field: `Some` comparator,
    /// or `None` to never compare it. Without this, the kind decides
    /// ([`Comparator::for_kind`]).
    #[must_use]
    pub fn compare(self, comparator: Option<Comparator>) -> Self {
        self.comparison(comparator.map_or(Comparison::Never, Comparison::With))
    }

    /// Sets how duplicate detection treats this field.
    #[must_use]
    pub fn comparison(mut self, comparison: Comparison) -> Self {
        self.compare = comparison;
        self
    }

    /// How duplicate detection treats this field, as the schema says.
    pub fn comparison_setting(&self) -> Comparison {
        self.compare
    }

    /// The masking rules written on this field: audience and operator.
    pub fn mask_rules(&self) -> impl Iterator<Item = (&str, &Operator)> {
        self.mask.iter().map(|(a, op)| (a.as_str(), op))
    }

    /// Attaches a human description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The field's name.
    pub fn name(&self) -> &str {
        self.name.as_str()
    }

    /// The field's name as a path for errors, issues and change logs
    /// (shared, so cloning it does not allocate).
    pub fn path(&self) -> &FieldPath {
        &self.name
    }

    /// What the field holds.
    pub fn kind(&self) -> &FieldKind {
        &self.kind
    }

    /// Whether a record must have a value for this field.
    pub fn is_required(&self) -> bool {
        self.required
    }

    /// Whether values are personal data that must not appear in logs or
    /// change logs.
    pub fn is_sensitive(&self) -> bool {
        self.sensitive
    }

    /// The maximum length in characters, if any.
    pub fn max_len(&self) -> Option<usize> {
        self.max_length
    }

    /// The field's own default region, if set.
    pub fn default_region(&self) -> Option<RegionCode> {
        self.region
    }

    /// The case policy set on the field, if any.
    pub fn case_option(&self) -> Option<CasePolicy> {
        self.case
    }

    /// The case policy normalization applies: the one set on the field, or
    /// by kind [`CasePolicy::Auto`] for names, street and city, and
    /// [`CasePolicy::Keep`] for everything else.
    pub fn case_policy(&self) -> CasePolicy {
        self.case.unwrap_or(match self.kind {
            FieldKind::FullName
            | FieldKind::GivenName
            | FieldKind::FamilyName
            | FieldKind::Street
            | FieldKind::City => CasePolicy::Auto,
            _ => CasePolicy::Keep,
        })
    }

    /// The human description, if any.
    pub fn about(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Checks the field on its own, the `index`th of its schema; `path`
    /// names it in errors.
    pub(crate) fn check(&self, index: usize, path: &FieldPath) -> Result<()> {
        let setting = SettingPath::root().key("fields").index(index);
        check_name(self.name.as_str()).map_err(|reason| {
            crate::Error::schema(
                setting.clone().key("name"),
                SettingProblem::BadName,
                format!("field name {reason}"),
            )
        })?;
        let bad = |option: &str, problem, reason: &str| ErrorKind::BadOption {
            path: path.clone(),
            setting: setting.clone().key(option),
            option: option.to_owned(),
            problem,
            reason: reason.to_owned(),
        };
        if self.max_length == Some(0) {
            return Err(bad(
                "max_length",
                SettingProblem::OutOfRange,
                "must be at least 1",
            )
            .into());
        }
        if let FieldKind::Enumeration(values) = &self.kind {
            if values.is_empty() {
                return Err(bad(
                    "values",
                    SettingProblem::Empty,
                    "must list at least one value",
                )
                .into());
            }
            for (i, value) in values.iter().enumerate() {
                let at = |problem, reason: &str| ErrorKind::BadOption {
                    path: path.clone(),
                    setting: setting.clone().key("values").index(i),
                    option: "values".to_owned(),
                    problem,
                    reason: reason.to_owned(),
                };
                if value.is_empty() {
                    return Err(at(SettingProblem::Empty, "must not contain an empty value").into());
                }
                if values[..i].contains(value) {
                    return Err(at(SettingProblem::Duplicate, "must not list a value twice").into());
                }
            }
        }
        Ok(())
    }
}

/// Why a field or schema name is unusable, if it is.
pub(crate) fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        Err("is empty")
    } else if name.len() > MAX_NAME_BYTES {
        Err("is longer than 128 bytes")
    } else if name.trim() != name {
        Err("has leading or trailing white space")
    } else if name.chars().any(char::is_control) {
        Err("contains a control character")
    } else {
        Ok(())
    }
}
