//! The incremental index: records inserted one at a time (or in bulk), and
//! the likely duplicates of a new record found before it is saved, the
//! data-entry check a CRM needs. Scores are the batch scores: a query's
//! weight for an indexed record is exactly what [`Deduper::run_with`] gives
//! that pair over the indexed records plus the query.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use serde::Serialize;

use super::model::{self, Scorer};
use super::prepare::Table;
use super::{Comparator, Deduper, Explanation, Model, explanation};
use crate::error::Result;
use crate::schema::Record;

/// A likely duplicate found by [`Index::query`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Match {
    /// The indexed record's row (its insertion order, from 0).
    pub row: usize,
    /// The match weight in bits.
    pub weight: f64,
    /// The match probability.
    pub probability: f64,
}

/// Records indexed by their blocking keys, scored with a trained [`Model`].
/// Build one with [`Deduper::index`]. Queries take `&self` and may run on
/// many threads at once; inserts take `&mut self`.
#[derive(Clone, Debug)]
pub struct Index {
    deduper: Deduper,
    model: Model,
    scorer: Scorer,
    table: Table,
    /// Per blocking rule: key -> rows, in name order.
    buckets: Vec<HashMap<u64, Vec<u32>>>,
    /// Per column weighed by term frequency: key -> how many rows hold it.
    terms: Vec<HashMap<String, u32>>,
}

impl Deduper {
    /// An empty index that scores with `model` (from [`Deduper::train`] or
    /// an earlier run's [`Outcome::model`](super::Outcome::model)).
    pub fn index(&self, model: &Model) -> Result<Index> {
        model.check(self.schema().name(), &self.compared_fields())?;
        Ok(Index {
            deduper: self.clone(),
            model: model.clone(),
            scorer: self.scorer(model),
            table: self.empty_table(),
            buckets: vec![HashMap::new(); self.resolved.len()],
            terms: vec![HashMap::new(); self.compared.len()],
        })
    }
}

impl Index {
    /// How many records are indexed.
    pub fn len(&self) -> usize {
        self.table.rows
    }

    /// Whether no record is indexed.
    pub fn is_empty(&self) -> bool {
        self.table.rows == 0
    }

    /// The model queries are scored with.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Indexes one record; returns its row.
    pub fn insert(&mut self, record: &Record) -> Result<usize> {
        self.table.push(&self.deduper.normalizer, record)?;
        let row = self.table.rows - 1;
        self.add_keys(row);
        Ok(row)
    }

    /// Indexes many records, normalizing them in parallel; rows follow
    /// on from [`Index::len`] in input order.
    /// The buckets end up as [`Index::insert`] one at a time would leave
    /// them, built in bulk: keys in parallel, then each touched bucket
    /// sorted once (by name order, ties by row) instead of one sorted
    /// insertion per record.
    pub fn extend(&mut self, records: &[Record]) -> Result<()> {
        let first = self.table.rows;
        self.table.extend(&self.deduper.normalizer, records)?;
        let rows = first..self.table.rows;
        for row in rows.clone() {
            self.count_terms(row);
        }
        let (table, names) = (&self.table, name_columns(&self.table));
        for (rule, buckets) in self.deduper.resolved.iter().zip(&mut self.buckets) {
            let keyed: Vec<(u64, u32)> = rows
                .clone()
                .into_par_iter()
                .filter_map(|row| rule.key(table, row).map(|key| (key, row as u32)))
                .collect();
            let mut touched = HashSet::new();
            for (key, row) in keyed {
                buckets.entry(key).or_default().push(row);
                touched.insert(key);
            }
            buckets
                .par_iter_mut()
                .filter(|(key, _)| touched.contains(*key))
                .for_each(|(_, bucket)| {
                    bucket.sort_by(|&x, &y| {
                        name_order(&names, (table, x as usize), (table, y as usize)).then(x.cmp(&y))
                    });
                });
        }
        Ok(())
    }

