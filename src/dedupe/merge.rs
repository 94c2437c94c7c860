//! Golden records: one merged record per cluster, each value chosen by
//! survivorship rules and traced to the record it came from.
//!
//! For each field, the candidates are the cluster's records that have a
//! value there (a missing value never wins over a present one). The
//! field's rules are tried in order, each keeping only the candidates it
//! ranks best; what ties after the last rule goes to the earliest record.
//! Values are compared normalized, so `+86 138 1234 5678` and
//! `13812345678` count as one phone for [`Survivorship::MostFrequent`].

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Clusters merged at a time when golden records are handed on in
/// batches: enough to keep every core busy, few enough that a batch's
/// records and golden records stay small beside the run's.
const GOLDEN_BATCH: usize = 16_384;

/// Up to this many values, `most_frequent` counts by comparing each with
/// the others rather than in a hash table (most clusters hold two to
/// four records).
const SMALL_CLUSTER: usize = 16;

use crate::error::{Result, SettingPath, SettingProblem};
use crate::normalize::{Normalized, Normalizer};
use crate::schema::{Record, Schema, Value};

/// How a field's surviving value is chosen among the records of a cluster
/// that have one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Survivorship {
    /// From the record changed last, by the policy's `updated_field`
    /// (normalized values compared: ISO 8601 dates and times, numbers;
    /// records without one count as oldest).
    MostRecent,
    /// From the record with the most fields filled in.
    MostComplete,
    /// The value most of the records hold.
    MostFrequent,
    /// From the most trusted source: the policy's `source_field` ranked by
    /// `trusted_sources` (first is most trusted; case is ignored; sources
    /// not listed come after all listed ones).
    TrustedSource,
    /// The longest text, in characters (a full street line over a short
    /// one, `Elizabeth` over `Liz`).
    Longest,
}

/// Which survivorship rules apply to which fields; JSON like
///
/// ```json
/// {"rules": ["most_recent", "most_complete"],
///  "fields": {"email": ["trusted_source", "most_recent"]},
///  "updated_field": "updated_at", "source_field": "source",
///  "trusted_sources": ["crm", "billing"]}
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct MergePolicy {
    /// The rules of fields not named in `fields`, tried in order.
    pub rules: Vec<Survivorship>,
    /// Rules per field name, replacing `rules` for that field.
    pub fields: BTreeMap<String, Vec<Survivorship>>,
    /// The field saying when a record last changed (for `most_recent`).
    pub updated_field: Option<String>,
    /// The field naming the system a record came from (for
    /// `trusted_source`).
    pub source_field: Option<String>,
    /// Sources, most trusted first.
    pub trusted_sources: Vec<String>,
}

impl Default for MergePolicy {
    /// The most frequent value, then the one from the most complete record.
    fn default() -> Self {
        Self {
            rules: vec![Survivorship::MostFrequent, Survivorship::MostComplete],
            fields: BTreeMap::new(),
            updated_field: None,
            source_field: None,
            trusted_sources: Vec::new(),
        }
    }
}

impl MergePolicy {
    /// For the built-in customer schema: the most recent value by
    /// `updated_at`, then the most frequent, then the one from the most
    /// complete record; `source` names the system (list yours in
    /// `trusted_sources` and use [`Survivorship::TrustedSource`]).
    pub fn customer() -> Self {
        Self {
            rules: vec![
                Survivorship::MostRecent,
                Survivorship::MostFrequent,
                Survivorship::MostComplete,
            ],
            updated_field: Some("updated_at".to_owned()),
            source_field: Some("source".to_owned()),
            ..Self::default()
        }
    }

    /// The default for records of `schema`: [`MergePolicy::customer`] when
    /// the schema has an `updated_at` field (without the source field when
    /// it has no `source`), else [`MergePolicy::default`].
    pub fn for_schema(schema: &Schema) -> Self {
        if schema.index_of("updated_at").is_none() {
            return Self::default();
        }
        let mut policy = Self::customer();
        if schema.index_of("source").is_none() {
            policy.source_field = None;
        }
        policy
    }

