//! The quality of a data set at a glance: per field, how complete and how
//! valid it is, how many distinct values it has, what they (or, for
//! sensitive fields, their format patterns) look like, and what
//! normalization changed; per record set, how complete records are, how
//! stale, which issues were found and how many duplicates there are.
//!
//! A [`Profiler`] reads records and their validation reports one at a
//! time in bounded memory (distinct counts by HyperLogLog, frequent values
//! by a Misra–Gries summary); profilers of parts of a data set
//! [merge](Profiler::merge), so a run profiles on all cores. What it finds
//! is a [`Profile`], which reads and writes a stable JSON format
//! ([`Profile::to_json`]), renders as one self-contained HTML page
//! ([`Profile::to_html`]) and compares with an earlier profile to show
//! drift ([`Profile::compare`]).
//!
//! A profile never holds a value of a sensitive field
//! ([`Field::is_sensitive`](crate::Field::is_sensitive)): those show
//! format patterns such as `+86 1NN NNNN NNNN` instead (see [`pattern`]);
//! their date ranges show years only.
//!
//! ```
//! use custodia::profile::{Profiler, ProfileSettings};
//! use custodia::{Normalizer, Record, Schema, Validator};
//!
//! let schema = Schema::customer();
//! let (normalizer, validator) = (Normalizer::new(&schema), Validator::new(&schema));
//! let mut profiler = Profiler::new(&schema, &ProfileSettings::default())?;
//! for json in [
//!     r#"{"customer_id": "1", "phone": "+86 138 0013 8000", "country": "cn"}"#,
//!     r#"{"customer_id": "2", "email": "not an email", "country": "China"}"#,
//! ] {
//!     let normalized = normalizer.normalize(&Record::from_json(&schema, json)?)?;
//!     let report = validator.validate_normalized(&normalized)?;
//!     profiler.add(&normalized.record, &report, &normalized.changes);
//! }
//! let profile = profiler.finish();
//! let phone = profile.field("phone").unwrap();
//! assert_eq!(phone.completeness, 0.5);
//! assert_eq!(phone.top_patterns[0].pattern, "+86 1NN NNNN NNNN");
//! assert!(phone.top_values.is_empty()); // sensitive: no values
//! let country = profile.field("country").unwrap();
//! assert_eq!(country.top_values[0].value, "CN");
//! assert_eq!(profile.field("email").unwrap().validity, Some(0.0));
//! # Ok::<(), custodia::Error>(())
//! ```

mod drift;
mod html;
pub mod review;
mod shape;
mod top;

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

use cardinality_estimator::CardinalityEstimator;
use serde::{Deserialize, Serialize};

pub use drift::{Drift, FieldDrift};

use crate::error::{ErrorKind, Result};
use crate::normalize::Change;
use crate::schema::{Date, FieldKind, Record, Schema, Value};
use crate::validate::{IssueCode, Report, Severity};

/// The `format` member of profile JSON.
pub const FORMAT: &str = "custodia-profile";

/// The version of the profile JSON format this library writes and reads.
pub const VERSION: u32 = 1;

/// Values kept per field in the frequent-value summaries.
const SUMMARY_CAPACITY: usize = 128;

/// The hash a value is counted by in the distinct count: foldhash's
/// quality variant (well mixed in every bit, as HyperLogLog needs) with a
/// fixed seed, so that profiles of parts merge and runs repeat. About a
/// third the cost of the estimator's own streaming hasher.
const DISTINCT_HASH: foldhash::quality::FixedState =
    foldhash::quality::FixedState::with_seed(0x6375_7374_6f64_6961);

/// Upper ends (in days) of the staleness buckets; the last is open.
const AGE_BUCKETS: [(u64, &str); 6] = [
    (30, "up to 30 days"),
    (90, "31 to 90 days"),
    (180, "91 to 180 days"),
    (365, "181 days to 1 year"),
    (730, "1 to 2 years"),
    (1826, "2 to 5 years"),
];

/// What a profile looks at, as JSON (`"profile": {...}` in pipeline
/// settings): every key may be left out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct ProfileSettings {
    /// How many of the most frequent values (and patterns) to list per
    /// field, 1 to 100.
    pub top: usize,
    /// The date that ages are counted to, `YYYY-MM-DD`; today (UTC) when
    /// absent.
    pub as_of: Option<String>,
    /// The date field whose age is a record's staleness; `updated_at` when
    /// absent and the schema has it.
    pub staleness_field: Option<String>,
}

