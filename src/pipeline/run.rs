//! A pipeline run over a whole input: rows read on one thread, put through
//! the pipeline on all cores in chunks (order kept), written on the
//! caller's; deduplication once every row is in. Every input row ends up
//! in the output or the reject file, and the summary says so: rows in =
//! rows out + rows rejected.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::packed::Packed;
use super::read::{CsvReader, Limits, LineReader, Raw, Row, foreign_encoding};
use super::write::{self, Layout, Line, RowRef, Unknown};
use super::{Pipeline, Processed};
use crate::dedupe::{LabelledPair, Labels, Model};
use crate::error::{Error, Result};
use crate::profile::Profiler;
use crate::profile::review::{ReviewRows, ReviewSettings, ReviewView, review_page};
use crate::schema::{CsvHeader, Record, Schema};

/// The column that `dedupe` and `link` write a row's cluster in.
const CLUSTER_COLUMN: &str = "cluster_id";

/// Records a profile run hands to all cores at once.
const PROFILE_BATCH: usize = 65_536;

/// Records one profiler reads before its part is merged.
const PROFILE_PART: usize = 8_192;

/// Rows processed together: bounds memory while keeping all cores busy.
const CHUNK: usize = 8192;

/// Unreadable rows whose line the summary names, at most.
const NOTED_LINES: usize = 10;

/// The file format of an input and its outputs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Format {
    /// CSV (RFC 4180), UTF-8 with or without a byte order mark.
    #[default]
    Csv,
    /// JSON Lines: one object a line.
    Jsonl,
}

/// How a run reads its input and lays out its outputs.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunOptions {
    /// The input's (and outputs') format.
    pub format: Format,
    /// The CSV field delimiter (an ASCII byte).
    pub delimiter: u8,
    /// Whether a CSV input starts with a header row; without one its
    /// columns are the schema's fields, in order.
    pub header: bool,
    /// Input columns read as schema fields (`column` to `field`). Header
    /// names are matched after trimming white space.
    pub map: BTreeMap<String, String>,
    /// Input columns left out of the output.
    pub drop: Vec<String>,
    /// Columns outside the schema written even when masking (which leaves
    /// the others out): say, an id of your own.
    pub keep: Vec<String>,
    /// Whether output rows get a `_warnings` column.
    pub warnings_column: bool,
    /// Pairs a reviewer labelled (see [`crate::dedupe::read_labels`]),
    /// their ids the input's `_row` numbers: a dedupe run trains with them
    /// and links or keeps apart those pairs (see
    /// [`Deduper::run_labelled`](crate::dedupe::Deduper::run_labelled)).
    /// Ids that name no row that was read are counted in the summary
    /// ([`Summary::labels_unknown`]). A link takes none.
    pub labels: Vec<LabelledPair>,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            format: Format::Csv,
            delimiter: b',',
            header: true,
            map: BTreeMap::new(),
            drop: Vec::new(),
            keep: Vec::new(),
            warnings_column: false,
            labels: Vec::new(),
        }
    }
}

/// The delimiter a setting names: one ASCII character (not a quote or a
/// line break), or `tab`.
pub(crate) fn delimiter(text: &str) -> Result<u8> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        t if t.len() == 1 && t.is_ascii() && !matches!(t, "\"" | "\n" | "\r") => {
            Ok(t.as_bytes()[0])
        }
        _ => Err(crate::ErrorKind::InvalidPipeline {
            reason: "delimiter: expected one ASCII character (not a quote or line break), or `tab`"
                .into(),
        }
        .into()),
    }
}

/// Where a run writes. `rows` gets every row that is not rejected (in
/// dedupe and link, every row that could be read), `rejects` the rejected
/// ones with their issue codes, `pairs` and `golden` what dedupe and link
/// found.
#[non_exhaustive]
pub struct Outputs<'a> {
    /// The output rows.
    pub rows: &'a mut dyn Write,
    /// Rejected rows: `_row`, `_issues`, and the row as it came in.
    pub rejects: Option<&'a mut dyn Write>,
    /// Matched pairs, with each field's level and weight (CSV).
    pub pairs: Option<&'a mut dyn Write>,
    /// One golden record per cluster, in the output format.
    pub golden: Option<&'a mut dyn Write>,
    /// The match review page (HTML), with what it shows and how.
    pub review: Option<Review<'a>>,
}

/// Where and how a dedupe or link run writes its match review page (see
/// [`crate::profile::review`]).
#[non_exhaustive]
pub struct Review<'a> {
    /// Where the page goes.
    pub out: &'a mut dyn Write,
    /// The uncertain band and how many of its pairs are shown.
    pub settings: ReviewSettings,
    /// How the records' values appear.
    pub view: ReviewView,
}

impl std::fmt::Debug for Review<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Review")
            .field("settings", &self.settings)
            .field("view", &self.view.audience())
            .finish_non_exhaustive()
    }
}

impl<'a> Review<'a> {
    /// The page to `out`, with `settings`, values as `view` shows them.
    pub fn new(out: &'a mut dyn Write, settings: ReviewSettings, view: ReviewView) -> Self {
        Self {
            out,
            settings,
            view,
        }
    }
}

impl<'a> Outputs<'a> {
    /// Output rows to `rows`, nothing else written.
    pub fn new(rows: &'a mut dyn Write) -> Self {
        Self {
            rows,
            rejects: None,
            pairs: None,
            golden: None,
            review: None,
        }
    }

    /// Rejected rows to `rejects`.
    #[must_use]
    pub fn rejects(mut self, rejects: &'a mut dyn Write) -> Self {
        self.rejects = Some(rejects);
        self
    }

    /// Matched pairs to `pairs`.
    #[must_use]
    pub fn pairs(mut self, pairs: &'a mut dyn Write) -> Self {
        self.pairs = Some(pairs);
        self
    }

    /// Golden records to `golden`.
    #[must_use]
    pub fn golden(mut self, golden: &'a mut dyn Write) -> Self {
        self.golden = Some(golden);
        self
    }

    /// The match review page as `review` says.
    #[must_use]
    pub fn review(mut self, review: Review<'a>) -> Self {
        self.review = Some(review);
        self
    }
}

impl std::fmt::Debug for Outputs<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outputs")
            .field("rejects", &self.rejects.is_some())
            .field("pairs", &self.pairs.is_some())
            .field("golden", &self.golden.is_some())
            .field("review", &self.review.is_some())
            .finish_non_exhaustive()
    }
}

/// One input of a link: its name (the `_source` column) and how to read it.
#[derive(Debug)]
pub struct Side<'a, R> {
    /// The source's name, such as `crm`.
    pub name: &'a str,
    /// How its rows are read.
    pub options: &'a RunOptions,
    /// Its rows.
    pub input: R,
}

