//! Deduplication in steps, for a job that runs them on many machines (the
//! Spark integration of the Python package does). Each step is the one
//! [`Deduper::run_with`] takes, so that a job which follows the recipe
//! below gets the same clusters, to the bit, as one machine with the same
//! model:
//!
//! 1. [`Deduper::prepare`] a batch of records (as
//!    [`Pipeline::comparable`](crate::Pipeline::comparable) made them):
//!    each record's blocking keys ([`Prepared::blocking_keys`], one per
//!    rule), its place in name order ([`Prepared::order_key`]) and the
//!    values counted for term frequency ([`Prepared::term_keys`]). Give
//!    every record a row number that follows the input order.
//! 2. Count how many records of the whole input hold each term key, per
//!    column, and give each record its counts
//!    ([`Prepared::set_term_counts`]).
//! 3. Group the records by `(rule, key)`; sort each group by
//!    `(order_key, row)` and pair its records by
//!    [`Deduper::block_pairs`], which cuts a large block down to a window.
//!    With [`Config::sorted_neighbourhood`](super::Config), also sort all
//!    records by `(order_key, row)` and pair each with its next
//!    [`Config::window`](super::Config). Unite the pairs, each once.
//! 4. Score each pair with a [`PairScorer`] (made for the population, the
//!    number of records of the whole input) and keep the matches
//!    ([`PairScorer::is_match`]).
//! 5. Find the connected components of the matches; cluster each
//!    component with [`PairScorer::cluster`], which names each cluster by
//!    its smallest row.
//!
//! A prepared record travels between machines as bytes
//! ([`Prepared::to_bytes`], [`Deduper::prepared_from_bytes`]); the bytes
//! are meant for the same version of custodia, not for storage.

use super::block::{self, NO_KEY};
use super::cluster;
use super::index::name_columns;
use super::model::{self, Scorer};
use super::prepare::Table;
use super::{Deduper, Model};
use crate::error::Result;
use crate::schema::Record;

/// Records prepared for comparison: match keys, name spellings, phonetic
/// codes and nickname numbers, computed once. See the [module
/// docs](self) for the steps they go through.
#[derive(Clone, Debug)]
pub struct Prepared {
    table: Table,
}

/// Scores pairs of prepared records with a model, and clusters them, as
/// [`Deduper::run_with`] does for a population of a given size.
#[derive(Clone, Debug)]
pub struct PairScorer {
    scorer: Scorer,
    deduper: Deduper,
    population: usize,
    threshold: f64,
}

fn unfit(reason: &str) -> crate::Error {
    crate::Error::dedupe(
        crate::error::SettingPath::root(),
        crate::error::SettingProblem::Mismatch,
        reason,
    )
}

impl Deduper {
    /// Normalizes `records` and prepares them for comparison (in
    /// parallel). Their term counts are 0 until set.
    ///
    /// # Errors
    /// [`ErrorKind::SchemaMismatch`](crate::ErrorKind::SchemaMismatch) for
    /// a record of another schema; [`ErrorKind::InvalidDedupe`](crate::ErrorKind::InvalidDedupe) when the
    /// match keys of one field exceed 4 GiB.
    pub fn prepare(&self, records: &[Record]) -> Result<Prepared> {
        let mut table = self.empty_table();
        table.extend(&self.normalizer, records)?;
        Ok(Prepared { table })
    }

    /// Prepared records back from [`Prepared::to_bytes`].
    ///
    /// # Errors
    /// [`ErrorKind::InvalidDedupe`](crate::ErrorKind::InvalidDedupe) for bytes that are not a record
    /// prepared by a deduper of this schema and settings.
    pub fn prepared_from_bytes<'a>(
        &self,
        rows: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Prepared> {
        let mut table = self.empty_table();
        let (slots, names, terms) = table.shape();
        for bytes in rows {
            let mut reader = Reader(bytes);
            let mut strings = Vec::with_capacity(slots);
            if reader.u32()? as usize != slots {
                return Err(unfit("a prepared record of another deduper"));
            }
            for _ in 0..slots {
                let len = reader.u32()? as usize;
                let text = reader.take(len)?;
                strings.push(
                    std::str::from_utf8(text)
                        .map_err(|_| unfit("a prepared record that is not UTF-8"))?,
                );
            }
            let nicks = (0..names)
                .map(|_| reader.u32())
                .collect::<Result<Vec<_>>>()?;
            let counts = (0..terms)
                .map(|_| reader.u32())
                .collect::<Result<Vec<_>>>()?;
            if !reader.0.is_empty() {
                return Err(unfit("a prepared record with bytes left over"));
            }
            table.push_parts(&strings, &nicks, &counts)?;
        }
        Ok(Prepared { table })
    }

