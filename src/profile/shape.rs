//! Format patterns: what a value looks like, without what it says. A
//! profile shows these for sensitive fields instead of values.
//!
//! - each digit is `N` (so lengths of numbers show: `NNNNNN`);
//! - a run of upper-case letters is `A`, of lower-case letters `a`, of
//!   letters without case (Han, kana, Hangul...) `L` (`Ann O'Neil` is
//!   `Aa A'Aa`, `ZHANG Wei` is `A Aa`, `张伟` is `L`);
//! - a run of white space is one space;
//! - ASCII punctuation is kept as it is (`@`, `.`, `-`, `+`...), any
//!   other character is `?`;
//! - a phone number in E.164 form keeps its country calling code and the
//!   first digit of its national number, the rest in groups of four from
//!   the right: `+8613800138000` is `+86 1NN NNNN NNNN`.
//!
//! Patterns are cut at 40 characters (then end in `…`).

/// The longest pattern, in characters, before the ellipsis.
const MAX_PATTERN: usize = 40;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Run {
    None,
    Upper,
    Lower,
    Caseless,
    Space,
    Single,
}

/// The format pattern of `text` (see the module docs).
pub(crate) fn shape(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_PATTERN + 3));
    shape_into(&mut out, text);
    out
}

/// [`shape`] written into `out` (cleared first), to reuse its memory.
pub(crate) fn shape_into(out: &mut String, text: &str) {
    out.clear();
    let mut last = Run::None;
    let mut written = 0usize;
    for c in text.chars() {
        let (run, symbol) = if c.is_ascii_digit() || c.is_numeric() {
            (Run::Single, 'N')
        } else if c.is_uppercase() {
            (Run::Upper, 'A')
        } else if c.is_lowercase() {
            (Run::Lower, 'a')
        } else if c.is_alphabetic() {
            (Run::Caseless, 'L')
        } else if c.is_whitespace() {
            (Run::Space, ' ')
        } else if c.is_ascii_punctuation() {
            (Run::Single, c)
        } else if c.is_control() {
            continue;
        } else {
            (Run::Single, '?')
        };
        if run != Run::Single && run == last {
            continue;
        }
        last = run;
        if written == MAX_PATTERN {
            out.push('…');
            break;
        }
        out.push(symbol);
        written += 1;
    }
}

/// The pattern of a phone value: for E.164 (`+` and 8 to 15 digits with a
/// known calling code) the calling code, the first national digit and the
/// rest as `N` in groups of four from the right; else [`shape`].
pub(crate) fn phone_shape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 6);
    phone_shape_into(&mut out, value);
    out
}

/// [`phone_shape`] written into `out` (cleared first).
pub(crate) fn phone_shape_into(out: &mut String, value: &str) {
    let digits = value.strip_prefix('+').unwrap_or("");
    let e164 = (7..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    let code = if e164 {
        crate::normalize::phone::calling_code_len(value)
    } else {
        None
    };
    let Some(code) = code else {
        return shape_into(out, value);
    };
    let (cc, national) = digits.split_at(code);
    out.clear();
    out.push('+');
    out.push_str(cc);
    out.push(' ');
    let n = national.len();
    for (i, c) in national.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(4) {
            out.push(' ');
        }
        out.push(if i == 0 { c } else { 'N' });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(shape("Ann O'Neil"), "Aa A'Aa");
        assert_eq!(shape("ZHANG Wei"), "A Aa");
        assert_eq!(shape("张伟"), "L");
        assert_eq!(shape("ann.smith@example.com"), "a.a@a.a");
        assert_eq!(shape("SW1A 1AA"), "ANA NA");
        assert_eq!(shape("10115"), "NNNNN");
        assert_eq!(shape("a\u{0}b\tc  d"), "a a a");
        assert_eq!(shape("©"), "?");
        assert_eq!(shape(""), "");
        let long = "1".repeat(100);
        assert_eq!(shape(&long), format!("{}…", "N".repeat(40)));
    }

    #[test]
    fn phones() {
        assert_eq!(phone_shape("+8613800138000"), "+86 1NN NNNN NNNN");
        assert_eq!(phone_shape("+4930123456"), "+49 3NNN NNNN");
        assert_eq!(phone_shape("+12025550143"), "+1 2N NNNN NNNN");
        // Not E.164: the general pattern.
        assert_eq!(phone_shape("138 0013"), "NNN NNNN");
        assert_eq!(phone_shape("+999123456789"), "+NNNNNNNNNNNN");
    }
}