    /// Counts the row's values of the columns weighed by term frequency.
    fn count_terms(&mut self, row: usize) {
        for (c, column) in self.table.columns.iter().enumerate() {
            if column.comparator.uses_term_frequency() {
                let key = self.table.key(c, row);
                if !key.is_empty() {
                    *self.terms[c].entry(key.to_owned()).or_default() += 1;
                }
            }
        }
    }

    fn add_keys(&mut self, row: usize) {
        self.count_terms(row);
        let names = name_columns(&self.table);
        for (rule, buckets) in self.deduper.resolved.iter().zip(&mut self.buckets) {
            if let Some(key) = rule.key(&self.table, row) {
                let bucket = buckets.entry(key).or_default();
                // After rows of the same name: ties stay in row order.
                let at = bucket.partition_point(|&other| {
                    name_order(&names, (&self.table, other as usize), (&self.table, row)).is_le()
                });
                bucket.insert(at, row as u32);
            }
        }
    }

    /// The `k` indexed records most likely to be the same customer as
    /// `record`, strongest first (ties by row). Every candidate blocking
    /// finds is scored; filter by [`Match::probability`] against your
    /// threshold. `record` is not inserted.
    pub fn query(&self, record: &Record, k: usize) -> Result<Vec<Match>> {
        let query = self.prepare(record)?;
        let names = name_columns(&self.table);
        let (max_block, window) = (self.deduper.config.max_block, self.deduper.config.window);
        let mut rows: Vec<u32> = Vec::new();
        for (rule, buckets) in self.deduper.resolved.iter().zip(&self.buckets) {
            let Some(bucket) = rule.key(&query, 0).and_then(|key| buckets.get(&key)) else {
                continue;
            };
            if bucket.len() <= max_block {
                rows.extend_from_slice(bucket);
            } else {
                // As in the batch path: only the neighbours in name order.
                let at = bucket.partition_point(|&other| {
                    name_order(&names, (&self.table, other as usize), (&query, 0)).is_lt()
                });
                rows.extend_from_slice(
                    &bucket[at.saturating_sub(window)..(at + window).min(bucket.len())],
                );
            }
        }
        rows.sort_unstable();
        rows.dedup();
        let mut levels = vec![0u8; self.table.columns.len()];
        let mut matches: Vec<Match> = rows
            .into_iter()
            .map(|row| {
                let row = row as usize;
                let weight = self.weight(&query, row, &mut levels);
                Match {
                    row,
                    weight,
                    probability: model::probability(weight),
                }
            })
            .collect();
        matches.sort_by(|x, y| y.weight.total_cmp(&x.weight).then(x.row.cmp(&y.row)));
        matches.truncate(k);
        Ok(matches)
    }

    /// Why `record` scores what it does against indexed row `row`; `None`
    /// for a row out of range.
    pub fn explain(&self, record: &Record, row: usize) -> Result<Option<Explanation>> {
        if row >= self.table.rows {
            return Ok(None);
        }
        let query = self.prepare(record)?;
        let mut levels = vec![0u8; self.table.columns.len()];
        model::levels_between(
            (&query, 0),
            (&self.table, row),
            self.deduper.swap,
            &mut levels,
        );
        Ok(Some(explanation(
            &self.scorer,
            &self.model,
            &levels,
            |f| self.term_count(&query, f),
            self.table.rows + 1,
            (query.row(0), self.table.row(row)),
        )))
    }

    /// `record` prepared as a query once, for [`Index::differs_in`] against
    /// many rows.
    pub(crate) fn query_of(&self, record: &Record) -> Result<Query> {
        Ok(Query(self.prepare(record)?))
    }

    /// Whether a column compared with a comparator `which` picks is at
    /// level 0 ("different": both values present, nothing alike) between
    /// indexed row `row` and `other`, a prepared query or another indexed
    /// row. Levels only, no weights: for checks on what disagrees.
    pub(crate) fn differs_in(
        &self,
        other: Other<'_>,
        row: usize,
        which: impl Fn(Comparator) -> bool,
    ) -> bool {
        let a = match other {
            Other::Query(query) => (&query.0, 0),
            Other::Row(r) => (&self.table, r),
        };
        let mut levels = vec![0u8; self.table.columns.len()];
        model::levels_between(a, (&self.table, row), self.deduper.swap, &mut levels);
        levels
            .iter()
            .zip(&self.table.columns)
            .any(|(&level, column)| level == 0 && which(column.comparator))
    }