    /// Reads a policy from JSON (see [`MergePolicy`]).
    pub fn from_json(json: &str) -> Result<Self> {
        super::settings_from_json(json, "merge policy")
    }

    /// The policy as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// One merged record: the values that survived, and where each came from.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct GoldenRecord {
    /// The cluster's id (as given to [`Merger::merge`]).
    pub cluster: u32,
    /// The rows of the cluster's records, ascending.
    pub members: Vec<usize>,
    /// The merged, normalized record.
    pub record: Record,
    /// For each schema field, in order: the row its value came from, or
    /// `None` when no member had one.
    pub sources: Vec<Option<usize>>,
}

impl GoldenRecord {
    /// The row the value of `field` came from (`None` when no member had
    /// one or the schema has no such field).
    pub fn source_of(&self, field: &str) -> Option<usize> {
        let index = self.record.schema().index_of(field)?;
        self.sources[index]
    }

    /// The golden record as JSON: `{"cluster": 5, "members": [0, 2],
    /// "record": {...}, "sources": {"email": 2, "iban": null, ...}}`.
    pub fn to_json(&self) -> String {
        let sources: serde_json::Map<String, serde_json::Value> = self
            .record
            .schema()
            .fields()
            .iter()
            .zip(&self.sources)
            .map(|(field, source)| (field.name().to_owned(), (*source).into()))
            .collect();
        serde_json::json!({
            "cluster": self.cluster,
            "members": self.members,
            "record": self.record,
            "sources": sources,
        })
        .to_string()
    }
}

/// Merges clusters of records into golden records under a
/// [`MergePolicy`]. Build it once; it can be shared between threads.
#[derive(Clone, Debug)]
pub struct Merger {
    normalizer: Normalizer,
    /// The rules of each schema field.
    rules: Vec<Vec<Survivorship>>,
    updated: Option<usize>,
    source: Option<usize>,
    trusted: Vec<String>,
}

impl Merger {
    /// Checks `policy` against `schema`: named fields must exist, every
    /// field needs at least one rule, `most_recent` needs `updated_field`
    /// and `trusted_source` needs `source_field`.
    pub fn new(schema: &Schema, policy: &MergePolicy) -> Result<Self> {
        use SettingProblem as P;
        let bad = |at: &[&str], problem, reason: String| -> crate::Error {
            crate::Error::dedupe(
                SettingPath::of(at),
                problem,
                format!("merge policy: {reason}"),
            )
        };
        let field = |name: &Option<String>, setting: &str| -> Result<Option<usize>> {
            name.as_ref()
                .map(|n| {
                    schema.index_of(n).ok_or_else(|| {
                        bad(
                            &[setting],
                            P::UnknownField,
                            format!("{setting} `{n}` is not a field of the schema"),
                        )
                    })
                })
                .transpose()
        };
        let updated = field(&policy.updated_field, "updated_field")?;
        let source = field(&policy.source_field, "source_field")?;
        if let Some(name) = policy.fields.keys().find(|n| schema.index_of(n).is_none()) {
            return Err(bad(
                &["fields", name],
                P::UnknownField,
                format!("`{name}` is not a field of the schema"),
            ));
        }
        let rules: Vec<Vec<Survivorship>> = schema
            .fields()
            .iter()
            .map(|f| policy.fields.get(f.name()).unwrap_or(&policy.rules).clone())
            .collect();
        for (f, rules) in schema.fields().iter().zip(&rules) {
            let name = f.name();
            // Where the field's rules were set: its own entry, or `rules`.
            let own = ["fields", name];
            let at: &[&str] = if policy.fields.contains_key(name) {
                &own
            } else {
                &["rules"]
            };
            if rules.is_empty() {
                return Err(bad(
                    at,
                    P::Empty,
                    format!("field `{name}` has no survivorship rule"),
                ));
            }
            if rules.contains(&Survivorship::MostRecent) && updated.is_none() {
                return Err(bad(
                    at,
                    P::Conflict,
                    format!("field `{name}` uses most_recent, which needs updated_field"),
                ));
            }
            if rules.contains(&Survivorship::TrustedSource) && source.is_none() {
                return Err(bad(
                    at,
                    P::Conflict,
                    format!("field `{name}` uses trusted_source, which needs source_field"),
                ));
            }
        }
        Ok(Self {
            normalizer: Normalizer::new(schema),
            rules,
            updated,
            source,
            trusted: policy.trusted_sources.clone(),
        })
    }