impl Default for ProfileSettings {
    fn default() -> Self {
        Self {
            top: 10,
            as_of: None,
            staleness_field: None,
        }
    }
}

fn invalid(reason: impl Into<String>) -> crate::Error {
    ErrorKind::InvalidPipeline {
        reason: format!("profile: {}", reason.into()),
    }
    .into()
}

impl ProfileSettings {
    /// Reads settings from JSON; an unknown key is an error that names the
    /// nearest valid one.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidPipeline`].
    pub fn from_json(json: &str) -> Result<Self> {
        serde_json::from_str(json)
            .map_err(|e| invalid(crate::error::hint_unknown_key(&e.to_string())))
    }
}

/// Reads records and issues into a [`Profile`]. Memory stays bounded
/// whatever the number of records: a few kilobytes per field.
#[derive(Clone, Debug)]
pub struct Profiler {
    schema: Schema,
    top: usize,
    as_of: Date,
    staleness: Option<usize>,
    fields: Vec<FieldAcc>,
    rows_read: u64,
    unreadable: BTreeMap<String, u64>,
    records: u64,
    with_errors: u64,
    with_warnings: u64,
    /// Records by how many fields have a value.
    filled: Vec<u64>,
    /// Issues by code and severity (record-level issues included).
    issues: BTreeMap<(u32, Severity), (IssueCode, u64)>,
    /// Staleness by bucket: [`AGE_BUCKETS`], older, future, no date.
    ages: [u64; AGE_BUCKETS.len() + 3],
    duplicates: Option<Duplicates>,
    /// Records by cluster id, as [`Profiler::cluster`] gives them.
    cluster_sizes: HashMap<Box<str>, u64, foldhash::fast::FixedState>,
    /// Records given a cluster id.
    clustered: u64,
    /// Room for a value's pattern.
    pattern: Vec<u8>,
}

/// What is known of one field so far.
#[derive(Clone, Debug)]
struct FieldAcc {
    values: u64,
    invalid: u64,
    /// Issues on this field by code and severity.
    issues: BTreeMap<(u32, Severity), (IssueCode, u64)>,
    distinct: CardinalityEstimator<str>,
    /// Frequent values (non-sensitive fields only).
    top_values: Option<top::Top>,
    top_patterns: top::Top,
    chars: Option<(u64, u64, u64)>,
    changes: BTreeMap<&'static str, u64>,
    dates: Option<(Date, Date)>,
    years: BTreeMap<i32, u64>,
    numbers: Option<(f64, f64)>,
}

impl FieldAcc {
    fn new(sensitive: bool) -> Self {
        Self {
            values: 0,
            invalid: 0,
            issues: BTreeMap::new(),
            distinct: CardinalityEstimator::new(),
            top_values: (!sensitive).then(|| top::Top::new(SUMMARY_CAPACITY)),
            top_patterns: top::Top::new(SUMMARY_CAPACITY),
            chars: None,
            changes: BTreeMap::new(),
            dates: None,
            years: BTreeMap::new(),
            numbers: None,
        }
    }

    fn merge(&mut self, other: Self) {
        self.values += other.values;
        self.invalid += other.invalid;
        merge_counts(&mut self.issues, other.issues);
        self.distinct.merge(&other.distinct);
        if let (Some(mine), Some(theirs)) = (self.top_values.as_mut(), other.top_values) {
            mine.merge(theirs);
        }
        self.top_patterns.merge(other.top_patterns);
        self.chars = match (self.chars, other.chars) {
            (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1), a.2 + b.2)),
            (a, b) => a.or(b),
        };
        for (rule, n) in other.changes {
            *self.changes.entry(rule).or_default() += n;
        }
        self.dates = match (self.dates, other.dates) {
            (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
            (a, b) => a.or(b),
        };
        for (year, n) in other.years {
            *self.years.entry(year).or_default() += n;
        }
        self.numbers = match (self.numbers, other.numbers) {
            (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
            (a, b) => a.or(b),
        };
    }
}

fn merge_counts(
    into: &mut BTreeMap<(u32, Severity), (IssueCode, u64)>,
    from: BTreeMap<(u32, Severity), (IssueCode, u64)>,
) {
    for (key, (code, n)) in from {
        into.entry(key).or_insert((code, 0)).1 += n;
    }
}