/// What a run did, for a summary or a report. Nothing in it is a value.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// Rows read.
    pub rows_in: u64,
    /// Rows written.
    pub rows_out: u64,
    /// Rows rejected.
    pub rows_rejected: u64,
    /// Rows written with a cluster id although validation found errors in
    /// them (dedupe and link); they are in the reject file too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows_out_with_errors: Option<u64>,
    /// Rejected rows (and rows out with errors) by issue code.
    pub rejects_by_issue: BTreeMap<String, u64>,
    /// Warnings by issue code.
    pub warnings_by_issue: BTreeMap<String, u64>,
    /// Values changed, by normalization rule.
    pub changes_by_rule: BTreeMap<&'static str, u64>,
    /// Input columns outside the schema.
    pub columns_outside_schema: u64,
    /// Of those, the ones passed through to the output.
    pub columns_passed_through: u64,
    /// The lines of the first unreadable rows, with why.
    pub unreadable: Vec<(u64, &'static str)>,
    /// What deduplication found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dedupe: Option<DedupeSummary>,
    /// The model a dedupe or link run scored with (trained or given).
    #[serde(skip)]
    pub model: Option<Model>,
    /// Labelled pairs used (both ids naming a row that was read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels_used: Option<usize>,
    /// Labelled pairs left out because an id named no row that was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels_unknown: Option<usize>,
    /// What the match review page shows, when one was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewSummary>,
}

/// What a match review page shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ReviewSummary {
    /// Candidate pairs in the uncertain band.
    pub in_band: usize,
    /// Those on the page.
    pub shown: usize,
}

/// What a dedupe or link run found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DedupeSummary {
    /// Customers: clusters, single records included.
    pub clusters: usize,
    /// Clusters of two or more records.
    pub duplicate_clusters: usize,
    /// Records in those clusters.
    pub records_in_duplicate_clusters: usize,
    /// Pairs compared.
    pub candidate_pairs: usize,
    /// Pairs at or above the threshold.
    pub matched_pairs: usize,
}

impl Summary {
    /// Whether every row came through clean: none rejected, none with
    /// errors.
    pub fn is_clean(&self) -> bool {
        self.rows_rejected == 0 && self.rows_out_with_errors.is_none()
    }

    /// The summary as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The summary as lines of text, as the command-line tool prints it.
    pub fn to_text(&self) -> String {
        let mut lines = vec![format!(
            "rows in {} = rows out {} + rows rejected {}",
            self.rows_in, self.rows_out, self.rows_rejected
        )];
        if let Some(n) = self.rows_out_with_errors {
            lines.push(format!(
                "  rows out with errors: {n} (clustered with their failed fields left out; also in the reject file)"
            ));
        }
        for (line, why) in &self.unreadable {
            let what = match *why {
                "unterminated_quote" => {
                    "a quoted field opened on this line does not close (or runs too long); the line was rejected and reading went on at the next"
                }
                "encoding" => "not UTF-8",
                "too_large" => "the row is over the size limit",
                _ => "unreadable",
            };
            lines.push(format!("  line {line}: {what}"));
        }
        for (code, n) in &self.rejects_by_issue {
            lines.push(format!("  rejected for {code}: {n}"));
        }
        for (code, n) in &self.warnings_by_issue {
            lines.push(format!("  warned of {code}: {n}"));
        }
        for (rule, n) in &self.changes_by_rule {
            lines.push(format!("  changed by {rule}: {n}"));
        }
        if self.columns_outside_schema > 0 {
            lines.push(format!(
                "  columns outside the schema: {} ({} passed through unchanged)",
                self.columns_outside_schema, self.columns_passed_through
            ));
        }
        if let Some(d) = &self.dedupe {
            lines.push(format!(
                "customers {} in {} records ({} records in {} clusters of duplicates), {} matched pairs of {} compared",
                d.clusters,
                self.rows_out,
                d.records_in_duplicate_clusters,
                d.duplicate_clusters,
                d.matched_pairs,
                d.candidate_pairs
            ));
        }
        if let (Some(used), Some(unknown)) = (self.labels_used, self.labels_unknown) {
            lines.push(format!(
                "  labelled pairs: {used} used, {unknown} naming a row that was not read"
            ));
        }
        if let Some(r) = &self.review {
            lines.push(format!(
                "  review page: {} of {} pairs in the uncertain band",
                r.shown, r.in_band
            ));
        }
        let mut text = lines.join("\n");
        text.push('\n');
        text
    }
}

/// Progress of a run: rows read so far and bytes of the input consumed.
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// What became of one row on a worker thread.
enum Handled {
    /// Through the pipeline (rejected or not), with the members of a JSON
    /// row that are outside the schema.
    Done(Box<Processed>, Option<Unknown>),
    /// Could not be made into a record; the issue codes say why.
    Unusable(Vec<String>),
    /// The audit sink refused the row's event: the run stops, since the
    /// row may not be written anywhere without it.
    Unlogged(Error),
}

/// What a sink of [`Pipeline::ingest`] did with a processed row.
enum Spent {
    /// Kept it: the sink frees it.
    Kept,
    /// Read it only: handed back, to be freed where it was made.
    Unkept(Box<Processed>),
}

/// Frees a written chunk's rows on all worker threads.
#[expect(
    clippy::vec_box,
    reason = "the boxes were made on the worker threads, and are freed there"
)]
fn free_in_parallel((rows, processed): (Vec<Row>, Vec<Box<Processed>>)) {
    rayon::join(
        || rows.into_par_iter().for_each(drop),
        || processed.into_par_iter().for_each(drop),
    );
}

/// The rows kept for deduplication, side by side: `compared` is what the
/// deduper and merger read (fields that failed validation left empty),
/// `shown` the view to write when it is not `compared` itself. Records are
/// kept packed (see [`Packed`]); of the input row, only its line number,
/// unless it has more to write (see [`Extra`]).
struct Kept {
    lines: Vec<u64>,
    compared: Packed,
    shown: Packed,
    /// Per row, what else is written with it; 8 bytes for a row that has
    /// nothing else, as most have (a million rows held 180 bytes each of
    /// empty slots before).
    extra: Vec<Option<Box<Extra>>>,
}

/// What a kept row writes besides its record: the input row when columns
/// outside the schema pass through, unknown JSON members, warnings.
struct Extra {
    row: Row,
    unknown: Option<Unknown>,
    warnings: Option<String>,
}

impl Kept {
    fn new(schema: &Schema) -> Self {
        Self {
            lines: Vec::new(),
            compared: Packed::new(schema),
            shown: Packed::new(schema),
            extra: Vec::new(),
        }
    }
}

/// Rows from either format.
enum Source<R> {
    Csv(CsvReader<R>),
    Lines(LineReader<R>),
}

impl<R: BufRead> Source<R> {
    fn next_row(&mut self) -> std::io::Result<Option<Row>> {
        match self {
            Self::Csv(r) => r.next_row(),
            Self::Lines(r) => r.next_row(),
        }
    }

