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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    let mut out = Vec::with_capacity(text.len().min(MAX_PATTERN + 3));
    shape_into(&mut out, text);
    String::from_utf8_lossy(&out).into_owned()
}

/// [`shape`] written into `out` (cleared first) as UTF-8 bytes, to reuse
/// its memory and count patterns without making strings of them. Returns
/// the number of characters in `text`, counted on the same pass (a
/// profile wants both).
pub(crate) fn shape_into(out: &mut Vec<u8>, text: &str) -> usize {
    let mut pattern = Pattern::new();
    let (chars, cut) = if text.is_ascii() {
        // Most values: a byte is a character, no decoding needed.
        let cut = text
            .bytes()
            .any(|b| !pattern.add(ASCII_CLASSES[usize::from(b)]));
        (text.len(), cut)
    } else {
        let mut chars = 0usize;
        let mut rest = text.chars();
        let mut cut = false;
        while let Some(c) = rest.next() {
            chars += 1;
            if !pattern.add(class(c)) {
                chars += rest.count();
                cut = true;
                break;
            }
        }
        (chars, cut)
    };
    out.clear();
    out.extend_from_slice(pattern.symbols());
    if cut {
        out.extend_from_slice("…".as_bytes());
    }
    chars
}

/// A pattern being written: its symbols (all ASCII) so far.
struct Pattern {
    symbols: [u8; MAX_PATTERN],
    len: usize,
    last: Run,
}

impl Pattern {
    fn new() -> Self {
        Self {
            symbols: [0; MAX_PATTERN],
            len: 0,
            last: Run::None,
        }
    }

    /// Adds one character's class; false when the pattern is full and
    /// the character would have added to it (the pattern is then cut).
    #[inline(always)]
    fn add(&mut self, class: Option<(Run, u8)>) -> bool {
        let Some((run, symbol)) = class else {
            return true;
        };
        if run != Run::Single && run == self.last {
            return true;
        }
        self.last = run;
        let Some(slot) = self.symbols.get_mut(self.len) else {
            return false;
        };
        *slot = symbol;
        self.len += 1;
        true
    }

    fn symbols(&self) -> &[u8] {
        &self.symbols[..self.len]
    }
}

/// The run and symbol `c` adds to a pattern; `None` for a control
/// character, which adds nothing.
fn class(c: char) -> Option<(Run, u8)> {
    match ASCII_CLASSES.get(c as usize) {
        Some(&class) => class,
        None => class_of(c),
    }
}

/// [`class_of`] of every ASCII character, looked up instead of asked: most
/// values are ASCII, and the Unicode tables behind `is_uppercase` and the
/// like cost more than the rest of the pattern.
const ASCII_CLASSES: [Option<(Run, u8)>; 128] = {
    let mut classes = [None; 128];
    let mut b = 0u8;
    while b < 128 {
        classes[b as usize] = match b {
            b'0'..=b'9' => Some((Run::Single, b'N')),
            b'A'..=b'Z' => Some((Run::Upper, b'A')),
            b'a'..=b'z' => Some((Run::Lower, b'a')),
            // `char::is_whitespace` in ASCII: tab to carriage return, space.
            0x09..=0x0D | b' ' => Some((Run::Space, b' ')),
            0x21..=0x7E => Some((Run::Single, b)),
            _ => None,
        };
        b += 1;
    }
    classes
};

/// The run and symbol of any character (see the module docs).
fn class_of(c: char) -> Option<(Run, u8)> {
    Some(if c.is_ascii_digit() || c.is_numeric() {
        (Run::Single, b'N')
    } else if c.is_uppercase() {
        (Run::Upper, b'A')
    } else if c.is_lowercase() {
        (Run::Lower, b'a')
    } else if c.is_alphabetic() {
        (Run::Caseless, b'L')
    } else if c.is_whitespace() {
        (Run::Space, b' ')
    } else if let Some(punctuation) = u8::try_from(c).ok().filter(u8::is_ascii_punctuation) {
        (Run::Single, punctuation)
    } else if c.is_control() {
        return None;
    } else {
        (Run::Single, b'?')
    })
}

/// The pattern of a phone value: for E.164 (`+` and 8 to 15 digits with a
/// known calling code) the calling code, the first national digit and the
/// rest as `N` in groups of four from the right; else [`shape`].
pub(crate) fn phone_shape(value: &str) -> String {
    let mut out = Vec::with_capacity(value.len() + 6);
    phone_shape_into(&mut out, value);
    String::from_utf8_lossy(&out).into_owned()
}

/// [`phone_shape`] written into `out` (cleared first); returns the number
/// of characters in `value`, as [`shape_into`] does.
pub(crate) fn phone_shape_into(out: &mut Vec<u8>, value: &str) -> usize {
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
    out.push(b'+');
    out.extend_from_slice(cc.as_bytes());
    out.push(b' ');
    let n = national.len();
    for (i, b) in national.bytes().enumerate() {
        if i > 0 && (n - i).is_multiple_of(4) {
            out.push(b' ');
        }
        out.push(if i == 0 { b } else { b'N' });
    }
    value.len()
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
    fn ascii_table_agrees_with_the_unicode_classes() {
        for b in 0..128u8 {
            let c = char::from(b);
            assert_eq!(ASCII_CLASSES[usize::from(b)], class_of(c), "{b:#04x}");
        }
    }

    /// The pattern as the module docs define it, one character at a
    /// time through the Unicode classes, with no table or buffer.
    fn plainly(text: &str) -> String {
        let mut out = String::new();
        let (mut last, mut written) = (None, 0);
        for (run, symbol) in text.chars().filter_map(class_of) {
            if run != Run::Single && Some(run) == last {
                continue;
            }
            last = Some(run);
            if written == MAX_PATTERN {
                out.push('…');
                break;
            }
            out.push(char::from(symbol));
            written += 1;
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn same_as_the_plain_definition(text in "\\PC{0,60}|[\\x00-\\x7f]{0,90}|[a-zA-Z0-9 ._@-]{0,90}") {
            proptest::prop_assert_eq!(shape(&text), plainly(&text));
        }

        #[test]
        fn counts_characters_on_the_way(text in "\\PC{0,60}|[ -~]{0,60}") {
            let mut out = Vec::new();
            proptest::prop_assert_eq!(shape_into(&mut out, &text), text.chars().count());
            proptest::prop_assert_eq!(phone_shape_into(&mut out, &text), text.chars().count());
            let plus = format!("+86{}", "1".repeat(text.len() % 13));
            proptest::prop_assert_eq!(phone_shape_into(&mut out, &plus), plus.chars().count());
        }
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
