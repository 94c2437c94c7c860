//! Duplicate detection: which records are the same customer.
//!
//! A [`Deduper`] is built from a [`Schema`]; each field gets a
//! [`Comparator`] (from its kind, or the schema's `compare` option).
//! [`Deduper::run`] then
//!
//! 1. normalizes every record and prepares match keys, name spellings
//!    (names in other scripts in Latin letters, read by what the record
//!    says of itself), phonetic codes and nickname numbers, once;
//! 2. **blocks**: pairs records that share a key of any [`BlockingRule`]
//!    (plus, optionally, neighbours in name order), each pair once, with
//!    huge blocks cut down to a window so a common key cannot explode;
//! 3. **compares** each candidate pair field by field into levels;
//! 4. **trains** a Fellegi–Sunter [`Model`] without labels: u from random
//!    pairs, m and the prior by EM, a household class when the data has
//!    households ([`ContactEvidence::Learned`]), and weighs exact name
//!    matches by how common the name is (term frequency);
//! 5. **clusters** pairs whose match probability reaches the threshold
//!    (strongest first, joining two clusters only when their members
//!    match on average; see [`Clustering`]).
//!
//! [`Deduper::link`] does the same across two sources, pairing only across
//! them. A [`Merger`] turns each cluster into a [`GoldenRecord`] by
//! survivorship rules, and an [`Index`] answers "who is this new record
//! likely to be?" one record at a time. Every scored pair can be explained field by field
//! ([`Outcome::explain`]). Results do not depend on the order of the input
//! records or the number of threads.
//!
//! ```
//! use custodia::dedupe::Deduper;
//! use custodia::{Record, Schema};
//!
//! // Four customer records: two people, each written twice.
//! let schema = Schema::customer();
//! let records = [
//!     r#"{"customer_id": "c1", "full_name": "Zhang Wei", "phone": "13800138000",
//!         "email": "zhang.wei@example.com", "birth_date": "1990-03-01", "country": "CN"}"#,
//!     r#"{"customer_id": "c2", "full_name": "ZHANG WEI", "phone": "138 0013 8000",
//!         "email": "Zhang.Wei@Example.com", "birth_date": "1990/03/01", "country": "China"}"#,
//!     r#"{"customer_id": "c3", "full_name": "Anna Schmidt", "phone": "+49 30 1234567",
//!         "email": "anna.schmidt@example.de", "birth_date": "1985-07-12", "country": "DE"}"#,
//!     r#"{"customer_id": "c4", "full_name": "Anna Schmid", "phone": "+49 30 1234567",
//!         "email": "anna.schmidt@example.de", "birth_date": "12.07.1985", "country": "DE"}"#,
//! ]
//! .map(|json| Record::from_json(&schema, json))
//! .into_iter()
//! .collect::<Result<Vec<_>, _>>()?;
//! let outcome = Deduper::new(&schema)?.run(&records)?;
//! // Records of one customer share a cluster id.
//! let clusters = outcome.clusters();
//! assert_eq!(clusters[0], clusters[1]);
//! assert_eq!(clusters[2], clusters[3]);
//! assert_ne!(clusters[0], clusters[2]);
//! // Every pair can be explained field by field.
//! let pair = outcome.pairs()[0];
//! let why = outcome.explain(pair.a, pair.b).unwrap();
//! assert!(why.probability >= 0.9);
//! # Ok::<(), custodia::Error>(())
//! ```

mod block;
mod cluster;
mod compare;
pub mod distributed;
mod evaluate;
#[cfg(feature = "generate")]
pub mod generate;
mod index;
mod labels;
mod merge;
mod model;
mod names;
mod prepare;
mod scripts;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use block::{BlockingRule, KeyPart, Transform};
pub use cluster::Clustering;
pub use compare::Comparator;
pub use distributed::{PairScorer, Prepared};
pub use evaluate::PairScores;
pub(crate) use index::Other;
pub use index::{Index, Match};
pub use labels::{Label, LabelledPair, Labels, read_labels};
pub use merge::{GoldenRecord, MergePolicy, Merger, Survivorship};
pub use model::{FieldModel, Model};

use crate::error::{Result, SettingPath, SettingProblem};
use crate::normalize::{Normalized, Normalizer};
use crate::schema::{FieldKind, Record, Schema};
use model::{Evidence, MISSING, Scorer, Swap, Training};
pub(crate) use model::{probability, weight_of};
use prepare::Table;

/// Settings of duplicate detection. The defaults are the ones the accuracy
/// figures in the README were measured with.
///
/// New settings may be added in any minor version, so the struct is
/// `#[non_exhaustive]`: start from the defaults and change what you need.
///
/// ```
/// use custodia::dedupe::{Config, Deduper};
/// use custodia::Schema;
///
/// let mut config = Config::default();
/// config.threshold = 0.9;
/// config.window = 20;
/// let deduper = Deduper::with_config(&Schema::customer(), config)?;
/// # let _ = deduper;
/// # Ok::<(), custodia::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// The match probability at or above which a pair is a match.
    pub threshold: f64,
    /// Blocking rules; empty for [`BlockingRule::defaults`].
    pub blocking: Vec<BlockingRule>,
    /// Blocks larger than this are cut to a window (see `window`).
    pub max_block: usize,
    /// How many neighbours (in name order) a record is paired with inside
    /// a large block and in the sorted neighbourhood.
    pub window: usize,
    /// Also pair each record with its `window` neighbours in name order.
    pub sorted_neighbourhood: bool,
    /// How matched pairs become clusters.
    pub clustering: Clustering,
    /// How agreements of contact fields add up.
    pub contact_evidence: ContactEvidence,
    /// Random pairs sampled to estimate u (all pairs when there are
    /// fewer). The exact level's share is counted from the keys rows hold
    /// instead, for every field but email and names compared crosswise.
    pub u_pairs: usize,
    /// Most EM iterations.
    pub iterations: usize,
    /// Seed of the random pair sample.
    pub seed: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            threshold: 0.9,
            blocking: Vec::new(),
            max_block: 12,
            window: 4,
            sorted_neighbourhood: true,
            clustering: Clustering::default(),
            contact_evidence: ContactEvidence::default(),
            u_pairs: 200_000,
            iterations: 100,
            seed: 0x5eed,
        }
    }
}

/// Dedupe settings of any kind from JSON; errors are
/// [`ErrorKind::InvalidDedupe`](crate::ErrorKind::InvalidDedupe) with the setting's path, their reason
/// starting with `what`.
pub(crate) fn settings_from_json<T: serde::de::DeserializeOwned>(
    json: &str,
    what: &str,
) -> Result<T> {
    crate::error::settings_json(json).map_err(|(path, problem, message)| {
        crate::Error::dedupe(path, problem, format!("{what}: {message}"))
    })
}

impl Config {
    /// Settings from JSON (keys as the field names; missing keys default).
    pub fn from_json(json: &str) -> Result<Self> {
        settings_from_json(json, "settings JSON")
    }

    /// The settings as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    fn check(&self) -> Result<()> {
        let bad = |at: &[&str], reason: &str| -> crate::Error {
            crate::Error::dedupe(SettingPath::of(at), SettingProblem::OutOfRange, reason)
        };
        if !(self.threshold > 0.0 && self.threshold < 1.0) {
            return Err(bad(
                &["threshold"],
                "threshold must lie strictly between 0 and 1",
            ));
        }
        if let Clustering::Strict { min_probability } | Clustering::Average { min_probability } =
            self.clustering
            && !(0.0..1.0).contains(&min_probability)
        {
            return Err(bad(
                &["clustering", "min_probability"],
                "clustering min_probability must lie in [0, 1)",
            ));
        }
        if self.max_block < 2 {
            return Err(bad(&["max_block"], "max_block must be at least 2"));
        }
        if self.window < 1 {
            return Err(bad(&["window"], "window must be at least 1"));
        }
        if self.u_pairs < 1000 {
            return Err(bad(&["u_pairs"], "u_pairs must be at least 1000"));
        }
        if self.iterations < 1 {
            return Err(bad(&["iterations"], "iterations must be at least 1"));
        }
        Ok(())
    }
}

/// How agreements of contact fields (email, phone, address parts:
/// everything but names, birth date, gender and identifiers) add up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ContactEvidence {
    /// Every field counts on its own, and the model learns from the data
    /// how often two different people share contact details: besides
    /// matches and non-matches, EM fits a third kind of pair, two people of
    /// one household (family members share a surname, a street, a landline
    /// and sometimes an email, but not a given name and rarely a birth
    /// date). A pair that agrees on what a household shares then needs its
    /// personal fields to agree too. Data without households leaves that
    /// kind empty, and the model is plain Fellegi–Sunter. With a
    /// household class the parts of an address count as one agreement
    /// (the strongest) and one disagreement (the strongest): a postcode
    /// lies in one city, and a move changes them all.
    #[default]
    Learned,
    /// Only the strongest contact agreement counts (disagreements all
    /// count), so a household's shared street, postcode, landline and email
    /// add up to one agreement.
    Strongest,
    /// Every field counts on its own, as plain Fellegi–Sunter does, without
    /// a household class: for data whose fields were corrupted
    /// independently and which has no households.
    Independent,
}

/// Finds duplicate customers in one data set, or links two. Safe to share
/// between threads; a run uses every core on its own (rayon).
#[derive(Clone, Debug)]
pub struct Deduper {
    normalizer: Normalizer,
    config: Config,
    /// (schema index, comparator) of each compared field.
    compared: Vec<(usize, Comparator)>,
    rules: Vec<BlockingRule>,
    resolved: Vec<block::Resolved>,
    swap: Option<Swap>,
    /// How each compared field's weight adds up, under a model without
    /// and with a household class (see [`Deduper::groups`]).
    groups: [Vec<Evidence>; 2],
    /// What a household shares, per compared field (with a household
    /// class; see [`ContactEvidence::Learned`]).
    households: Option<Vec<bool>>,
}

/// One pair of records that matched, by row (see [`Outcome`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ScoredPair {
    /// The first record's row.
    pub a: usize,
    /// The second record's row (`a < b`).
    pub b: usize,
    /// The match weight in bits (log2 of the odds).
    pub weight: f64,
    /// The match probability.
    pub probability: f64,
}

/// Why a pair scored what it did.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Explanation {
    /// The weight before looking at the records (the prior's log-odds).
    pub prior_weight: f64,
    /// One entry per compared field.
    pub fields: Vec<FieldExplanation>,
    /// What the chance that the two are different people of one household
    /// takes off (0 or less; 0 without a household class, see
    /// [`ContactEvidence::Learned`]).
    pub household_weight: f64,
    /// What names that declare different generations (Jr. and Sr., II and
    /// III) take off: enough to bring the total down to -30 bits, one
    /// chance in a billion, whatever else the two share; else 0.
    pub generations_weight: f64,
    /// The total weight: the prior's, the fields', the household's and
    /// the generations'.
    pub weight: f64,
    /// The match probability.
    pub probability: f64,
}