    fn prepare(&self, record: &Record) -> Result<Table> {
        let mut query = self.deduper.empty_table();
        query.push(&self.deduper.normalizer, record)?;
        Ok(query)
    }

    /// Rows holding the query's key in column `f`, the query included, as
    /// a batch run over the index and the query would count them.
    fn term_count(&self, query: &Table, f: usize) -> u32 {
        if !self.table.columns[f].comparator.uses_term_frequency() {
            return 0;
        }
        self.terms[f].get(query.key(f, 0)).copied().unwrap_or(0) + 1
    }

    fn weight(&self, query: &Table, row: usize, levels: &mut [u8]) -> f64 {
        model::levels_between((query, 0), (&self.table, row), self.deduper.swap, levels);
        let weight =
            self.scorer
                .weight_with(levels, |f| self.term_count(query, f), self.table.rows + 1);
        model::with_generations(weight, query.row(0), self.table.row(row))
    }
}

/// A record prepared to be compared with indexed rows.
pub(crate) struct Query(Table);

/// What [`Index::differs_in`] compares an indexed row with.
pub(crate) enum Other<'q> {
    /// A prepared query.
    Query(&'q Query),
    /// Another indexed row.
    Row(usize),
}

/// The name columns, which set the order of windows.
pub(crate) fn name_columns(table: &Table) -> Vec<usize> {
    (0..table.columns.len())
        .filter(|&c| table.columns[c].comparator == Comparator::Name)
        .collect()
}

/// Name order of two rows, possibly of two tables (spellings of the name
/// columns in turn).
pub(crate) fn name_order(
    names: &[usize],
    (ta, a): (&Table, usize),
    (tb, b): (&Table, usize),
) -> Ordering {
    names
        .iter()
        .map(|&c| ta.get(c, a).spelling.cmp(tb.get(c, b).spelling))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// A row's place in name order, cheap to compare: the first bytes of the
/// spellings of its first two name columns and their lengths, so that
/// sorting a million rows mostly compares keys in one array instead of
/// reading two rows of the table for each comparison.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NameKey {
    prefixes: [[u8; NAME_KEY_BYTES]; 2],
    lengths: [u32; 2],
    /// The row, for comparing whole names when the prefixes cannot tell.
    pub row: u32,
}

const NAME_KEY_BYTES: usize = 16;

impl NameKey {
    /// The key of `row` of `table` for the name columns `names`.
    pub(crate) fn new(names: &[usize], table: &Table, row: usize) -> Self {
        let mut key = Self {
            prefixes: [[0; NAME_KEY_BYTES]; 2],
            lengths: [0; 2],
            row: row as u32,
        };
        let this = table.row(row);
        for (i, &c) in names.iter().take(2).enumerate() {
            let spelling = this.get(c).spelling.as_bytes();
            let n = spelling.len().min(NAME_KEY_BYTES);
            key.prefixes[i][..n].copy_from_slice(&spelling[..n]);
            key.lengths[i] = u32::try_from(spelling.len()).unwrap_or(u32::MAX);
        }
        key
    }

    /// [`name_order`] of the two rows: from the keys where they decide
    /// (prefixes padded with zero bytes order as the strings do), else by
    /// reading the names.
    pub(crate) fn order(&self, other: &Self, names: &[usize], table: &Table) -> Ordering {
        let whole = || {
            name_order(
                names,
                (table, self.row as usize),
                (table, other.row as usize),
            )
        };
        for i in 0..names.len().min(2) {
            match self.prefixes[i].cmp(&other.prefixes[i]) {
                Ordering::Equal => {}
                decided => return decided,
            }
            let complete =
                self.lengths[i] == other.lengths[i] && self.lengths[i] as usize <= NAME_KEY_BYTES;
            if !complete {
                return whole();
            }
        }
        if names.len() > 2 {
            whole()
        } else {
            Ordering::Equal
        }
    }
}
