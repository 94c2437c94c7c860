//! Issues: a problem with one field, with a stable code, a severity and a
//! message that never contains the value. Normalization and validation both
//! find them, so they live below both stages.

use std::borrow::Cow;
use std::fmt;

use serde::ser::SerializeStruct;

use crate::error::FieldPath;

/// How bad an issue is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth a look; the record can still be used.
    Warning,
    /// The record is wrong; a pipeline rejects it.
    Error,
}

impl Severity {
    /// `"warning"` or `"error"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

macro_rules! issue_codes {
    ($($(#[$doc:meta])* $variant:ident = $number:literal, $name:literal, $severity:ident, $text:literal;)*) => {
        /// A stable code for each kind of issue; the numbers are shared with
        /// the C ABI and never reused. Codes from 10000 up are for rules
        /// that users add ([`IssueCode::Custom`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum IssueCode {
            $($(#[$doc])* $variant,)*
            /// A user rule's own code (10000 or more).
            Custom(u32),
        }

        impl IssueCode {
            /// Every built-in code.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)*];

            /// The code's number.
            pub fn number(self) -> u32 {
                match self {
                    $(Self::$variant => $number,)*
                    Self::Custom(n) => n,
                }
            }

            /// The code with this number; numbers from 10000 up are custom.
            pub fn from_number(number: u32) -> Option<Self> {
                match number {
                    $($number => Some(Self::$variant),)*
                    n if n >= 10_000 => Some(Self::Custom(n)),
                    _ => None,
                }
            }

            /// A stable snake-case name such as `"email_syntax"`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                    Self::Custom(_) => "custom",
                }
            }

            /// The severity an issue of this code has unless a rule says
            /// otherwise.
            pub fn default_severity(self) -> Severity {
                match self {
                    $(Self::$variant => Severity::$severity,)*
                    Self::Custom(_) => Severity::Error,
                }
            }

            fn text(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)*
                    Self::Custom(_) => "failed a custom rule",
                }
            }
        }
    };
}