fn is_date(kind: &FieldKind) -> bool {
    matches!(kind, FieldKind::Date | FieldKind::BirthDate)
}

impl Profiler {
    /// A profiler for records of `schema`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidPipeline`] for `top` out of range, an `as_of`
    /// that is not a `YYYY-MM-DD` date, or a staleness field that is not a
    /// date field of the schema.
    pub fn new(schema: &Schema, settings: &ProfileSettings) -> Result<Self> {
        if !(1..=100).contains(&settings.top) {
            return Err(invalid("`top` must be between 1 and 100"));
        }
        let as_of = match &settings.as_of {
            None => Date::today(),
            Some(text) => Date::from_iso(text.trim())
                .ok_or_else(|| invalid("`as_of` must be a date written YYYY-MM-DD"))?,
        };
        let staleness = match &settings.staleness_field {
            Some(name) => {
                let index = schema
                    .index_of(name)
                    .filter(|&i| is_date(schema.fields()[i].kind()))
                    .ok_or_else(|| {
                        invalid(format!(
                            "`staleness_field`: `{name}` is not a date field of schema `{}`",
                            schema.name()
                        ))
                    })?;
                Some(index)
            }
            None => schema
                .index_of("updated_at")
                .filter(|&i| is_date(schema.fields()[i].kind())),
        };
        Ok(Self {
            fields: schema
                .fields()
                .iter()
                .map(|f| FieldAcc::new(f.is_sensitive()))
                .collect(),
            schema: schema.clone(),
            top: settings.top,
            as_of,
            staleness,
            rows_read: 0,
            unreadable: BTreeMap::new(),
            records: 0,
            with_errors: 0,
            with_warnings: 0,
            filled: vec![0; schema.len() + 1],
            issues: BTreeMap::new(),
            ages: [0; AGE_BUCKETS.len() + 3],
            duplicates: None,
            cluster_sizes: HashMap::default(),
            clustered: 0,
            pattern: Vec::new(),
        })
    }

    /// An empty profiler with the same schema and settings, for another
    /// part of the data (to [`merge`](Self::merge) later).
    pub fn fresh(&self) -> Self {
        Self {
            fields: self
                .schema
                .fields()
                .iter()
                .map(|f| FieldAcc::new(f.is_sensitive()))
                .collect(),
            schema: self.schema.clone(),
            top: self.top,
            as_of: self.as_of,
            staleness: self.staleness,
            rows_read: 0,
            unreadable: BTreeMap::new(),
            records: 0,
            with_errors: 0,
            with_warnings: 0,
            filled: vec![0; self.schema.len() + 1],
            issues: BTreeMap::new(),
            ages: [0; AGE_BUCKETS.len() + 3],
            duplicates: None,
            cluster_sizes: HashMap::default(),
            clustered: 0,
            pattern: Vec::new(),
        }
    }

