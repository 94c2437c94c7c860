//! Records turned into the columns comparison reads: normalized once, match
//! keys and name spellings computed once, stored in a few large strings
//! rather than millions of small ones.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use rayon::prelude::*;

use super::compare::{Comparator, Prepared};
use super::names;
use crate::error::{ErrorKind, Result};
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
        let end = u32::try_from(self.text.len()).map_err(|_| ErrorKind::InvalidDedupe {
            reason: "the match keys of one field exceed 4 GiB; deduplicate in parts".to_owned(),
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
    /// Whether nickname groups are looked up (given names).
    nicknames: bool,
    /// Names only: packed nickname groups per row.
    pub nick: Vec<u32>,
    /// How many records share the key (term frequency), when the comparator
    /// weighs it; filled by [`Table::count_terms`].
    pub counts: Vec<u32>,
}

/// The compared fields of a set of records. Row-major: all the strings of
/// one row sit together, so comparing a pair touches a few cache lines
/// rather than one per field.
#[derive(Clone, Debug)]
pub(crate) struct Table {
    pub columns: Vec<Column>,
    pub rows: usize,
    strings: Strings,
    /// Strings per row.
    slots: usize,
}

/// Records per parallel work item.
const CHUNK: usize = 2048;

impl Table {
    /// An empty table for the compared fields `(schema index, comparator,
    /// given name)`.
    pub(crate) fn new(fields: &[(usize, Comparator, bool)]) -> Self {
        let mut slots = 0;
        let columns = fields
            .iter()
            .map(|&(field, comparator, nicknames)| {
                let slot = slots;
                slots += if comparator == Comparator::Name { 3 } else { 1 };
                Column {
                    comparator,
                    field,
                    slot,
                    nicknames,
                    nick: Vec::new(),
                    counts: Vec::new(),
                }
            })
            .collect();
        Self {
            columns,
            rows: 0,
            strings: Strings::default(),
            slots,
        }
    }

    fn fields(&self) -> Vec<(usize, Comparator, bool)> {
        self.columns
            .iter()
            .map(|c| (c.field, c.comparator, c.nicknames))
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
        } else {
            Prepared {
                key: self.strings.get(at),
                ..Prepared::default()
            }
        }
    }

    /// Normalizes `records` (in parallel) and adds them as rows.
    pub(crate) fn extend(&mut self, normalizer: &Normalizer, records: &[Record]) -> Result<()> {
        let fields = self.fields();
        let parts: Vec<Result<Self>> = records
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut part = Self::new(&fields);
                for record in chunk {
                    part.push(normalizer, record)?;
                }
                Ok(part)
            })
            .collect();
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
        for column in &mut self.columns {
            let value = &normalized.values()[column.field];
            let key = normalizer
                .match_key(column.field, value)
                .unwrap_or_default();
            self.strings.push(&key)?;
            if column.comparator == Comparator::Name {
                let spelling = names::spelling(&key);
                self.strings.push(&spelling)?;
                self.strings.push(&names::phonetic(&spelling))?;
                column.nick.push(if column.nicknames {
                    names::nickname_groups(&key)
                } else {
                    0
                });
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Counts how many rows share each key of the columns that weigh term
    /// frequency.
    pub(crate) fn count_terms(&mut self) {
        let (strings, slots, rows) = (&self.strings, self.slots, self.rows);
        for column in &mut self.columns {
            if !column.comparator.uses_term_frequency() {
                continue;
            }
            let slot = column.slot;
            let key = |row: usize| strings.get(row * slots + slot);
            let mut counts: HashMap<&str, u32> = HashMap::new();
            for row in 0..rows {
                *counts.entry(key(row)).or_default() += 1;
            }
            column.counts = (0..rows).map(|row| counts[key(row)]).collect();
        }
    }

    /// How many rows hold the key rows `a` and `b` share in column `f`
    /// (0 unless the column weighs term frequency).
    pub(crate) fn term_count(&self, f: usize, a: usize, b: usize) -> u32 {
        let counts = &self.columns[f].counts;
        if counts.is_empty() {
            0
        } else {
            counts[a].max(counts[b])
        }
    }

    /// The match key of column `c` in `row`.
    pub(crate) fn key(&self, c: usize, row: usize) -> &str {
        self.strings.get(row * self.slots + self.columns[c].slot)
    }

    /// A hash of the row's content, the same whatever position it has.
    pub(crate) fn content_hash(&self, row: usize) -> u64 {
        let mut hasher = DefaultHasher::new();
        for column in &self.columns {
            self.strings
                .get(row * self.slots + column.slot)
                .hash(&mut hasher);
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