    /// The schema of the records it merges.
    pub fn schema(&self) -> &Schema {
        self.normalizer.schema()
    }

    /// One golden record per cluster, ordered by cluster id. `clusters`
    /// gives each record's cluster, as [`Outcome::clusters`] does (for a
    /// link, pass the left records followed by the right ones). Records are
    /// normalized first.
    ///
    /// [`Outcome::clusters`]: super::Outcome::clusters
    pub fn merge(&self, records: &[Record], clusters: &[u32]) -> Result<Vec<GoldenRecord>> {
        // Normalized cluster by cluster: memory holds the golden records,
        // not a second copy of every input record.
        self.merge_by(records.len(), clusters, |row| {
            self.normalizer.normalize(&records[row]).map(|n| n.record)
        })
    }

    /// [`Merger::merge`] of records normalized already (by a normalizer of
    /// this schema): they are not normalized again.
    ///
    /// # Errors
    /// As for [`Merger::merge`], and
    /// [`ErrorKind::SchemaMismatch`](crate::ErrorKind::SchemaMismatch) for
    /// a record of another schema.
    pub fn merge_normalized(
        &self,
        records: &[Normalized],
        clusters: &[u32],
    ) -> Result<Vec<GoldenRecord>> {
        self.merge_by(records.len(), clusters, |row| {
            self.own(&records[row].record)
        })
    }

    /// Golden records of records the pipeline normalized and kept
    /// (`kept(row)` gives row `row`'s), handed to `each` a batch of
    /// clusters at a time, in cluster order: memory holds one batch of
    /// golden records and their members, not every record and cluster.
    pub(crate) fn merge_kept(
        &self,
        len: usize,
        clusters: &[u32],
        kept: impl Fn(usize) -> Result<Record> + Sync,
        each: impl FnMut(Vec<GoldenRecord>) -> Result<()>,
    ) -> Result<()> {
        let checked = |row: usize| {
            let record = kept(row)?;
            record.check_schema(self.schema())?;
            Ok(record)
        };
        self.merge_in_batches(len, clusters, checked, each)
    }

    /// A copy of a normalized record of this merger's schema.
    fn own(&self, record: &Record) -> Result<Record> {
        record.check_schema(self.schema())?;
        Ok(record.clone())
    }

    /// The golden records of the `len` rows whose normalized records
    /// `normalized` gives, in `clusters`.
    fn merge_by(
        &self,
        len: usize,
        clusters: &[u32],
        normalized: impl Fn(usize) -> Result<Record> + Sync,
    ) -> Result<Vec<GoldenRecord>> {
        let mut all = Vec::new();
        self.merge_in_batches(len, clusters, normalized, |batch| {
            all.extend(batch);
            Ok(())
        })?;
        Ok(all)
    }

    /// [`Merger::merge_by`], handing the golden records to `each` a batch
    /// of [`GOLDEN_BATCH`] clusters at a time, in cluster order.
    fn merge_in_batches(
        &self,
        len: usize,
        clusters: &[u32],
        normalized: impl Fn(usize) -> Result<Record> + Sync,
        mut each: impl FnMut(Vec<GoldenRecord>) -> Result<()>,
    ) -> Result<()> {
        if len != clusters.len() {
            return Err(crate::Error::dedupe(
                SettingPath::root(),
                SettingProblem::Mismatch,
                format!("merge: {} records but {} cluster ids", len, clusters.len()),
            ));
        }
        if u32::try_from(len).is_err() {
            return Err(crate::Error::dedupe(
                SettingPath::root(),
                SettingProblem::TooLarge,
                format!("merge: {len} records, more than {} can be merged", u32::MAX),
            ));
        }
        // Each row as its cluster and itself in one number, sorted by a
        // parallel radix sort: clusters in order, rows in order within.
        let mut rows: Vec<u64> = clusters
            .iter()
            .enumerate()
            .map(|(row, &cluster)| u64::from(cluster) << 32 | row as u64)
            .collect();
        rdst::RadixSort::radix_sort_unstable(rows.as_mut_slice());
        let groups: Vec<&[u64]> = rows.chunk_by(|x, y| x >> 32 == y >> 32).collect();
        for batch in groups.chunks(GOLDEN_BATCH) {
            let golden = batch
                .par_iter()
                .map(|group| {
                    let members: Vec<usize> =
                        group.iter().map(|&k| (k & 0xffff_ffff) as usize).collect();
                    let records = members
                        .iter()
                        .map(|&row| normalized(row))
                        .collect::<Result<Vec<_>>>()?;
                    Ok(self.golden(records, clusters[members[0]], members))
                })
                .collect::<Result<Vec<_>>>()?;
            each(golden)?;
        }
        Ok(())
    }