    /// Reads one record (normalized) with what validation found in it and
    /// what normalization changed. A record of another schema is read by
    /// position as far as the fields go.
    pub fn add(&mut self, record: &Record, report: &Report, changes: &[Change]) {
        self.rows_read += 1;
        self.records += 1;
        let schema = &self.schema;
        // Fields with an error, to count each invalid value once.
        let mut failed: Vec<usize> = Vec::new();
        let mut warned = false;
        let mut erred = false;
        for issue in report.issues() {
            let key = (issue.code().number(), issue.level());
            self.issues.entry(key).or_insert((issue.code(), 0)).1 += 1;
            match issue.level() {
                Severity::Error => erred = true,
                Severity::Warning => warned = true,
            }
            if let Some(index) = schema.index_of(issue.path().as_str())
                && let Some(acc) = self.fields.get_mut(index)
            {
                acc.issues.entry(key).or_insert((issue.code(), 0)).1 += 1;
                let has_value = record.get_at(index).is_some_and(|v| !v.is_null());
                if issue.level() == Severity::Error && has_value && !failed.contains(&index) {
                    failed.push(index);
                }
            }
        }
        self.with_errors += u64::from(erred);
        self.with_warnings += u64::from(warned && !erred);
        for index in failed {
            self.fields[index].invalid += 1;
        }
        for change in changes {
            if let Some(acc) = self.fields.get_mut(change.index) {
                for step in change.steps.iter() {
                    *acc.changes.entry(step.name()).or_default() += 1;
                }
            }
        }
        let mut filled = 0usize;
        let mut stale_date = None;
        for (index, (field, acc)) in schema.fields().iter().zip(&mut self.fields).enumerate() {
            let Some(value) = record.get_at(index).filter(|v| !v.is_null()) else {
                continue;
            };
            filled += 1;
            acc.values += 1;
            let Some(text) = value.to_text() else {
                continue;
            };
            acc.distinct.insert_hash(DISTINCT_HASH.hash_one(&*text));
            if let Some(top) = acc.top_values.as_mut() {
                top.add(&text);
            }
            let kind = field.kind();
            // The pattern pass counts the characters too; a boolean has no
            // pattern.
            let chars = match kind {
                FieldKind::Boolean => text.chars().count(),
                FieldKind::Phone => shape::phone_shape_into(&mut self.pattern, &text),
                _ => shape::shape_into(&mut self.pattern, &text),
            } as u64;
            if !matches!(kind, FieldKind::Boolean) {
                acc.top_patterns.add_utf8(&self.pattern);
            }
            acc.chars = Some(match acc.chars {
                Some((lo, hi, sum)) => (lo.min(chars), hi.max(chars), sum + chars),
                None => (chars, chars, chars),
            });
            if is_date(kind)
                && let Some(date) = Date::from_iso(&text)
            {
                acc.dates = Some(match acc.dates {
                    Some((lo, hi)) => (lo.min(date), hi.max(date)),
                    None => (date, date),
                });
                *acc.years.entry(date.year()).or_default() += 1;
                if self.staleness == Some(index) {
                    stale_date = Some(date);
                }
            }
            if !field.is_sensitive() {
                let number = match value {
                    Value::Integer(n) => Some(*n as f64),
                    Value::Decimal(d) => d.as_str().parse::<f64>().ok(),
                    _ => None,
                };
                if let Some(x) = number.filter(|x| x.is_finite()) {
                    acc.numbers = Some(match acc.numbers {
                        Some((lo, hi)) => (lo.min(x), hi.max(x)),
                        None => (x, x),
                    });
                }
            }
        }
        if let Some(slot) = self.filled.get_mut(filled) {
            *slot += 1;
        }
        if self.staleness.is_some() {
            let bucket = match stale_date {
                None => AGE_BUCKETS.len() + 2,
                Some(date) => {
                    let age = self.as_of.days_since_epoch() - date.days_since_epoch();
                    if age < 0 {
                        AGE_BUCKETS.len() + 1
                    } else {
                        AGE_BUCKETS
                            .iter()
                            .position(|&(days, _)| age as u64 <= days)
                            .unwrap_or(AGE_BUCKETS.len())
                    }
                }
            };
            self.ages[bucket] += 1;
        }
    }

    /// Counts a row that could not be made into a record, with the code
    /// that says why (`row_length`, `encoding`, `json`...).
    pub fn add_unreadable(&mut self, code: &str) {
        self.rows_read += 1;
        *self.unreadable.entry(code.to_owned()).or_default() += 1;
    }

    /// Adds what `other` read (a profiler of the same schema made with
    /// [`fresh`](Self::fresh)); the result does not depend on how the data
    /// was split.
    pub fn merge(&mut self, other: Self) {
        self.rows_read += other.rows_read;
        for (code, n) in other.unreadable {
            *self.unreadable.entry(code).or_default() += n;
        }
        self.records += other.records;
        self.with_errors += other.with_errors;
        self.with_warnings += other.with_warnings;
        for (mine, theirs) in self.filled.iter_mut().zip(other.filled) {
            *mine += theirs;
        }
        merge_counts(&mut self.issues, other.issues);
        for (mine, theirs) in self.ages.iter_mut().zip(other.ages) {
            *mine += theirs;
        }
        for (mine, theirs) in self.fields.iter_mut().zip(other.fields) {
            mine.merge(theirs);
        }
        if self.duplicates.is_none() {
            self.duplicates = other.duplicates;
        }
        self.clustered += other.clustered;
        for (id, n) in other.cluster_sizes {
            *self.cluster_sizes.entry(id).or_default() += n;
        }
    }

