//! Pairs a reviewer labelled: the labels file of the match review page,
//! read back, and the labels by row that a run uses.
//!
//! The file is CSV with a header, `row_a,row_b,label`, then one pair a
//! line: the two records' ids (their `_row` in the input) and `match` or
//! `non_match`. Cells may be quoted as CSV quotes them.

use crate::error::{Result, SettingPath, SettingProblem};

/// A reviewer's verdict on a pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Label {
    /// The two records are one customer.
    Match,
    /// They are two customers.
    NonMatch,
}

impl Label {
    /// `match` or `non_match`, as the labels file writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Match => "match",
            Self::NonMatch => "non_match",
        }
    }
}

/// One line of a labels file: two record ids and a label.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LabelledPair {
    /// The first record's id (its `_row`).
    pub a: String,
    /// The second record's id.
    pub b: String,
    /// The verdict.
    pub label: Label,
    /// The line of the file it came from (from 1, the header's); 0 for
    /// a label made in code.
    pub line: usize,
}

impl LabelledPair {
    /// A label made in code rather than read from a file: records `a`
    /// and `b` (their `_row` ids, as in a labels file) are, or are not,
    /// one customer.
    pub fn new(a: impl Into<String>, b: impl Into<String>, label: Label) -> Self {
        Self {
            a: a.into(),
            b: b.into(),
            label,
            line: 0,
        }
    }
}

/// The error of line `line` of a labels file (never a value of it).
fn bad(line: usize, problem: SettingProblem, reason: &str) -> crate::Error {
    crate::Error::dedupe(
        SettingPath::of(&["labels"]).index(line),
        problem,
        format!("labels file, line {line}: {reason}"),
    )
}

/// One CSV line's cells (quotes as CSV writes them); `None` for an
/// unterminated quote.
fn cells(line: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut cell = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut started = true;
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted => {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    cell.push('"');
                } else {
                    quoted = false;
                }
            }
            '"' if started && cell.is_empty() => quoted = true,
            ',' if !quoted => {
                out.push(std::mem::take(&mut cell));
                started = true;
                continue;
            }
            _ => cell.push(c),
        }
        started = false;
    }
    if quoted {
        return None;
    }
    out.push(cell);
    Some(out)
}

/// Reads a labels file (see the module's documentation). Blank lines are
/// skipped; a pair given twice must carry one label.
///
/// # Errors
/// [`ErrorKind::InvalidDedupe`](crate::ErrorKind::InvalidDedupe) at path
/// `labels[LINE]`, its message naming the line and what is wrong (never a
/// value): a missing or wrong header, a line without three cells, an empty
/// id, a record paired with itself, a label other than `match` and
/// `non_match`, or a pair labelled both ways.
pub fn read_labels(text: &str) -> Result<Vec<LabelledPair>> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')));
    let header = lines
        .next()
        .and_then(|(_, l)| cells(l.trim_start_matches('\u{feff}')));
    let names = header
        .as_ref()
        .map(|h| h.iter().map(|c| c.trim()).collect::<Vec<_>>());
    if names.as_deref() != Some(&["row_a", "row_b", "label"][..]) {
        return Err(bad(
            1,
            SettingProblem::Invalid,
            "the header must be `row_a,row_b,label`",
        ));
    }
    let mut pairs: Vec<LabelledPair> = Vec::new();
    let mut seen: std::collections::HashMap<(String, String), Label> =
        std::collections::HashMap::new();
    for (line, text) in lines {
        if text.trim().is_empty() {
            continue;
        }
        let row = cells(text)
            .ok_or_else(|| bad(line, SettingProblem::Invalid, "a quote is not closed"))?;
        let [a, b, label] = row.as_slice() else {
            return Err(bad(
                line,
                SettingProblem::Invalid,
                "expected three cells: row_a, row_b, label",
            ));
        };
        let (a, b) = (a.trim().to_owned(), b.trim().to_owned());
        if a.is_empty() || b.is_empty() {
            return Err(bad(line, SettingProblem::Empty, "a record id is empty"));
        }
        if a == b {
            return Err(bad(
                line,
                SettingProblem::Conflict,
                "a record is paired with itself",
            ));
        }
        let label = match label.trim() {
            "match" => Label::Match,
            "non_match" => Label::NonMatch,
            _ => {
                return Err(bad(
                    line,
                    SettingProblem::UnknownName,
                    "the label must be `match` or `non_match`",
                ));
            }
        };
        let key = if a < b {
            (a.clone(), b.clone())
        } else {
            (b.clone(), a.clone())
        };
        match seen.insert(key, label) {
            Some(before) if before != label => {
                return Err(bad(
                    line,
                    SettingProblem::Conflict,
                    "the pair was labelled the other way on an earlier line",
                ));
            }
            Some(_) => continue,
            None => {}
        }
        pairs.push(LabelledPair { a, b, label, line });
    }
    Ok(pairs)
}

/// Labelled pairs by row, for a run ([`Deduper::run_labelled`](super::Deduper::run_labelled)).
///
/// Labelled matches seed m (see [`Deduper::run_labelled`](super::Deduper::run_labelled))
/// and are linked; labelled non-matches inform u and are never linked
/// directly.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Labels {
    matches: Vec<(u32, u32)>,
    non_matches: Vec<(u32, u32)>,
}