    fn consumed(&self) -> u64 {
        match self {
            Self::Csv(r) => r.consumed(),
            Self::Lines(r) => r.consumed(),
        }
    }
}

/// An input opened for a run: its rows still to read, how they become
/// records, and how they are written.
struct Input<R> {
    source: Source<BufReader<R>>,
    header: Option<CsvHeader>,
    /// Input column names (CSV), as in the header.
    names: Vec<String>,
    layout: Layout,
    drop_unknown: bool,
    drop: Vec<String>,
}

impl Pipeline {
    /// Runs the pipeline over a whole input: every row is normalized,
    /// validated (rejected rows go to `outputs.rejects`), masked, and
    /// written to `outputs.rows` in input order; with a dedupe step every
    /// readable row is clustered once all are in, and the pairs and golden
    /// records are written when asked. `progress` hears of each chunk.
    ///
    /// A dedupe step keeps the clean records packed; past 512 MiB of them,
    /// full blocks go to a temporary file in [`std::env::temp_dir`],
    /// encrypted under a key only this process holds.
    ///
    /// # Errors
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) when reading or writing
    /// fails (a closed output is one, of kind `BrokenPipe`; so is a
    /// temporary file that cannot be written);
    /// [`ErrorKind::Input`](crate::ErrorKind::Input) for an input that
    /// cannot be read as set up (a header that is not UTF-8 or names no
    /// field, UTF-16, a mapped or dropped column that is not there); the
    /// errors of deduplication and masking.
    pub fn run<R: Read + Send>(
        &self,
        options: &RunOptions,
        input: R,
        outputs: Outputs<'_>,
        progress: Option<Progress<'_>>,
    ) -> Result<Summary> {
        let Outputs {
            rows: out,
            mut rejects,
            pairs,
            golden,
            review,
        } = outputs;
        let mut summary = Summary::default();
        let mut input = self.open(
            options,
            input,
            None,
            !self.leaves_out_unknown_columns(),
            &mut summary,
        )?;
        if !input.names.is_empty() {
            input.write_headers(&mut *out, reborrow(&mut rejects), self.dedupes())?;
        }
        let deduping = self.dedupes();
        let mut kept = Kept::new(self.schema());
        let layout = input.layout.clone();
        self.ingest(
            &mut input,
            &mut summary,
            &mut rejects,
            None,
            progress,
            |row, done, unknown| {
                if deduping {
                    keep(self, &mut kept, row, &done, unknown, &layout)?;
                } else if !done.is_rejected() {
                    let warnings = warnings_of(&done, &layout);
                    let line = Line {
                        record: done.output(),
                        row,
                        unknown: unknown.as_ref(),
                        source: None,
                        cluster: None,
                        warnings: warnings.as_deref(),
                    };
                    layout
                        .write(&mut *out, &line)
                        .map_err(|e| Error::io("writing", &e))?;
                }
                Ok(Spent::Unkept(done))
            },
            |_| {},
        )?;
        if deduping {
            let labels = if options.labels.is_empty() {
                Labels::new()
            } else {
                let row_of_line: std::collections::HashMap<u64, usize> = kept
                    .lines
                    .iter()
                    .enumerate()
                    .map(|(i, &line)| (line, i))
                    .collect();
                let row = |id: &str| {
                    id.trim()
                        .parse::<u64>()
                        .ok()
                        .and_then(|l| row_of_line.get(&l))
                };
                let mut labels = Labels::new();
                let mut unknown = 0;
                for pair in &options.labels {
                    match (row(&pair.a), row(&pair.b)) {
                        (Some(&a), Some(&b)) if a != b => labels.add(a, b, pair.label)?,
                        _ => unknown += 1,
                    }
                }
                summary.labels_used = Some(labels.len());
                summary.labels_unknown = Some(unknown);
                labels
            };
            let outcome = self.dedupe_kept(&kept.compared, &labels)?;
            let row_of = |i: usize| RowRef {
                source: None,
                line: kept.lines[i],
            };
            write_clustered(&mut *out, &layout, &kept, outcome.clusters(), &row_of, None)?;
            self.finish(
                &outcome,
                &[&kept.compared],
                pairs,
                golden,
                review,
                layout.format,
                &row_of,
                &mut summary,
            )?;
        }
        out.flush().map_err(|e| Error::io("writing", &e))?;
        if let Some(rejects) = rejects {
            rejects
                .flush()
                .map_err(|e| Error::io("writing rejects", &e))?;
        }
        Ok(summary)
    }

    /// Reads a whole input and cleans every row, for a search over it (a
    /// data-subject request): each readable row's line (the `_row` of the
    /// other outputs) and its record as deduplication compares it (fields
    /// that failed validation left empty). Unreadable rows are counted in
    /// the summary only.
    ///
    /// # Errors
    /// As for [`Pipeline::run`].
    pub fn read_records<R: Read + Send>(
        &self,
        options: &RunOptions,
        input: R,
    ) -> Result<(Vec<(u64, Record)>, Summary)> {
        let mut summary = Summary::default();
        let mut input = self.open(options, input, None, false, &mut summary)?;
        let mut records = Vec::new();
        let mut rejects = None;
        self.ingest(
            &mut input,
            &mut summary,
            &mut rejects,
            None,
            None,
            |row, done, _| {
                records.push((row.line, self.comparable(&done).into_record()));
                Ok(Spent::Unkept(done))
            },
            |_| {},
        )?;
        Ok((records, summary))
    }

    /// Reads a whole input through the pipeline (normalize, validate) into
    /// `profiler`: each record that could be read with its report and
    /// changes, each row that could not with its reason. When the input
    /// has a `cluster_id` column (or JSON member), as `dedupe` and `link`
    /// write, each record's value of it goes to [`Profiler::cluster`], so
    /// the profile has duplicates. Nothing is written; the summary says
    /// what was read.
    ///
    /// # Errors
    /// As for [`Pipeline::run`].
    pub fn profile<R: Read + Send>(
        &self,
        options: &RunOptions,
        input: R,
        profiler: &mut Profiler,
        progress: Option<Progress<'_>>,
    ) -> Result<Summary> {
        let mut summary = Summary::default();
        let mut input = self.open(options, input, None, true, &mut summary)?;
        let column = input.names.iter().position(|n| n.trim() == CLUSTER_COLUMN);
        let field = self.schema().index_of(CLUSTER_COLUMN);
        // Rows that could not be read, by reason.
        let unusable = std::cell::RefCell::new(BTreeMap::<String, u64>::new());
        // Records are profiled in parts on all cores: a batch is cut into
        // parts of a fixed size, each read by a fresh profiler, and the
        // parts are merged in input order, so the result does not depend
        // on the thread count. Each part's records are dropped where it is
        // read: dropping them on this thread, which also counts every row
        // as it comes, held the whole run up.
        let mut batch: Vec<(Box<Processed>, Option<String>)> = Vec::with_capacity(PROFILE_BATCH);
        let profile_batch =
            |profiler: &mut Profiler, batch: &mut Vec<(Box<Processed>, Option<String>)>| {
                let parts: Vec<Profiler> = batch
                    .par_drain(..)
                    .chunks(PROFILE_PART)
                    .map(|part| {
                        let mut p = profiler.fresh();
                        for (done, cluster) in part {
                            p.add(&done.record, &done.report, &done.changes);
                            if let Some(id) = cluster {
                                p.cluster(&id);
                            }
                        }
                        p
                    })
                    .collect();
                for part in parts {
                    profiler.merge(part);
                }
            };
        self.ingest(
            &mut input,
            &mut summary,
            &mut None,
            None,
            progress,
            |row, done, unknown| {
                let from_field = field
                    .and_then(|i| done.record.get_at(i))
                    .and_then(|v| v.to_text())
                    .map(std::borrow::Cow::into_owned);
                let cluster = from_field.or_else(|| match (column, &row.raw) {
                    (Some(i), Raw::Csv(cells)) => cells
                        .get(i)
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .map(str::to_owned),
                    _ => unknown.as_ref().and_then(|members| {
                        let id = members.iter().find(|(name, _)| name == CLUSTER_COLUMN);
                        match id.map(|(_, v)| v) {
                            Some(serde_json::Value::String(text)) if !text.trim().is_empty() => {
                                Some(text.trim().to_owned())
                            }
                            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                            _ => None,
                        }
                    }),
                });
                batch.push((done, cluster));
                if batch.len() == PROFILE_BATCH {
                    profile_batch(profiler, &mut batch);
                }
                Ok(Spent::Kept)
            },
            |codes| {
                let code = codes.first().map_or("unreadable", String::as_str);
                *unusable.borrow_mut().entry(code.to_owned()).or_default() += 1;
            },
        )?;
        profile_batch(profiler, &mut batch);
        for (code, n) in unusable.into_inner() {
            for _ in 0..n {
                profiler.add_unreadable(&code);
            }
        }
        Ok(summary)
    }

    /// Links two inputs (say a CRM and a billing export): both are cleaned
    /// as [`Pipeline::run`] cleans, pairs are made only across the two, and
    /// every readable row of both is written with `_source` (the side's
    /// name), `_row` and a shared `cluster_id` (`name:line` of the
    /// cluster's first record). Output rows hold the schema's fields:
    /// columns outside the schema differ between sources and are not
    /// written. Rejected rows of both go to one reject file with `_source`
    /// first.
    ///
    /// # Errors
    /// As for [`Pipeline::run`]; [`ErrorKind::InvalidDedupe`](crate::ErrorKind::InvalidDedupe)
    /// without a dedupe step.
    pub fn link<L: Read + Send, R: Read + Send>(
        &self,
        left: Side<'_, L>,
        right: Side<'_, R>,
        outputs: Outputs<'_>,
        progress: Option<Progress<'_>>,
    ) -> Result<Summary> {
        let Outputs {
            rows: out,
            mut rejects,
            pairs,
            golden,
            review,
        } = outputs;
        if !self.dedupes() {
            return Err(crate::Error::dedupe(
                crate::SettingPath::root(),
                crate::SettingProblem::Invalid,
                "linking needs a dedupe step",
            ));
        }
        if left.name == right.name {
            return Err(crate::ErrorKind::InvalidPipeline {
                reason: "the two sources of a link need different names".into(),
            }
            .into());
        }
        let format = left.options.format;
        let mut summary = Summary::default();
        let schema = self.schema().clone();
        let all_fields: Vec<Option<usize>> = (0..schema.len()).map(Some).collect();
        let present: Vec<usize> = (0..schema.len()).collect();
        let layout = Layout {
            format,
            delimiter: left.options.delimiter,
            written: vec![true; all_fields.len()],
            columns: all_fields,
            dropped: Vec::new(),
            warnings_column: left.options.warnings_column,
            appended: write::extension_columns(&schema, &present),
            extension_columns: Vec::new(),
        };
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name()).collect();
        if format == Format::Csv {
            let head = names
                .iter()
                .copied()
                .chain(layout.appended.iter().map(String::as_str))
                .chain(["_source", "_row", "cluster_id"])
                .chain(layout.warnings_column.then_some("_warnings"));
            write::csv_text(&mut *out, layout.delimiter, head)
                .map_err(|e| Error::io("writing", &e))?;
        }
        if let Some(rej) = reborrow(&mut rejects)
            && format == Format::Csv
        {
            // The two sources have different columns: each reject's cells
            // follow its source's header.
            let head = ["_source", "_row", "_issues"].into_iter();
            write::csv_text(rej, layout.delimiter, head)
                .map_err(|e| Error::io("writing rejects", &e))?;
        }
        let left_kept = self.link_side(left, &layout, &mut summary, &mut rejects, progress)?;
        let right_kept = self.link_side(right, &layout, &mut summary, &mut rejects, progress)?;
        let outcome = self.link_kept(&left_kept.1.compared, &right_kept.1.compared)?;
        let split = left_kept.1.lines.len();
        let row_of = |i: usize| match i.checked_sub(split) {
            None => RowRef {
                source: Some(left_kept.0),
                line: left_kept.1.lines[i],
            },
            Some(j) => RowRef {
                source: Some(right_kept.0),
                line: right_kept.1.lines[j],
            },
        };
        let clusters = outcome.clusters();
        let (left_clusters, right_clusters) = clusters.split_at(split);
        write_clustered(
            &mut *out,
            &layout,
            &left_kept.1,
            left_clusters,
            &row_of,
            Some(left_kept.0),
        )?;
        write_clustered(
            &mut *out,
            &layout,
            &right_kept.1,
            right_clusters,
            &row_of,
            Some(right_kept.0),
        )?;
        let sides = [&left_kept.1.compared, &right_kept.1.compared];
        self.finish(
            &outcome,
            &sides,
            pairs,
            golden,
            review,
            format,
            &row_of,
            &mut summary,
        )?;
        out.flush().map_err(|e| Error::io("writing", &e))?;
        if let Some(rejects) = rejects {
            rejects
                .flush()
                .map_err(|e| Error::io("writing rejects", &e))?;
        }
        Ok(summary)
    }

    /// Reads one side of a link through the pipeline, keeping every row
    /// that became a record.
    fn link_side<'n, R: Read + Send>(
        &self,
        side: Side<'n, R>,
        layout: &Layout,
        summary: &mut Summary,
        rejects: &mut Option<&mut dyn Write>,
        progress: Option<Progress<'_>>,
    ) -> Result<(&'n str, Kept)> {
        if side.options.format != layout.format {
            return Err(Error::input(
                "the two sources of a link must have the same format",
            ));
        }
        // The two sources have different columns: only the schema's fields
        // are written.
        let mut input = self.open(side.options, side.input, Some(side.name), false, summary)?;
        let mut kept = Kept::new(self.schema());
        self.ingest(
            &mut input,
            summary,
            rejects,
            Some(side.name),
            progress,
            |row, done, unknown| {
                keep(self, &mut kept, row, &done, unknown, layout)?;
                Ok(Spent::Unkept(done))
            },
            |_| {},
        )?;
        Ok((side.name, kept))
    }

    /// Opens an input: checks its encoding, reads and maps its header.
    fn open<R: Read + Send>(
        &self,
        options: &RunOptions,
        input: R,
        source: Option<&str>,
        pass_through: bool,
        summary: &mut Summary,
    ) -> Result<Input<R>> {
        let schema = self.schema();
        let limits = Limits {
            quoted_field_bytes: schema.max_value_bytes(),
            quoted_field_lines: Limits::QUOTED_FIELD_LINES,
            row_bytes: Limits::ROW_BYTES.max(schema.max_value_bytes().saturating_mul(4)),
        };
        let mut reader = BufReader::with_capacity(1 << 16, input);
        let head = reader.fill_buf().map_err(|e| Error::io("reading", &e))?;
        if let Some(what) = foreign_encoding(head) {
            return Err(Error::input(format!(
                "{}the input is {what}, not UTF-8; convert it first (for example `iconv -f UTF-16 -t UTF-8`)",
                side(source)
            )));
        }
        match options.format {
            Format::Jsonl => Ok(Input {
                source: Source::Lines(LineReader::new(reader, limits)),
                header: None,
                names: Vec::new(),
                layout: Layout {
                    format: Format::Jsonl,
                    delimiter: options.delimiter,
                    columns: Vec::new(),
                    written: Vec::new(),
                    dropped: options.drop.iter().map(|d| d.trim().to_owned()).collect(),
                    warnings_column: options.warnings_column,
                    appended: Vec::new(),
                    extension_columns: Vec::new(),
                },
                drop_unknown: !pass_through,
                drop: options.drop.iter().map(|d| d.trim().to_owned()).collect(),
            }),
            Format::Csv => {
                let mut reader = CsvReader::new(reader, options.delimiter, limits);
                let names = if options.header {
                    match reader.next_row().map_err(|e| Error::io("reading", &e))? {
                        None => Vec::new(),
                        Some(row) => header_names(row, source)?,
                    }
                } else {
                    schema
                        .fields()
                        .iter()
                        .map(|f| f.name().to_owned())
                        .collect()
                };
                // Masked, revealed and rewrapped output holds only what
                // the policy covers: no columns derived from the values.
                let extensions = pass_through && !self.masks();
                let (header, layout) = csv_layout(
                    options,
                    schema,
                    &names,
                    (pass_through, extensions),
                    source,
                    summary,
                )?;
                Ok(Input {
                    source: Source::Csv(reader),
                    header,
                    names,
                    layout,
                    drop_unknown: !pass_through,
                    drop: Vec::new(),
                })
            }
        }
    }

    /// Reads every row of `input` through the pipeline, writing rejects as
    /// they come (with `source` first in a link), and hands each row that
    /// became a record to `sink`, which hands back what it did not keep.
    #[allow(clippy::too_many_arguments)]
    fn ingest<R: Read + Send>(
        &self,
        input: &mut Input<R>,
        summary: &mut Summary,
        rejects: &mut Option<&mut dyn Write>,
        side_name: Option<&str>,
        progress: Option<Progress<'_>>,
        mut sink: impl FnMut(&mut Row, Box<Processed>, Option<Unknown>) -> Result<Spent>,
        mut unusable: impl FnMut(&[String]),
    ) -> Result<()> {
        let keeps_all = self.dedupes();
        let format = input.layout.format;
        let delimiter = input.layout.delimiter;
        let consumed = AtomicU64::new(0);
        let Input {
            source,
            header,
            names,
            drop_unknown,
            drop: left_out,
            ..
        } = input;
        let reading = Reading {
            header: header.as_ref(),
            width: names.len(),
            drop_unknown: *drop_unknown,
            drop: left_out,
        };
        // Three stages run at once, so reading and writing overlap the
        // work: a thread reads chunks of rows, another processes each chunk
        // on all cores (order kept), and this one writes. Bounded queues
        // keep memory constant. Spent rows go back to be freed on the
        // worker threads, where most of their memory was allocated: freed
        // on the writing thread, each block took the allocator's slower
        // path for another thread's memory (7 % of `clean`'s instructions).
        std::thread::scope(|scope| -> Result<()> {
            let (read_tx, read_rx) = mpsc::sync_channel::<Result<Vec<Row>>>(2);
            let (done_tx, done_rx) = mpsc::sync_channel::<Result<(Vec<Row>, Vec<Handled>)>>(2);
            // Unbounded, yet never long: each chunk written sends one back.
            let (spent_tx, spent_rx) = mpsc::channel::<(Vec<Row>, Vec<Box<Processed>>)>();
            let consumed = &consumed;
            let reader = scope.spawn(move || {
                loop {
                    let mut chunk = Vec::with_capacity(CHUNK);
                    while chunk.len() < CHUNK {
                        match source.next_row() {
                            Ok(Some(row)) => chunk.push(row),
                            Ok(None) => break,
                            Err(e) => {
                                let _ = read_tx.send(Err(Error::io("reading", &e)));
                                return;
                            }
                        }
                    }
                    consumed.store(source.consumed(), Ordering::Relaxed);
                    // A closed queue means the writer stopped: stop reading.
                    if chunk.is_empty() || read_tx.send(Ok(chunk)).is_err() {
                        return;
                    }
                }
            });
            let reading = &reading;
            let worker = scope.spawn(move || {
                for chunk in read_rx {
                    // Chunks written meanwhile are freed beside the work,
                    // not in a round of their own that wakes every thread.
                    let spent: Vec<_> = spent_rx.try_iter().collect();
                    let processed = chunk.map(|chunk| {
                        let (handled, ()) = rayon::join(
                            || {
                                chunk
                                    .par_iter()
                                    .map(|row| self.handle(row, reading))
                                    .collect()
                            },
                            || spent.into_iter().for_each(free_in_parallel),
                        );
                        (chunk, handled)
                    });
                    if done_tx.send(processed).is_err() {
                        break;
                    }
                }
                // The writer is told that no chunk follows, and what it
                // still sends back is freed here until it stops.
                drop(done_tx);
                spent_rx.into_iter().for_each(free_in_parallel);
            });
            let written = (move || -> Result<()> {
                for processed in done_rx {
                    let (mut chunk, handled) = processed?;
                    let mut spent = Vec::with_capacity(chunk.len());
                    for (row, handled) in chunk.iter_mut().zip(handled) {
                        summary.rows_in += 1;
                        match handled {
                            Handled::Unlogged(e) => return Err(e),
                            Handled::Unusable(codes) => {
                                unusable(&codes);
                                summary.rows_rejected += 1;
                                count(&mut summary.rejects_by_issue, &codes);
                                if let Raw::Unreadable { why, .. } = &row.raw
                                    && summary.unreadable.len() < NOTED_LINES
                                {
                                    summary.unreadable.push((row.line, why));
                                }
                                if let Some(rej) = reborrow(rejects) {
                                    write::reject(rej, format, delimiter, side_name, row, &codes)
                                        .map_err(|e| Error::io("writing rejects", &e))?;
                                }
                            }
                            Handled::Done(done, unknown) => {
                                for change in &done.changes {
                                    for step in change.steps.iter() {
                                        *summary.changes_by_rule.entry(step.name()).or_default() +=
                                            1;
                                    }
                                }
                                let warnings: Vec<String> = done
                                    .report
                                    .warnings()
                                    .map(|i| i.code().name().to_owned())
                                    .collect();
                                count(&mut summary.warnings_by_issue, &warnings);
                                let rejected = done.is_rejected();
                                if rejected {
                                    let codes = done.reject_codes();
                                    count(&mut summary.rejects_by_issue, &codes);
                                    if let Some(rej) = reborrow(rejects) {
                                        write::reject(
                                            rej, format, delimiter, side_name, row, &codes,
                                        )
                                        .map_err(|e| Error::io("writing rejects", &e))?;
                                    }
                                }
                                if keeps_all {
                                    summary.rows_out += 1;
                                    if rejected {
                                        *summary.rows_out_with_errors.get_or_insert(0) += 1;
                                    }
                                } else if rejected {
                                    summary.rows_rejected += 1;
                                } else {
                                    summary.rows_out += 1;
                                }
                                if let Spent::Unkept(done) = sink(row, done, unknown)? {
                                    spent.push(done);
                                }
                            }
                        }
                    }
                    // A closed queue means the worker stopped: freed here.
                    let _ = spent_tx.send((chunk, spent));
                    if let Some(progress) = progress {
                        progress(summary.rows_in, consumed.load(Ordering::Relaxed));
                    }
                }
                Ok(())
            })();
            // The queue to this thread is gone, which stops the worker and,
            // through its queue, the reader. Joined by hand, not by the
            // scope, so that their threads have exited (thread-local
            // destructors run) when this returns: a C host sees no thread
            // of the call outlive it.
            for handle in [worker, reader] {
                if let Err(panic) = handle.join() {
                    std::panic::resume_unwind(panic);
                }
            }
            written
        })
    }

    /// Turns one row into a record and runs it through the pipeline.
    fn handle(&self, row: &Row, reading: &Reading<'_>) -> Handled {
        let code = |e: Error| vec![e.code().name().to_ascii_lowercase()];
        let built = match (&row.raw, reading.header) {
            (Raw::Unreadable { why, .. }, _) => {
                return Handled::Unusable(vec![(*why).to_owned()]);
            }
            (Raw::Csv(cells), Some(header)) => {
                if cells.len() != reading.width {
                    return Handled::Unusable(vec!["row_length".into()]);
                }
                let cells: Vec<&str> = cells.iter().collect();
                header.record(&cells).map(|r| (r, None))
            }
            (Raw::Csv(_), None) => return Handled::Unusable(vec!["no_header".into()]),
            (Raw::Json(line), _) => {
                Record::from_json_known(self.schema(), line).map(|(r, mut unknown)| {
                    unknown.retain(|(name, _)| !reading.drop.iter().any(|d| d == name));
                    (r, (!reading.drop_unknown).then_some(unknown))
                })
            }
        };
        match built.and_then(|(record, unknown)| Ok((self.process(record)?, unknown))) {
            Ok((done, unknown)) => Handled::Done(Box::new(done), unknown),
            // Processing does no I/O but the audit sink's.
            Err(e)
                if self.audit.is_some()
                    && matches!(e.code(), crate::ErrorCode::Audit | crate::ErrorCode::Io) =>
            {
                Handled::Unlogged(e)
            }
            Err(e) => Handled::Unusable(code(e)),
        }
    }

    /// Writes the pairs, golden records and summary of a dedupe or link.
    #[allow(clippy::too_many_arguments)]
    fn finish<'a>(
        &self,
        outcome: &crate::dedupe::Outcome,
        records: &[&Packed],
        pairs: Option<&mut dyn Write>,
        golden: Option<&mut dyn Write>,
        review: Option<Review<'_>>,
        format: Format,
        row_of: &(dyn Fn(usize) -> RowRef<'a> + Sync),
        summary: &mut Summary,
    ) -> Result<()> {
        if let Some(out) = pairs {
            let written = |e: std::io::Error| Error::io("writing pairs", &e);
            write::pairs_header(&mut *out).map_err(written)?;
            let pair = |range: std::ops::Range<usize>, lines: &mut Vec<u8>| {
                write::pairs(lines, outcome, range, row_of).map_err(written)
            };
            write::in_order(&mut *out, outcome.pairs().len(), pair, "writing pairs")?;
            out.flush().map_err(written)?;
        }
        if let Some(review) = review {
            let rows = ReviewRowsOf { records, row_of };
            let threshold = self.dedupe_step()?.deduper.config().threshold;
            let page = review_page(outcome, threshold, &review.settings, &review.view, &rows)?;
            review
                .out
                .write_all(page.html.as_bytes())
                .and_then(|()| review.out.flush())
                .map_err(|e| Error::io("writing the review page", &e))?;
            summary.review = Some(ReviewSummary {
                in_band: page.in_band,
                shown: page.shown,
            });
        }
        if let Some(out) = golden {
            let written = |e: std::io::Error| Error::io("writing golden records", &e);
            write::golden_header(&mut *out, format, self.schema()).map_err(written)?;
            self.golden_kept(records, outcome.clusters(), |batch| {
                let golden = |range: std::ops::Range<usize>, lines: &mut Vec<u8>| {
                    write::golden(lines, format, self.schema(), &batch[range], row_of)
                        .map_err(written)
                };
                write::in_order(&mut *out, batch.len(), golden, "writing golden records")
            })?;
            out.flush().map_err(written)?;
        }
        // A cluster's id is its smallest row: sizes counted by row.
        let clusters = outcome.clusters();
        let mut sizes = vec![0usize; clusters.len()];
        for &c in clusters {
            if let Some(n) = sizes.get_mut(c as usize) {
                *n += 1;
            }
        }
        let stats = outcome.stats();
        summary.dedupe = Some(DedupeSummary {
            clusters: sizes.iter().filter(|&&n| n > 0).count(),
            duplicate_clusters: sizes.iter().filter(|&&n| n > 1).count(),
            records_in_duplicate_clusters: sizes.iter().filter(|&&n| n > 1).sum(),
            candidate_pairs: stats.candidate_pairs,
            matched_pairs: stats.matched_pairs,
        });
        summary.model = Some(outcome.model().clone());
        Ok(())
    }
}

