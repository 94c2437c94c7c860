//! Records turned into the columns comparison reads: normalized once, match
//! keys and name spellings computed once, stored in a few large strings
//! rather than millions of small ones.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use rayon::prelude::*;

use super::Records;
use super::compare::{Comparator, Prepared};
use super::names;
use super::scripts::{self, Reading, Role};
use crate::error::Result;
use crate::normalize::Normalizer;
use crate::schema::Record;

/// Many strings in one buffer.
#[derive(Clone, Debug, Default)]
pub(crate) struct Strings {
    text: String,
    ends: Vec<u32>,
}

impl Strings {
    pub(crate) fn push(&mut self, s: &str) -> Result<()> {
        self.text.push_str(s);
        let end = u32::try_from(self.text.len()).map_err(|_| {
            crate::Error::dedupe(
                crate::error::SettingPath::root(),
                crate::error::SettingProblem::TooLarge,
                "the match keys of one field exceed 4 GiB; deduplicate in parts",
            )
        })?;
        self.ends.push(end);
        Ok(())
    }

    pub(crate) fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    fn append(&mut self, other: &Self) -> Result<()> {
        for i in 0..other.ends.len() {
            self.push(other.get(i))?;
        }
        Ok(())
    }
}

/// One compared field: how it is compared and where its values sit.
#[derive(Clone, Debug)]
pub(crate) struct Column {
    pub comparator: Comparator,
    /// The field's position in the schema.
    pub field: usize,
    /// The slot of the match key in a row; names also have the spelling
    /// and the phonetic code in the next two slots.
    slot: usize,
    /// What a name field holds (given names get nickname groups).
    role: Role,
    /// Names only: packed nickname groups per row.
    pub nick: Vec<u32>,
    /// The column's place in a row of term counts, when the comparator
    /// weighs term frequency.
    term: Option<usize>,
}

/// The compared fields of a set of records. Row-major: all the strings of
/// one row sit together, so comparing a pair touches a few cache lines
/// rather than one per field.
#[derive(Clone, Debug)]
pub(crate) struct Table {
    pub columns: Vec<Column>,
    /// Where the fields that say how names are read sit in the schema.
    hints: Hints,
    pub rows: usize,
    strings: Strings,
    /// Strings per row.
    slots: usize,
    /// Column indices in the order their strings sit in a row.
    layout: Vec<usize>,
    /// How many records share each row's key, per column that weighs term
    /// frequency; row-major like the strings, so that scoring a pair reads
    /// one cache line of them. Filled by [`Table::count_terms`].
    terms: Vec<u32>,
    /// Term counts per row.
    term_slots: usize,
}

/// Schema positions of the fields that say how a record's names are read
/// (see [`scripts::Reading`]).
#[derive(Clone, Debug, Default)]
pub(crate) struct Hints {
    pub country: Option<usize>,
    pub phone: Option<usize>,
    pub given: Option<usize>,
    pub family: Option<usize>,
}

impl Hints {
    /// How the names of a normalized record are read: by its country, else
    /// its phone's country code, else whether its names are Japanese.
    fn reading(&self, record: &Record) -> Reading {
        let text = |at: Option<usize>| at.and_then(|i| record.values()[i].as_str());
        text(self.country)
            .and_then(scripts::reading_of_country)
            .or_else(|| text(self.phone).and_then(scripts::reading_of_phone))
            .unwrap_or_else(|| {
                let (family, given) = (text(self.family), text(self.given));
                if scripts::looks_japanese(family.unwrap_or(""), given.unwrap_or("")) {
                    Reading::Japanese
                } else {
                    Reading::Chinese
                }
            })
    }
}

/// Records per parallel work item.
const CHUNK: usize = 2048;

/// Whether a column keeps a number per row beside its strings: nickname
/// groups of names, the "mailbox is the names" flag of emails.
fn has_flags(comparator: Comparator) -> bool {
    matches!(comparator, Comparator::Name | Comparator::Email)
}

/// Whether the mailbox of `email` (a match key) is its owner's names and
/// nothing else: no digits, and its letters are a given and a family name
/// (of `given` and `family`, their spellings in Latin letters) in either
/// order, or an initial and a family name. Such a mailbox says nothing the
/// names do not: namesakes get the same one at every provider.
pub(crate) fn mailbox_is_a_name(email: &str, given: &[String], family: &[String]) -> bool {
    let local = email.rsplit_once('@').map_or(email, |(local, _)| local);
    if local.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    let letters: String = local.chars().filter(char::is_ascii_alphabetic).collect();
    given.iter().any(|g| {
        let initial = &g[..g.chars().next().map_or(0, char::len_utf8)];
        family.iter().any(|f| {
            [(g.as_str(), f.as_str()), (initial, f.as_str())]
                .iter()
                .any(|&(g, f)| {
                    letters.len() == g.len() + f.len()
                        && ((letters.starts_with(g) && letters.ends_with(f))
                            || (letters.starts_with(f) && letters.ends_with(g)))
                })
        })
    })
}

