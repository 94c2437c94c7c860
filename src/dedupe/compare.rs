//! How two values of one field are compared: a [`Comparator`] per field,
//! giving a level from "different" (0) up to "exact".

use super::names;
use crate::normalize::text::is_ascii_space;
use crate::schema::{Comparison, Field, FieldKind};

pub use crate::schema::spec::Comparator;

impl Comparator {
    /// The names of the levels, from level 0 (`different`) up.
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Self::Name | Self::Text | Self::Address => &["different", "similar", "close", "exact"],
            Self::Code => &["different", "one edit", "exact"],
            Self::Exact => &["different", "exact"],
            Self::Date => &["different", "same year", "close", "exact"],
            Self::Email => &["different", "similar", "close", "exact"],
            Self::Phone => &["different", "close", "exact"],
        }
    }

    /// The highest of [`Comparator::levels`], which only equal keys reach.
    pub(crate) fn exact_level(self) -> u8 {
        (self.levels().len() - 1) as u8
    }

    /// How costly a comparison is, in four classes: codes, dates and exact
    /// values (0); names and email (1); cities and other text (2);
    /// addresses (3). Scoring compares cheap columns first and stores their
    /// values first in a row.
    pub(crate) fn cost(self) -> usize {
        match self {
            Self::Exact | Self::Date | Self::Code | Self::Phone => 0,
            Self::Name | Self::Email => 1,
            Self::Text => 2,
            Self::Address => 3,
        }
    }

    /// Whether a match at the exact level is weighed by how common the
    /// value is (a shared rare surname says more than a shared common one).
    pub fn uses_term_frequency(self) -> bool {
        matches!(self, Self::Name | Self::Text)
    }

    /// The comparator a field gets when its schema does not name one: by
    /// kind, and none for free text, numbers, flags and record dates (a
    /// customer id or an `updated_at` says nothing about who someone is).
    /// A full name is not compared when the schema also has given and
    /// family names, which carry the same evidence.
    pub fn for_kind(kind: &FieldKind) -> Option<Self> {
        Some(match kind {
            FieldKind::FullName | FieldKind::GivenName | FieldKind::FamilyName => Self::Name,
            FieldKind::Email => Self::Email,
            FieldKind::Phone => Self::Phone,
            FieldKind::Street => Self::Address,
            FieldKind::City => Self::Text,
            FieldKind::Region | FieldKind::Country | FieldKind::Gender => Self::Exact,
            FieldKind::Enumeration(_) => Self::Exact,
            FieldKind::Postcode
            | FieldKind::NationalId(_)
            | FieldKind::Iban
            | FieldKind::PaymentCard => Self::Code,
            FieldKind::BirthDate => Self::Date,
            _ => return None,
        })
    }

    /// The comparator for `field`: the one its schema names, else by kind.
    pub fn for_field(field: &Field) -> Option<Self> {
        match field.comparison_setting() {
            Comparison::ByKind => Self::for_kind(field.kind()),
            Comparison::Never => None,
            Comparison::With(chosen) => Some(chosen),
        }
    }
}

/// One prepared value, as comparison sees it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Prepared<'a> {
    /// The match key; empty when the value is missing.
    pub key: &'a str,
    /// Names: the letter-by-letter spelling (pinyin for Chinese).
    pub spelling: &'a str,
    /// Names: the Double Metaphone code of the spelling.
    pub phonetic: &'a str,
    /// Names: the nickname number ([`names::nickname_number`]). Email: 1 when the mailbox is its
    /// owner's names and nothing else.
    pub nick: u32,
}

impl<'a> Prepared<'a> {
    /// A value that is its match key and nothing else.
    pub(crate) fn of_key(key: &'a str) -> Self {
        Self {
            key,
            ..Self::default()
        }
    }
}

