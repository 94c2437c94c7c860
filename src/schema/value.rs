//! The value of one field, and how raw input becomes one.

use std::borrow::Cow;
use std::fmt;

use super::FieldKind;

/// The value of one field of a [`Record`](crate::Record).
///
/// `Debug` never shows the content, only its shape (`Text(<11 bytes>)`), so a
/// record can be logged without leaking customer data.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Value {
    /// No value. Empty input text is also stored as `Null`.
    #[default]
    Null,
    /// Text, for every text kind and for typed fields whose input did not
    /// parse (validation reports those).
    Text(String),
    /// A whole number.
    Integer(i64),
    /// An exact decimal number.
    Decimal(Decimal),
    /// True or false.
    Boolean(bool),
}

impl Value {
    /// Whether there is no value.
    pub fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }

    /// The text, if this is a text value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The value written as text (`None` for `Null`): numbers in decimal,
    /// booleans as `true`/`false`.
    pub fn to_text(&self) -> Option<Cow<'_, str>> {
        match self {
            Self::Null => None,
            Self::Text(text) => Some(Cow::Borrowed(text)),
            Self::Integer(n) => Some(Cow::Owned(n.to_string())),
            Self::Decimal(d) => Some(Cow::Borrowed(d.as_str())),
            Self::Boolean(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        }
    }

    /// The name of the value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Text(_) => "text",
            Self::Integer(_) => "integer",
            Self::Decimal(_) => "decimal",
            Self::Boolean(_) => "boolean",
        }
    }

    /// Size of the content in bytes (what the size limit is checked against).
    pub fn byte_len(&self) -> usize {
        match self {
            Self::Text(text) => text.len(),
            Self::Decimal(d) => d.as_str().len(),
            Self::Null | Self::Integer(_) | Self::Boolean(_) => 0,
        }
    }

    /// Converts input for a field of `kind`: text for typed fields is parsed
    /// where it can be (and kept as text where it cannot, for validation to
    /// report); numbers for text fields become text. `Err` carries the name
    /// of what the field expects when the value can never fit it.
    pub(crate) fn fit(self, kind: &FieldKind) -> Result<Self, &'static str> {
        match (self, kind) {
            (Self::Null, _) => Ok(Self::Null),
            (Self::Text(text), _) if text.is_empty() => Ok(Self::Null),
            (Self::Text(text), FieldKind::Integer) => Ok(text
                .trim()
                .parse()
                .map(Self::Integer)
                .unwrap_or(Self::Text(text))),
            (Self::Text(text), FieldKind::Decimal) => Ok(Decimal::parse(text.trim())
                .map(Self::Decimal)
                .unwrap_or(Self::Text(text))),
            (Self::Text(text), FieldKind::Boolean) => Ok(parse_bool(text.trim())
                .map(Self::Boolean)
                .unwrap_or(Self::Text(text))),
            (value @ Self::Text(_), _) => Ok(value),
            (value @ Self::Integer(_), FieldKind::Integer | FieldKind::Decimal) => Ok(value),
            (Self::Integer(0), FieldKind::Boolean) => Ok(Self::Boolean(false)),
            (Self::Integer(1), FieldKind::Boolean) => Ok(Self::Boolean(true)),
            (Self::Integer(_), FieldKind::Boolean) => Err(expected(kind)),
            (Self::Integer(n), _) => Ok(Self::Text(n.to_string())),
            (value @ Self::Decimal(_), FieldKind::Decimal | FieldKind::Integer) => Ok(value),
            (Self::Decimal(_), FieldKind::Boolean) => Err(expected(kind)),
            (Self::Decimal(d), _) => Ok(Self::Text(d.0.into())),
            (value @ Self::Boolean(_), FieldKind::Boolean) => Ok(value),
            (Self::Boolean(_), _) => Err(expected(kind)),
        }
    }
}

/// What a field of `kind` accepts, for error messages.
pub(crate) fn expected(kind: &FieldKind) -> &'static str {
    match kind {
        FieldKind::Integer => "an integer",
        FieldKind::Decimal => "a number",
        FieldKind::Boolean => "a boolean",
        _ => "text",
    }
}

/// Reads the usual spellings of yes and no, including Chinese 是/否.
fn parse_bool(text: &str) -> Option<bool> {
    const TRUE: &[&str] = &["true", "t", "yes", "y", "1", "是"];
    const FALSE: &[&str] = &["false", "f", "no", "n", "0", "否"];
    if TRUE.iter().any(|t| t.eq_ignore_ascii_case(text)) {
        Some(true)
    } else if FALSE.iter().any(|f| f.eq_ignore_ascii_case(text)) {
        Some(false)
    } else {
        None
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Null => f.write_str("Null"),
            Self::Text(text) => write!(f, "Text(<{} bytes>)", text.len()),
            Self::Integer(_) => f.write_str("Integer(<redacted>)"),
            Self::Decimal(_) => f.write_str("Decimal(<redacted>)"),
            Self::Boolean(_) => f.write_str("Boolean(<redacted>)"),
        }
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Self::Integer(n)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Self::Boolean(b)
    }
}

impl From<Decimal> for Value {
    fn from(d: Decimal) -> Self {
        Self::Decimal(d)
    }
}

impl<T: Into<Self>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Null, Into::into)
    }
}

/// An exact decimal number, kept as its canonical text (`-12.50` stays
/// `-12.50`), so that money and measurements never pass through binary
/// floating point.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Decimal(Box<str>);

impl Decimal {
    /// Parses `[+-]digits[.digits]`; a leading `+` is dropped.
    pub fn parse(text: &str) -> Option<Self> {
        let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
        let (whole, fraction) = match unsigned.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (unsigned, None),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || !fraction.is_none_or(digits) {
            return None;
        }
        let canonical = text.strip_prefix('+').unwrap_or(text);
        Some(Self(canonical.into()))
    }

    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The nearest `f64`.
    pub fn to_f64(&self) -> f64 {
        self.0.parse().unwrap_or(f64::NAN)
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Decimal(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_accepts_plain_numbers_only() {
        assert_eq!(Decimal::parse("-12.50").unwrap().as_str(), "-12.50");
        assert_eq!(Decimal::parse("+3").unwrap().as_str(), "3");
        for bad in ["", "-", "1.", ".5", "1e5", "1,5", "NaN", "1.2.3", " 1"] {
            assert!(Decimal::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn fit_parses_typed_fields_and_keeps_what_does_not_parse() {
        let fit = |v: Value, k: &FieldKind| v.fit(k);
        assert_eq!(
            fit(" 42 ".into(), &FieldKind::Integer),
            Ok(Value::Integer(42))
        );
        assert_eq!(fit("4x".into(), &FieldKind::Integer), Ok("4x".into()));
        assert_eq!(
            fit("是".into(), &FieldKind::Boolean),
            Ok(Value::Boolean(true))
        );
        assert_eq!(fit("".into(), &FieldKind::Email), Ok(Value::Null));
        assert_eq!(
            fit(Value::Integer(2000), &FieldKind::Postcode),
            Ok("2000".into())
        );
        assert_eq!(fit(Value::Boolean(true), &FieldKind::Email), Err("text"));
        assert_eq!(
            fit(Value::Integer(7), &FieldKind::Boolean),
            Err("a boolean")
        );
    }

    #[test]
    fn debug_hides_content() {
        let shown = format!("{:?}", Value::from("13812345678"));
        assert_eq!(shown, "Text(<11 bytes>)");
        assert!(!format!("{:?}", Value::Integer(4242)).contains("4242"));
    }
}