/// How the rows of one input become records.
struct Reading<'a> {
    header: Option<&'a CsvHeader>,
    width: usize,
    /// JSON members outside the schema are not written.
    drop_unknown: bool,
    /// JSON members left out (`drop`).
    drop: &'a [String],
}

impl<R> Input<R> {
    /// Writes the output's and the reject file's header rows (CSV).
    fn write_headers(
        &self,
        out: &mut dyn Write,
        rejects: Option<&mut dyn Write>,
        deduping: bool,
    ) -> Result<()> {
        if self.layout.format != Format::Csv {
            return Ok(());
        }
        let layout = &self.layout;
        let head = self
            .names
            .iter()
            .zip(&layout.written)
            .filter(|(_, w)| **w)
            .map(|(n, _)| n.as_str())
            .chain(layout.appended.iter().map(String::as_str))
            .chain(["_row"])
            .chain(deduping.then_some("cluster_id"))
            .chain(layout.warnings_column.then_some("_warnings"));
        write::csv_text(out, layout.delimiter, head).map_err(|e| Error::io("writing", &e))?;
        if let Some(rej) = rejects {
            // `_row` and `_issues` first: a malformed row may have any
            // number of cells after them.
            let head = ["_row", "_issues"]
                .into_iter()
                .chain(self.names.iter().map(String::as_str));
            write::csv_text(rej, layout.delimiter, head)
                .map_err(|e| Error::io("writing rejects", &e))?;
        }
        Ok(())
    }
}