/// [`level`] for a comparator that reads nothing of a value but its match
/// key (the cheap ones, [`Comparator::cost`] 0: codes, exact values, dates,
/// phones), given the two keys. Scoring compares these for every
/// candidate pair, and most are missing or equal, which takes only a look.
#[inline]
pub(crate) fn key_level(comparator: Comparator, a: &str, b: &str) -> Option<u8> {
    debug_assert_eq!(comparator.cost(), 0, "{comparator:?} reads more than keys");
    if a.is_empty() || b.is_empty() {
        None
    } else if a == b {
        Some(comparator.exact_level())
    } else {
        level(comparator, Prepared::of_key(a), Prepared::of_key(b))
    }
}

/// The level of a pair of present values (`None` when either is missing).
pub(crate) fn level(comparator: Comparator, a: Prepared<'_>, b: Prepared<'_>) -> Option<u8> {
    if a.key.is_empty() || b.key.is_empty() {
        return None;
    }
    if a.key.len() > MAX_FUZZY_BYTES || b.key.len() > MAX_FUZZY_BYTES {
        return Some(if a.key == b.key {
            comparator.exact_level()
        } else {
            0
        });
    }
    Some(match comparator {
        Comparator::Name => name(a, b),
        Comparator::Text => graded(a.key, b.key, 0.94, 0.85),
        Comparator::Address => address(a.key, b.key),
        Comparator::Code => exact_or(a.key, b.key, 2, || within_one_edit(a.key, b.key)),
        Comparator::Exact => u8::from(a.key == b.key),
        Comparator::Date => date(a.key, b.key),
        // A mailbox that is its owner's names and nothing else says
        // nothing beyond the names unless it is the same address.
        Comparator::Email if a.key != b.key && (a.nick == 1 || b.nick == 1) => return None,
        Comparator::Email => email(a.key, b.key),
        Comparator::Phone => exact_or(a.key, b.key, 2, || {
            last_digits(a.key, 7) == last_digits(b.key, 7) || within_one_edit(a.key, b.key)
        }),
    })
}

/// The longest key compared by more than equality. Fuzzy comparisons cost
/// the product of the two lengths: two 80,000-character streets took 37 s.
/// No real name, address or mailbox comes near this many bytes.
const MAX_FUZZY_BYTES: usize = 512;

fn exact_or(a: &str, b: &str, exact: u8, close: impl FnOnce() -> bool) -> u8 {
    if a == b { exact } else { u8::from(close()) }
}

fn name(a: Prepared<'_>, b: Prepared<'_>) -> u8 {
    if a.key == b.key {
        return 3;
    }
    if words_within(a.key, b.key) || words_within(b.key, a.key) {
        // `garcia` in `garcia lopez`, `mary` in `mary ann`: one record
        // wrote a second family or given name the other left out.
        return 2;
    }
    if a.spelling.contains('|') || b.spelling.contains('|') {
        // Several readings: the best pair of them.
        return a
            .spelling
            .split('|')
            .flat_map(|x| b.spelling.split('|').map(move |y| spelt(x, y, a, b)))
            .max()
            .unwrap_or(0);
    }
    spelt(a.spelling, b.spelling, a, b)
}

/// The level of two names by their spellings `x` and `y` (one reading
/// each) and the rest of what was prepared of them.
fn spelt(x: &str, y: &str, a: Prepared<'_>, b: Prepared<'_>) -> u8 {
    let nickname = names::nickname_level(a.nick, b.nick);
    if x == y || nickname == 2 || within_one_edit(x, y) {
        return 2;
    }
    let jw = jaro_winkler_from(x, y, 0.8);
    if jw >= 0.92 {
        2
    } else if jw >= 0.8
        || nickname == 1
        || (!a.phonetic.is_empty() && a.phonetic == b.phonetic)
        || is_initial_of(x, y)
        || is_initial_of(y, x)
    {
        1
    } else {
        0
    }
}

/// Whether `longer` has more words than `shorter` and every word of
/// `shorter`, none of them a lone initial.
fn words_within(shorter: &str, longer: &str) -> bool {
    if !longer.contains(' ') || shorter.len() >= longer.len() {
        return false;
    }
    let mut words = shorter.split(' ').filter(|w| !w.is_empty()).peekable();
    words.peek().is_some()
        && words.all(|w| w.chars().nth(1).is_some() && longer.split(' ').any(|v| v == w))
}