    /// The golden record of one cluster: `records[i]` is row `members[i]`,
    /// normalized.
    fn golden(&self, mut records: Vec<Record>, cluster: u32, members: Vec<usize>) -> GoldenRecord {
        if members.len() == 1
            && records.len() == 1
            && let Some(only) = records.pop()
        {
            return Self::alone(only, members, cluster);
        }
        // How many values each record has, for `most_complete`.
        let filled: Vec<usize> = records
            .iter()
            .map(|r| r.values().iter().filter(|v| !v.is_null()).count())
            .collect();
        // Which record each field's value survives from, for every field
        // before any value moves: the rules of one field read others
        // (the update time, how complete a record is, its source).
        let chosen: Vec<Option<usize>> = self
            .rules
            .iter()
            .enumerate()
            .map(|(f, rules)| self.survivor(&records, &filled, f, rules))
            .collect();
        let values: Vec<Value> = chosen
            .iter()
            .enumerate()
            .map(|(f, &i)| {
                i.and_then(|i| records[i].value_mut(f))
                    .map_or(Value::Null, std::mem::take)
            })
            .collect();
        // The first record's extras come along: a record of this schema
        // whose values are replaced, each by a value of the same field.
        let mut record = if records.is_empty() {
            Record::new(self.schema())
        } else {
            records.swap_remove(0)
        };
        for (f, value) in values.into_iter().enumerate() {
            if let Some(slot) = record.value_mut(f) {
                *slot = value;
            }
        }
        let sources = chosen.iter().map(|c| c.map(|i| members[i])).collect();
        GoldenRecord {
            cluster,
            members,
            record,
            sources,
        }
    }

    /// Which of `records` (a cluster's, in row order, `filled[i]` values
    /// in record `i`) field `f`'s value survives from under `rules`: none
    /// when every value is missing.
    fn survivor(
        &self,
        records: &[Record],
        filled: &[usize],
        f: usize,
        rules: &[Survivorship],
    ) -> Option<usize> {
        let value = |i: usize| &records[i].values()[f];
        // Positions in `records`, in row order.
        let mut candidates: Vec<usize> = (0..records.len())
            .filter(|&i| !value(i).is_null())
            .collect();
        for rule in rules {
            if candidates.len() < 2 {
                break;
            }
            match rule {
                Survivorship::MostRecent => {
                    let at = self.updated.unwrap_or(f);
                    keep_best(&mut candidates, |x, y| {
                        recency(&records[x].values()[at], &records[y].values()[at])
                    });
                }
                Survivorship::MostComplete => {
                    keep_best(&mut candidates, |x, y| filled[x].cmp(&filled[y]));
                }
                Survivorship::MostFrequent => {
                    // Counted once per candidate: by comparing with the
                    // others in a small cluster, in a table in a large one.
                    let counts: Vec<usize> = if candidates.len() <= SMALL_CLUSTER {
                        candidates
                            .iter()
                            .map(|&i| candidates.iter().filter(|&&j| value(j) == value(i)).count())
                            .collect()
                    } else {
                        let mut table: HashMap<&Value, usize, foldhash::fast::FixedState> =
                            HashMap::default();
                        for &i in &candidates {
                            *table.entry(value(i)).or_default() += 1;
                        }
                        candidates.iter().map(|&i| table[value(i)]).collect()
                    };
                    let best = counts.iter().copied().max();
                    let mut counts = counts.into_iter();
                    candidates.retain(|_| counts.next() == best);
                }
                Survivorship::TrustedSource => {
                    let at = self.source.unwrap_or(f);
                    let trust = |i: usize| self.trust(&records[i].values()[at]);
                    // Lower rank is more trusted.
                    keep_best(&mut candidates, |x, y| trust(y).cmp(&trust(x)));
                }
                Survivorship::Longest => {
                    let length = |i: usize| value(i).as_str().map_or(0, |s| s.chars().count());
                    keep_best(&mut candidates, |x, y| length(x).cmp(&length(y)));
                }
            }
        }
        candidates.first().copied()
    }

