//! The run: rows read on one thread, put through the pipeline on all cores
//! in chunks (order kept), written on this one; deduplication once every
//! row is in. Every input row ends up in the output or the reject file, and
//! the summary says so: rows in = rows out + rows rejected.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use custodia::{CsvHeader, Processed, Record, Schema};
use rayon::prelude::*;

use crate::input::{CsvReader, Limits, LineReader, Raw, Row, foreign_encoding};
use crate::output::{self, Layout, Line, Unknown};
use crate::setup::Job;
use crate::{Fatal, Format, IoArgs, say};

/// Rows processed together: bounds memory while keeping all cores busy.
const CHUNK: usize = 8192;

/// Unreadable rows whose line the summary names, at most.
const NOTED_LINES: usize = 10;

/// Opens the input and output and runs the job.
pub(crate) fn run(io: &IoArgs, job: &Job) -> Result<ExitCode, Fatal> {
    let named = |p: &Option<PathBuf>| p.as_ref().filter(|p| p.as_os_str() != "-").cloned();
    let (input, size): (Box<dyn Read + Send>, Option<u64>) = match named(&io.input) {
        Some(path) => {
            let file = File::open(&path).map_err(|e| Fatal::io(&path.display().to_string(), e))?;
            let size = file
                .metadata()
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len());
            (Box::new(file), size)
        }
        None => (Box::new(io::stdin()), None),
    };
    let output: Box<dyn Write> = match named(&io.output) {
        Some(path) => {
            Box::new(File::create(&path).map_err(|e| Fatal::io(&path.display().to_string(), e))?)
        }
        None => Box::new(io::stdout().lock()),
    };
    process(io, job, input, size, output)
}

/// What became of one row on a worker thread.
enum Handled {
    /// Through the pipeline (rejected or not), with the members of a JSON
    /// row that are outside the schema.
    Done(Box<Processed>, Option<Unknown>),
    /// Could not be made into a record; the issue codes say why.
    Unusable(Vec<String>),
}

/// The rows kept for deduplication, side by side: `compared` is what the
/// deduper and merger read (fields that failed validation left empty),
/// `shown` the view to write when it is not `compared` itself.
#[derive(Default)]
struct Kept {
    rows: Vec<Row>,
    compared: Vec<Record>,
    shown: Vec<Option<Record>>,
    unknown: Vec<Option<Unknown>>,
}

/// Counts for the summary.
#[derive(Default, serde::Serialize)]
struct Summary {
    rows_in: u64,
    rows_out: u64,
    rows_rejected: u64,
    /// Rows written with a cluster id although validation found errors in
    /// them (dedupe only); they are in the reject file too.
    #[serde(skip_serializing_if = "Option::is_none")]
    rows_out_with_errors: Option<u64>,
    rejects_by_issue: BTreeMap<String, u64>,
    warnings_by_issue: BTreeMap<String, u64>,
    changes_by_rule: BTreeMap<&'static str, u64>,
    /// Columns outside the schema, and whether they were written.
    columns_outside_schema: u64,
    columns_passed_through: u64,
    /// Lines of unreadable rows (the first few), with why.
    unreadable: Vec<(u64, &'static str)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dedupe: Option<DedupeSummary>,
}

/// What a dedupe run found, for the summary.
#[derive(serde::Serialize)]
struct DedupeSummary {
    clusters: usize,
    duplicate_clusters: usize,
    records_in_duplicate_clusters: usize,
    candidate_pairs: usize,
    matched_pairs: usize,
}

/// How the rows of one input become records.
struct Reading {
    header: Option<CsvHeader>,
    width: usize,
    /// JSON members outside the schema are not written (masking).
    drop_unknown: bool,
}

/// The delimiter a `--delimiter` value names.
fn delimiter(text: &str) -> Result<u8, Fatal> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        t if t.len() == 1 && t.is_ascii() && !matches!(t, "\"" | "\n" | "\r") => {
            Ok(t.as_bytes()[0])
        }
        _ => Err(Fatal::Usage(
            "--delimiter: expected one ASCII character (not a quote or line break), or `tab`"
                .into(),
        )),
    }
}

/// Rows from either format.
enum Source<R> {
    Csv(CsvReader<R>),
    Lines(LineReader<R>),
}