/// Whether `initial` is one letter and starts `name`.
fn is_initial_of(initial: &str, name: &str) -> bool {
    let mut chars = initial.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if name.starts_with(c) && name.len() > c.len_utf8())
}

fn graded(a: &str, b: &str, close: f64, similar: f64) -> u8 {
    if a == b {
        return 3;
    }
    if within_one_edit(a, b) {
        return 2;
    }
    let jw = jaro_winkler_from(a, b, similar);
    if jw >= close {
        2
    } else if jw >= similar {
        1
    } else {
        0
    }
}

fn address(a: &str, b: &str) -> u8 {
    if a == b {
        return 3;
    }
    let (shared, total) = shared_words(a, b);
    if (shared == total && total > 0) || within_edits(a, b, 2) {
        return 2;
    }
    let jw = jaro_winkler_from(a, b, 0.8);
    if jw >= 0.92 {
        2
    } else if jw >= 0.8 || (total > 0 && 2 * shared >= total) {
        1
    } else {
        0
    }
}

/// Words the two share (counted from the side where fewer are found), and
/// the larger word count.
fn shared_words(a: &str, b: &str) -> (usize, usize) {
    // Borrowed where they were made: moving two into a tuple copied
    // their 264 bytes each time.
    if let Some(x) = &Words::of(a)
        && let Some(y) = &Words::of(b)
    {
        let (x, y) = (x.as_slice(), y.as_slice());
        let found = |x: &[&str], y: &[&str]| x.iter().filter(|w| y.contains(w)).count();
        return (found(x, y).min(found(y, x)), x.len().max(y.len()));
    }
    let found = |x: &str, y: &str| {
        x.split_whitespace()
            .filter(|w| y.split_whitespace().any(|v| v == *w))
            .count()
    };
    let shared = found(a, b).min(found(b, a));
    (
        shared,
        a.split_whitespace()
            .count()
            .max(b.split_whitespace().count()),
    )
}

/// The words of a short text, split at white space once, on the stack.
struct Words<'a> {
    words: [&'a str; Words::MAX],
    len: usize,
}

impl<'a> Words<'a> {
    /// The most words kept (an address has far fewer).
    const MAX: usize = 16;

    /// The words of `text` (as [`str::split_whitespace`] gives them);
    /// `None` when it has more than [`Words::MAX`].
    fn of(text: &'a str) -> Option<Self> {
        let mut words = Self {
            words: [""; Self::MAX],
            len: 0,
        };
        if !text.is_ascii() {
            for word in text.split_whitespace() {
                words.push(word)?;
            }
            return Some(words);
        }
        // Byte by byte: decoding characters to split at white space was
        // most of the cost of comparing two addresses.
        let bytes = text.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            let start = at
                + bytes[at..]
                    .iter()
                    .take_while(|b| is_ascii_space(**b))
                    .count();
            at = start
                + bytes[start..]
                    .iter()
                    .take_while(|b| !is_ascii_space(**b))
                    .count();
            if at > start {
                words.push(&text[start..at])?;
            }
        }
        Some(words)
    }

    /// Adds `word`; `None` when there are [`Words::MAX`] already.
    fn push(&mut self, word: &'a str) -> Option<()> {
        *self.words.get_mut(self.len)? = word;
        self.len += 1;
        Some(())
    }

    fn as_slice(&self) -> &[&'a str] {
        &self.words[..self.len]
    }
}

fn date(a: &str, b: &str) -> u8 {
    if a == b {
        return 3;
    }
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let iso = |d: &[u8]| d.len() == 10 && d[4] == b'-' && d[7] == b'-';
    if iso(x) && iso(y) {
        // Ten years or more apart is a generation, not a slip of one digit
        // (a father and his son of one name: 1950 and 1980).
        let year = |d: &[u8]| {
            d[..4]
                .iter()
                .fold(0i32, |n, &b| n * 10 + i32::from(b.wrapping_sub(b'0')))
        };
        if (year(x) - year(y)).abs() >= 10 {
            return 0;
        }
        let differing = x.iter().zip(y).filter(|(p, q)| p != q).count();
        let swapped = x[..4] == y[..4] && x[5..7] == y[8..10] && x[8..10] == y[5..7];
        if differing == 1 || swapped || within_one_edit(a, b) {
            2
        } else {
            u8::from(x[..4] == y[..4])
        }
    } else if within_one_edit(a, b) {
        2
    } else {
        0
    }
}