impl Labels {
    /// No labels.
    pub fn new() -> Self {
        Self::default()
    }

    /// Labels rows `a` and `b` (in any order). A later label of the same
    /// pair replaces an earlier one.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidDedupe`](crate::ErrorKind::InvalidDedupe) for a
    /// row paired with itself or beyond 2³² rows.
    pub fn add(&mut self, a: usize, b: usize, label: Label) -> Result<()> {
        let fits = |r: usize| u32::try_from(r).ok();
        let (Some(x), Some(y)) = (fits(a.min(b)), fits(a.max(b))) else {
            return Err(bad(0, SettingProblem::OutOfRange, "a row is out of range"));
        };
        if x == y {
            return Err(crate::Error::dedupe(
                SettingPath::of(&["labels"]),
                SettingProblem::Conflict,
                "a record is paired with itself",
            ));
        }
        self.matches.retain(|&p| p != (x, y));
        self.non_matches.retain(|&p| p != (x, y));
        match label {
            Label::Match => self.matches.push((x, y)),
            Label::NonMatch => self.non_matches.push((x, y)),
        }
        Ok(())
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.matches.is_empty() && self.non_matches.is_empty()
    }

    /// How many pairs are labelled.
    pub fn len(&self) -> usize {
        self.matches.len() + self.non_matches.len()
    }

    /// The pairs labelled as matches (rows, smaller first).
    pub(crate) fn matches(&self) -> &[(u32, u32)] {
        &self.matches
    }

    /// The pairs labelled as non-matches (rows, smaller first).
    pub(crate) fn non_matches(&self) -> &[(u32, u32)] {
        &self.non_matches
    }

    /// Fails when a label names a row beyond `rows`.
    pub(crate) fn check(&self, rows: usize) -> Result<()> {
        let beyond = self
            .matches
            .iter()
            .chain(&self.non_matches)
            .any(|&(_, b)| b as usize >= rows);
        if beyond {
            return Err(crate::Error::dedupe(
                SettingPath::of(&["labels"]),
                SettingProblem::Mismatch,
                "a labelled pair names a row beyond the input",
            ));
        }
        Ok(())
    }

    /// The label of rows `a` and `b` (in any order), if any.
    pub fn of(&self, a: u32, b: u32) -> Option<Label> {
        let key = (a.min(b), a.max(b));
        if self.matches.contains(&key) {
            Some(Label::Match)
        } else if self.non_matches.contains(&key) {
            Some(Label::NonMatch)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_labels_file_reads_back() {
        let text =
            "row_a,row_b,label\r\n2,5,match\n\n\"left:3\",\"a,\"\"b\",non_match\n5,2,match\n";
        let pairs = read_labels(text).unwrap();
        assert_eq!(pairs.len(), 2, "{pairs:?}");
        assert_eq!((pairs[0].a.as_str(), pairs[0].b.as_str()), ("2", "5"));
        assert_eq!(pairs[0].label, Label::Match);
        let made = LabelledPair::new("2", "5", Label::Match);
        assert_eq!((made.line, pairs[0].line), (0, 2));
        assert_eq!(LabelledPair { line: 2, ..made }, pairs[0]);
        assert_eq!(pairs[1].a, "left:3");
        assert_eq!(pairs[1].b, "a,\"b");
        assert_eq!((pairs[1].label, pairs[1].line), (Label::NonMatch, 4));
        assert!(read_labels("row_a,row_b,label\n").unwrap().is_empty());
    }

    #[test]
    fn a_bad_labels_file_names_the_line_and_never_a_value() {
        for (text, line) in [
            ("", 1),
            ("a,b,c\n1,2,match\n", 1),
            ("row_a,row_b,label\n1,2,match\n3,4\n", 3),
            ("row_a,row_b,label\n1,2,secretvalue\n", 2),
            ("row_a,row_b,label\n,2,match\n", 2),
            ("row_a,row_b,label\n7,7,match\n", 2),
            ("row_a,row_b,label\n\"1,2,match\n", 2),
            ("row_a,row_b,label\n1,2,match\n2,1,non_match\n", 3),
        ] {
            let err = read_labels(text).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::InvalidDedupe, "{text}");
            let message = err.to_string();
            assert!(message.contains(&format!("line {line}:")), "{message}");
            assert!(!message.contains("secretvalue"), "{message}");
            assert_eq!(
                err.setting_path().map(|p| p.to_string()),
                Some(format!("labels[{line}]")),
                "{text}"
            );
        }
    }

    #[test]
    fn labels_by_row_keep_the_last_word() {
        let mut labels = Labels::new();
        labels.add(5, 2, Label::Match).unwrap();
        labels.add(2, 5, Label::NonMatch).unwrap();
        labels.add(1, 9, Label::Match).unwrap();
        assert_eq!(labels.len(), 2);
        assert_eq!(labels.of(5, 2), Some(Label::NonMatch));
        assert_eq!(labels.of(9, 1), Some(Label::Match));
        assert_eq!(labels.of(1, 2), None);
        assert!(labels.add(3, 3, Label::Match).is_err());
        assert!(labels.check(10).is_ok());
        assert!(labels.check(9).is_err());
    }
}