    /// Says that the record just [added](Self::add) belongs to the cluster
    /// `id` (the `cluster_id` column that `dedupe` and `link` write). When
    /// any record has one, the profile has [`Profile::duplicates`]; a
    /// record without one counts as a cluster of its own. Memory grows with
    /// the number of clusters (the ids are kept to count their records).
    pub fn cluster(&mut self, id: &str) {
        self.clustered += 1;
        if let Some(n) = self.cluster_sizes.get_mut(id) {
            *n += 1;
        } else {
            self.cluster_sizes.insert(id.into(), 1);
        }
    }

    /// Records what deduplication found: each record's cluster id (as
    /// [`Outcome::clusters`](crate::dedupe::Outcome::clusters) gives them,
    /// one per record read).
    pub fn clusters(&mut self, clusters: &[u32]) {
        let mut sizes = vec![0u64; clusters.len()];
        for &c in clusters {
            if let Some(slot) = sizes.get_mut(c as usize) {
                *slot += 1;
            }
        }
        self.duplicates = Some(duplicates(
            sizes.into_iter().filter(|&n| n > 0),
            clusters.len() as u64,
        ));
    }

    /// The profile of everything read.
    pub fn finish(self) -> Profile {
        let schema = &self.schema;
        let records = self.records;
        let fields: Vec<FieldProfile> = schema
            .fields()
            .iter()
            .zip(self.fields)
            .map(|(field, mut acc)| {
                let sensitive = field.is_sensitive();
                let valid = acc.values - acc.invalid;
                let dates = acc.dates.map(|(lo, hi)| {
                    let show = |d: Date| {
                        if sensitive {
                            format!("{:04}", d.year())
                        } else {
                            d.to_string()
                        }
                    };
                    DateRange {
                        min: show(lo),
                        max: show(hi),
                        by_year: acc
                            .years
                            .iter()
                            .map(|(&year, &count)| YearCount { year, count })
                            .collect(),
                    }
                });
                let approximate = acc.top_patterns.is_approximate()
                    || acc
                        .top_values
                        .as_mut()
                        .is_some_and(top::Top::is_approximate);
                FieldProfile {
                    name: field.name().to_owned(),
                    kind: field.kind().name().to_owned(),
                    sensitive,
                    values: acc.values,
                    missing: records - acc.values,
                    completeness: ratio(acc.values, records).unwrap_or(0.0),
                    valid,
                    validity: ratio(valid, acc.values),
                    issues: issue_counts(&acc.issues),
                    distinct: acc.distinct.estimate() as u64,
                    length: acc.chars.map(|(min, max, sum)| Lengths {
                        min,
                        max,
                        mean: sum as f64 / acc.values.max(1) as f64,
                    }),
                    top_values: acc
                        .top_values
                        .map(|mut t| {
                            t.top(self.top)
                                .into_iter()
                                .map(|(value, count)| ValueCount { value, count })
                                .collect()
                        })
                        .unwrap_or_default(),
                    top_patterns: acc
                        .top_patterns
                        .top(self.top)
                        .into_iter()
                        .map(|(pattern, count)| PatternCount { pattern, count })
                        .collect(),
                    top_approximate: approximate,
                    changes: acc
                        .changes
                        .into_iter()
                        .map(|(rule, n)| (rule.to_owned(), n))
                        .collect(),
                    dates,
                    numbers: acc.numbers.map(|(min, max)| NumberRange { min, max }),
                }
            })
            .collect();
        let in_use = fields.iter().filter(|f| f.values > 0).count();
        let mut histogram = [0u64; 10];
        let mut filled_total = 0u64;
        for (k, &n) in self.filled.iter().enumerate() {
            filled_total += k as u64 * n;
            if n > 0 {
                // With no field in use at all, every record is empty: 0.
                let score = if in_use == 0 {
                    0.0
                } else {
                    k as f64 / in_use as f64
                };
                let bucket = ((score * 10.0) as usize).min(9);
                histogram[bucket] += n;
            }
        }
        let staleness = self.staleness.map(|index| {
            let mut buckets: Vec<AgeBucket> = AGE_BUCKETS
                .iter()
                .enumerate()
                .map(|(i, &(days, label))| AgeBucket {
                    label: label.to_owned(),
                    max_days: Some(days),
                    count: self.ages[i],
                })
                .collect();
            buckets.push(AgeBucket {
                label: "over 5 years".to_owned(),
                max_days: None,
                count: self.ages[AGE_BUCKETS.len()],
            });
            Staleness {
                field: schema.fields()[index].name().to_owned(),
                buckets,
                future: self.ages[AGE_BUCKETS.len() + 1],
                no_date: self.ages[AGE_BUCKETS.len() + 2],
            }
        });
        Profile {
            format: FORMAT.to_owned(),
            version: VERSION,
            schema: schema.name().to_owned(),
            as_of: self.as_of.to_string(),
            rows: Rows {
                read: self.rows_read,
                records,
                unreadable: self.unreadable,
            },
            records: RecordStats {
                with_errors: self.with_errors,
                with_warnings_only: self.with_warnings,
                fields_in_use: in_use as u64,
                completeness: ratio(filled_total, records * in_use as u64).unwrap_or(0.0),
                completeness_histogram: histogram
                    .iter()
                    .enumerate()
                    .map(|(i, &count)| ShareBucket {
                        from: i as f64 / 10.0,
                        to: (i + 1) as f64 / 10.0,
                        count,
                    })
                    .collect(),
            },
            issues: issue_counts(&self.issues),
            fields,
            staleness,
            duplicates: self.duplicates.or_else(|| {
                (self.clustered > 0).then(|| {
                    let singles = records.saturating_sub(self.clustered);
                    duplicates(
                        self.cluster_sizes
                            .into_values()
                            .chain(std::iter::repeat_n(1, singles as usize)),
                        records,
                    )
                })
            }),
            drift: None,
        }
    }
}