impl<R: BufRead> Source<R> {
    fn next_row(&mut self) -> io::Result<Option<Row>> {
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

pub(crate) fn process(
    io: &IoArgs,
    job: &Job,
    input: Box<dyn Read + Send>,
    size: Option<u64>,
    output: Box<dyn Write>,
) -> Result<ExitCode, Fatal> {
    let pipeline = &job.pipeline;
    let schema = pipeline.schema().clone();
    let delimiter = delimiter(&io.delimiter)?;
    let limits = Limits {
        quoted_field_bytes: schema.max_value_bytes(),
        quoted_field_lines: Limits::QUOTED_FIELD_LINES,
        row_bytes: Limits::ROW_BYTES.max(schema.max_value_bytes().saturating_mul(4)),
    };
    let mut reader = BufReader::with_capacity(1 << 16, input);
    let head = reader.fill_buf().map_err(|e| Fatal::io("reading", e))?;
    if let Some(what) = foreign_encoding(head) {
        return Err(Fatal::Usage(format!(
            "the input is {what}, not UTF-8; convert it first (for example `iconv -f UTF-16 -t UTF-8`)"
        )));
    }
    let mut source = match io.format {
        Format::Csv => Source::Csv(CsvReader::new(reader, delimiter, limits)),
        Format::Jsonl => Source::Lines(LineReader::new(reader, limits)),
    };
    let mut out = BufWriter::with_capacity(1 << 16, output);
    let mut rejects = io.rejects.as_deref().map(output::create).transpose()?;
    let mut summary = Summary::default();

    // The header (CSV) maps columns to fields once.
    let (reading, layout) = match &mut source {
        Source::Csv(reader) => {
            let names = if io.no_header {
                schema
                    .fields()
                    .iter()
                    .map(|f| f.name().to_owned())
                    .collect()
            } else {
                match reader.next_row().map_err(|e| Fatal::io("reading", e))? {
                    None => Vec::new(),
                    Some(row) => header_names(row)?,
                }
            };
            csv_layout(
                io,
                job,
                &schema,
                names,
                delimiter,
                &mut out,
                rejects.as_mut(),
                &mut summary,
            )?
        }
        Source::Lines(_) => (
            Reading {
                header: None,
                width: 0,
                drop_unknown: job.masking,
            },
            Layout {
                format: Format::Jsonl,
                delimiter,
                columns: Vec::new(),
                written: Vec::new(),
                dropped: io.drop.iter().map(|d| d.trim().to_owned()).collect(),
            },
        ),
    };
    let deduping = pipeline.dedupes();
    let pass_through = layout
        .columns
        .iter()
        .zip(&layout.written)
        .any(|(field, &w)| field.is_none() && w);
    let progress = Progress::new(io.quiet, size);
    let consumed = AtomicU64::new(0);
    let mut kept = Kept::default();

    // Three stages run at once, so reading and writing overlap the work:
    // a thread reads chunks of rows, another processes each chunk on all
    // cores (order kept), and this one writes. Bounded queues keep memory
    // constant.
    std::thread::scope(|scope| -> Result<(), Fatal> {
        let (read_tx, read_rx) = mpsc::sync_channel::<Result<Vec<Row>, Fatal>>(2);
        let (done_tx, done_rx) = mpsc::sync_channel::<Result<(Vec<Row>, Vec<Handled>), Fatal>>(2);
        let consumed = &consumed;
        scope.spawn(move || {
            loop {
                let mut chunk = Vec::with_capacity(CHUNK);
                while chunk.len() < CHUNK {
                    match source.next_row() {
                        Ok(Some(row)) => chunk.push(row),
                        Ok(None) => break,
                        Err(e) => {
                            let _ = read_tx.send(Err(Fatal::io("reading", e)));
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
        scope.spawn(move || {
            for chunk in read_rx {
                let processed = chunk.map(|chunk| {
                    let handled = chunk
                        .par_iter()
                        .map(|row| handle(row, reading, job, io))
                        .collect();
                    (chunk, handled)
                });
                if done_tx.send(processed).is_err() {
                    return;
                }
            }
        });
        for processed in done_rx {
            let (chunk, handled) = processed?;
            for (mut row, handled) in chunk.into_iter().zip(handled) {
                summary.rows_in += 1;
                match handled {
                    Handled::Unusable(codes) => {
                        summary.rows_rejected += 1;
                        count(&mut summary.rejects_by_issue, &codes);
                        if let Raw::Unreadable { why, .. } = &row.raw
                            && summary.unreadable.len() < NOTED_LINES
                        {
                            summary.unreadable.push((row.line, why));
                        }
                        if let Some(rej) = rejects.as_mut() {
                            output::reject(rej, io.format, delimiter, &row, &codes)
                                .map_err(|e| Fatal::io("writing rejects", e))?;
                        }
                    }
                    Handled::Done(done, unknown) => {
                        for change in &done.changes {
                            for rule in change.rules.iter() {
                                *summary.changes_by_rule.entry(rule.name()).or_default() += 1;
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
                            let codes: Vec<String> = done
                                .report
                                .errors()
                                .map(|i| i.code().name().to_owned())
                                .collect();
                            count(&mut summary.rejects_by_issue, &codes);
                            if let Some(rej) = rejects.as_mut() {
                                output::reject(rej, io.format, delimiter, &row, &codes)
                                    .map_err(|e| Fatal::io("writing rejects", e))?;
                            }
                        }
                        if deduping {
                            summary.rows_out += 1;
                            if rejected {
                                *summary.rows_out_with_errors.get_or_insert(0) += 1;
                            }
                            let done = *done;
                            let (compared, shown) = if rejected {
                                let compared = pipeline.comparable(&done);
                                let shown = done.shown.unwrap_or(done.record);
                                (compared, Some(shown))
                            } else {
                                (done.record, done.shown)
                            };
                            if !pass_through && let Raw::Csv(cells) = &mut row.raw {
                                // Only columns outside the schema are
                                // written from the input row.
                                *cells = Default::default();
                            }
                            kept.rows.push(row);
                            kept.compared.push(compared);
                            kept.shown.push(shown);
                            kept.unknown.push(unknown);
                        } else if rejected {
                            summary.rows_rejected += 1;
                        } else {
                            summary.rows_out += 1;
                            let line = Line {
                                record: done.output(),
                                row: &row,
                                unknown: unknown.as_ref(),
                                cluster: None,
                            };
                            layout
                                .write(&mut out, &line)
                                .map_err(|e| Fatal::io("writing", e))?;
                        }
                    }
                }
            }
            progress.update(summary.rows_in, consumed.load(Ordering::Relaxed));
        }
        Ok(())
    })?;
    if deduping {
        summary.dedupe = Some(finish_dedupe(job, &kept, &mut out, &layout)?);
    }
    out.flush().map_err(|e| Fatal::io("writing", e))?;
    if let Some(rej) = rejects.as_mut() {
        rej.flush().map_err(|e| Fatal::io("writing rejects", e))?;
    }
    progress.finish();
    if !io.quiet {
        print_summary(&summary);
    }
    if let Some(path) = &io.report {
        let json = serde_json::to_string_pretty(&summary)
            .map_err(|e| Fatal::Io(format!("report: {e}")))?;
        std::fs::write(path, json).map_err(|e| Fatal::io(&path.display().to_string(), e))?;
    }
    let clean = summary.rows_rejected == 0 && summary.rows_out_with_errors.is_none();
    Ok(if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn count(counts: &mut BTreeMap<String, u64>, codes: &[String]) {
    for code in codes {
        *counts.entry(code.to_ascii_lowercase()).or_default() += 1;
    }
}

/// The names of a CSV header row, without a byte order mark.
fn header_names(row: Row) -> Result<Vec<String>, Fatal> {
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
        Raw::Unreadable { why: "encoding", .. } => Err(Fatal::Usage(
            "the header row is not UTF-8; convert the file first (for example `iconv -f GBK -t UTF-8`)"
                .into(),
        )),
        Raw::Unreadable { why, .. } => Err(Fatal::Usage(format!(
            "the header row (line {}) cannot be read ({why})",
            row.line
        ))),
        Raw::Json(_) => Err(Fatal::Usage("the header row cannot be read".into())),
    }
}

/// Maps a CSV header onto the schema, and writes the output's and the
/// reject file's header rows.
#[allow(clippy::too_many_arguments)]
fn csv_layout(
    io: &IoArgs,
    job: &Job,
    schema: &Schema,
    names: Vec<String>,
    delimiter: u8,
    out: &mut impl Write,
    rejects: Option<&mut BufWriter<File>>,
    summary: &mut Summary,
) -> Result<(Reading, Layout), Fatal> {
    let trimmed: Vec<&str> = names.iter().map(|n| n.trim()).collect();
    let mut mapped: Vec<String> = trimmed.iter().map(|n| (*n).to_owned()).collect();
    for m in &io.mappings {
        let (from, to) = m
            .split_once('=')
            .ok_or_else(|| Fatal::Usage(format!("--map `{m}`: expected COLUMN=FIELD")))?;
        let (from, to) = (from.trim(), to.trim());
        if schema.index_of(to).is_none() {
            return Err(Fatal::Usage(format!(
                "--map `{m}`: `{to}` is not a field of schema `{}`",
                schema.name()
            )));
        }
        let slot = trimmed
            .iter()
            .position(|c| *c == from)
            .ok_or_else(|| Fatal::Usage(format!("--map: the input has no column `{from}`")))?;
        mapped[slot] = to.to_owned();
    }
    let mut written = vec![true; names.len()];
    for d in &io.drop {
        let slot = trimmed
            .iter()
            .position(|c| *c == d.trim())
            .ok_or_else(|| Fatal::Usage(format!("--drop: the input has no column `{d}`")))?;
        written[slot] = false;
    }
    let header =
        CsvHeader::known(schema, &mapped).map_err(|e| Fatal::Usage(format!("header: {e}")))?;
    let columns: Vec<Option<usize>> = header.field_indices().collect();
    if !names.is_empty() && columns.iter().all(Option::is_none) {
        return Err(Fatal::Usage(format!(
            "no column of the header names a field of schema `{}` (is the header row missing? see --no-header and --map)",
            schema.name()
        )));
    }
    for (i, field) in columns.iter().enumerate() {
        if field.is_none() {
            summary.columns_outside_schema += 1;
            // A masking policy cannot say how to mask what it does not know.
            if job.masking {
                written[i] = false;
            } else if written[i] {
                summary.columns_passed_through += 1;
            }
        }
    }
    if !names.is_empty() {
        let mut head: Vec<&str> = names
            .iter()
            .zip(&written)
            .filter(|(_, w)| **w)
            .map(|(n, _)| n.as_str())
            .collect();
        head.push("_row");
        if job.pipeline.dedupes() {
            head.push("cluster_id");
        }
        output::csv_text(out, delimiter, head.into_iter()).map_err(|e| Fatal::io("writing", e))?;
        if let Some(rej) = rejects {
            // `_row` and `_issues` first: a malformed row may have any
            // number of cells after them.
            let head = ["_row", "_issues"]
                .into_iter()
                .chain(names.iter().map(String::as_str));
            output::csv_text(rej, delimiter, head).map_err(|e| Fatal::io("writing rejects", e))?;
        }
    }
    let width = names.len();
    Ok((
        Reading {
            header: (!names.is_empty()).then_some(header),
            width,
            drop_unknown: job.masking,
        },
        Layout {
            format: Format::Csv,
            delimiter,
            columns,
            written,
            dropped: Vec::new(),
        },
    ))
}

/// Turns one row into a record and runs it through the pipeline.
fn handle(row: &Row, reading: &Reading, job: &Job, io: &IoArgs) -> Handled {
    let code = |e: custodia::Error| vec![e.code().name().to_ascii_lowercase()];
    let built = match (&row.raw, &reading.header) {
        (Raw::Unreadable { why, .. }, _) => return Handled::Unusable(vec![(*why).to_owned()]),
        (Raw::Csv(cells), Some(header)) => {
            if cells.len() != reading.width {
                return Handled::Unusable(vec!["row_length".into()]);
            }
            let cells: Vec<&str> = cells.iter().collect();
            header.record(&cells).map(|r| (r, None))
        }
        (Raw::Csv(_), None) => return Handled::Unusable(vec!["no_header".into()]),
        (Raw::Json(line), _) => {
            Record::from_json_known(job.pipeline.schema(), line).map(|(r, mut unknown)| {
                unknown.retain(|(name, _)| !io.drop.iter().any(|d| d.trim() == name));
                (r, (!reading.drop_unknown).then_some(unknown))
            })
        }
    };
    match built.and_then(|(record, unknown)| Ok((job.pipeline.process(record)?, unknown))) {
        Ok((done, unknown)) => Handled::Done(Box::new(done), unknown),
        Err(e) => Handled::Unusable(code(e)),
    }
}

/// Deduplicates the kept rows, writes them with their cluster ids (in input
/// order), and the pairs, golden records and model when asked.
fn finish_dedupe(
    job: &Job,
    kept: &Kept,
    out: &mut impl Write,
    layout: &Layout,
) -> Result<DedupeSummary, Fatal> {
    let pipeline = &job.pipeline;
    let records = &kept.compared;
    let outcome = pipeline.dedupe(records)?;
    // A cluster is named by the input line of its first record.
    let row_of = |i: usize| kept.rows[i].line;
    let clusters = outcome.clusters();
    for (i, compared) in records.iter().enumerate() {
        let line = Line {
            record: kept.shown[i].as_ref().unwrap_or(compared),
            row: &kept.rows[i],
            unknown: kept.unknown[i].as_ref(),
            cluster: Some(row_of(clusters[i] as usize)),
        };
        layout
            .write(out, &line)
            .map_err(|e| Fatal::io("writing", e))?;
    }
    let args = job.dedupe.clone().unwrap_or_default();
    if let Some(path) = &args.pairs {
        output::pairs(path, &outcome, &row_of)?;
    }
    if let Some(path) = &args.golden {
        let golden = pipeline.golden(records, clusters)?;
        output::golden(path, layout.format, pipeline.schema(), &golden, &row_of)?;
    }
    if let Some(path) = &args.save_model {
        std::fs::write(path, outcome.model().to_json())
            .map_err(|e| Fatal::io(&path.display().to_string(), e))?;
    }
    let mut sizes: BTreeMap<u32, usize> = BTreeMap::new();
    for &c in clusters {
        *sizes.entry(c).or_default() += 1;
    }
    let stats = outcome.stats();
    Ok(DedupeSummary {
        clusters: sizes.len(),
        duplicate_clusters: sizes.values().filter(|&&n| n > 1).count(),
        records_in_duplicate_clusters: sizes.values().filter(|&&n| n > 1).sum(),
        candidate_pairs: stats.candidate_pairs,
        matched_pairs: stats.matched_pairs,
    })
}

fn print_summary(summary: &Summary) {
    say(&format!(
        "rows in {} = rows out {} + rows rejected {}",
        summary.rows_in, summary.rows_out, summary.rows_rejected
    ));
    if let Some(n) = summary.rows_out_with_errors {
        say(&format!(
            "  rows out with errors: {n} (clustered with their failed fields left out; also in the reject file)"
        ));
    }
    for (line, why) in &summary.unreadable {
        let what = match *why {
            "unterminated_quote" => {
                "a quoted field opened on this line does not close (or runs too long); the line was rejected and reading went on at the next"
            }
            "encoding" => "not UTF-8",
            "too_large" => "the row is over the size limit",
            _ => "unreadable",
        };
        say(&format!("  line {line}: {what}"));
    }
    for (code, n) in &summary.rejects_by_issue {
        say(&format!("  rejected for {code}: {n}"));
    }
    for (code, n) in &summary.warnings_by_issue {
        say(&format!("  warned of {code}: {n}"));
    }
    for (rule, n) in &summary.changes_by_rule {
        say(&format!("  changed by {rule}: {n}"));
    }
    let outside = summary.columns_outside_schema;
    if outside > 0 {
        let passed = summary.columns_passed_through;
        say(&format!(
            "  columns outside the schema: {outside} ({passed} passed through unchanged)"
        ));
    }
    if let Some(d) = &summary.dedupe {
        say(&format!(
            "customers {} in {} records ({} records in {} clusters of duplicates), {} matched pairs of {} compared",
            d.clusters,
            summary.rows_out,
            d.records_in_duplicate_clusters,
            d.duplicate_clusters,
            d.matched_pairs,
            d.candidate_pairs
        ));
    }
}

/// A progress bar on a terminal: bytes and ETA when the input's size is
/// known, else rows so far; rows per second either way.
struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn new(quiet: bool, size: Option<u64>) -> Self {
        if quiet || !io::stderr().is_terminal() {
            return Self(None);
        }
        let bar = match size {
            Some(len) => {
                let bar = indicatif::ProgressBar::new(len);
                if let Ok(style) = indicatif::ProgressStyle::with_template(
                    "{bar:30} {percent:>3}% {msg} ETA {eta}",
                ) {
                    bar.set_style(style);
                }
                bar
            }
            None => indicatif::ProgressBar::new_spinner(),
        };
        Self(Some(bar))
    }

    fn update(&self, rows: u64, bytes: u64) {
        if let Some(bar) = &self.0 {
            let secs = bar.elapsed().as_secs_f64().max(1e-3);
            bar.set_message(format!("{rows} rows, {:.0} rows/s", rows as f64 / secs));
            if bar.length().is_some() {
                bar.set_position(bytes);
            } else {
                bar.set_position(rows);
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
