//! The Fellegi–Sunter model: for each field and level, how likely that
//! level is among true matches (m) and among non-matches (u). u comes from
//! random pairs (nearly all non-matches); m from expectation–maximisation
//! over the candidate pairs, without labels.

use std::collections::HashMap;
use std::sync::LazyLock;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::compare::{self, Comparator};
use super::prepare::Table;
use crate::error::{ErrorKind, Result};

/// Marks a field whose value is missing on either side.
pub(crate) const MISSING: u8 = u8::MAX;

static CUSTOMER_MODEL: LazyLock<Model> = LazyLock::new(|| {
    match Model::from_json(include_str!("customer_model.json")) {
        Ok(model) => model,
        // The file is generated and checked by a test.
        Err(_) => unreachable!("the built-in customer model is valid"),
    }
});

/// A trained model: reusable on other data of the same schema
/// ([`Model::to_json`], [`Model::from_json`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Model {
    schema: String,
    prior: f64,
    fields: Vec<FieldModel>,
}

/// What the model learnt about one field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldModel {
    /// The field's name.
    pub field: String,
    /// How it is compared.
    pub comparator: Comparator,
    /// Probability of each level among matching pairs, from level 0.
    pub m: Vec<f64>,
    /// Probability of each level among non-matching pairs.
    pub u: Vec<f64>,
}

impl FieldModel {
    /// The match weight of `level`: log2(m / u), in bits.
    pub fn weight(&self, level: usize) -> f64 {
        (self.m[level] / self.u[level]).log2()
    }
}

impl Model {
    /// The name of the schema the model was trained on.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The probability that two records taken at random are the same
    /// customer, before looking at them.
    pub fn prior(&self) -> f64 {
        self.prior
    }

    /// The fields, in the order they are compared.
    pub fn fields(&self) -> &[FieldModel] {
        &self.fields
    }

    /// The built-in model of the standard customer schema with its default
    /// compared fields, trained on 200,000 generated customers (see
    /// `examples/train_customer_model.rs`). A run uses its m and u when a
    /// batch of customers is too small to learn them from (under 1,000
    /// candidate pairs), estimating only the prior on the batch.
    pub fn customer() -> Self {
        CUSTOMER_MODEL.clone()
    }

    /// The model as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// A model saved by [`Model::to_json`].
    pub fn from_json(json: &str) -> Result<Self> {
        let model: Self = serde_json::from_str(json).map_err(|e| ErrorKind::Json {
            document: crate::error::JsonDocument::Schema,
            line: e.line(),
            column: e.column(),
            detail: format!("dedupe model: {e}"),
        })?;
        let bad = |reason: String| -> crate::Error { ErrorKind::InvalidDedupe { reason }.into() };
        if !(model.prior > 0.0 && model.prior < 1.0) {
            return Err(bad(
                "model prior must lie strictly between 0 and 1".to_owned()
            ));
        }
        for f in &model.fields {
            let levels = f.comparator.levels().len();
            let fine = |p: &[f64]| p.len() == levels && p.iter().all(|&x| x > 0.0 && x <= 1.0);
            if !fine(&f.m) || !fine(&f.u) {
                return Err(bad(format!(
                    "model field `{}`: m and u need {levels} probabilities in (0, 1]",
                    f.field
                )));
            }
        }
        Ok(model)
    }

    /// Checks the model fits the compared fields `names` of `schema`.
    pub(crate) fn check(&self, schema: &str, compared: &[(String, Comparator)]) -> Result<()> {
        let fits = self.schema == schema
            && self.fields.len() == compared.len()
            && self
                .fields
                .iter()
                .zip(compared)
                .all(|(f, (n, c))| f.field == *n && f.comparator == *c);
        if fits {
            Ok(())
        } else {
            Err(ErrorKind::InvalidDedupe {
                reason: format!(
                    "the model was trained for schema `{}` with other compared fields",
                    self.schema
                ),
            }
            .into())
        }
    }
}

/// Which columns hold the given and family names, compared crosswise
/// when a record has them swapped.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Swap {
    pub given: usize,
    pub family: usize,
}

/// Writes the level of every column for rows `a` and `b` into `out`.
pub(crate) fn levels(table: &Table, swap: Option<Swap>, a: usize, b: usize, out: &mut [u8]) {
    levels_between((table, a), (table, b), swap, out);
}