/// What clusters of these sizes say of `records` records.
fn duplicates(sizes: impl Iterator<Item = u64>, records: u64) -> Duplicates {
    let mut by_size: BTreeMap<u64, u64> = BTreeMap::new();
    for n in sizes {
        *by_size.entry(n).or_default() += 1;
    }
    let clusters: u64 = by_size.values().sum();
    let duplicate_clusters: u64 = by_size.range(2..).map(|(_, n)| n).sum();
    let in_duplicates: u64 = by_size.range(2..).map(|(s, n)| s * n).sum();
    Duplicates {
        clusters,
        duplicate_clusters,
        records_in_duplicate_clusters: in_duplicates,
        duplicate_rate: ratio(in_duplicates.saturating_sub(duplicate_clusters), records)
            .unwrap_or(0.0),
        cluster_sizes: by_size
            .into_iter()
            .map(|(size, count)| SizeCount { size, count })
            .collect(),
    }
}

/// Why profile JSON could not be read, by line and column: serde's own
/// message may quote a value, and a profile holds values.
fn unreadable_json(e: &serde_json::Error) -> crate::Error {
    let what = match e.classify() {
        serde_json::error::Category::Io => "cannot be read",
        serde_json::error::Category::Syntax => "is not valid JSON",
        serde_json::error::Category::Data => "does not have the members or types of a profile",
        serde_json::error::Category::Eof => "ends too early",
    };
    crate::Error::input(format!(
        "profile JSON {what} (line {}, column {})",
        e.line(),
        e.column()
    ))
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn issue_counts(counts: &BTreeMap<(u32, Severity), (IssueCode, u64)>) -> Vec<IssueCount> {
    let mut out: Vec<IssueCount> = counts
        .iter()
        .map(|(&(number, severity), &(code, count))| IssueCount {
            code: code.name().to_owned(),
            number,
            severity: severity.name().to_owned(),
            count,
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.number.cmp(&b.number)));
    out
}

/// A data set's profile. Serialized as JSON with [`Profile::to_json`]; the
/// README documents every member.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Profile {
    /// Always [`FORMAT`].
    pub format: String,
    /// The format's version, [`VERSION`].
    pub version: u32,
    /// The schema's name.
    pub schema: String,
    /// The date ages were counted to.
    pub as_of: String,
    /// Rows read.
    pub rows: Rows,
    /// Whole records.
    pub records: RecordStats,
    /// Issues by code and severity, most frequent first.
    pub issues: Vec<IssueCount>,
    /// One entry per schema field, in schema order.
    pub fields: Vec<FieldProfile>,
    /// How old the records are, by the staleness field (absent when the
    /// schema has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staleness: Option<Staleness>,
    /// What deduplication found (absent when it did not run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicates: Option<Duplicates>,
    /// What changed since an earlier profile (absent unless compared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<Drift>,
}