fn email(a: &str, b: &str) -> u8 {
    if a == b {
        return 3;
    }
    let (x, y) = (local_part(a), local_part(b));
    // The number in a mailbox is what tells namesakes' mailboxes apart
    // (john.smith71, john.smith3): mailboxes with other numbers are other
    // mailboxes, however alike their letters.
    if numbers_differ(x, y) {
        return 0;
    }
    if x == y {
        return 2;
    }
    // One slip in the mailbox at the same domain, in a mailbox long enough
    // that one letter does not make another name (`a@x.com` and `d@x.com`
    // are two people).
    let same_domain = a.len() - x.len() == b.len() - y.len() && a[x.len()..] == b[y.len()..];
    let letters = |s: &str| s.bytes().filter(u8::is_ascii_alphabetic).count();
    if same_domain && letters(x).min(letters(y)) >= MIN_SLIP_LETTERS && within_one_edit(x, y) {
        return 2;
    }
    u8::from(
        letters(x).min(letters(y)) >= MIN_SLIP_LETTERS && jaro_winkler_from(x, y, 0.88) >= 0.88,
    )
}

/// The fewest letters a mailbox needs for a slip in it (one edit, or
/// Jaro–Winkler similarity) to count: in shorter ones one letter is
/// another name.
const MIN_SLIP_LETTERS: usize = 5;

/// Whether both mailboxes carry numbers and the numbers are not the same.
fn numbers_differ(x: &str, y: &str) -> bool {
    fn digits(s: &str) -> impl Iterator<Item = u8> + '_ {
        s.bytes().filter(u8::is_ascii_digit)
    }
    digits(x).next().is_some() && digits(y).next().is_some() && !digits(x).eq(digits(y))
}

fn local_part(email: &str) -> &str {
    email.rsplit_once('@').map_or(email, |(local, _)| local)
}

/// The last `n` ASCII digits of `text` (fewer if it has fewer).
fn last_digits(text: &str, n: usize) -> &str {
    let digits = text
        .bytes()
        .rev()
        .take_while(u8::is_ascii_digit)
        .count()
        .min(n);
    &text[text.len() - digits..]
}

/// Jaro–Winkler similarity. ASCII strings up to 64 bytes (nearly every
/// name, city and mailbox) are compared on the stack; strsim's version
/// allocates on every call, which cost a third of all comparison time.
pub(crate) fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !(a.is_ascii() && b.is_ascii()) || x.len() > 64 || y.len() > 64 {
        return strsim::jaro_winkler(a, b);
    }
    jaro_winkler_ascii(x, y)
}

/// [`jaro_winkler`] of two ASCII strings of at most 64 bytes.
fn jaro_winkler_ascii(x: &[u8], y: &[u8]) -> f64 {
    let jaro = jaro_ascii(x, y);
    if jaro <= 0.7 {
        return jaro;
    }
    let prefix = x.iter().zip(y).take(4).take_while(|(p, q)| p == q).count();
    jaro + 0.1 * prefix as f64 * (1.0 - jaro)
}

/// Jaro–Winkler similarity when it may reach `min`, else 0: a cheap bound
/// (characters of each string that occur in the other) rules out most
/// unlike pairs before the full computation.
fn jaro_winkler_from(a: &str, b: &str, min: f64) -> f64 {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !x.is_empty() && !y.is_empty() && a.is_ascii() && b.is_ascii() {
        let mask = |s: &[u8]| s.iter().fold(0u64, |m, &c| m | 1 << (c & 63));
        let (mx, my) = (mask(x), mask(y));
        let shared =
            |s: &[u8], other: u64| s.iter().filter(|&&c| other >> (c & 63) & 1 == 1).count();
        let m = shared(x, my).min(shared(y, mx)) as f64;
        let jaro = if m == 0.0 {
            0.0
        } else {
            (m / x.len() as f64 + m / y.len() as f64 + 1.0) / 3.0
        };
        if jaro + 0.4 * (1.0 - jaro) < min {
            return 0.0;
        }
        if x.len() <= 64 && y.len() <= 64 {
            return jaro_winkler_ascii(x, y);
        }
    }
    jaro_winkler(a, b)
}