/// One field's part in an [`Explanation`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct FieldExplanation {
    /// The field.
    pub field: String,
    /// Its comparator.
    pub comparator: Comparator,
    /// The level reached (`exact`, `close`...), `None` when a value is
    /// missing.
    pub level: Option<&'static str>,
    /// The weight this field adds, term-frequency adjustment included. 0
    /// for a contact field that agrees less strongly than another one (see
    /// [`Deduper`]: only the strongest contact agreement counts).
    pub weight: f64,
    /// Whether the field's agreement counts: `false` (and `weight` 0) for
    /// a contact field whose agreement another one outweighs (see
    /// [`ContactEvidence::Strongest`]).
    pub counted: bool,
    /// The term-frequency part of `weight` (negative for common values).
    pub term_frequency: f64,
}

/// Counts from one run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Stats {
    /// Records read.
    pub records: usize,
    /// Pairs each blocking rule made (before uniting), in rule order, then
    /// the sorted neighbourhood's when on.
    pub pairs_per_rule: Vec<usize>,
    /// Distinct candidate pairs compared.
    pub candidate_pairs: usize,
    /// Pairs at or above the threshold.
    pub matched_pairs: usize,
    /// Clusters, single records included.
    pub clusters: usize,
}

/// What a run found. Rows are positions in the input; for [`Deduper::link`]
/// the left records come first, then the right ones. Plain data: safe to
/// send to and share between threads.
#[derive(Clone, Debug)]
pub struct Outcome {
    clusters: Vec<u32>,
    pairs: Vec<ScoredPair>,
    /// The levels of each of `pairs`, one per compared field, as scoring
    /// compared them: explaining the pairs reads them instead of comparing
    /// the rows again (half a million pairs at a million customers).
    pair_levels: Vec<u8>,
    candidates: Vec<(u32, u32)>,
    split: Option<usize>,
    model: Model,
    stats: Stats,
    table: Table,
    scorer: Scorer,
    swap: Option<Swap>,
}

impl Outcome {
    /// Each row's cluster id: the smallest row in its cluster, so records of
    /// one customer share it and a record alone has its own row.
    pub fn clusters(&self) -> &[u32] {
        &self.clusters
    }

    /// The pairs at or above the threshold, sorted by row.
    pub fn pairs(&self) -> &[ScoredPair] {
        &self.pairs
    }

    /// The model used (trained on this data unless one was given).
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The candidate pairs blocking made (each once, by row, in no set
    /// order): every pair that was compared.
    pub fn candidates(&self) -> impl ExactSizeIterator<Item = (usize, usize)> + '_ {
        self.candidates
            .iter()
            .map(|&(a, b)| (a as usize, b as usize))
    }

    /// Counts.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Where the right source starts, for a link.
    pub fn split(&self) -> Option<usize> {
        self.split
    }

    /// The share of true pairs (records with the same `truth` label, across
    /// sources for a link) that blocking made candidates: the most recall
    /// any threshold could reach.
    pub fn pairs_completeness<T: Eq + std::hash::Hash>(&self, truth: &[T]) -> f64 {
        evaluate::completeness(&self.candidates, truth, self.split)
    }

    /// Pairwise precision, recall and F1 of the clusters against `truth`
    /// (one label per row; equal labels are the same customer).
    pub fn scores<T: Eq + std::hash::Hash>(&self, truth: &[T]) -> PairScores {
        PairScores::of(&self.clusters, truth, self.split)
    }

    /// The match weight of rows `a` and `b` (any two rows, scored or not),
    /// as [`Outcome::explain`] gives it without the breakdown; `None` for
    /// rows out of range.
    pub fn weight(&self, a: usize, b: usize) -> Option<f64> {
        (a < self.table.rows && b < self.table.rows).then(|| {
            let mut levels = vec![0u8; self.table.columns.len()];
            model::levels(&self.table, self.swap, a, b, &mut levels);
            self.scorer.weight(&self.table, &levels, a, b)
        })
    }

    /// The field-by-field explanation of rows `a` and `b` (any two rows,
    /// scored or not); `None` for rows out of range.
    pub fn explain(&self, a: usize, b: usize) -> Option<Explanation> {
        let mut breakdown = Breakdown::default();
        self.break_down(a, b, &mut breakdown)
            .then(|| breakdown.named(&self.model))
    }

    /// [`Outcome::explain`] without the fields' names, into `into`;
    /// `false` for rows out of range.
    pub(crate) fn break_down(&self, a: usize, b: usize, into: &mut Breakdown) -> bool {
        let table = &self.table;
        if a >= table.rows || b >= table.rows {
            return false;
        }
        into.levels.clear();
        into.levels.resize(table.columns.len(), 0);
        model::levels(table, self.swap, a, b, &mut into.levels);
        self.weigh(a, b, into);
        true
    }

    /// [`Outcome::break_down`] of matched pair `i` (of
    /// [`Outcome::pairs`]), from the levels scoring compared; `false` when
    /// there is no such pair.
    pub(crate) fn break_down_matched(&self, i: usize, into: &mut Breakdown) -> bool {
        let width = self.table.columns.len();
        let (Some(pair), Some(levels)) = (
            self.pairs.get(i),
            self.pair_levels.get(i * width..(i + 1) * width),
        ) else {
            return false;
        };
        into.levels.clear();
        into.levels.extend_from_slice(levels);
        self.weigh(pair.a, pair.b, into);
        true
    }

    /// Fills the weights of `into` from its levels, for rows `a` and `b`.
    fn weigh(&self, a: usize, b: usize, into: &mut Breakdown) {
        let table = &self.table;
        into.fill(
            &self.scorer,
            |f| table.term_count(f, a, b),
            table.rows,
            (table.row(a), table.row(b)),
        );
    }

    /// Reads rows ahead into the cache, as scoring does (see
    /// [`Table::warm`](prepare::Table::warm)): explaining pairs one after
    /// another otherwise waits for each row's memory in turn. Rows out of
    /// range are passed over.
    pub(crate) fn warm(&self, rows: impl Iterator<Item = usize>) {
        let rows = rows.filter(|&row| row < self.table.rows);
        self.table.warm(rows.map(|row| row as u32));
    }
}

/// An [`Explanation`] without the fields' names, in buffers reused from
/// pair to pair: the pairs file explains every matched pair (half a
/// million at a million customers), and a name cloned for every field of
/// every pair was most of what writing it allocated.
#[derive(Clone, Debug, Default)]
pub(crate) struct Breakdown {
    /// Each compared field's level ([`model::MISSING`] for a missing value).
    pub levels: Vec<u8>,
    /// Each field's weight (term frequency included), its term-frequency
    /// part (both 0 when it does not count) and whether it counts.
    pub fields: Vec<(f64, f64, bool)>,
    /// As in [`Explanation`].
    pub prior_weight: f64,
    /// As in [`Explanation`].
    pub household_weight: f64,
    /// As in [`Explanation`].
    pub generations_weight: f64,
    /// As in [`Explanation`].
    pub weight: f64,
}

impl Breakdown {
    /// The rest of the breakdown of a pair of `rows` whose levels are set.
    fn fill(
        &mut self,
        scorer: &Scorer,
        count: impl Fn(usize) -> u32,
        rows: usize,
        (a, b): (prepare::Row<'_>, prepare::Row<'_>),
    ) {
        let fields_weight = scorer.weight_with(&self.levels, &count, rows);
        self.prior_weight = scorer.prior_weight();
        self.weight = model::with_generations(fields_weight, a, b);
        self.generations_weight = self.weight - fields_weight;
        self.household_weight = scorer.household_weight(&self.levels, &count, rows);
        scorer.parts_into(&self.levels, &count, rows, &mut self.fields);
        for (weight, term_frequency, counts) in &mut self.fields {
            if *counts {
                *weight += *term_frequency;
            } else {
                (*weight, *term_frequency) = (0.0, 0.0);
            }
        }
    }

    /// The level name of field `f` of `model`, `None` when a value is
    /// missing.
    pub(crate) fn level(&self, model: &Model, f: usize) -> Option<&'static str> {
        let level = self.levels[f];
        (level != MISSING).then(|| model.fields()[f].comparator.levels()[level as usize])
    }

    /// The explanation, fields named as in `model`.
    fn named(self, model: &Model) -> Explanation {
        let fields = self
            .fields
            .iter()
            .enumerate()
            .map(|(f, &(weight, term_frequency, counted))| {
                let fm = &model.fields()[f];
                FieldExplanation {
                    field: fm.field.clone(),
                    comparator: fm.comparator,
                    level: self.level(model, f),
                    weight,
                    term_frequency,
                    counted,
                }
            })
            .collect();
        Explanation {
            prior_weight: self.prior_weight,
            household_weight: self.household_weight,
            generations_weight: self.generations_weight,
            fields,
            weight: self.weight,
            probability: model::probability(self.weight),
        }
    }
}

/// The explanation of a pair of `rows` with these levels.
fn explanation(
    scorer: &Scorer,
    model: &Model,
    levels: &[u8],
    count: impl Fn(usize) -> u32,
    rows: usize,
    pair: (prepare::Row<'_>, prepare::Row<'_>),
) -> Explanation {
    let mut breakdown = Breakdown {
        levels: levels.to_vec(),
        ..Breakdown::default()
    };
    breakdown.fill(scorer, count, rows, pair);
    breakdown.named(model)
}

impl Deduper {
    /// A deduper for records of `schema`, with default settings.
    pub fn new(schema: &Schema) -> Result<Self> {
        Self::with_config(schema, Config::default())
    }