/// Keeps a row for deduplication: what is compared, and what is written.
fn keep(
    pipeline: &Pipeline,
    kept: &mut Kept,
    row: &mut Row,
    done: &Processed,
    unknown: Option<Unknown>,
    layout: &Layout,
) -> Result<()> {
    let warnings = warnings_of(done, layout);
    let (compared, shown) = if done.is_rejected() {
        let compared = pipeline.comparable(done).into_record();
        (
            Cow::Owned(compared),
            Some(done.shown.as_ref().unwrap_or(&done.record)),
        )
    } else {
        (Cow::Borrowed(&done.record), done.shown.as_ref())
    };
    let passes_through = layout
        .columns
        .iter()
        .zip(&layout.written)
        .any(|(field, &w)| field.is_none() && w);
    if !passes_through && let Raw::Csv(cells) = &mut row.raw {
        // Only columns outside the schema are written from the input row.
        *cells = Default::default();
    }
    kept.compared.push(Some(&compared))?;
    kept.shown.push(shown)?;
    kept.lines.push(row.line);
    let bare = matches!(&row.raw, Raw::Csv(cells) if cells.len() == 0);
    kept.extra
        .push((!bare || unknown.is_some() || warnings.is_some()).then(|| {
            Box::new(Extra {
                row: row.take(),
                unknown,
                warnings,
            })
        }));
    Ok(())
}