    /// The golden record of a cluster of one record (`members` holds its
    /// row): every value survives, from that row (what the rules give for
    /// one record, taken as it is).
    fn alone(record: Record, members: Vec<usize>, cluster: u32) -> GoldenRecord {
        let row = members.first().copied();
        let sources = record
            .values()
            .iter()
            .map(|v| if v.is_null() { None } else { row })
            .collect();
        GoldenRecord {
            cluster,
            members,
            record,
            sources,
        }
    }

    /// A source's rank in the trusted list (its length when not listed).
    fn trust(&self, source: &Value) -> usize {
        source
            .as_str()
            .and_then(|s| {
                self.trusted
                    .iter()
                    .position(|t| t.trim().eq_ignore_ascii_case(s.trim()))
            })
            .unwrap_or(self.trusted.len())
    }
}

/// Keeps the candidates that `better` ranks highest (all of them on a
/// tie), in their order.
fn keep_best(candidates: &mut Vec<usize>, better: impl Fn(usize, usize) -> Ordering) {
    let Some(best) = candidates.iter().copied().reduce(|b, c| {
        if better(c, b) == Ordering::Greater {
            c
        } else {
            b
        }
    }) else {
        return;
    };
    candidates.retain(|&c| better(c, best) == Ordering::Equal);
}