/// Jaro similarity of two ASCII strings of at most 64 bytes. Each
/// character of `x` takes the first unused equal character of `y` within
/// the match window; with one bit per position of `y`, finding it is a mask
/// and a count of trailing zeros rather than a scan of the window.
fn jaro_ascii(x: &[u8], y: &[u8]) -> f64 {
    if x.is_empty() && y.is_empty() {
        return 1.0;
    }
    if x.is_empty() || y.is_empty() {
        return 0.0;
    }
    if x == y {
        return 1.0;
    }
    let window = (x.len().max(y.len()) / 2).saturating_sub(1);
    // Where each character occurs in `y`, one bit per position.
    let mut at = [0u64; 128];
    for (j, &c) in y.iter().enumerate() {
        at[usize::from(c & 0x7f)] |= 1 << j;
    }
    let below = |n: usize| if n >= 64 { u64::MAX } else { (1u64 << n) - 1 };
    let (mut y_used, mut x_used) = (0u64, 0u64);
    for (i, &c) in x.iter().enumerate() {
        let (lo, hi) = (i.saturating_sub(window), (i + window + 1).min(y.len()));
        let free = at[usize::from(c & 0x7f)] & !y_used & below(hi) & !below(lo);
        if free != 0 {
            y_used |= free & free.wrapping_neg();
            x_used |= 1 << i;
        }
    }
    let matches = x_used.count_ones() as usize;
    if matches == 0 {
        return 0.0;
    }
    // Matched characters of `x` and of `y`, each in order, compared pairwise.
    let mut transpositions = 0usize;
    let (mut xs, mut ys) = (x_used, y_used);
    while xs != 0 {
        let (i, j) = (xs.trailing_zeros() as usize, ys.trailing_zeros() as usize);
        if x[i] != y[j] {
            transpositions += 1;
        }
        xs &= xs - 1;
        ys &= ys - 1;
    }
    let m = matches as f64;
    (m / x.len() as f64 + m / y.len() as f64 + (m - (transpositions / 2) as f64) / m) / 3.0
}

/// Whether `a` becomes `b` by at most one insertion, deletion, substitution
/// or swap of two neighbouring characters, without allocating.
pub(crate) fn within_one_edit(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return one_edit_ascii(a.as_bytes(), b.as_bytes());
    }
    within_edits(a, b, 1)
}

/// [`within_one_edit`] of ASCII strings without recursion: once their
/// common start and then their common end are set aside, one edit leaves
/// at most one character on each side, or two swapped ones.
fn one_edit_ascii(a: &[u8], b: &[u8]) -> bool {
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    match without_common_ends(a, b) {
        ([] | [_], [] | [_]) => true,
        ([p, q], [r, s]) => p == s && q == r,
        _ => false,
    }
}

/// `a` and `b` without their common start, then without their common end:
/// what is left is where they differ.
fn without_common_ends<'a, 'b>(a: &'a [u8], b: &'b [u8]) -> (&'a [u8], &'b [u8]) {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[prefix..], &b[prefix..]);
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    (&a[..a.len() - suffix], &b[..b.len() - suffix])
}

/// Whether the optimal string alignment distance of `a` and `b` is at most
/// `limit` (0, 1 or 2). Allocation-free for ASCII; others through strsim.
fn within_edits(a: &str, b: &str, limit: usize) -> bool {
    if a.len().abs_diff(b.len()) > limit * 4 {
        return false;
    }
    if !(a.is_ascii() && b.is_ascii()) {
        return strsim::osa_distance(a, b) <= limit;
    }
    edits_ascii(a.as_bytes(), b.as_bytes(), limit)
}