/// The warning codes of a row, joined by `;`, when they get a column.
fn warnings_of(done: &Processed, layout: &Layout) -> Option<String> {
    layout.warnings_column.then(|| {
        done.report
            .warnings()
            .map(|i| i.code().name())
            .collect::<Vec<_>>()
            .join(";")
    })
}

/// Writes kept rows with their cluster ids, in input order.
fn write_clustered<'a>(
    out: &mut dyn Write,
    layout: &Layout,
    kept: &Kept,
    clusters: &[u32],
    row_of: &(dyn Fn(usize) -> RowRef<'a> + Sync),
    source: Option<&str>,
) -> Result<()> {
    // Records are read back a stretch at a time: spilled ones in one read.
    let rows = |range: std::ops::Range<usize>, out: &mut Vec<u8>| {
        let shown = kept.shown.entries(range.clone())?;
        let mut write = |k: usize, record: &Record| {
            let i = range.start + k;
            let cluster = row_of(clusters[i] as usize);
            write_kept(out, layout, kept, i, record, cluster, source)
        };
        // The compared records are read only when some row shows no view
        // of its own.
        if shown.iter().all(Option::is_some) {
            for (k, record) in shown.iter().flatten().enumerate() {
                write(k, record)?;
            }
            return Ok(());
        }
        let empty = Record::new(kept.compared.schema());
        let mut k = 0;
        kept.compared.each_entry(range.clone(), |own| {
            let view = shown.get(k).and_then(Option::as_ref);
            write(k, view.or(own).unwrap_or(&empty))?;
            k += 1;
            Ok(())
        })
    };
    let rows_out = clusters.len().min(kept.compared.len());
    write::in_order(out, rows_out, rows, "writing")
}

