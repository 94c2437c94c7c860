//! The Fellegi–Sunter model: for each field and level, how likely that
//! level is among true matches (m) and among non-matches (u). u comes from
//! random pairs (nearly all non-matches), its exact level counted from the
//! keys rows share; m from expectation–maximisation over the candidate
//! pairs, without labels.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::LazyLock;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::compare::{self, Comparator, Prepared};
use super::names;
use super::prepare::{Row, Table};
use crate::error::{ErrorKind, Result, SettingPath, SettingProblem};

/// Probabilities per column and level.
pub(crate) type PerLevel = Vec<Vec<f64>>;

/// What a model says of each column and level: m, u and, with a household
/// class, h.
pub(crate) struct Probabilities {
    pub m: PerLevel,
    pub u: PerLevel,
    pub h: Option<PerLevel>,
}

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
    /// The probability that two records taken at random are two people of
    /// one household (0 when the model has no household class).
    #[serde(default, skip_serializing_if = "is_zero")]
    household_prior: f64,
    fields: Vec<FieldModel>,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

/// What the model learnt about one field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FieldModel {
    /// The field's name.
    pub field: String,
    /// How it is compared.
    pub comparator: Comparator,
    /// Probability of each level among matching pairs, from level 0.
    pub m: Vec<f64>,
    /// Probability of each level among non-matching pairs.
    pub u: Vec<f64>,
    /// Probability of each level among pairs of two people of one
    /// household (family members, flatmates: different people who share
    /// contact details); empty when the model has no household class.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub h: Vec<f64>,
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

    /// The probability that two records taken at random are two different
    /// people of one household; 0 when the model has no household class
    /// (see [`ContactEvidence::Learned`](super::ContactEvidence::Learned)).
    pub fn household_prior(&self) -> f64 {
        self.household_prior
    }

    /// The fields, in the order they are compared.
    pub fn fields(&self) -> &[FieldModel] {
        &self.fields
    }

    /// The fields, to change.
    pub(crate) fn fields_mut(&mut self) -> &mut [FieldModel] {
        &mut self.fields
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
        let bad = |at: SettingPath, reason: String| -> crate::Error {
            crate::Error::dedupe(at, SettingProblem::OutOfRange, reason)
        };
        if !(model.prior > 0.0 && model.prior < 1.0) {
            return Err(bad(
                SettingPath::of(&["prior"]),
                "model prior must lie strictly between 0 and 1".to_owned(),
            ));
        }
        let households = model.household_prior != 0.0;
        if !(0.0..1.0).contains(&model.household_prior)
            || model.prior + model.household_prior >= 1.0
        {
            return Err(bad(
                SettingPath::of(&["household_prior"]),
                "model household_prior must lie in [0, 1 - prior)".to_owned(),
            ));
        }
        for (i, f) in model.fields.iter().enumerate() {
            let levels = f.comparator.levels().len();
            let fine = |p: &[f64]| p.len() == levels && p.iter().all(|&x| x > 0.0 && x <= 1.0);
            if !fine(&f.m) || !fine(&f.u) || (households && !fine(&f.h)) {
                return Err(bad(
                    SettingPath::of(&["fields"]).index(i),
                    format!(
                        "model field `{}`: m and u (and h with a household_prior) need \
                         {levels} probabilities in (0, 1]",
                        f.field
                    ),
                ));
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
            Err(crate::Error::dedupe(
                SettingPath::root(),
                SettingProblem::Mismatch,
                format!(
                    "the model was trained for schema `{}` with other compared fields",
                    self.schema
                ),
            ))
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

impl Swap {
    /// Whether column `c` is one of the two names compared crosswise.
    pub(crate) fn crosses(self, c: usize) -> bool {
        c == self.given || c == self.family
    }
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
    let (ra, rb) = (ta.row(a), tb.row(b));
    for (c, slot) in out.iter_mut().enumerate() {
        *slot = column_level(ta, (ra, rb), c);
    }
    apply_swap((ra, rb), swap, out);
}

/// The level of column `c` (of `table`, or a table like it) between rows
/// `a` and `b`.
fn column_level(table: &Table, (a, b): (Row<'_>, Row<'_>), c: usize) -> u8 {
    level_of(table, c, a.get(c), b.get(c))
}

/// The level of column `c` between two prepared values.
fn level_of(table: &Table, c: usize, a: Prepared<'_>, b: Prepared<'_>) -> u8 {
    compare::level(table.columns[c].comparator, a, b).unwrap_or(MISSING)
}

/// Given and family names swapped between the two records count as close:
/// rewrites their levels in `out` when the crosswise comparison is better.
/// Not symmetric: the pair is read in the order given.
fn apply_swap((a, b): (Row<'_>, Row<'_>), swap: Option<Swap>, out: &mut [u8]) {
    if let Some(Swap { given, family }) = swap {
        let (g, f) = (out[given], out[family]);
        if g != MISSING && f != MISSING && g + f < 6 {
            let cross = |x: usize, y: usize| {
                compare::level(Comparator::Name, a.get(x), b.get(y)).unwrap_or(0)
            };
            // One name agrees closely and the other at least alike (a
            // swap and a slip or another romanization at once). Most pairs
            // are unlike people, whose given name is nothing like the
            // other's family name: the second comparison is then not made.
            let sg = cross(given, family);
            if sg == 0 {
                return;
            }
            let sf = cross(family, given);
            if sg.max(sf) >= 2 && sg.min(sf) >= 1 && sg + sf > g + f {
                out[given] = sg.min(2);
                out[family] = sf.min(2);
            }
        }
    }
}

/// Scores candidate pairs against a threshold, comparing the cheap columns
/// first (codes, dates, exact values), then names, email, cities and
/// addresses one at a time, and stopping as soon as a pair cannot reach
/// the threshold whatever the columns not yet compared say. Most
/// candidates are clear non-matches, so most string similarity is never
/// computed.
///
/// The bound is exact, not a heuristic: each column not yet compared
/// counts at its best possible weight for this pair (its exact weight only
/// when the two match keys are equal, since no other pair of values
/// reaches the exact level; nothing when either is missing), and the total
/// only grows with any column's weight, so a pair is dropped only when its
/// full weight is below the threshold. Pairs that reach it get the same
/// weight, bit for bit, as [`Scorer::weight`] gives.
pub(crate) struct Pruned<'a> {
    scorer: &'a Scorer,
    swap: Option<Swap>,
    /// Columns compared together, in order: the cheap ones (which read
    /// only match keys) in the first step, then each costlier column on
    /// its own (given and family names together, since a swap rewrites
    /// both). A column no row fills is in no step: it is missing in
    /// every pair.
    steps: Vec<Vec<usize>>,
    /// The step of each column (`usize::MAX` for a column in none).
    step_of: Vec<usize>,
    /// The columns after the first step.
    later: Vec<usize>,
    /// Each column's best weight below the exact level (0 at least, the
    /// weight of a missing value).
    below_exact: Vec<f64>,
    threshold: f64,
}

/// Per-pair working space of [`Pruned::weight`], reused across the pairs
/// of one table.
#[derive(Clone, Debug)]
pub(crate) struct Scratch<'t> {
    /// The levels of the pair, once compared.
    pub levels: Vec<u8>,
    /// The most each column can give the pair.
    ceilings: Vec<f64>,
    /// Each column's weight at the exact level for the pair (term
    /// frequency included), where the keys are equal.
    exact: Vec<f64>,
    /// The first row of the last pair, and its keys of the first step's
    /// columns: pairs come sorted, so a dozen in a row share their first
    /// row, whose keys are then read once.
    first: Option<usize>,
    first_keys: Vec<&'t str>,
    /// Each column's last exact-level weight and the count of records
    /// holding the value it was for: the weight depends on nothing else,
    /// and the pairs of one first row mostly share their values, so the
    /// logarithm of the term frequency is taken once for them.
    last_exact: Vec<(u32, f64)>,
}

impl<'a> Pruned<'a> {
    /// Pairs of `table`'s rows are kept at or above `threshold` (bits).
    pub(crate) fn new(
        scorer: &'a Scorer,
        table: &Table,
        swap: Option<Swap>,
        threshold: f64,
    ) -> Self {
        let width = table.columns.len();
        let cost = |c: usize| table.columns[c].comparator.cost();
        // Given and family names are compared in one step, at the later
        // one's place.
        let place = |c: usize| match swap {
            Some(s) if s.crosses(c) => (cost(s.given), s.given.max(s.family)),
            _ => (cost(c), c),
        };
        let mut order: Vec<usize> = (0..width).filter(|&c| table.has_values(c)).collect();
        order.sort_by_key(|&c| place(c));
        // The cheap columns first, then one step per place.
        let mut steps: Vec<Vec<usize>> = vec![Vec::new()];
        let mut step_of = vec![usize::MAX; width];
        let mut last = None;
        for c in order {
            if cost(c) > 0 && last != Some(place(c)) {
                steps.push(Vec::new());
                last = Some(place(c));
            }
            step_of[c] = steps.len() - 1;
            if let Some(step) = steps.last_mut() {
                step.push(c);
            }
        }
        Self {
            scorer,
            swap,
            later: steps.iter().skip(1).flatten().copied().collect(),
            steps,
            step_of,
            below_exact: (0..width).map(|f| scorer.below_exact(f)).collect(),
            threshold,
        }
    }

    /// Working space for [`Pruned::weight`].
    pub(crate) fn scratch<'t>(&self) -> Scratch<'t> {
        let width = self.step_of.len();
        Scratch {
            // Columns in no step stay missing.
            levels: vec![MISSING; width],
            ceilings: vec![0.0; width],
            exact: vec![0.0; width],
            first: None,
            first_keys: Vec::new(),
            last_exact: vec![(u32::MAX, 0.0); width],
        }
    }

    /// The weight of rows `a` and `b` when it reaches the threshold, with
    /// their levels in `scratch.levels`; `None` when it does not. A
    /// `scratch` serves the pairs of one `table` (it remembers a row).
    pub(crate) fn weight<'t>(
        &self,
        table: &'t Table,
        a: usize,
        b: usize,
        scratch: &mut Scratch<'t>,
    ) -> Option<f64> {
        let rows = table.rows;
        let Scratch {
            levels: out,
            ceilings,
            exact,
            first,
            first_keys,
            last_exact,
        } = scratch;
        let (ra, rb) = (table.row(a), table.row(b));
        let first_step = self.steps.first().map_or(&[][..], Vec::as_slice);
        if *first != Some(a) {
            first_keys.clear();
            first_keys.extend(first_step.iter().map(|&c| ra.key(c)));
            *first = Some(a);
        }
        let apart = names::generations_differ(ra.generation, rb.generation);
        if apart && GENERATIONS_WEIGHT < self.threshold {
            return None;
        }
        let count = |f: usize| ra.term(f).max(rb.term(f));
        // The first step's columns are compared before any bound.
        for &f in &self.later {
            let (x, y) = (ra.key(f), rb.key(f));
            ceilings[f] = if x.is_empty() || y.is_empty() {
                exact[f] = f64::INFINITY;
                0.0
            } else if x == y {
                let held_by = count(f);
                if last_exact[f].0 != held_by {
                    let top = self.scorer.weights[f].len() - 1;
                    let (base, adjust) = self.scorer.field_weight(f, top as u8, || held_by, rows);
                    last_exact[f] = (held_by, base + adjust);
                }
                exact[f] = last_exact[f].1;
                self.below_exact[f].max(exact[f])
            } else {
                // Only equal keys reach the exact level.
                exact[f] = f64::INFINITY;
                self.below_exact[f]
            };
        }
        let last = self.steps.len().saturating_sub(1);
        for (i, step) in self.steps.iter().enumerate() {
            if i == 0 {
                for (&c, &key) in step.iter().zip(first_keys.iter()) {
                    out[c] = compare::key_level(table.columns[c].comparator, key, rb.key(c))
                        .unwrap_or(MISSING);
                }
            } else {
                for &c in step {
                    out[c] = column_level(table, (ra, rb), c);
                }
            }
            if self.swap.is_some_and(|s| self.step_of[s.given] == i) {
                apply_swap((ra, rb), self.swap, out);
            }
            if i < last {
                let bound = self.scorer.prior_weight
                    + combine(&self.scorer.groups, |f| {
                        if self.step_of[f] > i {
                            ceilings[f]
                        } else if self.step_of[f] > 0
                            && out[f] != MISSING
                            && out[f] as usize == self.scorer.weights[f].len() - 1
                        {
                            exact[f]
                        } else {
                            let (base, adjust) =
                                self.scorer.field_weight(f, out[f], || count(f), rows);
                            base + adjust
                        }
                    });
                if bound < self.threshold {
                    return None;
                }
            }
        }
        let weight = capped_by_generations(self.scorer.weight_with(out, count, rows), apart);
        (weight >= self.threshold).then_some(weight)
    }
}