/// Rows read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Rows {
    /// Every row read, readable or not.
    pub read: u64,
    /// Rows that became records.
    pub records: u64,
    /// Rows that could not become records, by reason code.
    pub unreadable: BTreeMap<String, u64>,
}

/// What is true of whole records.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecordStats {
    /// Records with at least one error.
    pub with_errors: u64,
    /// Records with warnings and no error.
    pub with_warnings_only: u64,
    /// Fields with a value in at least one record: the fields a record's
    /// completeness is counted over.
    pub fields_in_use: u64,
    /// The mean share of fields in use that a record has a value for.
    pub completeness: f64,
    /// Records by that share, in ten buckets (`from` inclusive, `to`
    /// exclusive but for the last).
    pub completeness_histogram: Vec<ShareBucket>,
}

/// A bucket of a histogram over shares.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShareBucket {
    /// The bucket's lower end.
    pub from: f64,
    /// Its upper end.
    pub to: f64,
    /// Records in it.
    pub count: u64,
}

/// How often an issue code was found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IssueCount {
    /// The code's name, such as `email_syntax`.
    pub code: String,
    /// Its stable number.
    pub number: u32,
    /// `error` or `warning`.
    pub severity: String,
    /// How many issues.
    pub count: u64,
}

/// The profile of one field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FieldProfile {
    /// The field's name.
    pub name: String,
    /// Its kind, as in schema JSON.
    pub kind: String,
    /// Whether it is sensitive: no values, only patterns and years.
    pub sensitive: bool,
    /// Records with a value.
    pub values: u64,
    /// Records without one.
    pub missing: u64,
    /// `values` over records.
    pub completeness: f64,
    /// Values without an error.
    pub valid: u64,
    /// `valid` over `values`; absent when there are no values.
    pub validity: Option<f64>,
    /// Issues on this field by code, most frequent first.
    pub issues: Vec<IssueCount>,
    /// Distinct values: exact up to about 128, else a HyperLogLog
    /// estimate (standard error about 1.6 %).
    pub distinct: u64,
    /// Lengths of the values, in characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<Lengths>,
    /// The most frequent values; empty for a sensitive field.
    #[serde(default)]
    pub top_values: Vec<ValueCount>,
    /// The most frequent format patterns.
    #[serde(default)]
    pub top_patterns: Vec<PatternCount>,
    /// Whether the counts of the frequent values and patterns are lower
    /// bounds (more distinct ones than the summary keeps; see the README).
    pub top_approximate: bool,
    /// Values normalization changed, by rule.
    pub changes: BTreeMap<String, u64>,
    /// For date fields: the range (years only for a sensitive field) and
    /// values per year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dates: Option<DateRange>,
    /// For number fields that are not sensitive: the range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numbers: Option<NumberRange>,
}

/// Lengths in characters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Lengths {
    /// The shortest.
    pub min: u64,
    /// The longest.
    pub max: u64,
    /// The mean.
    pub mean: f64,
}

/// A frequent value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ValueCount {
    /// The value (cut at 120 bytes, with `…`).
    pub value: String,
    /// How often it occurs.
    pub count: u64,
}

/// A frequent format pattern.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PatternCount {
    /// The pattern (see [`pattern`]).
    pub pattern: String,
    /// How many values have it.
    pub count: u64,
}

/// The dates of a date field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DateRange {
    /// The earliest: `YYYY-MM-DD`, or `YYYY` for a sensitive field.
    pub min: String,
    /// The latest, likewise.
    pub max: String,
    /// Values per year.
    pub by_year: Vec<YearCount>,
}

/// How many dates fall in one year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct YearCount {
    /// The year.
    pub year: i32,
    /// Dates in it.
    pub count: u64,
}

/// The range of a number field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NumberRange {
    /// The least.
    pub min: f64,
    /// The greatest.
    pub max: f64,
}

/// How old records are: the age of the staleness field's date on the
/// profile's `as_of` date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Staleness {
    /// The date field, such as `updated_at`.
    pub field: String,
    /// Records by age, youngest first; the last bucket is open-ended.
    pub buckets: Vec<AgeBucket>,
    /// Records whose date is after `as_of`.
    pub future: u64,
    /// Records without a valid date.
    pub no_date: u64,
}