/// [`levels`] for rows of two tables (a query and an index).
pub(crate) fn levels_between(
    (ta, a): (&Table, usize),
    (tb, b): (&Table, usize),
    swap: Option<Swap>,
    out: &mut [u8],
) {
    for (c, slot) in out.iter_mut().enumerate() {
        *slot = column_level((ta, a), (tb, b), c);
    }
    apply_swap((ta, a), (tb, b), swap, out);
}

/// The level of column `c` between row `a` of `ta` and row `b` of `tb`.
fn column_level((ta, a): (&Table, usize), (tb, b): (&Table, usize), c: usize) -> u8 {
    compare::level(ta.columns[c].comparator, ta.get(c, a), tb.get(c, b)).unwrap_or(MISSING)
}

/// Given and family names swapped between the two records count as close:
/// rewrites their levels in `out` when the crosswise comparison is better.
fn apply_swap(
    (ta, a): (&Table, usize),
    (tb, b): (&Table, usize),
    swap: Option<Swap>,
    out: &mut [u8],
) {
    if let Some(Swap { given, family }) = swap {
        let (g, f) = (out[given], out[family]);
        if g != MISSING && f != MISSING && g + f < 6 {
            let cross = |x: usize, y: usize| {
                compare::level(Comparator::Name, ta.get(x, a), tb.get(y, b)).unwrap_or(0)
            };
            let (sg, sf) = (cross(given, family), cross(family, given));
            if sg >= 2 && sf >= 2 && sg + sf > g + f {
                out[given] = sg.min(2);
                out[family] = sf.min(2);
            }
        }
    }
}

/// Scores candidate pairs against a threshold, comparing the cheap columns
/// first (codes, dates, exact values), then names and email, then
/// addresses and cities, and stopping as soon as a pair cannot reach the
/// threshold whatever the columns not yet compared say. Most candidates
/// are clear non-matches, so most string similarity is never computed.
///
/// The bound is exact, not a heuristic: each column not yet compared
/// counts at its best possible weight for this pair, and the total only
/// grows with any column's weight, so a pair is dropped only when its full
/// weight is below the threshold. Pairs that reach it get the same weight,
/// bit for bit, as [`Scorer::weight`] gives.
pub(crate) struct Pruned<'a> {
    scorer: &'a Scorer,
    swap: Option<Swap>,
    /// Column indices, cheapest stage first.
    stages: Vec<Vec<usize>>,
    /// The stage of each column.
    stage_of: Vec<usize>,
    /// Each column's best weight below the exact level.
    below_exact: Vec<f64>,
    threshold: f64,
}

impl<'a> Pruned<'a> {
    /// Pairs of `table`'s rows are kept at or above `threshold` (bits).
    pub(crate) fn new(
        scorer: &'a Scorer,
        table: &Table,
        swap: Option<Swap>,
        threshold: f64,
    ) -> Self {
        let costs: Vec<usize> = table.columns.iter().map(|c| c.comparator.cost()).collect();
        let mut present = costs.clone();
        present.sort_unstable();
        present.dedup();
        let mut stage_of: Vec<usize> = costs
            .iter()
            .map(|c| present.partition_point(|p| p < c))
            .collect();
        // Swapped names rewrite both levels: compare them in one stage.
        if let Some(Swap { given, family }) = swap {
            let later = stage_of[given].max(stage_of[family]);
            stage_of[given] = later;
            stage_of[family] = later;
        }
        let mut stages = vec![Vec::new(); present.len()];
        for (c, &stage) in stage_of.iter().enumerate() {
            stages[stage].push(c);
        }
        Self {
            scorer,
            swap,
            stages,
            stage_of,
            below_exact: (0..table.columns.len())
                .map(|f| scorer.below_exact(f))
                .collect(),
            threshold,
        }
    }