impl Table {
    /// An empty table for the compared fields `(schema index, comparator,
    /// name role)`, reading names by `hints`.
    pub(crate) fn new(fields: &[(usize, Comparator, Role)], hints: Hints) -> Self {
        // Cheap columns first in a row: scoring reads them for every pair
        // and most pairs stop there, so they should share cache lines.
        let mut layout: Vec<usize> = (0..fields.len()).collect();
        layout.sort_by_key(|&c| fields[c].1.cost());
        let mut slot_of = vec![0; fields.len()];
        let mut slots = 0;
        for &c in &layout {
            slot_of[c] = slots;
            slots += if fields[c].1 == Comparator::Name {
                3
            } else {
                1
            };
        }
        let mut term_slots = 0;
        let columns = fields
            .iter()
            .zip(slot_of)
            .map(|(&(field, comparator, role), slot)| {
                let term = comparator.uses_term_frequency().then(|| {
                    term_slots += 1;
                    term_slots - 1
                });
                Column {
                    comparator,
                    field,
                    slot,
                    role,
                    nick: Vec::new(),
                    term,
                }
            })
            .collect();
        Self {
            columns,
            hints,
            rows: 0,
            strings: Strings::default(),
            slots,
            layout,
            terms: Vec::new(),
            term_slots,
        }
    }

    fn fields(&self) -> Vec<(usize, Comparator, Role)> {
        self.columns
            .iter()
            .map(|c| (c.field, c.comparator, c.role))
            .collect()
    }

