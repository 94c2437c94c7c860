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
use crate::schema::{FieldKind, Record};

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

/// One compared field of every record.
#[derive(Clone, Debug)]
pub(crate) struct Column {
    pub comparator: Comparator,
    /// The field's position in the schema.
    pub field: usize,
    pub keys: Strings,
    /// Names only: spelling, phonetic code, nickname groups.
    pub spelling: Strings,
    pub phonetic: Strings,
    pub nick: Vec<u32>,
    /// How many records share the key (term frequency), when the comparator
    /// weighs it; filled by [`Table::count_terms`].
    pub counts: Vec<u32>,
}

impl Column {
    fn new(comparator: Comparator, field: usize) -> Self {
        Self {
            comparator,
            field,
            keys: Strings::default(),
            spelling: Strings::default(),
            phonetic: Strings::default(),
            nick: Vec::new(),
            counts: Vec::new(),
        }
    }

    pub(crate) fn get(&self, row: usize) -> Prepared<'_> {
        if self.comparator == Comparator::Name {
            Prepared {
                key: self.keys.get(row),
                spelling: self.spelling.get(row),
                phonetic: self.phonetic.get(row),
                nick: self.nick[row],
            }
        } else {
            Prepared {
                key: self.keys.get(row),
                ..Prepared::default()
            }
        }
    }

    fn push(&mut self, key: &str, nicknames: bool) -> Result<()> {
        self.keys.push(key)?;
        if self.comparator == Comparator::Name {
            let spelling = names::spelling(key);
            self.phonetic.push(&names::phonetic(&spelling))?;
            self.spelling.push(&spelling)?;
            self.nick.push(if nicknames {
                names::nickname_groups(key)
            } else {
                0
            });
        }
        Ok(())
    }

    fn append(&mut self, other: &Self) -> Result<()> {
        self.keys.append(&other.keys)?;
        self.spelling.append(&other.spelling)?;
        self.phonetic.append(&other.phonetic)?;
        self.nick.extend_from_slice(&other.nick);
        Ok(())
    }
}

/// The compared fields of a set of records, row by row.
#[derive(Clone, Debug)]
pub(crate) struct Table {
    pub columns: Vec<Column>,
    pub rows: usize,
}

/// Records per parallel work item.
const CHUNK: usize = 2048;

impl Table {
    /// An empty table for the compared fields `(schema index, comparator)`.
    pub(crate) fn new(fields: &[(usize, Comparator)]) -> Self {
        Self {
            columns: fields.iter().map(|&(f, c)| Column::new(c, f)).collect(),
            rows: 0,
        }
    }

    /// Normalizes `records` (in parallel) and adds them as rows.
    pub(crate) fn extend(&mut self, normalizer: &Normalizer, records: &[Record]) -> Result<()> {
        let fields: Vec<_> = self
            .columns
            .iter()
            .map(|c| (c.field, c.comparator))
            .collect();
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
            for (column, other) in self.columns.iter_mut().zip(&part.columns) {
                column.append(other)?;
            }
            self.rows += part.rows;
        }
        Ok(())
    }

    /// Normalizes one record and adds it as a row.
    pub(crate) fn push(&mut self, normalizer: &Normalizer, record: &Record) -> Result<()> {
        let schema = normalizer.schema();
        let normalized = normalizer.normalize(record)?.record;
        for column in &mut self.columns {
            let value = &normalized.values()[column.field];
            let key = normalizer
                .match_key(column.field, value)
                .unwrap_or_default();
            let given = matches!(schema.fields()[column.field].kind(), FieldKind::GivenName);
            column.push(&key, given)?;
        }
        self.rows += 1;
        Ok(())
    }

    /// Counts how many rows share each key of the columns that weigh term
    /// frequency.
    pub(crate) fn count_terms(&mut self) {
        for column in &mut self.columns {
            if !column.comparator.uses_term_frequency() {
                continue;
            }
            let mut counts: HashMap<&str, u32> = HashMap::new();
            for row in 0..self.rows {
                *counts.entry(column.keys.get(row)).or_default() += 1;
            }
            column.counts = (0..self.rows)
                .map(|row| counts[column.keys.get(row)])
                .collect();
        }
    }

    /// A hash of the row's content, the same whatever position it has.
    pub(crate) fn content_hash(&self, row: usize) -> u64 {
        let mut hasher = DefaultHasher::new();
        for column in &self.columns {
            column.keys.get(row).hash(&mut hasher);
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