fn edits_ascii(a: &[u8], b: &[u8], limit: usize) -> bool {
    let (a, b) = without_common_ends(a, b);
    if a.len().abs_diff(b.len()) > limit {
        return false;
    }
    if a.is_empty() || b.is_empty() {
        return a.len().max(b.len()) <= limit;
    }
    if limit == 0 {
        return false;
    }
    let next = limit - 1;
    // After the common prefix the first characters differ: substitute,
    // delete, insert, or swap them with their neighbours.
    edits_ascii(&a[1..], &b[1..], next)
        || edits_ascii(&a[1..], b, next)
        || edits_ascii(a, &b[1..], next)
        || (a.len() > 1 && b.len() > 1 && a[0] == b[1] && a[1] == b[0])
            && edits_ascii(&a[2..], &b[2..], next)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Levels do not depend on the order of the two values and stay in
        /// the comparator's range; a value always meets itself exactly.
        #[test]
        fn levels_are_symmetric_and_in_range(
            a in "[a-c ]{0,8}|\\PC{0,10}|[0-9-]{10}",
            b in "[a-c ]{0,8}|\\PC{0,10}|[0-9-]{10}",
            c in 0usize..8,
        ) {
            let comparator = Comparator::ALL[c];
            let (x, y) = (p(&a), p(&b));
            let level = level(comparator, x, y);
            prop_assert_eq!(level, super::level(comparator, y, x));
            if let Some(l) = level {
                prop_assert!((l as usize) < comparator.levels().len());
            }
            if !a.is_empty() {
                let exact = comparator.exact_level();
                prop_assert_eq!(super::level(comparator, x, x), Some(exact));
            }
        }

        /// The cheap comparators read only keys: their level from the keys
        /// alone is the level of the values, missing, equal or not.
        #[test]
        fn cheap_levels_from_keys_are_the_levels_of_the_values(
            a in "|[0-9]{1,3}|[0-9-]{10}|\\PC{0,6}|[a-c]{600}",
            b in "|[0-9]{1,3}|[0-9-]{10}|\\PC{0,6}|[a-c]{600}",
            same in any::<bool>(),
        ) {
            let b = if same { a.clone() } else { b };
            for comparator in Comparator::ALL.into_iter().filter(|c| c.cost() == 0) {
                prop_assert_eq!(key_level(comparator, &a, &b), level(comparator, p(&a), p(&b)));
            }
        }

        /// The allocation-free edit check agrees with strsim's.
        #[test]
        fn edit_bound_matches_strsim(
            a in "[a-d]{0,7}|[ab]{0,3}|\\PC{0,6}",
            b in "[a-d]{0,7}|[ab]{0,3}|\\PC{0,6}",
        ) {
            let distance = strsim::osa_distance(&a, &b);
            prop_assert_eq!(within_one_edit(&a, &b), distance <= 1);
            prop_assert_eq!(within_edits(&a, &b, 2), distance <= 2);
        }

        /// The fast Jaro–Winkler equals strsim's, and the bound never
        /// hides a similarity at or above its minimum.
        #[test]
        fn jaro_winkler_is_exact(
            a in "[a-e]{0,12}|[a-z ]{40,70}",
            b in "[a-e]{0,12}|[a-z ]{40,70}",
            min in 0.5f64..1.0,
        ) {
            let ours = jaro_winkler(&a, &b);
            prop_assert!((ours - strsim::jaro_winkler(&a, &b)).abs() < 1e-12);
            let bounded = jaro_winkler_from(&a, &b, min);
            prop_assert!(bounded == ours || (bounded == 0.0 && ours < min));
        }
    }

    proptest! {
        /// Words split once on the stack count as splitting every time
        /// does, for short and long texts.
        #[test]
        fn shared_words_agree_with_splitting_every_time(
            a in "[ab ]{0,12}|[a-c \t\u{a0}]{30,60}",
            b in "[ab ]{0,12}|[a-c \t\u{a0}]{30,60}",
        ) {
            let found = |x: &str, y: &str| {
                x.split_whitespace()
                    .filter(|w| y.split_whitespace().any(|v| v == *w))
                    .count()
            };
            let words = |x: &str| x.split_whitespace().count();
            let expected = (found(&a, &b).min(found(&b, &a)), words(&a).max(words(&b)));
            prop_assert_eq!(shared_words(&a, &b), expected);
        }

        /// The words of a text are those of `split_whitespace`, whatever
        /// white space (or control character that is none) runs between
        /// them, ASCII or not.
        #[test]
        fn words_are_split_as_split_whitespace_splits(
            text in proptest::collection::vec(
                proptest::sample::select(vec![
                    'a', 'b', ' ', '\t', '\n', '\u{b}', '\u{c}', '\r', '\u{1c}', '\u{1f}',
                    '\0', '\u{7f}', '\u{85}', '\u{a0}', '\u{3000}', 'é',
                ]),
                0..40,
            ),
        ) {
            let text: String = text.into_iter().collect();
            let expected: Vec<&str> = text.split_whitespace().collect();
            match Words::of(&text) {
                Some(words) => prop_assert_eq!(words.as_slice(), &expected[..]),
                None => prop_assert!(expected.len() > Words::MAX),
            }
        }
    }

    fn p(key: &str) -> Prepared<'_> {
        Prepared {
            key,
            spelling: key,
            ..Prepared::default()
        }
    }

    #[test]
    fn one_edit_is_optimal_string_alignment() {
        for (a, b) in [
            ("abc", "abc"),
            ("abc", "abd"),
            ("abc", "ab"),
            ("abc", "bac"),
            ("", "a"),
        ] {
            assert!(within_one_edit(a, b), "{a} {b}");
            assert!(within_one_edit(b, a), "{b} {a}");
        }
        for (a, b) in [
            ("abc", "cba"),
            ("abc", "a"),
            ("kitten", "sitting"),
            ("", "ab"),
        ] {
            assert!(!within_one_edit(a, b), "{a} {b}");
        }
        assert!(within_edits("tullaroop", "tulaorop", 2));
        assert!(!within_edits("tullaroop", "tlaorop", 2));
    }

    #[test]
    fn levels_by_comparator() {
        let level = |c, a, b| level(c, p(a), p(b));
        assert_eq!(level(Comparator::Name, "ann", "ann"), Some(3));
        assert_eq!(level(Comparator::Name, "jon", "john"), Some(2));
        assert_eq!(level(Comparator::Name, "j", "john"), Some(1));
        assert_eq!(level(Comparator::Name, "ann", "robert"), Some(0));
        assert_eq!(level(Comparator::Name, "", "robert"), None);
        // A second family or given name left out; not an initial alone.
        assert_eq!(level(Comparator::Name, "garcia", "garcia lopez"), Some(2));
        assert_eq!(level(Comparator::Name, "lopez garcia", "garcia"), Some(2));
        assert_eq!(level(Comparator::Name, "mary ann", "mary"), Some(2));
        assert_eq!(level(Comparator::Name, "j", "j smith"), Some(1));
        assert_eq!(level(Comparator::Name, "lopez", "garcia ruiz"), Some(0));
        assert_eq!(level(Comparator::Date, "1990-01-02", "1990-02-01"), Some(2));
        assert_eq!(level(Comparator::Date, "1990-01-02", "1990-01-03"), Some(2));
        assert_eq!(level(Comparator::Date, "1990-05-02", "1990-07-19"), Some(1));
        assert_eq!(level(Comparator::Date, "1990-05-02", "1971-07-19"), Some(0));
        // One digit, but a generation apart; one digit in the same decade.
        assert_eq!(level(Comparator::Date, "1950-01-01", "1980-01-01"), Some(0));
        assert_eq!(level(Comparator::Date, "1950-01-01", "1850-01-01"), Some(0));
        assert_eq!(level(Comparator::Date, "1950-01-01", "1951-01-01"), Some(2));
        assert_eq!(level(Comparator::Date, "1950-01-01", "1950-01-07"), Some(2));
        assert_eq!(
            level(Comparator::Phone, "+61412345678", "+61212345678"),
            Some(1)
        );
        assert_eq!(level(Comparator::Email, "ann@a.com", "ann@b.org"), Some(2));
        assert_eq!(
            level(Comparator::Address, "1 main st", "main st 1"),
            Some(2)
        );
        assert_eq!(level(Comparator::Code, "2000", "2001"), Some(1));
        assert_eq!(level(Comparator::Exact, "nsw", "vic"), Some(0));
    }

    #[test]
    fn very_long_values_are_compared_by_equality_alone() {
        let long: String = "ab".repeat(40_000);
        let mut slip = long.clone();
        slip.replace_range(10..11, "x");
        for comparator in [
            Comparator::Name,
            Comparator::Address,
            Comparator::Text,
            Comparator::Email,
        ] {
            let exact = comparator.exact_level();
            assert_eq!(level(comparator, p(&long), p(&long)), Some(exact));
            assert_eq!(
                level(comparator, p(&long), p(&slip)),
                Some(0),
                "{comparator:?}"
            );
            assert_eq!(level(comparator, p(&long), p("ab")), Some(0));
        }
        // At the limit, still compared in full.
        let limit = "a".repeat(MAX_FUZZY_BYTES);
        let mut near = limit.clone();
        near.replace_range(0..1, "b");
        assert_eq!(level(Comparator::Text, p(&limit), p(&near)), Some(2));
    }

    #[test]
    fn mailboxes_differing_in_their_numbers_or_too_short_for_a_slip_are_different() {
        let level = |a, b| level(Comparator::Email, p(a), p(b));
        // One letter in a short mailbox is another person.
        assert_eq!(level("a@x.com", "d@x.com"), Some(0));
        assert_eq!(level("ann@x.com", "anne@x.com"), Some(0));
        // A slip in a long one is a slip; at another domain it is not.
        assert_eq!(level("annabel.lee@x.com", "anabel.lee@x.com"), Some(2));
        assert_eq!(level("annabel.lee@x.com", "anabel.lee@y.com"), Some(1));
        // Numbers tell namesakes' mailboxes apart.
        assert_eq!(level("jsmith85@x.com", "jsmith86@x.com"), Some(0));
        assert_eq!(level("cfournier38@x.com", "cfournier35@y.com"), Some(0));
        assert_eq!(level("ann.lee71@x.com", "ann.lee71@y.com"), Some(2));
        assert_eq!(level("ann.lee71@x.com", "ann.lee@y.com"), Some(1));
    }

    #[test]
    fn a_mailbox_of_names_alone_is_missing_unless_the_same_address() {
        let (mut a, b) = (p("ann.lee@x.com"), p("ann.lee@y.com"));
        assert_eq!(level(Comparator::Email, a, b), Some(2));
        a.nick = 1;
        assert_eq!(level(Comparator::Email, a, b), None);
        assert_eq!(level(Comparator::Email, a, a), Some(3));
    }

    #[test]
    fn jaro_winkler_agrees_with_strsim() {
        let words = [
            "martha",
            "marhta",
            "dixon",
            "dicksonx",
            "",
            "a",
            "abc",
            "jellyfish",
            "smellyfish",
            "zhangwei",
            "zhangwie",
            "tullaroop street",
            "tullaroopstreet",
        ];
        for a in words {
            for b in words {
                let (ours, theirs) = (jaro_winkler(a, b), strsim::jaro_winkler(a, b));
                assert!((ours - theirs).abs() < 1e-12, "{a} {b}: {ours} {theirs}");
                for min in [0.5, 0.8, 0.9] {
                    let bounded = jaro_winkler_from(a, b, min);
                    assert!(
                        bounded == ours || (bounded == 0.0 && ours < min),
                        "{a} {b} {min}"
                    );
                }
            }
        }
    }

    #[test]
    fn comparators_round_trip_by_name() {
        for c in Comparator::ALL {
            assert_eq!(Comparator::from_name(c.name()), Some(c));
        }
        assert_eq!(Comparator::from_name("fuzzy"), None);
    }
}