issue_codes! {
    /// A required field has no value.
    Required = 100, "required", Error, "is required";
    /// Longer than the field's `max_length`.
    TooLong = 101, "too_long", Error, "is longer than allowed";
    /// Not one of the enumeration's values.
    NotAllowed = 102, "not_allowed", Error, "is not one of the allowed values";
    /// Does not match the field's pattern.
    PatternMismatch = 103, "pattern_mismatch", Error, "does not match the field's pattern";
    /// Text where a number or boolean was expected.
    WrongType = 104, "wrong_type", Error, "is not of the field's type";
    /// Not an email address.
    EmailSyntax = 110, "email_syntax", Error, "is not a valid email address";
    /// An email address over the length limits of RFC 5321.
    EmailLength = 111, "email_length", Error, "is too long for an email address";
    /// An email domain that cannot exist.
    EmailDomain = 112, "email_domain", Error, "has an invalid email domain";
    /// Not a phone number.
    PhoneUnparsable = 120, "phone_unparsable", Error, "is not a phone number";
    /// A phone number that its numbering plan does not allow.
    PhoneInvalid = 121, "phone_invalid", Error, "is not a valid phone number";
    /// A phone number of possible length outside every range of its
    /// numbering plan (an error unless the validator accepts possible
    /// numbers).
    PhonePossibleNotValid = 122, "phone_possible_not_valid", Error, "is a possible but not a valid phone number";
    /// Not a date, or no such day.
    DateInvalid = 130, "date_invalid", Error, "is not a valid date";
    /// Day and month could be either way round.
    DateAmbiguous = 131, "date_ambiguous", Warning, "has an ambiguous day and month order";
    /// A birth date after today.
    BirthDateInFuture = 132, "birth_date_in_future", Error, "is in the future";
    /// A birth date further back than the oldest plausible age.
    BirthDateTooOld = 133, "birth_date_too_old", Error, "is implausibly long ago";
    /// An identifier of the wrong length or characters.
    IdFormat = 140, "id_format", Error, "has the wrong format for its scheme";
    /// An identifier whose check digit does not match.
    IdChecksum = 141, "id_checksum", Error, "fails its check digit";
    /// An identifier with a region or country part that does not exist.
    IdRegion = 142, "id_region", Error, "has an unknown region or country code";
    /// An identifier whose embedded birth date is impossible.
    IdBirthDate = 143, "id_birth_date", Error, "has an impossible embedded birth date";
    /// An identifier in a range that is never issued.
    IdNeverIssued = 144, "id_never_issued", Error, "is in a range that is never issued";
    /// A legacy 15-digit China resident id upgraded to 18 digits: its check
    /// character was computed, not verified.
    IdUpgraded = 145, "id_upgraded", Warning, "was upgraded from 15 to 18 digits";
    /// A national id read by the scheme of its record's country
    /// ([`IdScheme::ByCountry`](crate::IdScheme::ByCountry)) in a record
    /// without a country, whose shape is no one scheme's: kept, not
    /// checked.
    IdUnchecked = 146, "id_unchecked", Warning, "was not checked: the record has no country";
    /// A country that custodia does not recognize.
    CountryUnknown = 170, "country_unknown", Error, "is not a known country";
    /// A postcode that does not fit its country's format.
    PostcodeInvalid = 171, "postcode_invalid", Error, "does not fit the country's postcode format";
    /// A gender value that custodia does not recognize.
    GenderUnknown = 172, "gender_unknown", Warning, "is not a recognized gender value";
    /// The birth date in the resident id differs from the date of birth.
    IdBirthDateMismatch = 180, "id_birth_date_mismatch", Error, "differs from the birth date in the resident id";
    /// The gender in the resident id differs from the gender field.
    IdGenderMismatch = 181, "id_gender_mismatch", Error, "differs from the gender in the resident id";
    /// The phone's country differs from the address country.
    PhoneCountryMismatch = 182, "phone_country_mismatch", Warning, "belongs to a different country than the address";
    /// A record last updated longer ago than the schema's staleness limit
    /// ([`Retention`](crate::schema::Retention)).
    StaleRecord = 190, "stale_record", Warning, "is older than the schema's staleness limit";
    /// A record last updated longer ago than the schema's retention limit:
    /// due for deletion ([`Retention`](crate::schema::Retention)).
    RetentionExpired = 191, "retention_expired", Warning, "is past the schema's retention limit";
}

impl fmt::Display for IssueCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One problem with one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    pub(crate) path: FieldPath,
    pub(crate) code: IssueCode,
    pub(crate) severity: Severity,
    pub(crate) detail: Cow<'static, str>,
}

impl Issue {
    /// An issue of `code` on the field at `path`, with the code's default
    /// severity.
    pub fn new(path: impl Into<FieldPath>, code: IssueCode) -> Self {
        Self {
            path: path.into(),
            code,
            severity: code.default_severity(),
            detail: Cow::Borrowed(""),
        }
    }

    /// Adds a detail to the message, e.g. `local part longer than 64
    /// characters`. Details must never contain the field's value.
    #[must_use]
    pub fn detail(mut self, detail: impl Into<Cow<'static, str>>) -> Self {
        self.detail = detail.into();
        self
    }

    /// Overrides the severity.
    #[must_use]
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// The field.
    pub fn path(&self) -> &FieldPath {
        &self.path
    }

    /// The code.
    pub fn code(&self) -> IssueCode {
        self.code
    }

    /// Error or warning.
    pub fn level(&self) -> Severity {
        self.severity
    }

    /// The message: field, what is wrong and the detail, never the value.
    pub fn message(&self) -> String {
        self.to_string()
    }
}

impl From<String> for FieldPath {
    fn from(path: String) -> Self {
        Self::new(path)
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "field `{}` {}", self.path, self.code.text())?;
        if !self.detail.is_empty() {
            write!(f, " ({})", self.detail)?;
        }
        Ok(())
    }
}

impl serde::Serialize for Issue {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Issue", 5)?;
        s.serialize_field("field", self.path.as_str())?;
        s.serialize_field("code", &self.code.number())?;
        s.serialize_field("name", self.code.name())?;
        s.serialize_field("severity", self.severity.name())?;
        s.serialize_field("message", &self.message())?;
        s.end()
    }
}