/// Writes kept row `i`, its record `record`, with its cluster id.
fn write_kept(
    out: &mut Vec<u8>,
    layout: &Layout,
    kept: &Kept,
    i: usize,
    record: &Record,
    cluster: RowRef<'_>,
    source: Option<&str>,
) -> Result<()> {
    let bare;
    let (row, unknown, warnings) = match kept.extra[i].as_deref() {
        Some(extra) => (
            &extra.row,
            extra.unknown.as_ref(),
            extra.warnings.as_deref(),
        ),
        None => {
            bare = Row {
                line: kept.lines[i],
                raw: Raw::Csv(Default::default()),
            };
            (&bare, None, None)
        }
    };
    let line = Line {
        record,
        row,
        unknown,
        source,
        cluster: Some(cluster),
        warnings,
    };
    layout
        .write(out, &line)
        .map_err(|e| Error::io("writing", &e))
}

/// The writer in `out`, borrowed for a shorter while.
fn reborrow<'s>(out: &'s mut Option<&mut dyn Write>) -> Option<&'s mut dyn Write> {
    match out {
        Some(w) => Some(&mut **w),
        None => None,
    }
}

fn count(counts: &mut BTreeMap<String, u64>, codes: &[String]) {
    for code in codes {
        *counts.entry(code.to_ascii_lowercase()).or_default() += 1;
    }
}

/// `crm: ` before a message about one side of a link.
fn side(source: Option<&str>) -> String {
    source.map_or_else(String::new, |s| format!("{s}: "))
}

/// The names of a CSV header row, without a byte order mark.
fn header_names(row: Row, source: Option<&str>) -> Result<Vec<String>> {
    match row.raw {
        Raw::Csv(cells) => {
            let mut names: Vec<String> = cells.iter().map(str::to_owned).collect();
            if let Some(first) = names.first_mut()
                && let Some(rest) = first.strip_prefix('\u{feff}')
            {
                *first = rest.to_owned();
            }
            Ok(names)
        }
        Raw::Unreadable {
            why: "encoding", ..
        } => Err(Error::input(format!(
            "{}the header row is not UTF-8; convert the file first (for example `iconv -f GBK -t UTF-8`)",
            side(source)
        ))),
        Raw::Unreadable { why, .. } => Err(Error::input(format!(
            "{}the header row (line {}) cannot be read ({why})",
            side(source),
            row.line
        ))),
        Raw::Json(_) => Err(Error::input("the header row cannot be read")),
    }
}