    /// The weight of rows `a` and `b` when it reaches the threshold, with
    /// their levels in `out`; `None` when it does not.
    pub(crate) fn weight(&self, table: &Table, a: usize, b: usize, out: &mut [u8]) -> Option<f64> {
        let (rows, last) = (table.rows, self.stages.len().saturating_sub(1));
        for (i, stage) in self.stages.iter().enumerate() {
            for &c in stage {
                out[c] = column_level((table, a), (table, b), c);
            }
            if self.swap.is_some_and(|s| self.stage_of[s.given] == i) {
                apply_swap((table, a), (table, b), self.swap, out);
            }
            if i < last {
                let bound = self.scorer.prior_weight
                    + combine(&self.scorer.groups, |f| {
                        if self.stage_of[f] <= i {
                            let (base, adjust) = self.scorer.field_weight(
                                f,
                                out[f],
                                || table.term_count(f, a, b),
                                rows,
                            );
                            base + adjust
                        } else {
                            let count = || table.term_count(f, a, b);
                            self.scorer.ceiling(f, self.below_exact[f], count, rows)
                        }
                    });
                if bound < self.threshold {
                    return None;
                }
            }
        }
        let weight = self.scorer.weight(table, out, a, b);
        (weight >= self.threshold).then_some(weight)
    }
}

/// The weights of a model, ready for scoring.
///
/// Contact fields (email, phone, address parts: everything but names,
/// birth date, gender and identifiers) describe where someone can be
/// reached, and they agree together: family members share a street, a
/// postcode, a landline and sometimes an email. Counting each agreement as
/// independent evidence would make a household one person. So among the
/// contact fields only the strongest agreement counts; every disagreement
/// still counts.
#[derive(Clone, Debug)]
pub(crate) struct Scorer {
    prior_weight: f64,
    /// weights[f][level]
    weights: Vec<Vec<f64>>,
    /// u at the exact level, for columns weighed by term frequency.
    exact_u: Vec<Option<f64>>,
    groups: Vec<Evidence>,
}

/// How a column's weight adds up with the others'.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Evidence {
    /// Counts on its own (given name, birth date, identifiers).
    Own,
    /// Shared by a household (family name, email, phone): only the
    /// strongest agreement among shared and address columns counts; a
    /// disagreement counts on its own.
    Shared,
    /// A part of the address: agrees as [`Evidence::Shared`]; of its
    /// disagreements only the strongest counts (a move changes street,
    /// city and postcode at once).
    Address,
}

/// The total of column weights `weight_of(f)` under `groups`.
pub(crate) fn combine(groups: &[Evidence], mut weight_of: impl FnMut(usize) -> f64) -> f64 {
    let (mut sum, mut best, mut worst) = (0.0f64, 0.0f64, 0.0f64);
    for (f, group) in groups.iter().enumerate() {
        let w = weight_of(f);
        match group {
            Evidence::Own => sum += w,
            Evidence::Shared | Evidence::Address if w > 0.0 => best = best.max(w),
            Evidence::Shared => sum += w,
            Evidence::Address => worst = worst.min(w),
        }
    }
    sum + best + worst
}

/// Which of `weights` count under `groups` (see [`combine`]).
pub(crate) fn counted(groups: &[Evidence], weights: &[f64]) -> Vec<bool> {
    let pick = |test: &dyn Fn(usize, f64) -> bool, better: &dyn Fn(f64, f64) -> bool| {
        let mut pick: Option<(usize, f64)> = None;
        for (f, &w) in weights.iter().enumerate() {
            if test(f, w) && pick.is_none_or(|(_, b)| better(w, b)) {
                pick = Some((f, w));
            }
        }
        pick.map(|(f, _)| f)
    };
    let best = pick(&|f, w| groups[f] != Evidence::Own && w > 0.0, &|w, b| w > b);
    let worst = pick(
        &|f, w| groups[f] == Evidence::Address && w < 0.0,
        &|w, b| w < b,
    );
    (0..weights.len())
        .map(|f| match groups[f] {
            Evidence::Own => true,
            _ if weights[f] > 0.0 => best == Some(f),
            Evidence::Shared => true,
            Evidence::Address => weights[f] == 0.0 || worst == Some(f),
        })
        .collect()
}

impl Scorer {
    /// `groups` says how each column's weight adds up.
    pub(crate) fn new(model: &Model, groups: Vec<Evidence>) -> Self {
        Self {
            prior_weight: (model.prior / (1.0 - model.prior)).log2(),
            weights: model
                .fields
                .iter()
                .map(|f| (0..f.m.len()).map(|l| f.weight(l)).collect())
                .collect(),
            exact_u: model
                .fields
                .iter()
                .map(|f| {
                    f.comparator
                        .uses_term_frequency()
                        .then(|| f.u[f.u.len() - 1])
                })
                .collect(),
            groups,
        }
    }