/// The most a pair weighs whose names declare different generations (Jr.
/// and Sr., II and III), whatever else it shares: by their own account two
/// people, a father and his son of one name who often share an address, a
/// landline and a mailbox, and sometimes a birth date keyed wrong. 2^-30:
/// one chance in a billion. A suffix on one side only says nothing.
pub(crate) const GENERATIONS_WEIGHT: f64 = -30.0;

/// The weight of a pair of rows `a` and `b` whose fields weigh `weight`:
/// at most [`GENERATIONS_WEIGHT`] when their names declare different
/// generations.
pub(crate) fn with_generations(weight: f64, a: Row<'_>, b: Row<'_>) -> f64 {
    capped_by_generations(
        weight,
        names::generations_differ(a.generation, b.generation),
    )
}

fn capped_by_generations(weight: f64, apart: bool) -> f64 {
    if apart {
        weight.min(GENERATIONS_WEIGHT)
    } else {
        weight
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
    /// The household class, when the model has one.
    household: Option<Household>,
}

/// The household class of a model, ready for scoring: how much likelier a
/// pair is to be two people of one household than two people at random.
#[derive(Clone, Debug)]
struct Household {
    /// log2(household prior / non-household non-match prior).
    prior_weight: f64,
    /// log2(h / u), per column and level.
    weights: Vec<Vec<f64>>,
}

/// log2(1 + 2^x), without overflow.
fn log2_1p_exp2(x: f64) -> f64 {
    if x > 40.0 {
        x
    } else {
        x.exp2().ln_1p() / std::f64::consts::LN_2
    }
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

/// Column weights added up as their [`Evidence`] says, one at a time.
#[derive(Clone, Copy, Debug, Default)]
struct Total {
    /// What counts on its own.
    sum: f64,
    /// The strongest agreement among shared and address columns.
    best: f64,
    /// The strongest disagreement among address columns.
    worst: f64,
}

impl Total {
    fn add(&mut self, group: Evidence, w: f64) {
        match group {
            Evidence::Own => self.sum += w,
            Evidence::Shared | Evidence::Address if w > 0.0 => self.best = self.best.max(w),
            Evidence::Shared => self.sum += w,
            Evidence::Address => self.worst = self.worst.min(w),
        }
    }

    fn value(self) -> f64 {
        self.sum + self.best + self.worst
    }
}

/// The total of column weights `weight_of(f)` under `groups`.
pub(crate) fn combine(groups: &[Evidence], mut weight_of: impl FnMut(usize) -> f64) -> f64 {
    let mut total = Total::default();
    for (f, &group) in groups.iter().enumerate() {
        total.add(group, weight_of(f));
    }
    total.value()
}

/// Marks which of `parts` (each column's weight, term-frequency part and
/// whether it counts) count under `groups` (see [`combine`]): a column
/// counts with its weight and term-frequency part added up.
fn mark_counted(groups: &[Evidence], parts: &mut [(f64, f64, bool)]) {
    let total = |(w, t, _): (f64, f64, bool)| w + t;
    let pick = |test: &dyn Fn(usize, f64) -> bool, better: &dyn Fn(f64, f64) -> bool| {
        let mut pick: Option<(usize, f64)> = None;
        for (f, &part) in parts.iter().enumerate() {
            let w = total(part);
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
    for (f, part) in parts.iter_mut().enumerate() {
        let w = total(*part);
        part.2 = match groups[f] {
            Evidence::Own => true,
            _ if w > 0.0 => best == Some(f),
            Evidence::Shared => true,
            Evidence::Address => w == 0.0 || worst == Some(f),
        };
    }
}

impl Scorer {
    /// `groups` says how each column's weight adds up; `shared` which
    /// columns a household shares (empty: none known).
    ///
    /// Against the household class, a column a household shares counts as
    /// agreeing at least as readily among two people of one home as among
    /// two records of one person (its household weight is raised to its
    /// match weight where lower). So when two records agree on a home
    /// (street, phone, email, family name), only what is personal (given
    /// name, birth date, gender, identifiers) tells one person from two:
    /// a father and son of one name at one address, with birth dates a
    /// generation apart, are two people however much else they share.
    pub(crate) fn new(model: &Model, groups: Vec<Evidence>, shared: &[bool]) -> Self {
        let unrelated = 1.0 - model.prior - model.household_prior;
        let household = (model.household_prior > 0.0).then(|| Household {
            prior_weight: (model.household_prior / unrelated).log2(),
            weights: model
                .fields
                .iter()
                .enumerate()
                .map(|(c, f)| {
                    let home = shared.get(c).copied().unwrap_or(false);
                    f.h.iter()
                        .zip(&f.m)
                        .zip(&f.u)
                        .map(|((h, m), u)| (if home { h.max(*m) } else { *h } / u).log2())
                        .collect()
                })
                .collect(),
        });
        Self {
            household,
            prior_weight: (model.prior / unrelated).log2(),
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
    /// (a contact agreement other than the strongest does not), into
    /// `parts` (reused from pair to pair). `count(f)` says how many of
    /// `rows` records hold the pair's value of column `f`.
    pub(crate) fn parts_into(
        &self,
        levels: &[u8],
        count: impl Fn(usize) -> u32,
        rows: usize,
        parts: &mut Vec<(f64, f64, bool)>,
    ) {
        parts.clear();
        parts.extend(levels.iter().enumerate().map(|(f, &level)| {
            let (w, t) = self.field_weight(f, level, || count(f), rows);
            (w, t, true)
        }));
        mark_counted(&self.groups, parts);
    }

    /// The total weight of rows `a` and `b` of `table`.
    pub(crate) fn weight(&self, table: &Table, levels: &[u8], a: usize, b: usize) -> f64 {
        let weight = self.weight_with(levels, |f| table.term_count(f, a, b), table.rows);
        with_generations(weight, table.row(a), table.row(b))
    }

    /// The total weight of a pair, `count` and `rows` as for [`Scorer::parts_into`].
    ///
    /// One pass over the columns adds up the match and household totals
    /// together (each column's weight and term frequency read once); the
    /// result is [`Scorer::household_weight`] added to the match weight.
    pub(crate) fn weight_with(
        &self,
        levels: &[u8],
        count: impl Fn(usize) -> u32,
        rows: usize,
    ) -> f64 {
        let (mut matched, mut household) = (Total::default(), Total::default());
        for (f, (&group, &level)) in self.groups.iter().zip(levels).enumerate() {
            // A missing value weighs 0 in both totals, which changes neither.
            if level == MISSING {
                continue;
            }
            let (base, adjust) = self.field_weight(f, level, || count(f), rows);
            matched.add(group, base + adjust);
            if let Some(h) = &self.household {
                household.add(group, h.weights[f][level as usize] + adjust);
            }
        }
        let household = self
            .household
            .as_ref()
            .map_or(0.0, |h| -log2_1p_exp2(h.prior_weight + household.value()));
        self.prior_weight + matched.value() + household
    }

    /// What the household class takes off the weight of a pair with these
    /// levels (0 or less; 0 without a household class): log2 of one plus
    /// the odds that the pair is two people of one household rather than
    /// two people at random. `count` and `rows` as for [`Scorer::parts_into`].
    pub(crate) fn household_weight(
        &self,
        levels: &[u8],
        count: impl Fn(usize) -> u32,
        rows: usize,
    ) -> f64 {
        let Some(h) = &self.household else {
            return 0.0;
        };
        let fields = combine(&self.groups, |f| match levels[f] {
            MISSING => 0.0,
            level => {
                let (_, adjust) = self.field_weight(f, level, || count(f), rows);
                h.weights[f][level as usize] + adjust
            }
        });
        -log2_1p_exp2(h.prior_weight + fields)
    }
}

/// The probability that goes with a weight in bits.
pub(crate) fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

/// The weight in bits that goes with a probability ([`probability`]
/// turned around).
pub(crate) fn weight_of(probability: f64) -> f64 {
    (probability / (1.0 - probability)).log2()
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
    let total = pairs_among([left as u64, right as u64], split);
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

/// How many pairs rows make, given how many are on each side of `split`:
/// with a split, the pairs across it; without, every two rows of the
/// first side (which then holds them all).
fn pairs_among([left, right]: [u64; 2], split: Option<usize>) -> u128 {
    match split {
        Some(_) => u128::from(left) * u128::from(right),
        None => u128::from(left) * u128::from(left.saturating_sub(1)) / 2,
    }
}

/// Estimates u, each level's share among pairs of records taken at
/// random (with `split`, pairs across it), with one pseudo-count per level
/// so no level is impossible.
///
/// The exact level's share is counted from how many rows hold each key,
/// without sampling error, wherever equal keys are what reaches it and
/// nothing else does (see [`equal_key_pairs`]); the lower levels share the
/// rest as the `random` pairs below the exact level do. Sampled, the
/// exact share was the one most in error: two birth dates agree in about
/// one random pair in 30,000, so 200,000 pairs saw that a handful of
/// times, and its estimate, with the weight of an agreeing birth date,
/// moved fourfold with the seed. A counted share is kept within the
/// bounds a sampled one has (one pseudo-count from either end), so a value
/// no two records share weighs no more than before.
pub(crate) fn estimate_u(
    table: &Table,
    swap: Option<Swap>,
    split: Option<usize>,
    random: &[(u32, u32)],
) -> Vec<Vec<f64>> {
    let counted = equal_key_pairs(table, swap, split);
    count_levels(table, swap, random)
        .into_iter()
        .zip(counted)
        .map(|(counts, equal)| match equal {
            Some((equal, all)) if all > 0 => {
                let total: u64 = counts.iter().sum();
                let exact = counts.len() - 1;
                let floor = 1.0 / (total as f64 + counts.len() as f64);
                let share = (equal as f64 / all as f64).clamp(floor, 1.0 - exact as f64 * floor);
                let mut u = shares(&counts[..exact], 1.0 - share);
                u.push(share);
                u
            }
            _ => shares(&counts, 1.0),
        })
        .collect()
}

/// `counts` as shares adding up to `whole`, with one pseudo-count each.
fn shares(counts: &[u64], whole: f64) -> Vec<f64> {
    let total: u64 = counts.iter().sum();
    let levels = counts.len() as f64;
    counts
        .iter()
        .map(|&c| whole * (c as f64 + 1.0) / (total as f64 + levels))
        .collect()
}

/// For each column whose exact level equal keys reach and nothing else
/// does, and which is missing exactly where a key is empty: how many
/// pairs of rows (with `split`, pairs across it) hold equal keys, and how
/// many hold a key on both sides. `None` for email (a mailbox made of its
/// owner's names is missing beside a different address, not only beside
/// an empty one) and for names compared crosswise (a swap rewrites their
/// levels).
///
/// Keys are hashed (62 bits: two keys of a million collide about once in
/// ten million tables) and sorted, a few columns at a time, the rows read
/// in storage order: a map of keys filled row by row, out of order, cost
/// a second at a million rows.
pub(crate) fn equal_key_pairs(
    table: &Table,
    swap: Option<Swap>,
    split: Option<usize>,
) -> Vec<Option<(u128, u128)>> {
    let counted: Vec<usize> = (0..table.columns.len())
        .filter(|&c| {
            !swap.is_some_and(|s| s.crosses(c)) && table.columns[c].comparator != Comparator::Email
        })
        .collect();
    let pairs = |held: [u64; 2]| pairs_among(held, split);
    let mut found = Vec::with_capacity(counted.len());
    for some in counted.chunks(COLUMNS_HASHED_AT_ONCE) {
        found.extend(
            key_hashes(table, some, split)
                .into_par_iter()
                .map(|mut keys| {
                    keys.sort_unstable();
                    let empty = keys.partition_point(|&k| k == 0);
                    let (mut equal, mut sides) = (0, [0, 0]);
                    for run in keys[empty..].chunk_by(|a, b| a >> 1 == b >> 1) {
                        let right = run.iter().filter(|&&k| k & 1 == 1).count() as u64;
                        let held = [run.len() as u64 - right, right];
                        equal += pairs(held);
                        sides = [sides[0] + held[0], sides[1] + held[1]];
                    }
                    (equal, pairs(sides))
                })
                .collect::<Vec<_>>(),
        );
    }
    let mut found = counted.iter().zip(found).peekable();
    (0..table.columns.len())
        .map(|c| found.next_if(|&(&d, _)| d == c).map(|(_, f)| f))
        .collect()
}

/// How many columns [`equal_key_pairs`] hashes in one reading of the rows:
/// each holds 8 bytes a row (80 MB at ten million rows) until counted.
const COLUMNS_HASHED_AT_ONCE: usize = 4;

/// The keys of `columns` in every row, by place: each a hash with its
/// second-lowest bit set and its lowest saying the side of `split` the
/// row is on; 0 for an empty key.
fn key_hashes(table: &Table, columns: &[usize], split: Option<usize>) -> Vec<Vec<u64>> {
    let hasher = foldhash::fast::FixedState::default();
    table.numbers_by_place(columns.len(), |place, row, hashes| {
        let side = split.is_some_and(|s| table.row_at(place as u32) as usize >= s);
        for (hash, &c) in hashes.iter_mut().zip(columns) {
            let key = row.key(c);
            *hash = if key.is_empty() {
                0
            } else {
                hasher.hash_one(key) & !3 | 2 | u64::from(side)
            };
        }
    })
}

/// Distinct level patterns of `pairs` with how often each occurs, sorted.
pub(crate) fn patterns(levels: &[u8], width: usize) -> Vec<(Vec<u8>, u64)> {
    let mut counts: HashMap<&[u8], u64, foldhash::fast::FixedState> = HashMap::default();
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

/// What one EM fit found.
pub(crate) struct Fit {
    /// m per column and level.
    pub m: Vec<Vec<f64>>,
    /// h per column and level, with a household class.
    pub h: Option<Vec<Vec<f64>>>,
    /// The expected number of household pairs among the patterns.
    pub households: f64,
}

/// One EM fit of m (and, when `h` is given, of the household class) with
/// u fixed; the priors among `patterns` are estimated on the way.
/// Likelihoods follow the scorer: with `groups` grouping contact columns,
/// only the strongest contact agreement counts.
///
/// With a household class each pair is one of three kinds: the same
/// person (m), two people of one household (h), or two people at random
/// (u, fixed). Within each kind the columns add up as `groups` say. Households
/// explain pairs that agree on what a family shares but differ in given
/// name or birth date; data without households leaves the class empty, and
/// the model is then the two-kind one.
pub(crate) fn fit(
    u: &[Vec<f64>],
    mut m: Vec<Vec<f64>>,
    (mut h, shared): (Option<Vec<Vec<f64>>>, &[bool]),
    patterns: &[(Vec<u8>, u64)],
    iterations: usize,
    groups: &[Evidence],
) -> Fit {
    let (mut prior, mut prior_h) = (0.1f64, if h.is_some() { 0.05f64 } else { 0.0 });
    let mut households = 0.0;
    for _ in 0..iterations {
        let mut m_sum: Vec<Vec<f64>> = m.iter().map(|l| vec![0.0; l.len()]).collect();
        let mut h_sum = m_sum.clone();
        let (mut matched, mut in_households, mut total) = (0.0f64, 0.0f64, 0.0f64);
        let weights = LevelWeights::new(&m, u, h.as_deref());
        for (pattern, count) in patterns {
            let (wm, wh) = weights.of(pattern, groups);
            let (pm, ph) = posteriors(prior, prior_h, wm, wh);
            let count = *count as f64;
            matched += pm * count;
            in_households += ph * count;
            total += count;
            for (f, &l) in pattern.iter().enumerate() {
                if l != MISSING {
                    m_sum[f][l as usize] += pm * count;
                    h_sum[f][l as usize] += ph * count;
                }
            }
        }
        let mut change = refit(&mut m, &m_sum);
        if let Some(h) = h.as_mut() {
            change = change.max(refit_household(h, &h_sum, u, shared));
        }
        households = in_households;
        let next = if total > 0.0 {
            (matched / total).clamp(1e-9, 1.0 - 1e-9)
        } else {
            prior
        };
        change = change.max((next - prior).abs());
        prior = next;
        if h.is_some() && total > 0.0 {
            // At most half of what the match class leaves (which is never
            // below 5e-10), so no class is ever empty; `clamp` would panic
            // when that half is below the floor.
            let next = (in_households / total).max(1e-12).min((1.0 - prior) * 0.5);
            change = change.max((next - prior_h).abs());
            prior_h = next;
        }
        if change < 1e-7 {
            break;
        }
    }
    Fit { m, h, households }
}

/// The posterior probabilities of a match and of a household pair, given
/// the priors and the pattern's weights (log2 of m/u and h/u).
fn posteriors(prior: f64, prior_h: f64, wm: f64, wh: f64) -> (f64, f64) {
    let rest = 1.0 - prior - prior_h;
    // In log2 space, relative to the largest term.
    let lm = prior.log2() + wm;
    let lh = if prior_h > 0.0 {
        prior_h.log2() + wh
    } else {
        f64::NEG_INFINITY
    };
    let lu = rest.log2();
    let top = lm.max(lh).max(lu);
    let (em, eh, eu) = ((lm - top).exp2(), (lh - top).exp2(), (lu - top).exp2());
    let sum = em + eh + eu;
    (em / sum, eh / sum)
}

/// log2(m/u) and log2(h/u) (when there is `h`) of every column and
/// level, worked out once for all the level patterns EM and the priors go
/// over (tens of thousands per iteration; a log2 per column of each
/// pattern was 1.5 % of a 30 k-row run).
struct LevelWeights {
    matched: Vec<Vec<f64>>,
    household: Option<Vec<Vec<f64>>>,
}

impl LevelWeights {
    fn new(m: &[Vec<f64>], u: &[Vec<f64>], h: Option<&[Vec<f64>]>) -> Self {
        let ratios = |p: &[Vec<f64>]| -> Vec<Vec<f64>> {
            p.iter()
                .zip(u)
                .map(|(p, u)| p.iter().zip(u).map(|(p, u)| (p / u).log2()).collect())
                .collect()
        };
        Self {
            matched: ratios(m),
            household: h.map(ratios),
        }
    }

    /// The weights of a level pattern without prior or term frequency:
    /// of a match and of a household pair (0 without `h`), both under
    /// `groups`.
    fn of(&self, pattern: &[u8], groups: &[Evidence]) -> (f64, f64) {
        let sum = |weights: &[Vec<f64>]| {
            combine(groups, |f| match pattern[f] {
                MISSING => 0.0,
                l => weights[f][l as usize],
            })
        };
        let wm = sum(&self.matched);
        let wh = self.household.as_deref().map_or(0.0, sum);
        (wm, wh)
    }
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

/// The probabilities that two records taken at random match, and that
/// they are two people of one household (0 without `h`): the expected
/// matches and household pairs among the candidate `patterns` (nearly all
/// of them are candidates) over `total_pairs`, solved as a fixed point.
pub(crate) fn estimate_priors(
    patterns: &[(Vec<u8>, u64)],
    m: &[Vec<f64>],
    u: &[Vec<f64>],
    h: Option<&[Vec<f64>]>,
    groups: &[Evidence],
    total_pairs: f64,
) -> (f64, f64) {
    let level_weights = LevelWeights::new(m, u, h);
    let weights: Vec<(f64, f64, f64)> = patterns
        .iter()
        .map(|(p, c)| {
            let (wm, wh) = level_weights.of(p, groups);
            (wm, wh, *c as f64)
        })
        .collect();
    let candidates: f64 = weights.iter().map(|&(_, _, c)| c).sum();
    let total = total_pairs.max(1.0);
    let start = (candidates / total).clamp(1e-12, 0.5) * 0.1;
    let (mut prior, mut prior_h) = (start, if h.is_some() { start } else { 0.0 });
    for _ in 0..200 {
        let (mut matched, mut shared) = (0.0, 0.0);
        for &(wm, wh, c) in &weights {
            let (pm, ph) = posteriors(prior, prior_h, wm, wh);
            matched += pm * c;
            shared += ph * c;
        }
        let next = (matched / total).clamp(1e-12, 0.5);
        let next_h = if h.is_some() {
            (shared / total).clamp(1e-12, 0.4)
        } else {
            0.0
        };
        let settled = (next - prior).abs() <= 1e-6 * prior
            && (next_h - prior_h).abs() <= 1e-6 * prior_h.max(1e-12);
        prior = next;
        prior_h = next_h;
        if settled {
            break;
        }
    }
    (prior, prior_h)
}

/// Whether the household class earns its place: the likelihood of the
/// candidate `patterns` with it (priors `(prior, prior_h)`) against the
/// same model without it (the match prior estimated again), by the
/// Bayesian information criterion, which charges each extra parameter half
/// the log of the number of pairs. Data without households gains next to
/// nothing from the class and drops it.
pub(crate) fn households_earn_their_place(
    patterns: &[(Vec<u8>, u64)],
    m: &[Vec<f64>],
    u: &[Vec<f64>],
    h: &[Vec<f64>],
    groups: &[Evidence],
    (prior, prior_h): (f64, f64),
    total_pairs: f64,
) -> bool {
    let level_weights = LevelWeights::new(m, u, Some(h));
    let weights: Vec<(f64, f64, f64)> = patterns
        .iter()
        .map(|(p, c)| {
            let (wm, wh) = level_weights.of(p, groups);
            (wm, wh, *c as f64)
        })
        .collect();
    // Log-likelihoods relative to all pairs being unrelated (u cancels).
    let with = |prior: f64, prior_h: f64| -> f64 {
        let rest = 1.0 - prior - prior_h;
        weights
            .iter()
            .map(|&(wm, wh, c)| c * (prior * wm.exp2() + prior_h * wh.exp2() + rest).ln())
            .sum()
    };
    let (alone, _) = estimate_priors(patterns, m, u, None, groups, total_pairs);
    let gain = with(prior, prior_h) - with(alone, 0.0);
    let pairs: f64 = weights.iter().map(|&(_, _, c)| c).sum();
    let parameters = 1 + h.iter().map(|levels| levels.len() - 1).sum::<usize>();
    gain > 0.5 * parameters as f64 * pairs.max(2.0).ln()
}

/// A model from its parts.
pub(crate) fn assemble(
    schema: &str,
    fields: Vec<(String, Comparator)>,
    Probabilities { m, u, h }: Probabilities,
    (prior, household_prior): (f64, f64),
) -> Model {
    let households = household_prior > 0.0;
    let mut h = h.filter(|_| households).map(Vec::into_iter);
    Model {
        schema: schema.to_owned(),
        prior,
        household_prior: if households { household_prior } else { 0.0 },
        fields: fields
            .into_iter()
            .zip(m.into_iter().zip(u))
            .map(|((field, comparator), (m, u))| FieldModel {
                field,
                comparator,
                m,
                u,
                h: h.as_mut().and_then(Iterator::next).unwrap_or_default(),
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

/// The most a household shares of what is personal (a given name, a
/// birth date): twins share a birth date, a father and his son (Jr. and
/// Sr.) a given name; bounded so the household class cannot turn into a
/// second kind of match.
const MAX_HOUSEHOLD_SHARING: f64 = 0.25;

/// [`refit`] for the household class: columns a household shares
/// (`shared`) are fitted freely; on the others two people of one household
/// are two different people, who agree exactly with some probability
/// (twins, Jr. and Sr.) and otherwise like two people at random, so only
/// that probability is fitted. Returns the largest change.
fn refit_household(h: &mut [Vec<f64>], sums: &[Vec<f64>], u: &[Vec<f64>], shared: &[bool]) -> f64 {
    let mut change = 0.0f64;
    for (f, (levels, sums)) in h.iter_mut().zip(sums).enumerate() {
        if shared.get(f).copied().unwrap_or(false) {
            change = change.max(refit(
                std::slice::from_mut(levels),
                std::slice::from_ref(sums),
            ));
            continue;
        }
        let total: f64 = sums.iter().sum();
        if total <= 0.0 {
            continue;
        }
        let exact = levels.len() - 1;
        let (u, p) = (&u[f], sums[exact] / total);
        let alpha = ((p - u[exact]) / (1.0 - u[exact])).clamp(1e-4, MAX_HOUSEHOLD_SHARING);
        for (l, x) in levels.iter_mut().enumerate() {
            let next = (1.0 - alpha) * u[l] + if l == exact { alpha } else { 0.0 };
            change = change.max((next - *x).abs());
            *x = next;
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
    count_levels(table, swap, known)
        .iter()
        .map(|counts| shares(counts, 1.0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four columns: a given name and a birth date (personal), a street
    /// and a phone (shared by a household).
    fn u() -> Vec<Vec<f64>> {
        vec![
            vec![0.98, 0.01, 0.005, 0.005],
            vec![0.97, 0.02, 0.0099, 0.0001],
            vec![0.95, 0.03, 0.0195, 0.0005],
            vec![0.9998, 0.0001, 0.0001],
        ]
    }

    fn fitted(patterns: &[(Vec<u8>, u64)]) -> (Fit, (f64, f64), bool) {
        let u = u();
        let shared = [false, false, true, true];
        let m = initial_m(&u);
        // Like strangers on what is personal, like duplicates on the rest.
        let start_h = (0..4)
            .map(|c| {
                if shared[c] {
                    m[c].clone()
                } else {
                    u[c].clone()
                }
            })
            .collect();
        let groups = [Evidence::Own; 4];
        let fit = fit(&u, m, (Some(start_h), &shared), patterns, 200, &groups);
        let h = fit.h.clone().unwrap_or_default();
        let total = 1e7;
        let priors = estimate_priors(patterns, &fit.m, &u, Some(&h), &groups, total);
        let earns = households_earn_their_place(patterns, &fit.m, &u, &h, &groups, priors, total);
        (fit, priors, earns)
    }

    #[test]
    fn candidates_that_all_match_leave_the_priors_in_range() {
        // Every pair a duplicate: the match prior reaches its cap, and the
        // household prior must still fit in what is left.
        let (fit, (prior, prior_h), _) = fitted(&[(vec![3, 3, 3, 2], 50)]);
        assert!(
            fit.households.is_finite(),
            "{} {prior} {prior_h}",
            fit.households
        );
        assert!((0.0..=1.0).contains(&prior) && (0.0..=1.0).contains(&prior_h));
        assert!(prior + prior_h <= 1.0 + 1e-9, "{prior} {prior_h}");
    }

    #[test]
    fn a_household_class_is_learnt_where_households_are_and_dropped_elsewhere() {
        let duplicates = [
            (vec![3, 3, 3, 2], 100),
            (vec![2, 3, 3, 2], 20),
            (vec![3, 3, 3, 0], 10),
            (vec![3, 2, 0, 2], 10),
        ];
        let others = [
            (vec![0, 0, 0, 0], 5000),
            (vec![0, 1, 0, 0], 300),
            (vec![0, 0, 1, 0], 200),
        ];
        let members = [(vec![0, 0, 3, 2], 200), (vec![0, 0, 3, 0], 150)];
        let with: Vec<_> = duplicates
            .iter()
            .chain(&others)
            .chain(&members)
            .cloned()
            .collect();
        let (fit, (prior, prior_h), earns) = fitted(&with);
        assert!(earns);
        let h = fit.h.unwrap_or_default();
        assert!(h[2][3] > 0.9, "households share the street: {h:?}");
        assert!(h[0][0] > 0.9, "but not the given name: {h:?}");
        assert!(fit.m[0][3] > 0.7, "duplicates do: {:?}", fit.m);
        assert!(prior_h > prior, "{prior_h} {prior}");
        // Without households the class explains too little to keep.
        let without: Vec<_> = duplicates.iter().chain(&others).cloned().collect();
        assert!(!fitted(&without).2);
    }

    #[test]
    fn the_household_class_takes_weight_off_pairs_that_only_share_a_home() {
        let u = &u()[1..3];
        let field = |name: &str, m: Vec<f64>, u: Vec<f64>, h: Vec<f64>| FieldModel {
            field: name.to_owned(),
            comparator: Comparator::Name,
            m,
            u,
            h,
        };
        let model = Model {
            schema: "s".into(),
            prior: 1e-3,
            household_prior: 1e-2,
            fields: vec![
                field(
                    "birth_date",
                    vec![0.05, 0.02, 0.13, 0.8],
                    u[0].clone(),
                    u[0].clone(),
                ),
                field(
                    "street",
                    vec![0.05, 0.02, 0.03, 0.9],
                    u[1].clone(),
                    vec![0.05, 0.02, 0.03, 0.9],
                ),
            ],
        };
        let plain = Model {
            household_prior: 0.0,
            ..model.clone()
        };
        let with = Scorer::new(&model, vec![Evidence::Own; 2], &[]);
        let without = Scorer::new(&plain, vec![Evidence::Own; 2], &[]);
        let weigh = |s: &Scorer, levels: &[u8]| s.weight_with(levels, |_| 0, 0);
        // Same street, another birth date: a household member.
        let member = [0u8, 3];
        assert!(weigh(&with, &member) < weigh(&without, &member) - 3.0);
        let penalty = with.household_weight(&member, |_| 0, 0);
        assert!(penalty < 0.0);
        // The household weight is what sets the two apart (the priors
        // differ a little too).
        let mut parts = Vec::new();
        with.parts_into(&member, |_| 0, 0, &mut parts);
        let fields: f64 = parts.iter().map(|(w, t, _)| w + t).sum();
        assert!((with.prior_weight() + fields + penalty - weigh(&with, &member)).abs() < 1e-9);
        // The birth date agrees too: still a match.
        let same = [3u8, 3];
        assert!(probability(weigh(&with, &same)) > 0.9);
        assert_eq!(without.household_weight(&member, |_| 0, 0), 0.0);
    }

    proptest::proptest! {
        /// The weights of a level pattern read from the ratios worked out
        /// ahead are, bit for bit, the log2 ratios added up per pattern.
        #[test]
        fn pattern_weights_are_the_log2_ratios_added_up(
            columns in proptest::collection::vec(
                (proptest::collection::vec((1e-9f64..1.0, 1e-9f64..1.0, 1e-9f64..1.0), 1..5), 0u8..3),
                1..8,
            ),
            patterns in proptest::collection::vec(proptest::collection::vec(0u8..6, 8), 1..6),
            households: bool,
        ) {
            let m: Vec<Vec<f64>> = columns.iter().map(|(l, _)| l.iter().map(|p| p.0).collect()).collect();
            let u: Vec<Vec<f64>> = columns.iter().map(|(l, _)| l.iter().map(|p| p.1).collect()).collect();
            let h: Vec<Vec<f64>> = columns.iter().map(|(l, _)| l.iter().map(|p| p.2).collect()).collect();
            let groups: Vec<Evidence> = columns
                .iter()
                .map(|&(_, g)| [Evidence::Own, Evidence::Shared, Evidence::Address][g as usize])
                .collect();
            let h = households.then_some(h.as_slice());
            let weights = LevelWeights::new(&m, &u, h);
            for pattern in &patterns {
                // Levels past a column's last are missing.
                let pattern: Vec<u8> = pattern
                    .iter()
                    .zip(&m)
                    .map(|(&l, m)| if (l as usize) < m.len() { l } else { MISSING })
                    .collect();
                let ratio = |p: &[Vec<f64>]| {
                    combine(&groups, |f| match pattern[f] {
                        MISSING => 0.0,
                        l => (p[f][l as usize] / u[f][l as usize]).log2(),
                    })
                };
                let (wm, wh) = weights.of(&pattern, &groups);
                proptest::prop_assert_eq!(wm.to_bits(), ratio(&m).to_bits());
                proptest::prop_assert_eq!(wh.to_bits(), h.map_or(0.0, ratio).to_bits());
            }
        }

        /// The one-pass total is, bit for bit, the match total, the prior
        /// and the household weight added up apart (as explanations show
        /// them), under any grouping of the columns.
        #[test]
        fn one_pass_weight_is_the_sum_of_its_parts(
            picks in proptest::collection::vec((0u8..3, 0u8..8, 0u32..5), 32),
            rows in 0usize..1000,
        ) {
            let model = Model::customer();
            let width = model.fields().len();
            let groups: Vec<Evidence> = picks[..width]
                .iter()
                .map(|&(g, _, _)| [Evidence::Own, Evidence::Shared, Evidence::Address][g as usize])
                .collect();
            let levels: Vec<u8> = picks[..width]
                .iter()
                .zip(model.fields())
                .map(|(&(_, l, _), f)| if (l as usize) < f.m.len() { l } else { MISSING })
                .collect();
            let count = |f: usize| picks[f].2;
            let shared: Vec<bool> = (0..width).map(|f| f % 2 == 0).collect();
            let scorer = Scorer::new(&model, groups.clone(), &shared);
            let fields = combine(&groups, |f| {
                let (base, adjust) = scorer.field_weight(f, levels[f], || count(f), rows);
                base + adjust
            });
            let apart = scorer.prior_weight() + fields + scorer.household_weight(&levels, count, rows);
            proptest::prop_assert_eq!(scorer.weight_with(&levels, count, rows).to_bits(), apart.to_bits());
        }
    }

    /// A father and son of one name at one address, birth dates a
    /// generation apart: the birth date decides, however much the home
    /// agrees (and more readily among one person's records than in a
    /// household).
    #[test]
    fn a_personal_disagreement_decides_within_a_household() {
        let field = |name: &str, m: Vec<f64>, u: Vec<f64>, h: Vec<f64>| FieldModel {
            field: name.to_owned(),
            comparator: Comparator::Exact,
            m,
            u,
            h,
        };
        let model = Model {
            schema: "s".into(),
            prior: 1e-4,
            household_prior: 1e-4,
            fields: vec![
                // Given name and birth date: personal.
                field(
                    "given_name",
                    vec![0.05, 0.95],
                    vec![0.999, 0.001],
                    vec![0.95, 0.05],
                ),
                field(
                    "birth_date",
                    vec![0.02, 0.98],
                    vec![0.999, 0.001],
                    vec![0.9, 0.1],
                ),
                // Email and phone: a household shares them, less often
                // than one person's records do.
                field(
                    "email",
                    vec![0.1, 0.9],
                    vec![0.9999, 0.0001],
                    vec![0.9, 0.1],
                ),
                field(
                    "phone",
                    vec![0.1, 0.9],
                    vec![0.9999, 0.0001],
                    vec![0.9, 0.1],
                ),
            ],
        };
        let groups = vec![Evidence::Own; 4];
        let plain = Scorer::new(&model, groups.clone(), &[]);
        let shared = Scorer::new(&model, groups, &[false, false, true, true]);
        let weigh = |s: &Scorer, levels: &[u8]| s.weight_with(levels, |_| 0, 0);
        let junior = [1u8, 0, 1, 1];
        assert!(probability(weigh(&plain, &junior)) > 0.9);
        assert!(probability(weigh(&shared, &junior)) < 0.5);
        // Twins: the given name decides.
        assert!(probability(weigh(&shared, &[0, 1, 1, 1])) < 0.5);
        // One person's records still match.
        assert!(probability(weigh(&shared, &[1, 1, 1, 1])) > 0.99);
        assert!(probability(weigh(&shared, &[1, 1, MISSING, 1])) > 0.99);
    }

    #[test]
    fn household_models_round_trip_and_bad_ones_are_refused() {
        let json = r#"{"schema": "s", "prior": 0.001, "household_prior": 0.002, "fields": [
            {"field": "g", "comparator": "exact", "m": [0.1, 0.9], "u": [0.9, 0.1], "h": [0.8, 0.2]}]}"#;
        let model = Model::from_json(json).unwrap();
        assert_eq!(model.household_prior(), 0.002);
        assert_eq!(Model::from_json(&model.to_json()).unwrap(), model);
        let no_h = json.replace(r#", "h": [0.8, 0.2]"#, "");
        assert!(Model::from_json(&no_h).is_err());
        let too_big = json.replace("0.002", "0.9995");
        assert!(Model::from_json(&too_big).is_err());
        // A model without households says nothing of them.
        let plain = json
            .replace(r#""household_prior": 0.002, "#, "")
            .replace(r#", "h": [0.8, 0.2]"#, "");
        let plain = Model::from_json(&plain).unwrap();
        assert_eq!(plain.household_prior(), 0.0);
        assert!(!plain.to_json().contains("household"));
    }
}