    /// The pairs made inside one block of `len` records sorted by
    /// `(order_key, row)`, as positions `(i, j)`, `i < j`: every pair when
    /// the block has at most [`Config::max_block`](super::Config)
    /// records, else each record with its next
    /// [`Config::window`](super::Config).
    pub fn block_pairs(&self, len: usize) -> impl Iterator<Item = (usize, usize)> + use<> {
        block::within_block(
            len,
            block::Limits {
                max_block: self.config.max_block,
                window: self.config.window,
                sorted_neighbourhood: self.config.sorted_neighbourhood,
            },
        )
    }

    /// A scorer with `model` for a run over `population` records (the
    /// whole input: term-frequency weights depend on it).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidDedupe`](crate::ErrorKind::InvalidDedupe) for a model of other fields.
    pub fn pair_scorer(&self, model: &Model, population: usize) -> Result<PairScorer> {
        model.check(self.schema().name(), &self.compared_fields())?;
        Ok(PairScorer {
            scorer: self.scorer(model),
            deduper: self.clone(),
            population,
            threshold: model::weight_of(self.config.threshold),
        })
    }
}

/// Reads the parts of one prepared record.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.0.len() < n {
            return Err(unfit("a prepared record cut short"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32> {
        let bytes = self.take(4)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }
}

impl Prepared {
    /// How many records.
    pub fn len(&self) -> usize {
        self.table.rows
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.table.rows == 0
    }

    /// The record's key for each blocking rule of `deduper` (in
    /// [`Deduper::blocking_rules`] order), `None` where it has none.
    /// Records are compared when they share a key of one rule. Keys are
    /// hashes that may change between versions of custodia: compare only
    /// keys that one version computed.
    pub fn blocking_keys(&self, deduper: &Deduper, row: usize) -> Vec<Option<u64>> {
        deduper
            .resolved
            .iter()
            .map(|rule| rule.key(&self.table, row).map(|k| k.min(NO_KEY - 1)))
            .collect()
    }

    /// Bytes whose order (unsigned, byte by byte) is the deduper's name
    /// order of records, ties broken by the records' content: the order of
    /// the windows in large blocks and of the sorted neighbourhood. Records
    /// with equal keys go by row number.
    pub fn order_key(&self, row: usize) -> Vec<u8> {
        let mut key = Vec::new();
        for c in name_columns(&self.table) {
            // An escape keeps the order of the parts: 0 ends a part.
            for &b in self.table.get(c, row).spelling.as_bytes() {
                match b {
                    0 => key.extend_from_slice(&[1, 1]),
                    1 => key.extend_from_slice(&[1, 2]),
                    b => key.push(b),
                }
            }
            key.push(0);
        }
        key.extend_from_slice(&self.table.content_hash(row).to_be_bytes());
        key
    }

    /// The values of the columns weighed by term frequency, in their
    /// order: count how many records of the whole input hold each value of
    /// each column (the empty value too) and give the counts back with
    /// [`Prepared::set_term_counts`].
    pub fn term_keys(&self, row: usize) -> Vec<&str> {
        self.table
            .term_columns()
            .into_iter()
            .map(|c| self.table.key(c, row))
            .collect()
    }

    /// Sets how many records of the whole input hold each of `row`'s term
    /// keys (in [`Prepared::term_keys`] order).
    pub fn set_term_counts(&mut self, row: usize, counts: &[u32]) {
        self.table.set_terms(row, counts);
    }

    /// The record as bytes, term counts included, for
    /// [`Deduper::prepared_from_bytes`].
    pub fn to_bytes(&self, row: usize) -> Vec<u8> {
        let (strings, nicks, terms) = self.table.row_parts(row);
        let (_, _, term_slots) = self.table.shape();
        let mut out = Vec::with_capacity(64 + strings.iter().map(|s| s.len() + 4).sum::<usize>());
        out.extend_from_slice(&(strings.len() as u32).to_le_bytes());
        for s in strings {
            out.extend_from_slice(&(s.len() as u32).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        for n in nicks {
            out.extend_from_slice(&n.to_le_bytes());
        }
        for t in 0..term_slots {
            let n = terms.get(t).copied().unwrap_or(0);
            out.extend_from_slice(&n.to_le_bytes());
        }
        out
    }
}

impl PairScorer {
    /// The match weight (bits) of record `a` of `pa` and record `b` of
    /// `pb`, the same to the bit as a run over the whole input gives.
    pub fn weight(&self, (pa, a): (&Prepared, usize), (pb, b): (&Prepared, usize)) -> f64 {
        let mut levels = vec![0u8; pa.table.columns.len()];
        self.weight_into((pa, a), (pb, b), &mut levels)
    }

    fn weight_into(
        &self,
        (pa, a): (&Prepared, usize),
        (pb, b): (&Prepared, usize),
        levels: &mut [u8],
    ) -> f64 {
        model::levels_between((&pa.table, a), (&pb.table, b), self.deduper.swap, levels);
        let weight = self.scorer.weight_with(
            levels,
            |f| pa.table.term_of(f, a).max(pb.table.term_of(f, b)),
            self.population,
        );
        model::with_generations(weight, pa.table.row(a), pb.table.row(b))
    }

    /// Whether a pair of this weight is a match (its probability reaches
    /// the threshold).
    pub fn is_match(&self, weight: f64) -> bool {
        weight >= self.threshold
    }

    /// The match probability of a weight.
    pub fn probability(&self, weight: f64) -> f64 {
        model::probability(weight)
    }

    /// Clusters records connected by matches: `prepared` holds them,
    /// `rows` gives each one's row number (in the input order), and
    /// `matches` the matched pairs among them as `(i, j, weight)`
    /// (positions in `prepared`, weights from [`PairScorer::weight`]).
    /// Returns each record's cluster id: the smallest row number of its
    /// cluster. Any set of whole connected components of the matches gives
    /// the clusters a run over the whole input gives.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidDedupe`](crate::ErrorKind::InvalidDedupe) when `rows` does not have one row
    /// number per record or a match names a record that is not there.
    pub fn cluster(
        &self,
        prepared: &Prepared,
        rows: &[u64],
        matches: &[(usize, usize, f64)],
    ) -> Result<Vec<u64>> {
        let n = prepared.len();
        if rows.len() != n || matches.iter().any(|&(i, j, _)| i >= n || j >= n || i == j) {
            return Err(unfit(
                "cluster: one row number per record, matches between them",
            ));
        }
        // Positions in row order: the union–find names clusters by their
        // smallest position, as the whole run does by row.
        let mut by_row: Vec<usize> = (0..n).collect();
        by_row.sort_unstable_by_key(|&i| rows[i]);
        let mut local = vec![0u32; n];
        for (p, &i) in by_row.iter().enumerate() {
            local[i] = p as u32;
        }
        // Strongest first, ties by rank: content first, then row.
        let rank: Vec<(u64, u64)> = (0..n)
            .map(|i| (prepared.table.content_hash(i), rows[i]))
            .collect();
        let tie = |i: usize, j: usize| {
            let (x, y) = (rank[i], rank[j]);
            (x.min(y), x.max(y))
        };
        let mut sorted: Vec<&(usize, usize, f64)> = matches.iter().collect();
        sorted.sort_unstable_by(|&&(a, b, wx), &&(c, d, wy)| {
            wy.total_cmp(&wx).then_with(|| tie(a, b).cmp(&tie(c, d)))
        });
        let width = prepared.table.columns.len();
        let probability = |levels: &mut Vec<u8>, x: u32, y: u32| {
            let (x, y) = (by_row[x as usize], by_row[y as usize]);
            model::probability(self.weight_into((prepared, x), (prepared, y), levels))
        };
        let mut levels = vec![0u8; width];
        // Each pair in the order the whole run compares it (lower row
        // first), as it scores it there.
        let edges: Vec<(u32, u32, f64)> = sorted
            .iter()
            .map(|&&(i, j, _)| {
                let (x, y) = (local[i].min(local[j]), local[i].max(local[j]));
                (x, y, probability(&mut levels, x, y))
            })
            .collect();
        let ids = cluster::cluster(
            n,
            &edges,
            self.deduper.config.clustering,
            || vec![0u8; width],
            probability,
        );
        Ok((0..n)
            .map(|i| rows[by_row[ids[local[i] as usize] as usize]])
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashMap};

    use super::*;
    use crate::dedupe::generate::Generator;
    use crate::dedupe::{Clustering, Config};
    use crate::schema::Schema;

    /// Matched pairs as `(row, row, weight)`.
    type Matches = Vec<(usize, usize, f64)>;

    /// What the recipe of the module docs gives, run in one process but
    /// the way a cluster runs it: records prepared in `parts` batches and
    /// shipped as bytes, term counts summed over all, blocks grouped by
    /// key, clusters made per connected component from that component's
    /// records alone. Returns each row's cluster id and the matches.
    fn recipe(
        deduper: &Deduper,
        model: &Model,
        records: &[Record],
        parts: usize,
    ) -> Result<(Vec<u64>, Matches)> {
        let n = records.len();
        let size = n.div_ceil(parts);
        // 1. Prepare each batch: keys, order keys, term keys.
        let mut batches = Vec::new();
        for part in records.chunks(size) {
            batches.push(deduper.prepare(part)?);
        }
        // 2. Term counts over the whole input.
        let mut counts: HashMap<(usize, String), u32> = HashMap::new();
        for batch in &batches {
            for row in 0..batch.len() {
                for (c, key) in batch.term_keys(row).into_iter().enumerate() {
                    *counts.entry((c, key.to_owned())).or_default() += 1;
                }
            }
        }
        let mut bytes = Vec::new();
        let (mut keys, mut order) = (Vec::new(), Vec::new());
        for batch in &mut batches {
            for row in 0..batch.len() {
                let mine: Vec<u32> = batch
                    .term_keys(row)
                    .into_iter()
                    .enumerate()
                    .map(|(c, key)| counts[&(c, key.to_owned())])
                    .collect();
                batch.set_term_counts(row, &mine);
                bytes.push(batch.to_bytes(row));
                keys.push(batch.blocking_keys(deduper, row));
                order.push(batch.order_key(row));
            }
        }
        let all = deduper.prepared_from_bytes(bytes.iter().map(Vec::as_slice))?;
        // 3. Blocks by (rule, key), in (order key, row) order.
        let mut blocks: HashMap<(usize, u64), Vec<usize>> = HashMap::new();
        for (row, row_keys) in keys.iter().enumerate() {
            for (rule, key) in row_keys.iter().enumerate() {
                if let Some(key) = key {
                    blocks.entry((rule, *key)).or_default().push(row);
                }
            }
        }
        let by_order =
            |rows: &mut Vec<usize>| rows.sort_by(|&x, &y| (&order[x], x).cmp(&(&order[y], y)));
        let mut pairs = BTreeSet::new();
        for rows in blocks.values_mut() {
            by_order(rows);
            for (i, j) in deduper.block_pairs(rows.len()) {
                pairs.insert((rows[i].min(rows[j]), rows[i].max(rows[j])));
            }
        }
        if deduper.config().sorted_neighbourhood {
            let mut rows: Vec<usize> = (0..n).collect();
            by_order(&mut rows);
            let window = deduper.config().window;
            for i in 0..n {
                for j in i + 1..n.min(i + 1 + window) {
                    pairs.insert((rows[i].min(rows[j]), rows[i].max(rows[j])));
                }
            }
        }
        // 4. Scores.
        let scorer = deduper.pair_scorer(model, n)?;
        let matches: Vec<(usize, usize, f64)> = pairs
            .into_iter()
            .map(|(a, b)| (a, b, scorer.weight((&all, a), (&all, b))))
            .filter(|&(_, _, w)| scorer.is_match(w))
            .collect();
        // 5. Connected components, each clustered on its own.
        let mut parent: Vec<usize> = (0..n).collect();
        fn root(parent: &mut [usize], mut x: usize) -> usize {
            while parent[x] != x {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            x
        }
        for &(a, b, _) in &matches {
            let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
            parent[ra.max(rb)] = ra.min(rb);
        }
        let mut components: HashMap<usize, Vec<usize>> = HashMap::new();
        for row in 0..n {
            let r = root(&mut parent, row);
            components.entry(r).or_default().push(row);
        }
        let mut ids = vec![0u64; n];
        for members in components.values() {
            // Shuffled, as rows arrive from a shuffle.
            let mut members = members.clone();
            members.reverse();
            let local: HashMap<usize, usize> =
                members.iter().enumerate().map(|(i, &r)| (r, i)).collect();
            let part = deduper.prepared_from_bytes(members.iter().map(|&r| bytes[r].as_slice()))?;
            let rows: Vec<u64> = members.iter().map(|&r| r as u64).collect();
            let inner: Vec<(usize, usize, f64)> = matches
                .iter()
                .filter(|(a, _, _)| local.contains_key(a))
                .map(|&(a, b, w)| (local[&b], local[&a], w))
                .collect();
            for (i, id) in scorer
                .cluster(&part, &rows, &inner)?
                .into_iter()
                .enumerate()
            {
                ids[members[i]] = id;
            }
        }
        Ok((ids, matches))
    }

    fn check(config: Config, n: usize, parts: usize) -> Result<()> {
        let schema = Schema::customer();
        let records = Generator::new(7).generate(n)?.records;
        let deduper = Deduper::with_config(&schema, config)?;
        let model = deduper.run(&records)?.model().clone();
        let one = deduper.run_with(&records, &model)?;
        let (ids, matches) = recipe(&deduper, &model, &records, parts)?;
        let expected: Vec<u64> = one.clusters().iter().map(|&c| u64::from(c)).collect();
        assert_eq!(ids, expected);
        let pairs: Vec<(usize, usize, u64)> = one
            .pairs()
            .iter()
            .map(|p| (p.a, p.b, p.weight.to_bits()))
            .collect();
        let found: Vec<(usize, usize, u64)> = matches
            .iter()
            .map(|&(a, b, w)| (a, b, w.to_bits()))
            .collect();
        assert_eq!(found, pairs);
        assert!(
            one.pairs().len() > 10,
            "too few matches to tell: {}",
            one.pairs().len()
        );
        Ok(())
    }

    #[test]
    fn the_recipe_gives_the_clusters_of_one_machine() -> Result<()> {
        check(Config::default(), 1200, 3)
    }

    #[test]
    fn the_recipe_follows_windows_and_every_clustering() -> Result<()> {
        // Small blocks cut to windows; no sorted neighbourhood; average
        // (the default), connected and strict clustering.
        let mut config = Config {
            max_block: 3,
            window: 2,
            sorted_neighbourhood: false,
            ..Config::default()
        };
        check(config.clone(), 800, 4)?;
        config.sorted_neighbourhood = true;
        config.clustering = Clustering::Connected;
        check(config.clone(), 800, 2)?;
        config.clustering = Clustering::Strict {
            min_probability: 0.5,
        };
        check(config, 800, 5)
    }

    #[test]
    fn prepared_bytes_round_trip_and_refuse_garbage() -> Result<()> {
        let schema = Schema::customer();
        let records = Generator::new(3).generate(20)?.records;
        let deduper = Deduper::new(&schema)?;
        let prepared = deduper.prepare(&records)?;
        assert_eq!(prepared.len(), 20);
        let bytes: Vec<Vec<u8>> = (0..20).map(|r| prepared.to_bytes(r)).collect();
        let back = deduper.prepared_from_bytes(bytes.iter().map(Vec::as_slice))?;
        for (r, shipped) in bytes.iter().enumerate() {
            assert_eq!(&back.to_bytes(r), shipped);
            assert_eq!(back.order_key(r), prepared.order_key(r));
            assert_eq!(
                back.blocking_keys(&deduper, r),
                prepared.blocking_keys(&deduper, r)
            );
        }
        let cut = &bytes[0][..bytes[0].len() - 1];
        assert!(deduper.prepared_from_bytes([cut]).is_err());
        let mut longer = bytes[0].clone();
        longer.push(0);
        assert!(deduper.prepared_from_bytes([longer.as_slice()]).is_err());
        assert!(deduper.prepared_from_bytes([&[9u8, 0, 0, 0][..]]).is_err());
        let scorer = deduper.pair_scorer(&Model::customer(), 20)?;
        assert!(scorer.cluster(&back, &[1, 2], &[]).is_err());
        assert!(
            scorer
                .cluster(&back, &(0..20).collect::<Vec<_>>(), &[(0, 20, 1.0)])
                .is_err()
        );
        Ok(())
    }
}