    pub(crate) fn prior_weight(&self) -> f64 {
        self.prior_weight
    }

    /// The weight of column `f` at `level` for a pair whose shared value
    /// (at the exact level) is held by `count()` of `rows` records: the
    /// level's weight, and the term-frequency adjustment. `count` is only
    /// called for an exact match on a column weighed by term frequency.
    pub(crate) fn field_weight(
        &self,
        f: usize,
        level: u8,
        count: impl FnOnce() -> u32,
        rows: usize,
    ) -> (f64, f64) {
        if level == MISSING {
            return (0.0, 0.0);
        }
        let levels = &self.weights[f];
        let base = levels[level as usize];
        let adjust = match self.exact_u[f] {
            Some(u) if level as usize == levels.len() - 1 && rows > 0 => match count() {
                0 => 0.0,
                count => (u / (f64::from(count) / rows as f64)).log2(),
            },
            _ => 0.0,
        };
        (base, adjust)
    }

    /// The highest weight column `f` can give a pair whose shared value
    /// would be held by `count()` of `rows` records (0 for a missing value).
    /// `below_exact` is [`Scorer::below_exact`]`(f)`.
    fn ceiling(&self, f: usize, below_exact: f64, count: impl FnOnce() -> u32, rows: usize) -> f64 {
        let exact = self.weights[f].len() - 1;
        let (base, adjust) = self.field_weight(f, exact as u8, count, rows);
        below_exact.max(base + adjust)
    }

    /// The highest weight column `f` gives below its exact level (0 for a
    /// missing value).
    fn below_exact(&self, f: usize) -> f64 {
        let levels = &self.weights[f];
        levels[..levels.len() - 1]
            .iter()
            .copied()
            .fold(0.0, f64::max)
    }

    /// Each column's weight and term-frequency part, and whether it counts
    /// (a contact agreement other than the strongest does not). `count(f)`
    /// says how many of `rows` records hold the pair's value of column `f`.
    pub(crate) fn parts(
        &self,
        levels: &[u8],
        count: impl Fn(usize) -> u32,
        rows: usize,
    ) -> impl Iterator<Item = (f64, f64, bool)> {
        let weights: Vec<(f64, f64)> = levels
            .iter()
            .enumerate()
            .map(|(f, &level)| self.field_weight(f, level, || count(f), rows))
            .collect();
        let totals: Vec<f64> = weights.iter().map(|(w, t)| w + t).collect();
        let counts = counted(&self.groups, &totals);
        weights.into_iter().zip(counts).map(|((w, t), c)| (w, t, c))
    }

    /// The total weight of rows `a` and `b` of `table`.
    pub(crate) fn weight(&self, table: &Table, levels: &[u8], a: usize, b: usize) -> f64 {
        self.weight_with(levels, |f| table.term_count(f, a, b), table.rows)
    }

    /// The total weight of a pair, `count` and `rows` as for [`Scorer::parts`].
    pub(crate) fn weight_with(
        &self,
        levels: &[u8],
        count: impl Fn(usize) -> u32,
        rows: usize,
    ) -> f64 {
        self.prior_weight
            + combine(&self.groups, |f| {
                let (base, adjust) = self.field_weight(f, levels[f], || count(f), rows);
                base + adjust
            })
    }
}

/// The probability that goes with a weight in bits.
pub(crate) fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

/// A small deterministic generator (SplitMix64) for sampling.
#[derive(Clone, Debug)]
pub(crate) struct SplitMix(pub u64);