    /// A deduper with `config`; fails on settings that cannot work or
    /// blocking rules naming fields that are not compared.
    pub fn with_config(schema: &Schema, config: Config) -> Result<Self> {
        config.check()?;
        let compared: Vec<(usize, Comparator)> = schema
            .fields()
            .iter()
            .enumerate()
            .filter_map(|(i, f)| Some((i, Comparator::for_field(f)?)))
            .filter(|&(i, c)| {
                // A full name repeats the given and family names.
                let field = &schema.fields()[i];
                !(field.comparison_setting() == crate::schema::Comparison::ByKind
                    && c == Comparator::Name
                    && matches!(field.kind(), FieldKind::FullName)
                    && has_kind(schema, |k| matches!(k, FieldKind::GivenName))
                    && has_kind(schema, |k| matches!(k, FieldKind::FamilyName)))
            })
            .collect();
        if compared.is_empty() {
            return Err(crate::Error::dedupe(
                SettingPath::root(),
                SettingProblem::Empty,
                format!("schema `{}` has no field to compare", schema.name()),
            ));
        }
        let configured = !config.blocking.is_empty();
        let rules = if configured {
            config.blocking.clone()
        } else {
            BlockingRule::defaults(schema, &compared)
        };
        let resolved = rules
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let at = if configured {
                    SettingPath::of(&["blocking"]).index(i)
                } else {
                    SettingPath::root()
                };
                block::Resolved::new(&at, r, schema, &compared)
            })
            .collect::<Result<Vec<_>>>()?;
        let column_of = |kind: fn(&FieldKind) -> bool| {
            compared
                .iter()
                .position(|&(i, c)| c == Comparator::Name && kind(schema.fields()[i].kind()))
        };
        let swap = match (
            column_of(|k| matches!(k, FieldKind::GivenName)),
            column_of(|k| matches!(k, FieldKind::FamilyName)),
        ) {
            (Some(given), Some(family)) => Some(Swap { given, family }),
            _ => None,
        };
        let groups = [false, true].map(|households| {
            compared
                .iter()
                .map(|&(i, _)| {
                    let group = evidence(schema.fields()[i].kind());
                    match config.contact_evidence {
                        ContactEvidence::Strongest => group,
                        ContactEvidence::Learned if households && group == Evidence::Address => {
                            group
                        }
                        ContactEvidence::Learned | ContactEvidence::Independent => Evidence::Own,
                    }
                })
                .collect()
        });
        let households = (config.contact_evidence == ContactEvidence::Learned).then(|| {
            compared
                .iter()
                .map(|&(i, _)| evidence(schema.fields()[i].kind()) != Evidence::Own)
                .collect()
        });
        Ok(Self {
            normalizer: Normalizer::new(schema),
            config,
            compared,
            rules,
            resolved,
            swap,
            groups,
            households,
        })
    }

    /// The schema.
    pub fn schema(&self) -> &Schema {
        self.normalizer.schema()
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The blocking rules in use (the configured ones or the defaults).
    pub fn blocking_rules(&self) -> &[BlockingRule] {
        &self.rules
    }

    /// The compared fields and their comparators, in comparison order.
    pub fn compared_fields(&self) -> Vec<(String, Comparator)> {
        let schema = self.schema();
        self.compared
            .iter()
            .map(|&(i, c)| (schema.fields()[i].name().to_owned(), c))
            .collect()
    }

    /// Finds the duplicates among `records`, training a model on them.
    pub fn run(&self, records: &[Record]) -> Result<Outcome> {
        self.execute(self.table(&[records])?, None, None, &Labels::new())
    }

    /// Finds the duplicates among `records` with a model trained before.
    pub fn run_with(&self, records: &[Record], model: &Model) -> Result<Outcome> {
        self.execute(self.table(&[records])?, None, Some(model), &Labels::new())
    }

    /// [`Deduper::run`] (or [`Deduper::run_with`] given a model) with pairs
    /// a reviewer labelled (rows of `records`; see [`read_labels`] for the
    /// file the match review page saves).
    ///
    /// - When the model is trained here, the labelled matches are where EM
    ///   starts m, and afterwards they are added to its m as pairs known to
    ///   match: each field's m moves toward the levels the labelled matches
    ///   show, as much as those pairs weigh beside the matches the model
    ///   expects among all pairs (prior × pairs). Labelled non-matches are
    ///   added to u the same way, beside the random pairs u was estimated
    ///   on (so they move it little). A given model is used as it is.
    /// - A labelled match is linked (before any scored pair) and counts as
    ///   certain when clusters are joined; a labelled non-match is never
    ///   linked directly and counts as probability 0 when clusters are
    ///   joined. Clustering is transitive: two records labelled apart can
    ///   still end in one cluster through others. With
    ///   [`Clustering::Strict`] that cannot happen (every pair must match);
    ///   with [`Clustering::Average`] (the default) the labelled pair
    ///   counts as -64 bits in the mean weight across the two clusters,
    ///   which keeps small clusters apart; with [`Clustering::Connected`] it can.
    /// - [`Outcome::pairs`] holds the labelled matches (with their scored
    ///   weight, whatever it is) and never a labelled non-match.
    ///
    /// # Errors
    /// As for [`Deduper::run`], and
    /// [`ErrorKind::InvalidDedupe`](crate::ErrorKind::InvalidDedupe) for a
    /// label naming a row beyond `records`.
    pub fn run_labelled(
        &self,
        records: &[Record],
        model: Option<&Model>,
        labels: &Labels,
    ) -> Result<Outcome> {
        labels.check(records.len())?;
        self.execute(self.table(&[records])?, None, model, labels)
    }

    /// Links `left` to `right` (say a CRM and a billing system): pairs are
    /// only made across the two. Rows of the outcome are `left` then
    /// `right`.
    pub fn link(&self, left: &[Record], right: &[Record]) -> Result<Outcome> {
        self.execute(
            self.table(&[left, right])?,
            Some(left.len()),
            None,
            &Labels::new(),
        )
    }

    /// [`Deduper::link`] with a model trained before.
    pub fn link_with(&self, left: &[Record], right: &[Record], model: &Model) -> Result<Outcome> {
        self.execute(
            self.table(&[left, right])?,
            Some(left.len()),
            Some(model),
            &Labels::new(),
        )
    }

    /// Finds the duplicates among records normalized already (by a
    /// normalizer of this schema, with the options the caller chose):
    /// [`Deduper::run_labelled`] without normalizing again. With no
    /// `model`, one is trained on them.
    ///
    /// # Errors
    /// As for [`Deduper::run_labelled`], and
    /// [`ErrorKind::SchemaMismatch`](crate::ErrorKind::SchemaMismatch) for
    /// a record of another schema.
    pub fn run_normalized(
        &self,
        records: &[Normalized],
        model: Option<&Model>,
        labels: &Labels,
    ) -> Result<Outcome> {
        labels.check(records.len())?;
        let mut table = self.empty_table();
        table.extend_normalized(&self.normalizer, records)?;
        table.count_terms();
        self.execute(table, None, model, labels)
    }

    /// Links normalized records `left` to `right`: [`Deduper::link`] (or
    /// [`Deduper::link_with`] given a model) without normalizing again.
    ///
    /// # Errors
    /// As for [`Deduper::run_normalized`].
    pub fn link_normalized(
        &self,
        left: &[Normalized],
        right: &[Normalized],
        model: Option<&Model>,
    ) -> Result<Outcome> {
        let mut table = self.empty_table();
        table.extend_normalized(&self.normalizer, left)?;
        table.extend_normalized(&self.normalizer, right)?;
        table.count_terms();
        self.execute(table, Some(left.len()), model, &Labels::new())
    }

    /// [`Deduper::run`] (or [`Deduper::run_with`] given a model) over
    /// normalized records read a chunk at a time.
    pub(crate) fn run_records(
        &self,
        records: &dyn Records,
        model: Option<&Model>,
        labels: &Labels,
    ) -> Result<Outcome> {
        let mut table = self.empty_table();
        table.extend_from(&self.normalizer, records)?;
        table.count_terms();
        labels.check(table.rows)?;
        self.execute(table, None, model, labels)
    }

    /// [`Deduper::link`] (or [`Deduper::link_with`] given a model) over
    /// normalized records read a chunk at a time.
    pub(crate) fn link_records(
        &self,
        left: &dyn Records,
        right: &dyn Records,
        model: Option<&Model>,
    ) -> Result<Outcome> {
        let mut table = self.empty_table();
        table.extend_from(&self.normalizer, left)?;
        table.extend_from(&self.normalizer, right)?;
        table.count_terms();
        self.execute(table, Some(left.len()), model, &Labels::new())
    }

    fn table(&self, sources: &[&[Record]]) -> Result<Table> {
        let mut table = self.empty_table();
        for records in sources {
            table.extend(&self.normalizer, records)?;
        }
        table.count_terms();
        Ok(table)
    }

    /// A table with this deduper's compared fields and no rows.
    fn empty_table(&self) -> Table {
        let schema = self.schema();
        let fields: Vec<_> = self
            .compared
            .iter()
            .map(|&(i, c)| {
                let role = match schema.fields()[i].kind() {
                    FieldKind::GivenName => scripts::Role::Given,
                    FieldKind::FamilyName => scripts::Role::Family,
                    _ => scripts::Role::Whole,
                };
                (i, c, role)
            })
            .collect();
        let first =
            |test: fn(&FieldKind) -> bool| schema.fields().iter().position(|f| test(f.kind()));
        let hints = prepare::Hints {
            country: first(|k| matches!(k, FieldKind::Country)),
            phone: first(|k| matches!(k, FieldKind::Phone)),
            given: first(|k| matches!(k, FieldKind::GivenName)),
            family: first(|k| matches!(k, FieldKind::FamilyName)),
            full: first(|k| matches!(k, FieldKind::FullName)),
        };
        Table::new(&fields, hints)
    }

    /// The scorer of `model` with this deduper's evidence groups and what
    /// a household shares.
    fn scorer(&self, model: &Model) -> Scorer {
        Scorer::new(
            model,
            self.groups(model.household_prior() > 0.0).to_vec(),
            self.households.as_deref().unwrap_or_default(),
        )
    }

    /// How each compared field's weight adds up under a model without or
    /// with a household class. With [`ContactEvidence::Learned`] and a
    /// household class, the parts of an address count as one: data in
    /// which different people share addresses has addresses that are real
    /// places, where a postcode lies in one city and region, so strangers
    /// who agree on the postcode agree on the city too, and someone who
    /// moves changes all of them at once. Without households (each field
    /// corrupted on its own, as in Febrl) every field counts on its own.
    fn groups(&self, households: bool) -> &[Evidence] {
        &self.groups[usize::from(households)]
    }

    fn training(&self) -> Training {
        Training {
            u_pairs: self.config.u_pairs,
            seed: self.config.seed,
        }
    }

    /// Rows in name order (ties by rank): the order of windows.
    fn name_order(&self, table: &Table, ranks: &[u32]) -> Vec<u32> {
        let names = index::name_columns(table);
        let mut keyed: Vec<index::NameKey> = (0..table.rows)
            .into_par_iter()
            .map(|row| index::NameKey::new(&names, table, row))
            .collect();
        keyed.par_sort_unstable_by(|x, y| {
            x.order(y, &names, table)
                .then(ranks[x.row as usize].cmp(&ranks[y.row as usize]))
        });
        keyed.into_iter().map(|k| k.row).collect()
    }

    /// The order rows are stored in for comparing: by family name (its
    /// phonetic code, then its first letters), so that the two rows of most
    /// candidate pairs (duplicates and households share a family name) sit
    /// near each other in memory; in name order without a family name.
    /// Results do not depend on it.
    fn storage_order(&self, table: &Table, order: &[u32]) -> Vec<u32> {
        let Some(Swap { family, .. }) = self.swap else {
            return order.to_vec();
        };
        let prefix = |s: &str| {
            let mut bytes = [0u8; 8];
            for (to, from) in bytes.iter_mut().zip(s.bytes()) {
                *to = from;
            }
            u64::from_be_bytes(bytes)
        };
        // Read in the order rows are held: each row's key ties by its
        // number, so the sort's result owes nothing to the order read in.
        let mut keyed: Vec<(u64, u64, u32)> = (0..table.rows as u32)
            .into_par_iter()
            .map(|row| {
                let name = table.get(family, row as usize);
                (prefix(name.phonetic), prefix(name.spelling), row)
            })
            .collect();
        keyed.par_sort_unstable();
        keyed.into_iter().map(|(_, _, row)| row).collect()
    }

    /// Trains a model on `records` without running the rest. Pairs of rows
    /// known to be the same customer (`known_matches`, may be empty) start
    /// m where they point instead of at a generic guess; EM still decides.
    pub fn train(&self, records: &[Record], known_matches: &[(usize, usize)]) -> Result<Model> {
        let mut work = self.block(self.table(&[records])?, None);
        let known = known_matches
            .iter()
            .map(|&(a, b)| {
                let fits = a < records.len() && b < records.len() && a != b;
                fits.then_some((a as u32, b as u32)).ok_or_else(|| {
                    crate::Error::dedupe(
                        SettingPath::root(),
                        SettingProblem::Mismatch,
                        format!("known match ({a}, {b}) is not two rows of the input"),
                    )
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(self.train_on(&mut work, None, &known))
    }

    fn execute(
        &self,
        table: Table,
        split: Option<usize>,
        model: Option<&Model>,
        labels: &Labels,
    ) -> Result<Outcome> {
        let mut work = self.block(table, split);
        let (model, sample) = match model {
            Some(model) => {
                model.check(self.schema().name(), &self.compared_fields())?;
                (model.clone(), None)
            }
            None => {
                let (mut model, sample) =
                    self.train_with_levels(&mut work, split, labels.matches());
                if !labels.is_empty() {
                    self.add_labels(&mut model, &work.table, split, labels);
                }
                (model, Some(sample))
            }
        };
        Ok(self.finish(work, split, model, sample, labels))
    }

    /// Adds labelled pairs to a trained model: the matches to m, beside
    /// the matches the model expects among all pairs; the non-matches to
    /// u, beside the random pairs u was estimated on.
    fn add_labels(&self, model: &mut Model, table: &Table, split: Option<usize>, labels: &Labels) {
        let rows = table.rows as f64;
        let all_pairs = match split {
            Some(s) => s as f64 * (rows - s as f64),
            None => rows * (rows - 1.0) / 2.0,
        };
        let expected_matches = (model.prior() * all_pairs).max(1.0);
        let random_pairs = (self.config.u_pairs as f64).min(all_pairs).max(1.0);
        let width = table.columns.len();
        let counts = |pairs: &[(u32, u32)]| {
            let mut counts: Vec<Vec<f64>> = model
                .fields()
                .iter()
                .map(|f| vec![0.0; f.m.len()])
                .collect();
            let mut levels = vec![0u8; width];
            for &(a, b) in pairs {
                model::levels(table, self.swap, a as usize, b as usize, &mut levels);
                for (c, &level) in levels.iter().enumerate() {
                    if level != MISSING
                        && let Some(n) = counts.get_mut(c).and_then(|l| l.get_mut(level as usize))
                    {
                        *n += 1.0;
                    }
                }
            }
            counts
        };
        let add = |p: &mut [f64], counts: &[f64], weight: f64| {
            let n: f64 = counts.iter().sum();
            if n > 0.0 {
                for (p, c) in p.iter_mut().zip(counts) {
                    *p = (*p * weight + c) / (weight + n);
                }
            }
        };
        let (m_counts, u_counts) = (counts(labels.matches()), counts(labels.non_matches()));
        for ((field, m), u) in model.fields_mut().iter_mut().zip(&m_counts).zip(&u_counts) {
            add(&mut field.m, m, expected_matches);
            add(&mut field.u, u, random_pairs);
        }
    }

    /// Blocking: the candidate pairs.
    fn block(&self, mut table: Table, split: Option<usize>) -> Work {
        let ranks = table.ranks();
        let order = self.name_order(&table, &ranks);
        let limits = block::Limits {
            max_block: self.config.max_block,
            window: self.config.window,
            sorted_neighbourhood: self.config.sorted_neighbourhood,
        };
        // Stored in the order pairs are compared before blocking, whose
        // keys and pairs would otherwise be held beside both copies.
        table.reorder(&self.storage_order(&table, &order));
        let block::Blocked {
            pairs: candidates,
            per_rule: pairs_per_rule,
            blocks,
        } = block::candidates(&table, &order, &self.resolved, limits, split);
        Work {
            table,
            ranks,
            candidates,
            pairs_per_rule,
            blocks,
        }
    }

    /// Training, as Splink does it: u from random pairs; m by EM once per
    /// blocking rule, on the candidates that rule made and with the fields
    /// it blocked on left out (they agree there by construction), then
    /// averaged over the rules; the prior from the expected matches among
    /// all candidates.
    fn train_on(&self, work: &mut Work, split: Option<usize>, known: &[(u32, u32)]) -> Model {
        self.train_with_levels(work, split, known).0
    }

    /// [`Deduper::train_on`], also giving back the levels of the pairs it
    /// looked at: when those were all the candidates, scoring reads them
    /// instead of comparing every pair again.
    ///
    /// The rules' blocks are dropped once it knows which rules made each
    /// pair of the sample (a number per rule and row: for a million records
    /// and the default rules, 56 MB held while training for nothing).
    fn train_with_levels(
        &self,
        work: &mut Work,
        split: Option<usize>,
        known: &[(u32, u32)],
    ) -> (Model, Sample) {
        // Training looks at every candidate up to TRAINING_PAIRS, and at a
        // fixed stride through them beyond that.
        let stride = (work.candidates.len() / TRAINING_PAIRS).max(1);
        let sample: Vec<(u32, u32)> = work.candidates.iter().step_by(stride).copied().collect();
        let blocks = std::mem::take(&mut work.blocks);
        let built_in = self.built_in_model(work, known);
        // Which rules made each sampled pair: EM needs it, the built-in
        // model does not.
        let made_by: Vec<Vec<bool>> = match built_in {
            Some(_) => Vec::new(),
            None => blocks
                .par_iter()
                .map(|blocks| {
                    sample
                        .iter()
                        .map(|&(a, b)| {
                            let block = blocks[a as usize];
                            block != block::NO_BLOCK && block == blocks[b as usize]
                        })
                        .collect()
                })
                .collect(),
        };
        drop(blocks);
        let sampled = self.sample_levels(&mut work.table, &sample);
        let work = &*work;
        let table = &work.table;
        let width = table.columns.len();
        let patterns = model::patterns(&sampled, width);
        let rows = table.rows as f64;
        let total_pairs = match split {
            Some(s) => s as f64 * (rows - s as f64),
            None => rows * (rows - 1.0) / 2.0,
        };
        // The sample stands for all candidates: so many of all pairs.
        let total_pairs = total_pairs * sample.len() as f64 / work.candidates.len().max(1) as f64;
        let (probabilities, priors) = match built_in {
            Some(model) => {
                let (m, u): (Vec<_>, Vec<_>) = model
                    .fields()
                    .iter()
                    .map(|f| (f.m.clone(), f.u.clone()))
                    .unzip();
                // The built-in model's household class was learnt on a
                // large file: a small one cannot show it again, and keeps it.
                let h = (self.households.is_some() && model.household_prior() > 0.0)
                    .then(|| model.fields().iter().map(|f| f.h.clone()).collect());
                let groups = self.groups(h.is_some());
                let priors =
                    model::estimate_priors(&patterns, &m, &u, h.as_deref(), groups, total_pairs);
                (model::Probabilities { m, u, h }, priors)
            }
            None => self.learn(
                work,
                (split, known),
                (&sampled, &made_by),
                &patterns,
                total_pairs,
            ),
        };
        let model = model::assemble(
            self.schema().name(),
            self.compared_fields(),
            probabilities,
            priors,
        );
        let sample = Sample {
            levels: sampled,
            stride,
        };
        (model, sample)
    }

    /// The levels of each pair of `sample`, `width` a pair in its order.
    /// The pairs are compared in the order their rows are stored (the
    /// sample takes candidates at a stride, with both rows anywhere): the
    /// first rows are then read one after the other and most second rows
    /// near them.
    fn sample_levels(&self, table: &mut Table, sample: &[(u32, u32)]) -> Vec<u8> {
        let width = table.columns.len();
        let mut by_place: Vec<(u32, u32, u32)> = sample
            .par_iter()
            .enumerate()
            .map(|(i, &(a, b))| (table.place_of(a), table.place_of(b), i as u32))
            .collect();
        by_place.par_sort_unstable();
        let mut compared = vec![0u8; sample.len() * width];
        table.by_place(|table| {
            compared
                .par_chunks_mut((width * 1024).max(1))
                .zip(by_place.par_chunks(1024))
                .for_each(|(out, pairs)| {
                    let groups = out
                        .chunks_mut(width * WARM_GROUP)
                        .zip(pairs.chunks(WARM_GROUP));
                    for (out, pairs) in groups {
                        table.warm(pairs.iter().map(|&(_, b, _)| b));
                        for (slot, &(a, b, _)) in out.chunks_exact_mut(width).zip(pairs) {
                            model::levels(table, self.swap, a as usize, b as usize, slot);
                        }
                    }
                });
        });
        let mut levels = vec![0u8; compared.len()];
        for (from, &(_, _, i)) in compared.chunks_exact(width.max(1)).zip(&by_place) {
            let i = i as usize;
            levels[i * width..(i + 1) * width].copy_from_slice(from);
        }
        levels
    }

    /// The built-in customer model, when a batch is too small to learn m
    /// and u from (and has no known matches) and the model fits.
    fn built_in_model(&self, work: &Work, known: &[(u32, u32)]) -> Option<Model> {
        let small = work.candidates.len() < MIN_TRAINING_CANDIDATES && known.is_empty();
        let model = small.then(Model::customer)?;
        model
            .check(self.schema().name(), &self.compared_fields())
            .is_ok()
            .then_some(model)
    }

    /// m and u (and h with a household class) learnt from the batch, and
    /// the priors among all pairs (`total_pairs`; `patterns` are those of
    /// the sampled candidates, see [`Deduper::fit`] for `sampled` and
    /// `made_by`): u from random pairs, m and h by EM per
    /// blocking rule, first with every field counting on its own. When the
    /// household class earns its place, m and h are fitted again with the
    /// evidence groups of a model with households.
    fn learn(
        &self,
        work: &Work,
        (split, known): (Option<usize>, &[(u32, u32)]),
        (sampled, made_by): (&[u8], &[Vec<bool>]),
        patterns: &[(Vec<u8>, u64)],
        total_pairs: f64,
    ) -> (model::Probabilities, (f64, f64)) {
        let table = &work.table;
        let random = model::random_pairs(&work.ranks, split, self.training());
        let u = model::estimate_u(table, self.swap, split, &random);
        let start = if known.is_empty() {
            model::initial_m(&u)
        } else {
            model::m_from_known(table, self.swap, known)
        };
        let fit = |households: bool| {
            let (m, h) = self.fit(work, (&u, start.clone()), (sampled, made_by), households);
            let groups = self.groups(households);
            let priors =
                model::estimate_priors(patterns, &m, &u, h.as_deref(), groups, total_pairs);
            (m, h, priors)
        };
        let (m, h, priors) = fit(false);
        let Some(hh) = &h else {
            return (model::Probabilities { m, u, h }, priors);
        };
        let groups = self.groups(false);
        if !model::households_earn_their_place(patterns, &m, &u, hh, groups, priors, total_pairs) {
            let priors = model::estimate_priors(patterns, &m, &u, None, groups, total_pairs);
            return (model::Probabilities { m, u, h: None }, priors);
        }
        let (m, h, priors) = if self.groups(true) == groups {
            (m, h, priors)
        } else {
            fit(true)
        };
        (model::Probabilities { m, u, h }, priors)
    }

    /// m (and h with a household class) fitted by EM per blocking rule on
    /// the sample of candidates (levels `sampled`; `made_by[r][i]`: whether
    /// rule `r` made sampled pair `i`), from `start`, with u
    /// fixed and the evidence groups of a model without or with
    /// `households`.
    fn fit(
        &self,
        work: &Work,
        (u, start): (&[Vec<f64>], Vec<Vec<f64>>),
        (sampled, made_by): (&[u8], &[Vec<bool>]),
        households: bool,
    ) -> (Vec<Vec<f64>>, Option<Vec<Vec<f64>>>) {
        let width = work.table.columns.len();
        let groups = self.groups(households);
        // Household members agree like duplicates on what they share, and
        // like strangers on the rest.
        let start_h: Option<Vec<Vec<f64>>> = self.households.as_ref().map(|shared| {
            shared
                .iter()
                .zip(start.iter().zip(u))
                .map(|(&shared, (m, u))| if shared { m.clone() } else { u.clone() })
                .collect()
        });
        let sessions: Vec<(Vec<usize>, model::Fit)> = self
            .resolved
            .par_iter()
            .zip(made_by)
            .map(|(rule, made)| {
                let excluded: Vec<usize> = rule.columns().collect();
                let mut levels = Vec::new();
                for (pattern, &made) in sampled.chunks_exact(width).zip(made) {
                    if made {
                        let at = levels.len();
                        levels.extend_from_slice(pattern);
                        for &c in &excluded {
                            levels[at + c] = MISSING;
                        }
                    }
                }
                let patterns = model::patterns(&levels, width);
                let shared = self.households.as_deref().unwrap_or_default();
                let fit = model::fit(
                    u,
                    start.clone(),
                    (start_h.clone(), shared),
                    &patterns,
                    self.config.iterations,
                    groups,
                );
                (excluded, fit)
            })
            .collect();
        // Average each column's m over the sessions that estimated it.
        // Sessions blocked only on what a household shares (email, phone,
        // address, family name) are left out when others exist: their
        // non-matches are mostly family members, whom EM cannot tell from
        // duplicates without the fields that differ between them.
        let schema = self.schema();
        let kind = |c: usize| schema.fields()[self.compared[c].0].kind();
        let personal =
            |excluded: &[usize]| excluded.iter().any(|&c| evidence(kind(c)) == Evidence::Own);
        let mut m = start;
        for (c, levels) in m.iter_mut().enumerate() {
            let estimated = |(excluded, _): &&(Vec<usize>, model::Fit)| !excluded.contains(&c);
            let any_personal = sessions.iter().filter(estimated).any(|(e, _)| personal(e));
            let fits: Vec<&Vec<f64>> = sessions
                .iter()
                .filter(estimated)
                .filter(|(excluded, _)| !any_personal || personal(excluded))
                .map(|(_, fit)| &fit.m[c])
                .collect();
            if !fits.is_empty() {
                for (l, p) in levels.iter_mut().enumerate() {
                    *p = fits.iter().map(|f| f[l]).sum::<f64>() / fits.len() as f64;
                }
            }
            if matches!(kind(c), FieldKind::BirthDate) {
                cap_disagreement(levels, MAX_BIRTH_DATE_DISAGREEMENT);
            }
        }
        // Each column's h: the sessions that estimated it, weighed by the
        // household pairs they saw.
        let h = start_h.map(|mut h| {
            let shared = self.households.as_deref().unwrap_or_default();
            // Sessions blocked only on what a household shares, and on
            // something that names one home or contact point (an email, a
            // phone, a street or a postcode; a family name in a city does
            // not): their non-matches are mostly household members.
            let home = |c: usize| {
                matches!(
                    kind(c),
                    FieldKind::Email | FieldKind::Phone | FieldKind::Street | FieldKind::Postcode
                )
            };
            let household_session = |excluded: &[usize]| {
                excluded.iter().all(|&c| shared.get(c) == Some(&true))
                    && excluded.iter().any(|&c| home(c))
            };
            for (c, levels) in h.iter_mut().enumerate() {
                let fits: Vec<(&Vec<f64>, f64)> = sessions
                    .iter()
                    .filter(|(excluded, _)| !excluded.contains(&c) && household_session(excluded))
                    .filter_map(|(_, fit)| Some((&fit.h.as_ref()?[c], fit.households)))
                    .collect();
                let mass: f64 = fits.iter().map(|&(_, w)| w).sum();
                if mass > 0.0 {
                    for (l, p) in levels.iter_mut().enumerate() {
                        *p = fits.iter().map(|(f, w)| f[l] * w).sum::<f64>() / mass;
                    }
                }
            }
            h
        });
        (m, h)
    }

    /// Scoring and clustering, with the levels training compared of a
    /// `sample` of the candidates, when given.
    fn finish(
        &self,
        work: Work,
        split: Option<usize>,
        model: Model,
        sample: Option<Sample>,
        labels: &Labels,
    ) -> Outcome {
        let Work {
            mut table,
            ranks,
            mut candidates,
            pairs_per_rule,
            blocks,
        } = work;
        drop(blocks);
        let width = table.columns.len();
        let scorer = self.scorer(&model);
        let threshold_weight = model::weight_of(self.config.threshold);
        // The pairs training compared come first: only their weights are
        // left to add up (the same weights pruned scoring gives).
        let (sampled, levels) = match &sample {
            Some(Sample { levels, stride })
                if width > 0
                    && *stride > 0
                    && levels.len() == candidates.len().div_ceil(*stride) * width =>
            {
                let sampled = candidates.len().div_ceil(*stride);
                // Candidate k * stride to place k, for each k in turn: that
                // place was never touched before, and what it held goes
                // where the sampled candidate was.
                for k in 0..sampled {
                    candidates.swap(k, k * stride);
                }
                (sampled, levels.as_slice())
            }
            _ => (0, &[][..]),
        };
        let table_ref = &table;
        let mut matched: Vec<(usize, f64)> = candidates[..sampled]
            .par_iter()
            .zip(levels.par_chunks_exact(width.max(1)))
            .enumerate()
            .filter_map(|(i, (&(a, b), levels))| {
                let w = scorer.weight(table_ref, levels, a as usize, b as usize);
                (w >= threshold_weight).then_some((i, w))
            })
            .collect();
        // The levels of each matched pair, `width` each in the order of
        // `matched`: explaining the pairs (the pairs file) reads them
        // instead of comparing the rows again.
        let mut matched_levels: Vec<u8> = matched
            .iter()
            .flat_map(|&(i, _)| &levels[i * width..(i + 1) * width])
            .copied()
            .collect();
        drop(sample);
        if candidates.len() > sampled {
            let pruned = model::Pruned::new(&scorer, &table, self.swap, threshold_weight);
            // Pairs in the order their rows are stored: consecutive pairs
            // share their first row and mostly have their second nearby,
            // so most reads hit the cache. A pair keeps its orientation (a
            // swap of names is read from the first row).
            let table_ref = &table;
            candidates[sampled..].par_iter_mut().for_each(|pair| {
                *pair = (table_ref.place_of(pair.0), table_ref.place_of(pair.1));
            });
            block::sort_pairs(&mut candidates, sampled);
            let rest_ref = &candidates[sampled..];
            // A group of pairs at a time: their second rows are warmed
            // together first (see `Table::warm`), then compared. Each
            // stretch of groups a thread takes gives its matches and their
            // levels, in order.
            let found = table.by_place(|table| {
                rest_ref
                    .par_chunks(WARM_GROUP)
                    .enumerate()
                    .fold(
                        || (pruned.scratch(), Vec::new(), Vec::new()),
                        |(mut scratch, mut found, mut levels), (g, group)| {
                            // The first rows come in order: mostly cached.
                            table.warm(group.iter().map(|&(_, b)| b));
                            for (j, &(a, b)) in group.iter().enumerate() {
                                let weight =
                                    pruned.weight(table, a as usize, b as usize, &mut scratch);
                                if let Some(w) = weight {
                                    found.push((sampled + g * WARM_GROUP + j, w));
                                    levels.extend_from_slice(&scratch.levels);
                                }
                            }
                            (scratch, found, levels)
                        },
                    )
                    .map(|(_, found, levels)| (found, levels))
                    .collect::<Vec<_>>()
            });
            for (found, levels) in found {
                matched.extend(found);
                matched_levels.extend(levels);
            }
            let table_ref = &table;
            candidates[sampled..].par_iter_mut().for_each(|pair| {
                *pair = (table_ref.row_at(pair.0), table_ref.row_at(pair.1));
            });
        }
        // Each matched candidate as its pair of rows, read once: the sorts
        // below would otherwise look it up among millions of candidates at
        // every comparison (a cache miss each).
        // Each keeps the place of its levels in `matched_levels`.
        let mut matched: Vec<((u32, u32), f64, usize)> = matched
            .into_iter()
            .enumerate()
            .map(|(slot, (i, weight))| (candidates[i], weight, slot))
            .collect();
        let tie = |(a, b): (u32, u32)| {
            let (ra, rb) = (ranks[a as usize], ranks[b as usize]);
            (ra.min(rb), ra.max(rb))
        };
        matched.par_sort_unstable_by(|&(x, wx, _), &(y, wy, _)| {
            wy.total_cmp(&wx).then_with(|| tie(x).cmp(&tie(y)))
        });
        // Labels: a labelled non-match is never linked, a labelled match
        // is linked first.
        let label_of: std::collections::HashMap<(u32, u32), Label> = labels
            .matches()
            .iter()
            .map(|&p| (p, Label::Match))
            .chain(labels.non_matches().iter().map(|&p| (p, Label::NonMatch)))
            .collect();
        let key = |(a, b): (u32, u32)| (a.min(b), a.max(b));
        if !label_of.is_empty() {
            matched.retain(|&(pair, _, _)| !label_of.contains_key(&key(pair)));
        }
        let mut levels = vec![0u8; width];
        // Labelled matches as matched pairs are held, their levels kept
        // after the others'.
        let forced: Vec<((u32, u32), f64, usize)> = labels
            .matches()
            .iter()
            .map(|&(a, b)| {
                model::levels(&table, self.swap, a as usize, b as usize, &mut levels);
                let slot = matched_levels.len() / width.max(1);
                matched_levels.extend_from_slice(&levels);
                let weight = scorer.weight(&table, &levels, a as usize, b as usize);
                ((a, b), weight, slot)
            })
            .collect();
        // A labelled match counts as certain; a matched pair as scored.
        let edges: Vec<(u32, u32, f64)> = forced
            .iter()
            .map(|&((a, b), _, _)| (a, b, 1.0))
            .chain(
                matched
                    .iter()
                    .map(|&((a, b), weight, _)| (a, b, model::probability(weight))),
            )
            .collect();
        let clusters = cluster::cluster(
            table.rows,
            &edges,
            self.config.clustering,
            || vec![0u8; width],
            |levels, x, y| {
                match label_of.get(&key((x, y))) {
                    Some(Label::Match) => return 1.0,
                    Some(Label::NonMatch) => return 0.0,
                    None => {}
                }
                model::levels(&table, self.swap, x as usize, y as usize, levels);
                model::probability(scorer.weight(&table, levels, x as usize, y as usize))
            },
        );
        // The pairs by row, labelled matches among them (no pair is both:
        // labelled pairs left the matched ones above).
        matched.extend(forced);
        matched.par_sort_unstable_by_key(|&(pair, _, _)| pair);
        let pair_levels = matched
            .iter()
            .flat_map(|&(_, _, slot)| &matched_levels[slot * width..(slot + 1) * width])
            .copied()
            .collect();
        drop(matched_levels);
        let pairs: Vec<ScoredPair> = matched
            .iter()
            .map(|&((a, b), weight, _)| ScoredPair {
                a: a as usize,
                b: b as usize,
                weight,
                probability: model::probability(weight),
            })
            .collect();
        // A cluster is named by its smallest row: one row names itself.
        let cluster_count = clusters
            .iter()
            .enumerate()
            .filter(|&(row, &id)| id as usize == row)
            .count();
        let stats = Stats {
            records: table.rows,
            pairs_per_rule,
            candidate_pairs: candidates.len(),
            matched_pairs: pairs.len(),
            clusters: cluster_count,
        };
        Outcome {
            clusters,
            pairs,
            pair_levels,
            candidates,
            split,
            model,
            stats,
            table,
            scorer,
            swap: self.swap,
        }
    }
}

/// Normalized records that are read a chunk at a time rather than held as
/// a slice (the pipeline keeps its cleaned records packed until they are
/// needed). Deduplication does not normalize them again.
pub(crate) trait Records: Sync {
    /// How many records there are.
    fn len(&self) -> usize;
    /// Hands the records at `range` to `each`, in order. A record handed
    /// over is lent until the next: an implementation may read each one
    /// back into the same record.
    fn each(
        &self,
        range: std::ops::Range<usize>,
        each: &mut dyn FnMut(&Record) -> Result<()>,
    ) -> Result<()>;
}

/// Below this many candidate pairs a batch says too little to learn m and
/// u from: the built-in customer model supplies them when it fits the
/// schema (the prior is still estimated on the batch).
const MIN_TRAINING_CANDIDATES: usize = 1_000;

/// Pairs scored as one group, their rows read ahead together (see
/// [`Table::warm`](prepare::Table::warm)).
const WARM_GROUP: usize = 16;

/// Candidate pairs a training session looks at, at most (a fixed stride
/// through the candidates beyond that).
const TRAINING_PAIRS: usize = 1_000_000;

/// The levels of the candidate pairs training compared (`width` bytes a
/// pair, in the order of the sample): every `stride`-th candidate, from
/// the first.
struct Sample {
    levels: Vec<u8>,
    stride: usize,
}

/// Candidate pairs and what blocking knew about them.
struct Work {
    table: Table,
    ranks: Vec<u32>,
    candidates: Vec<(u32, u32)>,
    pairs_per_rule: Vec<usize>,
    /// Each blocking rule's block per row (see [`block::Blocked::blocks`]).
    blocks: Vec<Vec<u32>>,
}

/// The most that two records of one person disagree on a birth date
/// entirely (beyond the typos and swapped day and month of the levels
/// between): a birth date does not change, and it is keyed with care.
///
/// EM cannot learn this rate where households are: a father and his son
/// of one name (Jr. and Sr.), at one address with one landline, look to it
/// exactly like one person whose birth date was keyed wrong, and it
/// learns rates of 9 to 18 % from them (the true rate in those data was
/// 0). Bounding it keeps such pairs apart; on data without households
/// (Febrl, where EM learns 5 to 8 %) the bound changes no result.
const MAX_BIRTH_DATE_DISAGREEMENT: f64 = 0.02;

/// Lowers m of the lowest level ("different") to at most `max`, scaling
/// the other levels up so that m still sums to 1.
fn cap_disagreement(m: &mut [f64], max: f64) {
    let Some((different, rest)) = m.split_first_mut() else {
        return;
    };
    let kept: f64 = rest.iter().sum();
    if *different <= max || kept <= 0.0 {
        return;
    }
    let scale = (1.0 - max) / kept;
    *different = max;
    for p in rest {
        *p *= scale;
    }
}

/// How a field's evidence adds up when contact evidence is grouped: the
/// family name, email and phone are what a household shares; address parts
/// also change together when someone moves; the rest is the person's own.
fn evidence(kind: &FieldKind) -> Evidence {
    match kind {
        FieldKind::FamilyName | FieldKind::Email | FieldKind::Phone => Evidence::Shared,
        FieldKind::Street
        | FieldKind::City
        | FieldKind::Region
        | FieldKind::Postcode
        | FieldKind::Country => Evidence::Address,
        _ => Evidence::Own,
    }
}

fn has_kind(schema: &Schema, test: impl Fn(&FieldKind) -> bool) -> bool {
    schema.fields().iter().any(|f| test(f.kind()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Value;
    use crate::dedupe::generate::Generator;

    /// Scoring with the levels training compared gives the pairs, weights
    /// and clusters that comparing every pair again gives.
    #[test]
    fn scoring_from_training_levels_matches_comparing_again() {
        let data = Generator::new(7).generate(3000).unwrap();
        let deduper = Deduper::new(&Schema::customer()).unwrap();
        let table = deduper.table(&[&data.records]).unwrap();
        let mut work = deduper.block(table.clone(), None);
        let (model, sample) = deduper.train_with_levels(&mut work, None, &[]);
        assert_eq!(sample.stride, 1);
        let width = work.table.columns.len();
        assert_eq!(sample.levels.len(), work.candidates.len() * width);
        // A sample of every third candidate, as training takes beyond a
        // million of them.
        let third = Sample {
            levels: sample
                .levels
                .chunks_exact(width)
                .step_by(3)
                .flatten()
                .copied()
                .collect(),
            stride: 3,
        };
        let again = deduper.finish(
            deduper.block(table.clone(), None),
            None,
            model.clone(),
            None,
            &Labels::new(),
        );
        let partly = deduper.finish(
            deduper.block(table, None),
            None,
            model.clone(),
            Some(third),
            &Labels::new(),
        );
        let reused = deduper.finish(work, None, model, Some(sample), &Labels::new());
        assert!(reused.pairs().len() > 1000, "{}", reused.pairs().len());
        assert_explained_as_compared(&again);
        for outcome in [&reused, &partly] {
            assert_eq!(outcome.pairs().len(), again.pairs().len());
            for (x, y) in outcome.pairs().iter().zip(again.pairs()) {
                assert_eq!((x.a, x.b), (y.a, y.b));
                assert_eq!(x.weight.to_bits(), y.weight.to_bits());
            }
            assert_eq!(outcome.clusters(), again.clusters());
            assert_explained_as_compared(outcome);
            let mut pairs: Vec<_> = outcome.candidates().collect();
            let mut all: Vec<_> = again.candidates().collect();
            pairs.sort_unstable();
            all.sort_unstable();
            assert_eq!(pairs, all);
        }
    }

    /// Blocking makes the pairs its rules describe, counted per rule, and
    /// numbers blocks by key: checked against every rule's rows grouped by
    /// key in a map, each group put in name order and paired all with all
    /// up to `max_block` rows and with the next `window` beyond, and the
    /// sorted neighbourhood; for a small `max_block` (large blocks common)
    /// and the default one, and across two sources.
    #[test]
    fn blocking_makes_the_pairs_its_rules_describe() {
        let data = Generator::new(3).generate(1500).unwrap();
        for (max_block, window, split) in [(3, 2, None), (12, 4, None), (5, 3, Some(700))] {
            let config = Config {
                max_block,
                window,
                ..Config::default()
            };
            let deduper = Deduper::with_config(&Schema::customer(), config).unwrap();
            let (left, right) = data.records.split_at(split.unwrap_or(data.records.len()));
            let table = deduper.table(&[left, right]).unwrap();
            let work = deduper.block(table, split);
            let (table, rows) = (&work.table, work.table.rows);
            let across = |a: usize, b: usize| split.is_none_or(|s| (a < s) != (b < s));
            let order = deduper.name_order(table, &work.ranks);
            let mut position = vec![0; rows];
            for (p, &row) in order.iter().enumerate() {
                position[row as usize] = p;
            }
            let mut expected = std::collections::BTreeSet::new();
            let mut per_rule = Vec::new();
            let mut large = 0;
            for (r, rule) in deduper.resolved.iter().enumerate() {
                let mut groups: std::collections::HashMap<u64, Vec<usize>> = Default::default();
                for row in 0..rows {
                    if let Some(key) = rule.key(table, row) {
                        groups
                            .entry(key.min(block::NO_KEY - 1))
                            .or_default()
                            .push(row);
                    }
                }
                let mut made = 0;
                let mut numbers = std::collections::HashMap::new();
                for (key, group) in &mut groups {
                    group.sort_by_key(|&row| position[row]);
                    let reach = if group.len() <= max_block {
                        group.len()
                    } else {
                        large += 1;
                        window
                    };
                    for i in 0..group.len() {
                        for j in i + 1..group.len().min(i + 1 + reach) {
                            let (a, b) = (group[i], group[j]);
                            if across(a, b) {
                                expected.insert((a.min(b) as u32, a.max(b) as u32));
                                made += 1;
                            }
                        }
                    }
                    // One number per key, the same for all its rows.
                    let number = work.blocks[r][group[0]];
                    assert!(group.iter().all(|&row| work.blocks[r][row] == number));
                    assert_eq!(numbers.insert(number, *key), None, "rule {r}");
                }
                let keyless = (0..rows).filter(|&row| rule.key(table, row).is_none());
                assert!(
                    keyless
                        .into_iter()
                        .all(|row| work.blocks[r][row] == block::NO_BLOCK)
                );
                per_rule.push(made);
            }
            let mut neighbours = 0;
            for (i, &a) in order.iter().enumerate() {
                for &b in order.iter().skip(i + 1).take(window) {
                    if across(a as usize, b as usize) {
                        expected.insert((a.min(b), a.max(b)));
                        neighbours += 1;
                    }
                }
            }
            per_rule.push(neighbours);
            // (1,500 records make no block beyond the default 12.)
            assert!(
                max_block == 12 || large > 0,
                "max_block {max_block}: none beyond"
            );
            assert_eq!(work.pairs_per_rule, per_rule);
            let mut made = work.candidates.clone();
            made.sort_unstable();
            assert_eq!(made, expected.into_iter().collect::<Vec<_>>());
        }
    }

    /// u's exact level is counted from the keys rows hold: the pairs with
    /// equal keys and the pairs with keys on both sides are those that
    /// comparing every pair finds at the exact level and not missing, in
    /// rows stored out of their own order, with and without a split. The
    /// columns left to the sample are email and the names compared
    /// crosswise, whose levels are more than their keys.
    #[test]
    fn exact_level_pairs_are_counted_as_comparing_every_pair_finds() {
        let data = Generator::new(11).generate(400).unwrap();
        let deduper = Deduper::new(&Schema::customer()).unwrap();
        for split in [None, Some(170)] {
            let (left, right) = data.records.split_at(split.unwrap_or(data.records.len()));
            let work = deduper.block(deduper.table(&[left, right]).unwrap(), split);
            let table = &work.table;
            assert!((0..table.rows).any(|r| table.place_of(r as u32) != r as u32));
            let width = table.columns.len();
            let mut compared = vec![(0u128, 0u128); width];
            let mut levels = vec![0u8; width];
            for a in 0..table.rows {
                for b in a + 1..table.rows {
                    if split.is_some_and(|s| (a < s) == (b < s)) {
                        continue;
                    }
                    model::levels(table, deduper.swap, a, b, &mut levels);
                    for (c, &level) in levels.iter().enumerate() {
                        if level != MISSING {
                            compared[c].1 += 1;
                            let exact = table.columns[c].comparator.exact_level();
                            compared[c].0 += u128::from(level == exact);
                        }
                    }
                }
            }
            let counted = model::equal_key_pairs(table, deduper.swap, split);
            let mut some_agree = 0;
            for (c, counted) in counted.into_iter().enumerate() {
                let column = &table.columns[c];
                let crosswise = deduper.swap.is_some_and(|s| s.crosses(c));
                if crosswise || column.comparator == Comparator::Email {
                    assert_eq!(counted, None, "column {c}");
                } else {
                    assert_eq!(counted, Some(compared[c]), "column {c}, split {split:?}");
                    some_agree += usize::from(compared[c].0 > 0 && compared[c].0 < compared[c].1);
                }
            }
            assert!(some_agree >= 5, "{some_agree} columns with some equal keys");
        }
    }

    /// The sample's levels, compared in the order rows are stored, are
    /// each pair's levels in the sample's order, read the way the pair is
    /// given (a swap of names reads the first row's given name).
    #[test]
    fn sample_levels_are_each_pairs_levels_in_its_place() {
        let data = Generator::new(13).generate(500).unwrap();
        let deduper = Deduper::new(&Schema::customer()).unwrap();
        let mut work = deduper.block(deduper.table(&[&data.records]).unwrap(), None);
        let rows = work.table.rows as u32;
        assert!((0..rows).any(|r| work.table.place_of(r) != r));
        // Candidates both ways round, and pairs far apart, out of order.
        let mut sample: Vec<(u32, u32)> = work
            .candidates
            .iter()
            .flat_map(|&(a, b)| [(a, b), (b, a)])
            .collect();
        sample.extend(
            (0..rows)
                .map(|a| (a, (a * 7919 + 13) % rows))
                .filter(|&(a, b)| a != b),
        );
        sample.reverse();
        let width = work.table.columns.len();
        let got = deduper.sample_levels(&mut work.table, &sample);
        assert_eq!(got.len(), sample.len() * width);
        let mut levels = vec![0u8; width];
        let mut asymmetric = 0;
        for (&(a, b), got) in sample.iter().zip(got.chunks_exact(width)) {
            model::levels(
                &work.table,
                deduper.swap,
                a as usize,
                b as usize,
                &mut levels,
            );
            assert_eq!(got, levels.as_slice(), "pair ({a}, {b})");
            let mut other = vec![0u8; width];
            model::levels(
                &work.table,
                deduper.swap,
                b as usize,
                a as usize,
                &mut other,
            );
            asymmetric += usize::from(other != levels);
        }
        // The table reads rows by number again afterwards.
        assert!((0..rows).any(|r| work.table.place_of(r) != r));
        assert!(asymmetric > 0, "no pair whose levels depend on its order");
    }

    /// u's exact level, where it is counted, is the same whichever random
    /// pairs are drawn, and within the bounds a sample gives it; each
    /// column's u adds up to 1.
    #[test]
    fn counted_exact_levels_do_not_move_with_the_sample() {
        let data = Generator::new(12).generate(600).unwrap();
        let deduper = Deduper::new(&Schema::customer()).unwrap();
        let work = deduper.block(deduper.table(&[&data.records]).unwrap(), None);
        let table = &work.table;
        let u_of = |seed: u64| {
            let training = Training {
                u_pairs: 5_000,
                seed,
            };
            let random = model::random_pairs(&work.ranks, None, training);
            model::estimate_u(table, deduper.swap, None, &random)
        };
        let (one, other) = (u_of(1), u_of(2));
        let counted = model::equal_key_pairs(table, deduper.swap, None);
        let mut moved = 0;
        for (c, ((a, b), counted)) in one.iter().zip(&other).zip(counted).enumerate() {
            for u in [a, b] {
                assert!(
                    (u.iter().sum::<f64>() - 1.0).abs() < 1e-9,
                    "column {c}: {u:?}"
                );
                assert!(u.iter().all(|&p| p > 0.0 && p < 1.0), "column {c}: {u:?}");
            }
            let exact = a.len() - 1;
            match counted {
                Some((equal, all)) if all > 0 => {
                    assert_eq!(a[exact], b[exact], "column {c}");
                    let share = equal as f64 / all as f64;
                    // Within one pseudo-count of the sample's 5,000 pairs.
                    let floor = 1.0 / 5_000.0;
                    assert!(
                        (a[exact] - share).abs() <= floor,
                        "column {c}: {share} {a:?}"
                    );
                }
                _ => moved += usize::from(a != b),
            }
        }
        assert!(moved > 0, "the sampled columns moved with the seed");
    }

    /// Each matched pair of `outcome` is explained from the levels scoring
    /// kept as it is from its rows compared again.
    fn assert_explained_as_compared(outcome: &Outcome) {
        let mut kept = Breakdown::default();
        for (i, pair) in outcome.pairs().iter().enumerate() {
            assert!(outcome.break_down_matched(i, &mut kept));
            let compared = outcome.explain(pair.a, pair.b).unwrap();
            assert_eq!(kept.clone().named(outcome.model()), compared, "pair {i}");
        }
        let mut none = Breakdown::default();
        assert!(!outcome.break_down_matched(outcome.pairs().len(), &mut none));
    }

    /// Labelled matches are explained as compared too, in the order of
    /// the pairs they join, and a labelled non-match leaves the pairs.
    #[test]
    fn labelled_pairs_are_explained_as_compared() {
        let data = Generator::new(11).generate(2000).unwrap();
        let deduper = Deduper::new(&Schema::customer()).unwrap();
        let plain = deduper.run(&data.records).unwrap();
        let dropped = plain.pairs()[plain.pairs().len() / 2];
        let mut labels = Labels::new();
        labels.add(dropped.a, dropped.b, Label::NonMatch).unwrap();
        // Two rows far apart, in both orders of labelling.
        labels.add(1999, 3, Label::Match).unwrap();
        labels.add(10, 1500, Label::Match).unwrap();
        let records: Vec<_> = data
            .records
            .iter()
            .map(|r| deduper.normalizer.normalize(r).unwrap())
            .collect();
        let labelled = deduper.run_normalized(&records, None, &labels).unwrap();
        let rows = |o: &Outcome| o.pairs().iter().map(|p| (p.a, p.b)).collect::<Vec<_>>();
        // (Labels also start training, so the other pairs may differ.)
        assert!(!rows(&labelled).contains(&(dropped.a, dropped.b)));
        assert!(rows(&labelled).contains(&(3, 1999)));
        assert!(rows(&labelled).contains(&(10, 1500)));
        assert_explained_as_compared(&plain);
        assert_explained_as_compared(&labelled);
    }

    /// With a household class the parts of an address count as one:
    /// agreeing on the city and postcode besides the street weighs what
    /// the strongest of those agreements weighs alone. The same model
    /// without its household class counts each part.
    #[test]
    fn address_parts_count_once_with_households() {
        let data = Generator::new(7).generate(3000).unwrap();
        let deduper = Deduper::new(&Schema::customer()).unwrap();
        let model = deduper.train(&data.records, &[]).unwrap();
        assert!(model.household_prior() > 0.0);
        let mut json: serde_json::Value = serde_json::from_str(&model.to_json()).unwrap();
        json["household_prior"] = 0.0.into();
        let plain = Model::from_json(&json.to_string()).unwrap();
        let fields = model.fields();
        let column = |name: &str| fields.iter().position(|f| f.field == name).unwrap();
        let parts = ["street", "city", "postcode"].map(column);
        let exact = |c: usize| (fields[c].m.len() - 1) as u8;
        let levels = |agree: &[usize]| {
            let mut levels = vec![MISSING; fields.len()];
            for &c in agree {
                levels[c] = exact(c);
            }
            levels
        };
        for (model, households) in [(&model, true), (&plain, false)] {
            let scorer = deduper.scorer(model);
            let weigh = |agree: &[usize]| scorer.weight_with(&levels(agree), |_| 0, 0);
            let strongest = parts.iter().map(|&c| weigh(&[c])).fold(f64::MIN, f64::max);
            let all = weigh(&parts);
            if households {
                assert!((all - strongest).abs() < 1e-9, "{all} {strongest}");
            } else {
                assert!(all > strongest + 1.0, "{all} {strongest}");
            }
        }
    }

    /// Given and family names written the other way round count as
    /// close when one crosswise pair agrees closely and the other at least
    /// alike (here an initial), whichever of the two is compared first;
    /// when one crosswise pair is unlike, the names stay as they compared.
    #[test]
    fn names_the_other_way_round_are_close_when_both_crosswise_pairs_are() {
        let schema = Schema::customer();
        let deduper = Deduper::new(&schema).unwrap();
        let person = |given: &str, family: &str| {
            let mut record = Record::new(&schema);
            record.set("given_name", given).unwrap();
            record.set("family_name", family).unwrap();
            record
        };
        let records = [
            person("J", "Smith"),
            person("Smith", "Jonathan"),
            person("Xavier", "Smith"),
        ];
        let table = deduper.table(&[&records]).unwrap();
        let swap = deduper.swap.unwrap();
        let levels = |a: usize, b: usize| {
            let mut out = vec![0; table.columns.len()];
            model::levels(&table, deduper.swap, a, b, &mut out);
            (out[swap.given], out[swap.family])
        };
        let name = |a: usize, x: usize, b: usize, y: usize| {
            compare::level(Comparator::Name, table.get(x, a), table.get(y, b))
        };
        // Given against family: an initial (1); family against given: the
        // same name (3).
        assert_eq!(name(0, swap.given, 1, swap.family), Some(1));
        assert_eq!(name(0, swap.family, 1, swap.given), Some(3));
        assert_eq!(levels(0, 1), (1, 2));
        // The other way: the same name first, then the initial.
        assert_eq!(levels(1, 0), (2, 1));
        // Xavier is nothing like Jonathan: no swap, whatever the family
        // name against the given name says.
        assert_eq!(name(2, swap.given, 1, swap.family), Some(0));
        assert_eq!(levels(2, 1), (0, 0));
    }

    /// Normalized records in memory, read a chunk at a time.
    struct Kept(Vec<Record>);

    impl Records for Kept {
        fn len(&self) -> usize {
            self.0.len()
        }

        fn each(
            &self,
            range: std::ops::Range<usize>,
            each: &mut dyn FnMut(&Record) -> Result<()>,
        ) -> Result<()> {
            self.0[range].iter().try_for_each(each)
        }
    }

    /// Records normalized beforehand (as the pipeline keeps them) are not
    /// normalized again, and give what the raw records give.
    #[test]
    fn normalized_records_give_what_raw_ones_give() {
        let data = Generator::multilingual(3).generate(2000).unwrap();
        let deduper = Deduper::new(&Schema::customer()).unwrap();
        let normalized = data
            .records
            .iter()
            .map(|r| deduper.normalizer.normalize(r))
            .collect::<Result<Vec<_>>>()
            .unwrap();
        let records: Vec<Record> = normalized.iter().map(|n| n.record.clone()).collect();
        assert!(records.iter().zip(&data.records).any(|(n, r)| n != r));
        let raw = deduper.run(&data.records).unwrap();
        let kept = deduper
            .run_records(&Kept(records), None, &Labels::new())
            .unwrap();
        let typed = deduper
            .run_normalized(&normalized, None, &Labels::new())
            .unwrap();
        assert!(raw.pairs().len() > 100, "{}", raw.pairs().len());
        assert_eq!(raw.pairs(), kept.pairs());
        assert_eq!(raw.clusters(), kept.clusters());
        assert_eq!(raw.pairs(), typed.pairs());
        assert_eq!(raw.clusters(), typed.clusters());
        // Linking normalized halves is linking the raw ones.
        let (left, right) = data.records.split_at(900);
        let (nl, nr) = normalized.split_at(900);
        let raw = deduper.link(left, right).unwrap();
        let typed = deduper.link_normalized(nl, nr, None).unwrap();
        assert!(!raw.pairs().is_empty());
        assert_eq!(raw.pairs(), typed.pairs());
        assert_eq!(raw.clusters(), typed.clusters());
    }

    /// Normalized records of another schema are refused, as raw ones are.
    #[test]
    fn normalized_records_of_another_schema_are_refused() {
        let other = Schema::builder("other")
            .field(crate::schema::Field::new("email", FieldKind::Email))
            .build()
            .unwrap();
        let record = Record::new(&other);
        let deduper = Deduper::new(&Schema::customer()).unwrap();
        let err = deduper
            .run_normalized(&[Normalized::stored(record.clone())], None, &Labels::new())
            .unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::SchemaMismatch);
        let raw = deduper.run(&[record]).unwrap_err();
        assert_eq!(raw.code(), crate::ErrorCode::SchemaMismatch);
    }

    /// Pruned scoring keeps exactly the pairs whose full weight reaches the
    /// threshold, with that weight to the bit: on generated records, and
    /// on the same records with a cheap column (birth date) and a costly
    /// one (email) that no row fills, which pruned scoring leaves out.
    #[test]
    fn pruned_scoring_keeps_exactly_the_pairs_at_the_threshold() {
        let data = Generator::new(5).generate(3000).unwrap();
        let mut unfilled = data.records.clone();
        for record in &mut unfilled {
            record.set("birth_date", Value::Null).unwrap();
            record.set("email", Value::Null).unwrap();
        }
        let deduper = Deduper::new(&Schema::customer()).unwrap();
        let schema = deduper.schema();
        let cleared = ["birth_date", "email"].map(|name| schema.index_of(name).unwrap());
        for (records, emptied) in [(&data.records, false), (&unfilled, true)] {
            let mut work = deduper.block(deduper.table(&[records]).unwrap(), None);
            let model = deduper.train_on(&mut work, None, &[]);
            let table = &work.table;
            let columns = table.columns.iter().enumerate();
            let compared: Vec<usize> = columns
                .filter(|(_, column)| cleared.contains(&column.field))
                .map(|(c, _)| c)
                .collect();
            assert_eq!(compared.len(), cleared.len());
            for c in compared {
                assert_eq!(table.has_values(c), !emptied, "column {c}");
            }
            let counts = check_pruned_scoring(&deduper, table, &model, &work.candidates);
            // Some pairs kept and some dropped at each threshold; without
            // a birth date or email, none reach the highest.
            let keeps = if emptied { &counts[..2] } else { &counts[..] };
            assert!(keeps.iter().all(|&(kept, _)| kept > 0), "{counts:?}");
            assert!(counts.iter().all(|&(_, dropped)| dropped > 0), "{counts:?}");
        }
    }

    /// Checks pruned scoring against full scoring at a low, a middle and
    /// a high threshold: the pairs each kept and dropped.
    fn check_pruned_scoring(
        deduper: &Deduper,
        table: &Table,
        model: &Model,
        candidates: &[(u32, u32)],
    ) -> Vec<(usize, usize)> {
        let scorer = deduper.scorer(model);
        let mut levels = vec![0u8; table.columns.len()];
        let mut counts = Vec::new();
        for threshold in [0.2f64, 0.9, 0.999] {
            let bits = model::weight_of(threshold);
            let pruned = model::Pruned::new(&scorer, table, deduper.swap, bits);
            let mut scratch = pruned.scratch();
            let (mut kept, mut dropped) = (0, 0);
            for &(a, b) in candidates {
                let (a, b) = (a as usize, b as usize);
                model::levels(table, deduper.swap, a, b, &mut levels);
                let full = scorer.weight(table, &levels, a, b);
                match pruned.weight(table, a, b, &mut scratch) {
                    Some(weight) => {
                        assert_eq!(weight.to_bits(), full.to_bits(), "pair ({a}, {b})");
                        kept += 1;
                    }
                    None => {
                        assert!(full < bits, "pair ({a}, {b}) dropped at {full} ≥ {bits}");
                        dropped += 1;
                    }
                }
            }
            counts.push((kept, dropped));
        }
        counts
    }
}

#[cfg(test)]
mod name_order_tests {
    use super::*;
    use proptest::prelude::*;

    /// Names that tie on the first 16 bytes, differ only in length, or are
    /// written in other scripts: where the keys alone cannot decide.
    const NAMES: &[&str] = &[
        "",
        "Al",
        "Ál",
        "Alberta",
        "Christopherson",
        "Christophersonn",
        "Christophersonsmith",
        "Christophersonsmithe",
        "Maximilianmaximilian",
        "Maximilianmaximilianus",
        "Anna Maria",
        "Anna",
        "张伟",
        "佐々木",
        "Ørsted",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// The order sorting by name keys gives is the order comparing the
        /// rows' names gives, ties by rank.
        #[test]
        fn name_keys_sort_as_the_names_do(
            people in proptest::collection::vec((0..NAMES.len(), 0..NAMES.len()), 1..60)
        ) {
            let schema = Schema::customer();
            let records: Vec<Record> = people
                .iter()
                .enumerate()
                .map(|(i, &(g, f))| {
                    let json = serde_json::json!({
                        "customer_id": format!("c{i}"),
                        "given_name": NAMES[g],
                        "family_name": NAMES[f],
                    });
                    Record::from_json(&schema, &json.to_string()).unwrap()
                })
                .collect();
            let deduper = Deduper::new(&schema).unwrap();
            let table = deduper.table(&[&records]).unwrap();
            let ranks = table.ranks();
            let names = index::name_columns(&table);
            let mut expected: Vec<u32> = (0..table.rows as u32).collect();
            expected.sort_by(|&x, &y| {
                let (x, y) = (x as usize, y as usize);
                index::name_order(&names, (&table, x), (&table, y)).then(ranks[x].cmp(&ranks[y]))
            });
            prop_assert_eq!(deduper.name_order(&table, &ranks), expected);
        }
    }
}