/// Records of one age range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AgeBucket {
    /// The range in words, such as `31 to 90 days`.
    pub label: String,
    /// Its upper end in days (inclusive); absent for the last.
    pub max_days: Option<u64>,
    /// Records in it.
    pub count: u64,
}

/// What deduplication found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Duplicates {
    /// Customers: clusters, single records included.
    pub clusters: u64,
    /// Clusters of two or more records.
    pub duplicate_clusters: u64,
    /// Records in those clusters.
    pub records_in_duplicate_clusters: u64,
    /// The share of records that are extra copies of a customer:
    /// (records − clusters) over records.
    pub duplicate_rate: f64,
    /// Clusters by size.
    pub cluster_sizes: Vec<SizeCount>,
}

/// How many clusters have one size.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SizeCount {
    /// Records in the cluster.
    pub size: u64,
    /// Clusters of that size.
    pub count: u64,
}

impl Profile {
    /// The profile of the field `name`.
    pub fn field(&self, name: &str) -> Option<&FieldProfile> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The profile as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads a profile written by [`Profile::to_json`].
    ///
    /// # Errors
    /// [`ErrorKind::Input`] for text that is not a custodia profile of a
    /// version this library reads.
    pub fn from_json(json: &str) -> Result<Self> {
        #[derive(Deserialize)]
        struct Head {
            format: Option<String>,
            version: Option<u32>,
        }
        let head: Head = serde_json::from_str(json).map_err(|e| unreadable_json(&e))?;
        if head.format.as_deref() != Some(FORMAT) {
            return Err(crate::Error::input(
                "profile JSON: not a custodia profile (its `format` is not `custodia-profile`)",
            ));
        }
        if head.version != Some(VERSION) {
            return Err(crate::Error::input(format!(
                "profile JSON: version {} is not one this custodia reads ({VERSION})",
                head.version
                    .map_or_else(|| "(none)".to_owned(), |v| v.to_string())
            )));
        }
        serde_json::from_str(json).map_err(|e| unreadable_json(&e))
    }

    /// Compares this profile with an earlier one and keeps what changed
    /// in [`Profile::drift`]: fields whose completeness or validity moved
    /// by at least `points` percentage points, and issue codes found now
    /// that were not found then.
    pub fn compare(&mut self, previous: &Self, points: f64) {
        self.drift = Some(drift::compare(previous, self, points));
    }

    /// [`Profile::compare`] of profiles given as JSON, as the C library
    /// and the Python package take them: the profile's JSON again, with
    /// its drift.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidPipeline`] for `points` outside 0 to 100, and
    /// the errors of [`Profile::from_json`] for either profile.
    pub fn compare_json(profile: &str, previous: &str, points: f64) -> Result<String> {
        if !(0.0..=100.0).contains(&points) {
            return Err(invalid("`points` must be between 0 and 100"));
        }
        let mut current = Self::from_json(profile)?;
        current.compare(&Self::from_json(previous)?, points);
        Ok(current.to_json())
    }

    /// The profile as one self-contained HTML page: inline CSS and SVG
    /// charts, no script and nothing fetched from the network.
    pub fn to_html(&self) -> String {
        html::profile_page(self)
    }
}

/// The format pattern of a value of a field of `kind` (what a profile
/// shows of a sensitive field): digits become `N`, runs of upper-case
/// letters `A`, of lower-case letters `a`, of letters without case `L`,
/// runs of white space one space; ASCII punctuation stays and any other
/// character is `?`. A phone number in E.164 form keeps its calling code
/// and first national digit: `+8613800138000` is `+86 1NN NNNN NNNN`.
///
/// ```
/// use custodia::FieldKind;
/// use custodia::profile::pattern;
///
/// assert_eq!(pattern(&FieldKind::Phone, "+8613800138000"), "+86 1NN NNNN NNNN");
/// assert_eq!(pattern(&FieldKind::FullName, "Ann O'Neil"), "Aa A'Aa");
/// assert_eq!(pattern(&FieldKind::Email, "ann@example.com"), "a@a.a");
/// ```
pub fn pattern(kind: &FieldKind, value: &str) -> String {
    match kind {
        FieldKind::Phone => shape::phone_shape(value),
        _ => shape::shape(value),
    }
}