impl SplitMix {
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (n > 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

/// Training settings.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Training {
    pub u_pairs: usize,
    pub seed: u64,
}

/// Level counts per column, from pairs.
fn count_levels(table: &Table, swap: Option<Swap>, pairs: &[(u32, u32)]) -> Vec<Vec<u64>> {
    let width = table.columns.len();
    let blank = || -> Vec<Vec<u64>> {
        table
            .columns
            .iter()
            .map(|c| vec![0; c.comparator.levels().len()])
            .collect()
    };
    pairs
        .par_chunks(4096)
        .map(|chunk| {
            let mut counts = blank();
            let mut out = vec![0u8; width];
            for &(a, b) in chunk {
                levels(table, swap, a as usize, b as usize, &mut out);
                for (f, &l) in out.iter().enumerate() {
                    if l != MISSING {
                        counts[f][l as usize] += 1;
                    }
                }
            }
            counts
        })
        .reduce(blank, |mut x, y| {
            for (cx, cy) in x.iter_mut().zip(y) {
                for (a, b) in cx.iter_mut().zip(cy) {
                    *a += b;
                }
            }
            x
        })
}

/// Random pairs for estimating u: every pair when there are few, else a
/// seeded sample. Pairs are drawn by rank (content order), so the sample
/// does not depend on input order. With `split`, pairs run across it.
pub(crate) fn random_pairs(
    ranks: &[u32],
    split: Option<usize>,
    settings: Training,
) -> Vec<(u32, u32)> {
    let n = ranks.len();
    let mut by_rank = vec![0u32; n];
    for (row, &rank) in ranks.iter().enumerate() {
        by_rank[rank as usize] = row as u32;
    }
    let (left, right) = match split {
        Some(s) => (s, n - s),
        None => (n, n),
    };
    let total = match split {
        Some(_) => left as u128 * right as u128,
        None => n as u128 * n.saturating_sub(1) as u128 / 2,
    };
    if total <= settings.u_pairs as u128 {
        let mut pairs = Vec::with_capacity(total as usize);
        for a in 0..left {
            let others = match split {
                Some(s) => s..n,
                None => a + 1..n,
            };
            pairs.extend(others.map(|b| (a as u32, b as u32)));
        }
        return pairs;
    }
    // Ranks within each side, so the sample is order-free per side.
    let side_order = |range: std::ops::Range<usize>| -> Vec<u32> {
        let mut rows: Vec<u32> = range.map(|r| r as u32).collect();
        rows.sort_unstable_by_key(|&r| ranks[r as usize]);
        rows
    };
    let (lefts, rights) = match split {
        Some(s) => (side_order(0..s), side_order(s..n)),
        None => (by_rank.clone(), by_rank),
    };
    let mut rng = SplitMix(settings.seed);
    let mut pairs = Vec::with_capacity(settings.u_pairs);
    while pairs.len() < settings.u_pairs {
        let a = lefts[rng.below(lefts.len() as u64) as usize];
        let b = rights[rng.below(rights.len() as u64) as usize];
        if a != b {
            pairs.push((a, b));
        }
    }
    pairs
}

/// Estimates u from `random` pairs, with one pseudo-count per level so no
/// level is impossible.
pub(crate) fn estimate_u(
    table: &Table,
    swap: Option<Swap>,
    random: &[(u32, u32)],
) -> Vec<Vec<f64>> {
    count_levels(table, swap, random)
        .into_iter()
        .map(|counts| {
            let total: u64 = counts.iter().sum();
            let levels = counts.len() as f64;
            counts
                .iter()
                .map(|&c| (c as f64 + 1.0) / (total as f64 + levels))
                .collect()
        })
        .collect()
}

/// Distinct level patterns of `pairs` with how often each occurs, sorted.
pub(crate) fn patterns(levels: &[u8], width: usize) -> Vec<(Vec<u8>, u64)> {
    let mut counts: HashMap<&[u8], u64> = HashMap::new();
    if width > 0 {
        for pattern in levels.chunks_exact(width) {
            *counts.entry(pattern).or_default() += 1;
        }
    }
    let mut patterns: Vec<(Vec<u8>, u64)> =
        counts.into_iter().map(|(p, c)| (p.to_vec(), c)).collect();
    patterns.sort_unstable();
    patterns
}

/// One EM fit of m (and the prior among `patterns`) with u fixed.
/// Likelihoods follow the scorer: among contact columns only the strongest
/// agreement counts.
pub(crate) fn fit_m(
    u: &[Vec<f64>],
    mut m: Vec<Vec<f64>>,
    patterns: &[(Vec<u8>, u64)],
    iterations: usize,
    groups: &[Evidence],
) -> Vec<Vec<f64>> {
    let mut prior = 0.1f64;
    for _ in 0..iterations {
        let mut m_sum: Vec<Vec<f64>> = m.iter().map(|l| vec![0.0; l.len()]).collect();
        let (mut matched, mut total) = (0.0f64, 0.0f64);
        for (pattern, count) in patterns {
            let weight = pattern_weight(pattern, &m, u, groups);
            let posterior = probability((prior / (1.0 - prior)).log2() + weight);
            let count = *count as f64;
            matched += posterior * count;
            total += count;
            for (f, &l) in pattern.iter().enumerate() {
                if l != MISSING {
                    m_sum[f][l as usize] += posterior * count;
                }
            }
        }
        let mut change = refit(&mut m, &m_sum);
        let next = if total > 0.0 {
            (matched / total).clamp(1e-9, 1.0 - 1e-9)
        } else {
            prior
        };
        change = change.max((next - prior).abs());
        prior = next;
        if change < 1e-7 {
            break;
        }
    }
    m
}

/// The weight of a level pattern without prior or term frequency.
fn pattern_weight(pattern: &[u8], m: &[Vec<f64>], u: &[Vec<f64>], groups: &[Evidence]) -> f64 {
    combine(groups, |f| match pattern[f] {
        MISSING => 0.0,
        l => (m[f][l as usize] / u[f][l as usize]).log2(),
    })
}

/// A generic first guess at m: most matches agree exactly.
pub(crate) fn initial_m(u: &[Vec<f64>]) -> Vec<Vec<f64>> {
    u.iter()
        .map(|levels| {
            let n = levels.len();
            (0..n)
                .map(|l| {
                    if l + 1 == n {
                        0.9
                    } else {
                        0.1 / (n - 1) as f64
                    }
                })
                .collect()
        })
        .collect()
}

/// The probability that two records taken at random match: the expected
/// matches among the candidate `patterns` (nearly all matches are
/// candidates) over `total_pairs`, solved as a fixed point.
pub(crate) fn estimate_prior(
    patterns: &[(Vec<u8>, u64)],
    m: &[Vec<f64>],
    u: &[Vec<f64>],
    groups: &[Evidence],
    total_pairs: f64,
) -> f64 {
    let weights: Vec<(f64, f64)> = patterns
        .iter()
        .map(|(p, c)| (pattern_weight(p, m, u, groups), *c as f64))
        .collect();
    let candidates: f64 = weights.iter().map(|&(_, c)| c).sum();
    let mut prior = (candidates / total_pairs.max(1.0)).clamp(1e-12, 0.5) * 0.1;
    for _ in 0..200 {
        let odds = (prior / (1.0 - prior)).log2();
        let expected: f64 = weights
            .iter()
            .map(|&(w, c)| probability(odds + w) * c)
            .sum();
        let next = (expected / total_pairs.max(1.0)).clamp(1e-12, 0.5);
        if (next - prior).abs() <= 1e-6 * prior {
            return next;
        }
        prior = next;
    }
    prior
}

/// A model from its parts.
pub(crate) fn assemble(
    schema: &str,
    fields: Vec<(String, Comparator)>,
    m: Vec<Vec<f64>>,
    u: Vec<Vec<f64>>,
    prior: f64,
) -> Model {
    Model {
        schema: schema.to_owned(),
        prior,
        fields: fields
            .into_iter()
            .zip(m.into_iter().zip(u))
            .map(|((field, comparator), (m, u))| FieldModel {
                field,
                comparator,
                m,
                u,
            })
            .collect(),
    }
}

/// Replaces each field's probabilities by its expected counts, normalized
/// with a small pseudo-count so no level becomes impossible; fields with no
/// data keep their values. Returns the largest change.
fn refit(probabilities: &mut [Vec<f64>], sums: &[Vec<f64>]) -> f64 {
    let mut change = 0.0f64;
    for (levels, sums) in probabilities.iter_mut().zip(sums) {
        let sum: f64 = sums.iter().sum();
        if sum <= 0.0 {
            continue;
        }
        for (p, s) in levels.iter_mut().zip(sums) {
            let next = ((s + 1e-3) / (sum + 1e-3 * sums.len() as f64)).max(1e-6);
            change = change.max((next - *p).abs());
            *p = next;
        }
    }
    change
}

/// m estimated from pairs known to match (the EM's starting point).
pub(crate) fn m_from_known(
    table: &Table,
    swap: Option<Swap>,
    known: &[(u32, u32)],
) -> Vec<Vec<f64>> {
    estimate_u(table, swap, known)
}