/// A header name as loosely matched: lower case, letters and digits only
/// (`Full Name`, `full-name` and `full_name` are all `fullname`).
fn loose(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Columns that name a field but for case, spaces, hyphens or
/// underscores (`E-mail`, `Full Name`, `Country`) read as that field,
/// unless another column names it exactly or was mapped to it.
fn loose_names(schema: &Schema, mapped: &mut [String], explicit: &BTreeMap<String, String>) {
    let taken: std::collections::HashSet<String> = mapped
        .iter()
        .filter(|n| schema.index_of(n).is_some())
        .cloned()
        .chain(explicit.values().map(|f| f.trim().to_owned()))
        .collect();
    let mut claimed: BTreeMap<String, usize> = BTreeMap::new();
    for (i, name) in mapped.iter().enumerate() {
        if schema.index_of(name).is_some() {
            continue;
        }
        let key = loose(name);
        if let Some(field) = schema.fields().iter().find(|f| loose(f.name()) == key)
            && !taken.contains(field.name())
        {
            // Two loose matches for one field: neither is read as it.
            claimed
                .entry(field.name().to_owned())
                .and_modify(|slot| *slot = usize::MAX)
                .or_insert(i);
        }
    }
    for (field, slot) in claimed {
        if let Some(name) = mapped.get_mut(slot) {
            *name = field;
        }
    }
}

/// Whether a run writes a column of this name itself, so that an input
/// column of the same name (a file this tool wrote, read again) is
/// replaced instead of written twice: `_row` always, `_warnings` with
/// `--warnings-column`. Other columns of earlier runs (`cluster_id`,
/// `_source`) pass through as data.
fn written_by_the_run(name: &str, options: &RunOptions) -> bool {
    name == "_row" || (name == "_warnings" && options.warnings_column)
}

/// Maps a CSV header onto the schema. `pass_through`: columns outside the
/// schema are written; `extensions`: columns derived from the values
/// (a phone's extension) are appended.
fn csv_layout(
    options: &RunOptions,
    schema: &Schema,
    names: &[String],
    (pass_through, extensions): (bool, bool),
    source: Option<&str>,
    summary: &mut Summary,
) -> Result<(Option<CsvHeader>, Layout)> {
    let trimmed: Vec<&str> = names.iter().map(|n| n.trim()).collect();
    let mut mapped: Vec<String> = trimmed.iter().map(|n| (*n).to_owned()).collect();
    for (from, to) in &options.map {
        let (from, to) = (from.trim(), to.trim());
        if schema.index_of(to).is_none() {
            return Err(Error::input(format!(
                "{}map `{from}={to}`: `{to}` is not a field of schema `{}`",
                side(source),
                schema.name()
            )));
        }
        let slot = trimmed.iter().position(|c| *c == from).ok_or_else(|| {
            Error::input(format!(
                "{}map: the input has no column `{from}`",
                side(source)
            ))
        })?;
        mapped[slot] = to.to_owned();
    }
    loose_names(schema, &mut mapped, &options.map);
    let mut written = vec![true; names.len()];
    for k in &options.keep {
        if !trimmed.contains(&k.trim()) {
            return Err(Error::input(format!(
                "{}keep: the input has no column `{k}`",
                side(source)
            )));
        }
    }
    for d in &options.drop {
        let slot = trimmed.iter().position(|c| *c == d.trim()).ok_or_else(|| {
            Error::input(format!(
                "{}drop: the input has no column `{d}`",
                side(source)
            ))
        })?;
        written[slot] = false;
    }
    let header = CsvHeader::known(schema, &mapped)
        .map_err(|e| Error::input(format!("{}header: {e}", side(source))))?;
    let columns: Vec<Option<usize>> = header.field_indices().collect();
    if !names.is_empty() && columns.iter().all(Option::is_none) {
        // One column holding another separator: the delimiter is wrong.
        let separator = [(';', ";"), ('\t', "tab"), ('|', "|")]
            .into_iter()
            .find(|(c, _)| names.len() == 1 && names[0].contains(*c));
        return Err(Error::input(match separator {
            Some((_, name)) => format!(
                "{}no column of the header names a field of schema `{}`: the header is one column with `{name}` in it (is the delimiter `--delimiter '{name}'`?)",
                side(source),
                schema.name()
            ),
            None => format!(
                "{}no column of the header names a field of schema `{}` (is the header row missing? see --no-header and --map)",
                side(source),
                schema.name()
            ),
        }));
    }
    for (i, field) in columns.iter().enumerate() {
        let kept = options.keep.iter().any(|k| k.trim() == trimmed[i]);
        if field.is_none() && written_by_the_run(trimmed[i], options) {
            // Written afresh by this run (a file this tool wrote before,
            // read again): the old column would be a second one.
            written[i] = false;
        } else if field.is_none() {
            summary.columns_outside_schema += 1;
            // A masking policy cannot say how to mask what it does not
            // know; linked sources have different columns.
            if !pass_through && !kept {
                written[i] = false;
            } else if written[i] {
                summary.columns_passed_through += 1;
            }
        }
    }
    let present: Vec<usize> = columns
        .iter()
        .zip(&written)
        .filter_map(|(field, &w)| field.filter(|_| w))
        .collect();
    let mut appended = if extensions {
        write::extension_columns(schema, &present)
    } else {
        Vec::new()
    };
    // An input column of that name (outside the schema) holds it instead.
    let extension_columns: Vec<(usize, String)> = appended
        .iter()
        .filter_map(|ext| {
            let column = trimmed.iter().position(|c| c == ext)?;
            written[column].then(|| (column, ext.clone()))
        })
        .collect();
    appended.retain(|ext| !trimmed.contains(&ext.as_str()));
    Ok((
        (!names.is_empty()).then_some(header),
        Layout {
            format: Format::Csv,
            delimiter: options.delimiter,
            columns,
            written,
            dropped: Vec::new(),
            warnings_column: options.warnings_column,
            appended,
            extension_columns,
        },
    ))
}

/// The rows of a run for its review page: ids as the other outputs name
/// them, records read back from where they are kept.
struct ReviewRowsOf<'r, 'a> {
    records: &'r [&'r Packed],
    row_of: &'r (dyn Fn(usize) -> RowRef<'a> + Sync),
}

impl ReviewRows for ReviewRowsOf<'_, '_> {
    fn id(&self, row: usize) -> String {
        (self.row_of)(row).to_string()
    }

    fn record(&self, row: usize) -> Result<Record> {
        super::packed::record_of(self.records, row)
    }
}