/// Which of two "last changed" values is later: numbers by value, text
/// (ISO 8601 dates and times) by its order; a missing value is oldest.
fn recency(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => x.cmp(y),
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        _ => a.as_str().cmp(&b.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Merged in batches, across several of them, the golden records are
    /// those merged all at once, in cluster order.
    #[test]
    fn batches_give_the_golden_records_of_one_merge() {
        let schema = Schema::customer();
        let merger = Merger::new(&schema, &MergePolicy::customer()).unwrap();
        let n = GOLDEN_BATCH * 2 + 100;
        let records: Vec<Record> = (0..n)
            .map(|i| {
                let mut r = Record::new(&schema);
                r.set("full_name", format!("Person {}", i % 7)).unwrap();
                r
            })
            .collect();
        // Clusters of one or two rows, numbered against row order.
        let clusters: Vec<u32> = (0..n).map(|i| ((n - 1 - i) / 2) as u32).collect();
        let at_once = merger.merge(&records, &clusters).unwrap();
        let normalizer = Normalizer::new(&schema);
        let mut batches = Vec::new();
        merger
            .merge_kept(
                n,
                &clusters,
                |row| normalizer.normalize(&records[row]).map(|n| n.record),
                |batch| {
                    batches.push(batch);
                    Ok(())
                },
            )
            .unwrap();
        assert!(batches.len() >= 2, "{} batches", batches.len());
        assert!(batches.iter().all(|b| b.len() <= GOLDEN_BATCH));
        assert_eq!(batches.concat(), at_once);
        assert!(at_once.windows(2).all(|w| w[0].cluster < w[1].cluster));
    }

    /// A record alone is its own golden record, each non-empty value from
    /// its row: what the rules make of two identical copies of it.
    #[test]
    fn a_record_alone_is_what_the_rules_make_of_two_copies() {
        let schema = Schema::customer();
        let merger = Merger::new(&schema, &MergePolicy::customer()).unwrap();
        let mut record = Record::new(&schema);
        record.set("given_name", "Michał").unwrap();
        record.set("family_name", "Kowalski").unwrap();
        record.set("phone", "+48 612 345 678").unwrap();
        record.set("updated_at", "2024-05-01").unwrap();
        let alone = merger.merge(std::slice::from_ref(&record), &[0]).unwrap();
        let copies = merger
            .merge(&[record.clone(), record.clone()], &[0, 0])
            .unwrap();
        assert_eq!(alone[0].record, copies[0].record);
        assert_eq!(alone[0].sources, copies[0].sources);
        assert_eq!(alone[0].members, [0]);
        let given = schema.index_of("given_name").unwrap();
        let email = schema.index_of("email").unwrap();
        assert_eq!(alone[0].sources[given], Some(0));
        assert_eq!(alone[0].sources[email], None);
    }

    /// The rules chosen by hand, the obvious way, for one field of one
    /// cluster: the most frequent values (counted in a map), then the one
    /// of the most complete record, the first in row order on a tie.
    fn by_hand(records: &[&Record], f: usize) -> Option<usize> {
        let value = |i: usize| records[i].values()[f].to_text().map(|t| t.into_owned());
        let mut counts: std::collections::HashMap<String, usize> = Default::default();
        for i in 0..records.len() {
            if let Some(v) = value(i) {
                *counts.entry(v).or_default() += 1;
            }
        }
        let most = counts.values().copied().max()?;
        let filled = |i: usize| records[i].values().iter().filter(|v| !v.is_null()).count();
        let frequent: Vec<usize> = (0..records.len())
            .filter(|&i| value(i).is_some_and(|v| counts[&v] == most))
            .collect();
        let fullest = frequent.iter().map(|&i| filled(i)).max()?;
        frequent.into_iter().find(|&i| filled(i) == fullest)
    }

    proptest::proptest! {
        /// Up to 200 records in six clusters, so clusters of one to some
        /// sixty (`most_frequent` counts by comparing values in small
        /// ones, in a table in large ones), numbered in any order: each
        /// golden record holds what the rules choose by hand, and says
        /// which row it came from.
        #[test]
        fn golden_records_hold_what_the_rules_choose(
            rows in proptest::collection::vec(
                (0u32..6, proptest::option::of(0u8..3), proptest::option::of(0u8..4),
                 proptest::option::of(0u8..2)),
                1..200,
            ),
        ) {
            let schema = Schema::customer();
            let merger = Merger::new(&schema, &MergePolicy::default()).unwrap();
            let fields = ["given_name", "family_name", "city"];
            let records: Vec<Record> = rows
                .iter()
                .map(|&(_, given, family, city)| {
                    let mut r = Record::new(&schema);
                    for (name, v) in fields.iter().zip([given, family, city]) {
                        if let Some(v) = v {
                            r.set(name, format!("Value {v}")).unwrap();
                        }
                    }
                    r
                })
                .collect();
            // Cluster ids are a permutation of small numbers, not rows.
            let clusters: Vec<u32> = rows.iter().map(|&(c, ..)| (c * 7 + 3) % 6).collect();
            let golden = merger.merge_normalized(
                &records.iter().cloned().map(Normalized::stored).collect::<Vec<_>>(),
                &clusters,
            ).unwrap();
            let mut ids: Vec<u32> = clusters.clone();
            ids.sort_unstable();
            ids.dedup();
            proptest::prop_assert_eq!(golden.iter().map(|g| g.cluster).collect::<Vec<_>>(), ids);
            for g in &golden {
                let members: Vec<usize> =
                    (0..records.len()).filter(|&r| clusters[r] == g.cluster).collect();
                proptest::prop_assert_eq!(&g.members, &members);
                let cluster: Vec<&Record> = members.iter().map(|&r| &records[r]).collect();
                for f in fields.iter().map(|n| schema.index_of(n).unwrap()) {
                    let chosen = by_hand(&cluster, f);
                    proptest::prop_assert_eq!(g.sources[f], chosen.map(|i| members[i]));
                    let expected = chosen.map_or(Value::Null, |i| cluster[i].values()[f].clone());
                    proptest::prop_assert_eq!(&g.record.values()[f], &expected);
                }
            }
        }
    }
}