    /// The prepared value of column `c` in `row`.
    pub(crate) fn get(&self, c: usize, row: usize) -> Prepared<'_> {
        let column = &self.columns[c];
        let at = row * self.slots + column.slot;
        if column.comparator == Comparator::Name {
            Prepared {
                key: self.strings.get(at),
                spelling: self.strings.get(at + 1),
                phonetic: self.strings.get(at + 2),
                nick: column.nick[row],
            }
        } else if column.comparator == Comparator::Email {
            Prepared {
                key: self.strings.get(at),
                nick: column.nick.get(row).copied().unwrap_or_default(),
                ..Prepared::default()
            }
        } else {
            Prepared {
                key: self.strings.get(at),
                ..Prepared::default()
            }
        }
    }

    /// Normalizes `records` (in parallel) and adds them as rows.
    pub(crate) fn extend(&mut self, normalizer: &Normalizer, records: &[Record]) -> Result<()> {
        let parts: Vec<Result<Self>> = records
            .par_chunks(CHUNK)
            .map(|chunk| self.part(normalizer, chunk))
            .collect();
        self.append_parts(parts)
    }

    /// [`Table::extend`] with records read a chunk at a time.
    pub(crate) fn extend_from(
        &mut self,
        normalizer: &Normalizer,
        records: &dyn Records,
    ) -> Result<()> {
        let n = records.len();
        let parts: Vec<Result<Self>> = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|k| {
                let chunk = records.chunk(k * CHUNK..n.min((k + 1) * CHUNK))?;
                self.part(normalizer, &chunk)
            })
            .collect();
        self.append_parts(parts)
    }

    /// The rows of `records`, as a table of their own.
    fn part(&self, normalizer: &Normalizer, records: &[Record]) -> Result<Self> {
        let mut part = Self::new(&self.fields(), self.hints.clone());
        for record in records {
            part.push(normalizer, record)?;
        }
        Ok(part)
    }

    /// Appends the rows of `parts`, in order.
    fn append_parts(&mut self, parts: Vec<Result<Self>>) -> Result<()> {
        for part in parts {
            let part = part?;
            self.strings.append(&part.strings)?;
            for (column, other) in self.columns.iter_mut().zip(&part.columns) {
                column.nick.extend_from_slice(&other.nick);
            }
            self.rows += part.rows;
        }
        Ok(())
    }

    /// Normalizes one record and adds it as a row.
    pub(crate) fn push(&mut self, normalizer: &Normalizer, record: &Record) -> Result<()> {
        let normalized = normalizer.normalize(record)?.record;
        let reading = self.hints.reading(&normalized);
        // The spellings of the given and family names, for telling a
        // mailbox made of them; emails are told once the row is read.
        let mut spelled: [Option<String>; 2] = [None, None];
        let mut emails: Vec<(usize, String)> = Vec::new();
        for &c in &self.layout {
            let column = &mut self.columns[c];
            let value = &normalized.values()[column.field];
            let key = normalizer
                .match_key(column.field, value)
                .unwrap_or_default();
            self.strings.push(&key)?;
            if column.comparator == Comparator::Name {
                let spelling = scripts::spelling(&key, column.role, reading);
                self.strings.push(&spelling)?;
                let first = spelling.split('|').next().unwrap_or_default();
                self.strings.push(&names::phonetic(first))?;
                // Family names too: a given name written in the family column
                // (swapped) still meets its nickname.
                column
                    .nick
                    .push(if matches!(column.role, Role::Given | Role::Family) {
                        names::nickname_groups(&key)
                    } else {
                        0
                    });
                if Some(column.field) == self.hints.given {
                    spelled[0] = Some(spelling);
                } else if Some(column.field) == self.hints.family {
                    spelled[1] = Some(spelling);
                }
            } else if column.comparator == Comparator::Email {
                emails.push((c, key));
            }
        }
        for (c, key) in emails {
            let local = key.rsplit_once('@').map_or(key.as_str(), |(l, _)| l);
            let own = !local.is_empty()
                && !local.bytes().any(|b| b.is_ascii_digit())
                && self.mailbox_of_names(&key, &normalized, normalizer, reading, &mut spelled);
            self.columns[c].nick.push(u32::from(own));
        }
        self.rows += 1;
        Ok(())
    }

    /// Whether `email` is the record's names alone (see
    /// [`mailbox_is_a_name`]), with the names' spellings from `spelled`
    /// (given, family) or spelt now when not compared.
    fn mailbox_of_names(
        &self,
        email: &str,
        normalized: &Record,
        normalizer: &Normalizer,
        reading: Reading,
        spelled: &mut [Option<String>; 2],
    ) -> bool {
        let mut readings = |k: usize, at: Option<usize>, role: Role| -> Vec<String> {
            let spelling = spelled[k].get_or_insert_with(|| {
                at.map(|i| {
                    let key = normalizer
                        .match_key(i, &normalized.values()[i])
                        .unwrap_or_default();
                    scripts::spelling(&key, role, reading)
                })
                .unwrap_or_default()
            });
            spelling
                .split('|')
                .map(|s| s.chars().filter(char::is_ascii_alphanumeric).collect())
                .filter(|s: &String| !s.is_empty())
                .collect()
        };
        let given = readings(0, self.hints.given, Role::Given);
        let family = readings(1, self.hints.family, Role::Family);
        mailbox_is_a_name(email, &given, &family)
    }

    /// Counts how many rows share each key of the columns that weigh term
    /// frequency.
    pub(crate) fn count_terms(&mut self) {
        let (strings, slots, rows) = (&self.strings, self.slots, self.rows);
        let mut terms = vec![0; rows * self.term_slots];
        for column in &self.columns {
            let Some(term) = column.term else { continue };
            let slot = column.slot;
            let key = |row: usize| strings.get(row * slots + slot);
            let mut counts: HashMap<&str, u32> = HashMap::new();
            for row in 0..rows {
                *counts.entry(key(row)).or_default() += 1;
            }
            for row in 0..rows {
                terms[row * self.term_slots + term] = counts[key(row)];
            }
        }
        self.terms = terms;
    }

    /// How many rows hold the key rows `a` and `b` share in column `f`
    /// (0 unless the column weighs term frequency).
    pub(crate) fn term_count(&self, f: usize, a: usize, b: usize) -> u32 {
        match self.columns[f].term {
            Some(term) if !self.terms.is_empty() => {
                let at = |row: usize| self.terms[row * self.term_slots + term];
                at(a).max(at(b))
            }
            _ => 0,
        }
    }

    /// The parts of one row, for shipping it elsewhere: its strings in
    /// slot order, the nickname groups of its name columns and the flags of
    /// its email columns (in column order) and its term counts (empty
    /// before they are counted).
    pub(crate) fn row_parts(&self, row: usize) -> (Vec<&str>, Vec<u32>, &[u32]) {
        let strings = (0..self.slots)
            .map(|s| self.strings.get(row * self.slots + s))
            .collect();
        let nicks = self
            .columns
            .iter()
            .filter(|c| has_flags(c.comparator))
            .map(|c| c.nick[row])
            .collect();
        let terms = self
            .terms
            .get(row * self.term_slots..(row + 1) * self.term_slots)
            .unwrap_or_default();
        (strings, nicks, terms)
    }

    /// Strings per row, name and email columns, and term counts per row: the shape
    /// [`Table::push_parts`] expects.
    pub(crate) fn shape(&self) -> (usize, usize, usize) {
        let names = self
            .columns
            .iter()
            .filter(|c| has_flags(c.comparator))
            .count();
        (self.slots, names, self.term_slots)
    }

    /// Adds a row from the parts [`Table::row_parts`] gave, in the shape
    /// [`Table::shape`] says (the caller checks it). Term counts are kept
    /// only when every row has them.
    pub(crate) fn push_parts(
        &mut self,
        strings: &[&str],
        nicks: &[u32],
        terms: &[u32],
    ) -> Result<()> {
        for s in strings {
            self.strings.push(s)?;
        }
        let mut nicks = nicks.iter();
        for column in &mut self.columns {
            if has_flags(column.comparator) {
                column.nick.push(nicks.next().copied().unwrap_or_default());
            }
        }
        if self.terms.len() == self.rows * self.term_slots {
            self.terms.extend_from_slice(terms);
        }
        self.rows += 1;
        Ok(())
    }

    /// The columns weighed by term frequency, in the order of their
    /// counts in a row.
    pub(crate) fn term_columns(&self) -> Vec<usize> {
        let mut columns: Vec<(usize, usize)> = self
            .columns
            .iter()
            .enumerate()
            .filter_map(|(c, column)| Some((column.term?, c)))
            .collect();
        columns.sort_unstable();
        columns.into_iter().map(|(_, c)| c).collect()
    }

    /// Sets the term counts of `row` (in [`Table::term_columns`] order),
    /// making room for every row's counts first.
    pub(crate) fn set_terms(&mut self, row: usize, counts: &[u32]) {
        if self.terms.len() != self.rows * self.term_slots {
            self.terms = vec![0; self.rows * self.term_slots];
        }
        let at = row * self.term_slots;
        if let Some(slot) = self.terms.get_mut(at..at + self.term_slots) {
            for (t, &n) in slot.iter_mut().zip(counts) {
                *t = n;
            }
        }
    }

    /// How many rows hold `row`'s key in column `f`, as counted (0 unless
    /// the column weighs term frequency).
    pub(crate) fn term_of(&self, f: usize, row: usize) -> u32 {
        match self.columns[f].term {
            Some(term) => self
                .terms
                .get(row * self.term_slots + term)
                .copied()
                .unwrap_or(0),
            None => 0,
        }
    }

    /// The match key of column `c` in `row`.
    pub(crate) fn key(&self, c: usize, row: usize) -> &str {
        self.strings.get(row * self.slots + self.columns[c].slot)
    }

    /// A hash of the row's content, the same whatever position it has.
    pub(crate) fn content_hash(&self, row: usize) -> u64 {
        let mut hasher = DefaultHasher::new();
        for c in 0..self.columns.len() {
            self.key(c, row).hash(&mut hasher);
        }
        hasher.finish()
    }

    /// Rows ranked by content (ties by position): every order-sensitive step
    /// (sampling, windows, tie breaks) goes by rank, so results do not
    /// depend on the order records came in.
    pub(crate) fn ranks(&self) -> Vec<u32> {
        let hashes: Vec<u64> = (0..self.rows)
            .into_par_iter()
            .map(|r| self.content_hash(r))
            .collect();
        let mut order: Vec<u32> = (0..self.rows as u32).collect();
        order.par_sort_unstable_by_key(|&r| (hashes[r as usize], r));
        let mut ranks = vec![0; self.rows];
        for (rank, &row) in order.iter().enumerate() {
            ranks[row as usize] = rank as u32;
        }
        ranks
    }
}

#[cfg(test)]
mod mailbox_tests {
    use super::mailbox_is_a_name;

    #[test]
    fn mailboxes_made_of_the_names_alone_are_told() {
        let names = |s: &[&str]| s.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let (given, family) = (names(&["camille"]), names(&["vincent"]));
        for own in [
            "camille.vincent@qq.com",
            "vincent_camille@x.org",
            "cvincent@x.org",
        ] {
            assert!(mailbox_is_a_name(own, &given, &family), "{own}");
        }
        for other in [
            "camille.vincent7@qq.com",
            "camille@x.org",
            "cami.vincent@x.org",
            "camille.vincent.paris@x.org",
        ] {
            assert!(!mailbox_is_a_name(other, &given, &family), "{other}");
        }
        // Any reading of a name written in another script.
        let (given, family) = (names(&["yuko", "yuuko"]), names(&["watanabe"]));
        assert!(mailbox_is_a_name("yuuko.watanabe@x.jp", &given, &family));
        assert!(!mailbox_is_a_name("x@x.jp", &[], &family));
    }
}
