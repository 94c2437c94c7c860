//! The custodia command-line tool: clean, deduplicate and mask customer
//! files in pipelines. A thin shell over the library; see `custodia --help`.
//!
//! Exit codes: 0 every row clean, 1 some rows rejected, 2 usage or
//! configuration error, 3 I/O error.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;

use clap::{Args, Parser, Subcommand, ValueEnum};
use custodia::dedupe::{Config, Deduper, MergePolicy, Merger, Model};
use custodia::mask::{Key, KeyRing, Masker, Policy};
use custodia::{CsvHeader, Normalizer, Record, Schema, Severity, Validator};
use rayon::prelude::*;

/// Rows are built on one thread and freed on another; glibc's allocator
/// spent a third of the run on that (measured), mimalloc a few percent.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Built-in sample customers for `custodia demo`.
const SAMPLE_CSV: &str = include_str!("../../examples/data/customers.csv");

/// Rows processed together: bounds memory while keeping all cores busy.
const CHUNK: usize = 8192;

#[derive(Parser)]
#[command(
    name = "custodia",
    version,
    about = "Customer master data kept clean and safe"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Normalize and validate rows; rows with errors go to the reject file.
    Clean(IoArgs),
    /// Normalize and mask rows for one audience of a masking policy.
    Mask {
        #[command(flatten)]
        io: IoArgs,
        /// The audience whose view to write (e.g. support, analytics).
        #[arg(long)]
        audience: String,
        /// A masking policy JSON file (default: the built-in customer policy).
        #[arg(long)]
        policy: Option<PathBuf>,
        /// A JSON file of keys, `{"key id": "hex secret", ...}`, for hash and
        /// token operators.
        #[arg(long)]
        keys: Option<PathBuf>,
    },
    /// Clean rows, then find the records of one customer: every output row
    /// gets a `cluster_id` (the `_row` of the cluster's first record).
    Dedupe {
        #[command(flatten)]
        io: IoArgs,
        #[command(flatten)]
        dedupe: DedupeArgs,
    },
    /// Run a whole pipeline from one JSON config file: schema, input,
    /// steps (`clean`, `dedupe`, `mask`, in that order), their settings and
    /// outputs. See the README for the format.
    Run {
        /// The pipeline config file.
        config: PathBuf,
    },
    /// Print the built-in customer schema, or check and print a schema file.
    Schema {
        /// A schema JSON file to check.
        #[arg(long)]
        schema: Option<PathBuf>,
    },
    /// Clean the built-in sample customers (CSV to stdout, summary to stderr).
    Demo,
}

#[derive(Args, Clone)]
struct IoArgs {
    /// Schema JSON file (default: the built-in customer schema).
    #[arg(long)]
    schema: Option<PathBuf>,
    /// Input file (default: standard input).
    #[arg(long)]
    input: Option<PathBuf>,
    /// Output file (default: standard output).
    #[arg(long)]
    output: Option<PathBuf>,
    /// Input and output format.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    format: Format,
    /// Where rejected rows go: `_row`, `_issues` (issue codes joined by `;`)
    /// and the row as it came in (default: nowhere; they are still counted).
    #[arg(long)]
    rejects: Option<PathBuf>,
    /// Write the summary as JSON to this file too.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Rename input columns to schema fields: `--map mobile=phone`.
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    mappings: Vec<String>,
    /// No summary and no progress on standard error.
    #[arg(long)]
    quiet: bool,
}

#[derive(Args, Clone, Default)]
struct DedupeArgs {
    /// Duplicate-detection settings JSON file (threshold, blocking rules...;
    /// default: the built-in settings).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Score with this saved model instead of training one on the input.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Save the model used (trained or given) to this JSON file.
    #[arg(long)]
    save_model: Option<PathBuf>,
    /// Write the matched pairs here (CSV: `row_a`, `row_b`, `weight`,
    /// `probability`, `explanation` with each field's level and weight).
    #[arg(long)]
    pairs: Option<PathBuf>,
    /// Write one golden record per cluster here, in the output format, with
    /// `cluster_id`, `_members` and `_sources` (field=row of its value).
    #[arg(long)]
    golden: Option<PathBuf>,
    /// Survivorship rules for golden records, a merge policy JSON file
    /// (default: most recent by `updated_at`, then most frequent, then most
    /// complete, when the schema has `updated_at`; else most frequent, then
    /// most complete).
    #[arg(long)]
    merge_policy: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Csv,
    Jsonl,
}

/// A failure that ends the run, with its exit code.
enum Fatal {
    Usage(String),
    Io(String),
}

impl From<custodia::Error> for Fatal {
    fn from(err: custodia::Error) -> Self {
        Self::Usage(err.to_string())
    }
}

fn io_error(what: &str, err: impl std::fmt::Display) -> Fatal {
    Fatal::Io(format!("{what}: {err}"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Clean(io) => Stage::clean(&io).and_then(|stage| run(&io, &stage)),
        Command::Dedupe { io, dedupe } => Stage::clean(&io)
            .and_then(|stage| stage.with_dedupe(dedupe))
            .and_then(|stage| run(&io, &stage)),
        Command::Mask {
            io,
            audience,
            policy,
            keys,
        } => Stage::normalize(&io)
            .and_then(|stage| {
                stage.with_mask(MaskArgs {
                    audience,
                    policy,
                    keys,
                })
            })
            .and_then(|stage| run(&io, &stage)),
        Command::Run { config } => pipeline(&config),
        Command::Schema { schema } => print_schema(schema),
        Command::Demo => demo(),
    };
    match outcome {
        Ok(code) => code,
        Err(Fatal::Usage(message)) => {
            eprintln!("custodia: {message}");
            ExitCode::from(2)
        }
        Err(Fatal::Io(message)) => {
            eprintln!("custodia: {message}");
            ExitCode::from(3)
        }
    }
}

fn read_file(path: &PathBuf) -> Result<String, Fatal> {
    std::fs::read_to_string(path).map_err(|e| io_error(&path.display().to_string(), e))
}

fn load_schema(path: Option<&PathBuf>) -> Result<Schema, Fatal> {
    match path {
        None => Ok(Schema::customer()),
        Some(path) => Schema::from_json(&read_file(path)?)
            .map_err(|e| Fatal::Usage(format!("{}: {e}", path.display()))),
    }
}

fn print_schema(path: Option<PathBuf>) -> Result<ExitCode, Fatal> {
    let schema = load_schema(path.as_ref())?;
    println!("{}", schema.to_json());
    Ok(ExitCode::SUCCESS)
}

fn demo() -> Result<ExitCode, Fatal> {
    let io = IoArgs {
        schema: None,
        input: None,
        output: None,
        format: Format::Csv,
        rejects: None,
        report: None,
        mappings: Vec::new(),
        quiet: false,
    };
    let stage = Stage::clean(&io)?;
    process(
        &io,
        &stage,
        Box::new(SAMPLE_CSV.as_bytes()),
        Box::new(io::stdout().lock()),
    )
}

/// What each row goes through: normalization always, then validation
/// (rows with errors are rejected), deduplication once all rows are in,
/// and masking for one audience, each when asked.
struct Stage {
    schema: Schema,
    validate: bool,
    dedupe: Option<Box<Dedupe>>,
    mask: Option<MaskStep>,
}

/// Masking for one audience.
struct MaskStep {
    audience: String,
    masker: Box<Masker>,
}

/// The masking step's settings.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MaskArgs {
    audience: String,
    policy: Option<PathBuf>,
    keys: Option<PathBuf>,
}

/// A dedupe run's tools and where its extra outputs go.
struct Dedupe {
    deduper: Deduper,
    model: Option<Model>,
    merger: Merger,
    args: DedupeArgs,
}

impl Stage {
    /// Normalization only (masking adds to it).
    fn normalize(io: &IoArgs) -> Result<Self, Fatal> {
        Ok(Self {
            schema: load_schema(io.schema.as_ref())?,
            validate: false,
            dedupe: None,
            mask: None,
        })
    }

    /// Normalization and validation.
    fn clean(io: &IoArgs) -> Result<Self, Fatal> {
        Ok(Self {
            validate: true,
            ..Self::normalize(io)?
        })
    }

    fn with_dedupe(mut self, args: DedupeArgs) -> Result<Self, Fatal> {
        let schema = &self.schema;
        let in_file =
            |path: &PathBuf, e: custodia::Error| Fatal::Usage(format!("{}: {e}", path.display()));
        let config = match &args.config {
            Some(path) => Config::from_json(&read_file(path)?).map_err(|e| in_file(path, e))?,
            None => Config::default(),
        };
        let deduper = Deduper::with_config(schema, config)?;
        let model = match &args.model {
            Some(path) => Some(Model::from_json(&read_file(path)?).map_err(|e| in_file(path, e))?),
            None => None,
        };
        let policy = match &args.merge_policy {
            Some(path) => {
                MergePolicy::from_json(&read_file(path)?).map_err(|e| in_file(path, e))?
            }
            None if schema.index_of("updated_at").is_some() => {
                let mut policy = MergePolicy::customer();
                if schema.index_of("source").is_none() {
                    policy.source_field = None;
                }
                policy
            }
            None => MergePolicy::default(),
        };
        let merger = Merger::new(schema, &policy)?;
        self.dedupe = Some(Box::new(Dedupe {
            deduper,
            model,
            merger,
            args,
        }));
        Ok(self)
    }

    fn with_mask(mut self, args: MaskArgs) -> Result<Self, Fatal> {
        let MaskArgs {
            audience,
            policy,
            keys,
        } = args;
        let policy = match policy {
            None => Policy::customer_default(),
            Some(path) => Policy::from_json(&read_file(&path)?)
                .map_err(|e| Fatal::Usage(format!("{}: {e}", path.display())))?,
        };
        let mut ring = KeyRing::new();
        if let Some(path) = keys {
            let text = read_file(&path)?;
            let map: BTreeMap<String, String> = serde_json::from_str(&text).map_err(|_| {
                Fatal::Usage(format!(
                    "{}: expected a JSON object of key id to hex secret",
                    path.display()
                ))
            })?;
            for (id, hex) in map {
                let secret = decode_hex(&hex)
                    .ok_or_else(|| Fatal::Usage(format!("key `{id}`: the secret is not hex")))?;
                ring = ring.with(Key::new(id, &secret)?);
            }
        }
        let masker = Masker::new(&self.schema, &policy, ring)?;
        if policy.audience(&audience).is_none() {
            return Err(Fatal::Usage(format!(
                "the policy has no audience `{audience}`"
            )));
        }
        self.mask = Some(MaskStep {
            audience,
            masker: Box::new(masker),
        });
        Ok(self)
    }

    /// The view of a clean record this run writes: masked when asked.
    fn shown(&self, record: Record) -> Result<Record, custodia::Error> {
        match &self.mask {
            Some(step) => step.masker.mask_normalized(record, &step.audience),
            None => Ok(record),
        }
    }
}

/// A pipeline config file (`custodia run`).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PipelineConfig {
    schema: Option<PathBuf>,
    input: Option<PathBuf>,
    output: Option<PathBuf>,
    format: Option<String>,
    rejects: Option<PathBuf>,
    report: Option<PathBuf>,
    #[serde(default)]
    map: BTreeMap<String, String>,
    #[serde(default)]
    quiet: bool,
    steps: Vec<String>,
    dedupe: Option<DedupeConfig>,
    mask: Option<MaskArgs>,
}

/// The dedupe step's settings in a pipeline config.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct DedupeConfig {
    config: Option<PathBuf>,
    model: Option<PathBuf>,
    save_model: Option<PathBuf>,
    pairs: Option<PathBuf>,
    golden: Option<PathBuf>,
    merge_policy: Option<PathBuf>,
}

/// Runs the pipeline a config file describes. Relative paths in it are
/// relative to the config file's directory.
fn pipeline(path: &PathBuf) -> Result<ExitCode, Fatal> {
    let text = read_file(path)?;
    let config: PipelineConfig = serde_json::from_str(&text)
        .map_err(|e| Fatal::Usage(format!("{}: {e}", path.display())))?;
    let base = path.parent().map(PathBuf::from).unwrap_or_default();
    let at = |p: Option<PathBuf>| p.map(|p| base.join(p));
    let usage = |what: &str| Fatal::Usage(format!("{}: {what}", path.display()));
    let order = ["clean", "dedupe", "mask"];
    let positions: Option<Vec<usize>> = config
        .steps
        .iter()
        .map(|s| order.iter().position(|o| o == s))
        .collect();
    let step = |name: &str| config.steps.iter().any(|s| s == name);
    match positions {
        Some(p) if !p.is_empty() && p.windows(2).all(|w| w[0] < w[1]) => {}
        _ => {
            return Err(usage(
                "steps must be some of \"clean\", \"dedupe\", \"mask\", in that order, each once",
            ));
        }
    }
    if step("dedupe") && !step("clean") {
        return Err(usage("the dedupe step needs the clean step before it"));
    }
    let format = match config.format.as_deref() {
        None | Some("csv") => Format::Csv,
        Some("jsonl") => Format::Jsonl,
        Some(other) => return Err(usage(&format!("format `{other}`: expected csv or jsonl"))),
    };
    let io = IoArgs {
        schema: at(config.schema.clone()),
        input: at(config.input.clone()),
        output: at(config.output.clone()),
        format,
        rejects: at(config.rejects.clone()),
        report: at(config.report.clone()),
        mappings: config.map.iter().map(|(c, f)| format!("{c}={f}")).collect(),
        quiet: config.quiet,
    };
    let mut stage = if step("clean") {
        Stage::clean(&io)?
    } else {
        Stage::normalize(&io)?
    };
    if step("dedupe") {
        let d = config.dedupe.unwrap_or_default();
        stage = stage.with_dedupe(DedupeArgs {
            config: at(d.config),
            model: at(d.model),
            save_model: at(d.save_model),
            pairs: at(d.pairs),
            golden: at(d.golden),
            merge_policy: at(d.merge_policy),
        })?;
    }
    if step("mask") {
        let mask = config
            .mask
            .ok_or_else(|| usage("the mask step needs a \"mask\" section with an audience"))?;
        stage = stage.with_mask(MaskArgs {
            audience: mask.audience,
            policy: at(mask.policy),
            keys: at(mask.keys),
        })?;
    }
    run(&io, &stage)
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    let hex = hex.trim();
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

fn run(io: &IoArgs, stage: &Stage) -> Result<ExitCode, Fatal> {
    let input: Box<dyn Read + Send> = match &io.input {
        Some(path) => {
            Box::new(File::open(path).map_err(|e| io_error(&path.display().to_string(), e))?)
        }
        None => Box::new(io::stdin()),
    };
    let output: Box<dyn Write> = match &io.output {
        Some(path) => {
            Box::new(File::create(path).map_err(|e| io_error(&path.display().to_string(), e))?)
        }
        None => Box::new(io::stdout().lock()),
    };
    process(io, stage, input, output)
}

/// A processed chunk: its rows and what became of each, in order.
type Processed = (Vec<Row>, Vec<(Outcome, Vec<custodia::Change>)>);

/// One input row: its 1-based number and its raw form.
struct Row {
    number: u64,
    raw: Raw,
}

enum Raw {
    /// The cells, in one buffer (one allocation a row, not one a cell).
    Csv(csv::StringRecord),
    Json(String),
    /// A row that could not even be read as a row; the issue code says why.
    Broken(csv::StringRecord, &'static str),
}

/// What became of one row.
enum Outcome {
    /// The clean record, and the masked view when masking.
    Out {
        clean: Record,
        shown: Option<Record>,
    },
    Rejected(Vec<String>),
}

/// The clean rows kept for deduplication, side by side: `clean` is what
/// the deduper and merger read (as a slice, with no copy), `shown` the
/// masked view to write, when masking.
#[derive(Default)]
struct Kept {
    numbers: Vec<u64>,
    clean: Vec<Record>,
    shown: Vec<Option<Record>>,
}

/// Counts for the summary.
#[derive(Default, serde::Serialize)]
struct Summary {
    rows_in: u64,
    rows_out: u64,
    rows_rejected: u64,
    rejects_by_issue: BTreeMap<String, u64>,
    changes_by_rule: BTreeMap<&'static str, u64>,
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

fn process(
    io: &IoArgs,
    stage: &Stage,
    input: Box<dyn Read + Send>,
    output: Box<dyn Write>,
) -> Result<ExitCode, Fatal> {
    let schema = stage.schema.clone();
    let deduping = stage.dedupe.is_some();
    let normalizer = Normalizer::new(&schema);
    let validator = Validator::new(&schema);
    let reader = BufReader::with_capacity(1 << 16, input);
    let mut out = BufWriter::with_capacity(1 << 16, output);
    let mut rejects = io.rejects.as_ref().map(create).transpose()?;
    let progress = (!io.quiet && io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message("rows");
        bar
    });
    let mut summary = Summary::default();

    // The header (CSV) maps columns to fields once.
    let mut source = match io.format {
        Format::Csv => Source::Csv(
            csv::ReaderBuilder::new()
                .flexible(true)
                .has_headers(false)
                .from_reader(reader),
        ),
        Format::Jsonl => Source::Lines(reader),
    };
    let mut columns: Vec<String> = Vec::new();
    let mut header = None;
    let mut number = 0;
    if let Source::Csv(r) = &mut source {
        number = 1;
        let mut first = csv::ByteRecord::new();
        if r.read_byte_record(&mut first)
            .map_err(|e| io_error("reading the header", e))?
        {
            columns = utf8_cells(&first, 1)?;
            if let Some(c) = columns.first_mut() {
                *c = c.trim_start_matches('\u{feff}').to_owned();
            }
            let mapped = apply_mappings(&columns, &io.mappings)?;
            header = Some(CsvHeader::new(&schema, &mapped).map_err(|e| {
                Fatal::Usage(format!(
                    "header: {e} (map it with --map COLUMN=FIELD, or add it to the schema)"
                ))
            })?);
            let mut names = columns.clone();
            names.push("_row".into());
            if deduping {
                names.push("cluster_id".into());
            }
            write_csv(&mut out, &names, "writing")?;
            if let Some(rej) = rejects.as_mut() {
                // `_row` and `_issues` first: a malformed row may have any
                // number of cells after them.
                let mut reject_names = vec!["_row".to_owned(), "_issues".to_owned()];
                reject_names.extend(columns.iter().cloned());
                write_csv(rej, &reject_names, "writing rejects")?;
            }
        }
    }
    let field_of_column: Vec<Option<usize>> = header
        .as_ref()
        .map_or_else(Vec::new, |h| h.field_indices().collect());
    // Rows kept for deduplication: their numbers, clean records and the
    // view to write.
    let mut kept = Kept::default();

    // Three stages run at once, so reading and writing overlap the work:
    // a thread reads chunks of rows, another processes each chunk on all
    // cores (order kept), and this one writes. Bounded queues keep memory
    // constant.
    std::thread::scope(|scope| -> Result<(), Fatal> {
        let (read_tx, read_rx) = mpsc::sync_channel::<Result<Vec<Row>, Fatal>>(2);
        let (done_tx, done_rx) = mpsc::sync_channel::<Result<Processed, Fatal>>(2);
        let width = columns.len();
        scope.spawn(move || {
            loop {
                let mut chunk = Vec::with_capacity(CHUNK);
                while chunk.len() < CHUNK {
                    match source.next_row(number + 1, width) {
                        Ok(Some(raw)) => {
                            number += 1;
                            chunk.push(Row { number, raw });
                        }
                        Ok(None) => break,
                        Err(e) => {
                            let _ = read_tx.send(Err(e));
                            return;
                        }
                    }
                }
                // A closed queue means the writer stopped: stop reading.
                if chunk.is_empty() || read_tx.send(Ok(chunk)).is_err() {
                    return;
                }
            }
        });
        let (header, schema, normalizer, validator) = (&header, &schema, &normalizer, &validator);
        scope.spawn(move || {
            for chunk in read_rx {
                let processed = chunk.map(|chunk| {
                    let outcomes = chunk
                        .par_iter()
                        .map(|row| {
                            handle_row(row, header.as_ref(), schema, stage, normalizer, validator)
                        })
                        .collect();
                    (chunk, outcomes)
                });
                if done_tx.send(processed).is_err() {
                    return;
                }
            }
        });
        for processed in done_rx {
            let (chunk, outcomes) = processed?;
            for (row, (outcome, rules)) in chunk.iter().zip(outcomes) {
                summary.rows_in += 1;
                for rule in rules.iter().flat_map(|c| c.rules.iter()) {
                    *summary.changes_by_rule.entry(rule.name()).or_default() += 1;
                }
                match outcome {
                    Outcome::Out { clean, shown } => {
                        summary.rows_out += 1;
                        if deduping {
                            kept.numbers.push(row.number);
                            kept.clean.push(clean);
                            kept.shown.push(shown);
                        } else {
                            let line = Line {
                                record: shown.as_ref().unwrap_or(&clean),
                                number: row.number,
                                cluster: None,
                            };
                            write_row(&mut out, io.format, &columns, &field_of_column, &line)?;
                        }
                    }
                    Outcome::Rejected(codes) => {
                        summary.rows_rejected += 1;
                        for code in &codes {
                            *summary.rejects_by_issue.entry(code.clone()).or_default() += 1;
                        }
                        if let Some(rej) = rejects.as_mut() {
                            write_reject(rej, row, &codes)?;
                        }
                    }
                }
            }
            if let Some(bar) = &progress {
                bar.set_position(summary.rows_in);
            }
        }
        Ok(())
    })?;
    if let Some(dedupe) = &stage.dedupe {
        let layout = Layout {
            format: io.format,
            columns: &columns,
            field_of_column: &field_of_column,
        };
        summary.dedupe = Some(finish_dedupe(stage, dedupe, &kept, &mut out, &layout)?);
    }
    out.flush().map_err(|e| io_error("writing", e))?;
    if let Some(rej) = rejects.as_mut() {
        rej.flush().map_err(|e| io_error("writing rejects", e))?;
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    if !io.quiet {
        eprintln!(
            "rows in {} = rows out {} + rows rejected {}",
            summary.rows_in, summary.rows_out, summary.rows_rejected
        );
        for (code, n) in &summary.rejects_by_issue {
            eprintln!("  rejected for {code}: {n}");
        }
        for (rule, n) in &summary.changes_by_rule {
            eprintln!("  changed by {rule}: {n}");
        }
        if let Some(d) = &summary.dedupe {
            eprintln!(
                "customers {} in {} records ({} records in {} clusters of duplicates), {} matched pairs of {} compared",
                d.clusters,
                summary.rows_out,
                d.records_in_duplicate_clusters,
                d.duplicate_clusters,
                d.matched_pairs,
                d.candidate_pairs
            );
        }
    }
    if let Some(path) = &io.report {
        let json = serde_json::to_string_pretty(&summary).map_err(|e| io_error("report", e))?;
        std::fs::write(path, json).map_err(|e| io_error(&path.display().to_string(), e))?;
    }
    Ok(if summary.rows_rejected == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Where rows come from.
enum Source {
    Csv(csv::Reader<BufReader<Box<dyn Read + Send>>>),
    Lines(BufReader<Box<dyn Read + Send>>),
}

impl Source {
    /// The next row (`number` is its 1-based line or row number), or `None`
    /// at the end. Blank JSON Lines are skipped.
    fn next_row(&mut self, number: u64, columns: usize) -> Result<Option<Raw>, Fatal> {
        match self {
            Self::Csv(r) => {
                let mut cells = csv::StringRecord::new();
                match r.read_record(&mut cells) {
                    Ok(false) => Ok(None),
                    Ok(true) => Ok(Some(if cells.len() == columns {
                        Raw::Csv(cells)
                    } else {
                        Raw::Broken(cells, "row_length")
                    })),
                    Err(e) if e.is_io_error() => Err(io_error("reading", e)),
                    Err(e) if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) => {
                        Err(not_utf8(number))
                    }
                    Err(_) => Ok(Some(Raw::Broken(csv::StringRecord::new(), "malformed_csv"))),
                }
            }
            Self::Lines(reader) => loop {
                let mut line = Vec::new();
                if reader
                    .read_until(b'\n', &mut line)
                    .map_err(|e| io_error("reading", e))?
                    == 0
                {
                    return Ok(None);
                }
                let text = String::from_utf8(line).map_err(|_| not_utf8(number))?;
                let text = text
                    .trim_end_matches(['\n', '\r'])
                    .trim_start_matches('\u{feff}');
                if !text.trim().is_empty() {
                    return Ok(Some(Raw::Json(text.to_owned())));
                }
            },
        }
    }
}

fn utf8_cells(record: &csv::ByteRecord, number: u64) -> Result<Vec<String>, Fatal> {
    record
        .iter()
        .map(|b| String::from_utf8(b.to_vec()).map_err(|_| not_utf8(number)))
        .collect()
}

fn write_csv(out: &mut impl Write, cells: &[String], what: &str) -> Result<(), Fatal> {
    write_csv_cells(out, cells.iter().map(String::as_str)).map_err(|e| io_error(what, e))
}

/// Writes one CSV record (RFC 4180): fields with a comma, quote, line
/// break or edge space are quoted, quotes doubled.
fn write_csv_cells<'a>(
    out: &mut impl Write,
    cells: impl Iterator<Item = &'a str>,
) -> io::Result<()> {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        let quote = cell
            .bytes()
            .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
            || cell.starts_with(' ')
            || cell.ends_with(' ');
        if quote {
            out.write_all(b"\"")?;
            out.write_all(cell.replace('"', "\"\"").as_bytes())?;
            out.write_all(b"\"")?;
        } else {
            out.write_all(cell.as_bytes())?;
        }
    }
    out.write_all(b"\n")
}

fn not_utf8(row: u64) -> Fatal {
    Fatal::Usage(format!(
        "input row {row} is not UTF-8; convert the file first (for example `iconv -f GBK -t UTF-8`)"
    ))
}

fn apply_mappings(columns: &[String], mappings: &[String]) -> Result<Vec<String>, Fatal> {
    let mut mapped = columns.to_vec();
    for m in mappings {
        let (from, to) = m
            .split_once('=')
            .ok_or_else(|| Fatal::Usage(format!("--map `{m}`: expected COLUMN=FIELD")))?;
        let slot = mapped
            .iter_mut()
            .find(|c| c.as_str() == from)
            .ok_or_else(|| Fatal::Usage(format!("--map: the input has no column `{from}`")))?;
        *slot = to.to_owned();
    }
    Ok(mapped)
}

/// Turns one row into an outcome, and the rules normalization applied.
fn handle_row(
    row: &Row,
    header: Option<&CsvHeader>,
    schema: &Schema,
    stage: &Stage,
    normalizer: &Normalizer,
    validator: &Validator,
) -> (Outcome, Vec<custodia::Change>) {
    let code = |e: custodia::Error| e.code().name().to_ascii_lowercase();
    let record = match (&row.raw, header) {
        (Raw::Broken(_, why), _) => {
            return (Outcome::Rejected(vec![(*why).to_owned()]), Vec::new());
        }
        (Raw::Csv(cells), Some(h)) => h.record(&cells.iter().collect::<Vec<_>>()),
        (Raw::Json(line), _) => Record::from_json(schema, line),
        (Raw::Csv(_), None) => return (Outcome::Rejected(vec!["no_header".into()]), Vec::new()),
    };
    let record = match record {
        Ok(r) => r,
        Err(e) => return (Outcome::Rejected(vec![code(e)]), Vec::new()),
    };
    let mut normalized = match normalizer.normalize_owned(record) {
        Ok(n) => n,
        Err(e) => return (Outcome::Rejected(vec![code(e)]), Vec::new()),
    };
    let rules = std::mem::take(&mut normalized.changes);
    if stage.validate {
        match validator.validate_normalized(&normalized) {
            Ok(report) if report.is_valid() => {}
            Ok(report) => {
                let codes = report
                    .errors()
                    .filter(|i| i.level() == Severity::Error)
                    .map(|i| i.code().name().to_owned())
                    .collect();
                return (Outcome::Rejected(codes), rules);
            }
            Err(e) => return (Outcome::Rejected(vec![code(e)]), rules),
        }
    }
    let clean = normalized.record;
    let shown = match &stage.mask {
        // Dedupe compares the clean record; the masked view is written.
        Some(_) => match stage.shown(clean.clone()) {
            Ok(masked) => Some(masked),
            Err(e) => return (Outcome::Rejected(vec![code(e)]), rules),
        },
        None => None,
    };
    (Outcome::Out { clean, shown }, rules)
}

/// One output row: the record, its input row number and, from dedupe, its
/// cluster id.
struct Line<'a> {
    record: &'a Record,
    number: u64,
    cluster: Option<u64>,
}

fn write_row(
    out: &mut impl Write,
    format: Format,
    columns: &[String],
    field_of_column: &[Option<usize>],
    line: &Line<'_>,
) -> Result<(), Fatal> {
    let Line {
        record,
        number,
        cluster,
    } = *line;
    match format {
        Format::Csv => {
            let cells: Vec<std::borrow::Cow<'_, str>> = field_of_column
                .iter()
                .zip(columns)
                .map(|(index, name)| {
                    let value = match index {
                        Some(i) => record.get_at(*i),
                        None => record
                            .extras()
                            .iter()
                            .find(|(n, _)| n == name)
                            .map(|(_, v)| v),
                    };
                    value.and_then(custodia::Value::to_text).unwrap_or_default()
                })
                .collect();
            let number = number.to_string();
            let cluster = cluster.map(|c| c.to_string());
            let cells = cells
                .iter()
                .map(|c| c.as_ref())
                .chain([number.as_str()])
                .chain(cluster.as_deref());
            write_csv_cells(out, cells).map_err(|e| io_error("writing", e))
        }
        Format::Jsonl => {
            // The record's own JSON keeps schema order; `_row` goes last.
            let json = record.to_json();
            let body = json
                .strip_prefix('{')
                .and_then(|j| j.strip_suffix('}'))
                .unwrap_or("");
            let sep = if body.is_empty() { "" } else { "," };
            let cluster = cluster.map_or_else(String::new, |c| format!(",\"cluster_id\":{c}"));
            writeln!(out, "{{{body}{sep}\"_row\":{number}{cluster}}}")
                .map_err(|e| io_error("writing", e))
        }
    }
}

fn write_reject(out: &mut impl Write, row: &Row, codes: &[String]) -> Result<(), Fatal> {
    let issues = codes.join(";");
    match &row.raw {
        Raw::Json(line) => {
            let object = serde_json::json!({"_row": row.number, "_issues": issues, "_raw": line});
            writeln!(out, "{object}").map_err(|e| io_error("writing rejects", e))
        }
        Raw::Csv(cells) | Raw::Broken(cells, _) => {
            let mut record = vec![row.number.to_string(), issues];
            record.extend(cells.iter().map(str::to_owned));
            write_csv(out, &record, "writing rejects")
        }
    }
}

/// How output rows are laid out.
struct Layout<'a> {
    format: Format,
    columns: &'a [String],
    field_of_column: &'a [Option<usize>],
}

/// Deduplicates the kept rows, writes them with their cluster ids (in input
/// order), and the pairs, golden records and model when asked.
fn finish_dedupe(
    stage: &Stage,
    dedupe: &Dedupe,
    kept: &Kept,
    out: &mut impl Write,
    layout: &Layout<'_>,
) -> Result<DedupeSummary, Fatal> {
    let records = &kept.clean;
    let outcome = match &dedupe.model {
        Some(model) => dedupe.deduper.run_with(records, model)?,
        None => dedupe.deduper.run(records)?,
    };
    // A cluster is named by the input row of its first record.
    let row_of = |i: usize| kept.numbers[i];
    let clusters = outcome.clusters();
    for (i, clean) in records.iter().enumerate() {
        let line = Line {
            record: kept.shown[i].as_ref().unwrap_or(clean),
            number: kept.numbers[i],
            cluster: Some(row_of(clusters[i] as usize)),
        };
        write_row(
            out,
            layout.format,
            layout.columns,
            layout.field_of_column,
            &line,
        )?;
    }
    let args = &dedupe.args;
    if let Some(path) = &args.pairs {
        write_pairs(path, &outcome, &row_of)?;
    }
    if let Some(path) = &args.golden {
        let mut golden = dedupe.merger.merge(records, clusters)?;
        // Golden records show no more than the rows they came from.
        for g in &mut golden {
            g.record = stage.shown(g.record.clone()).map_err(|e| {
                Fatal::Usage(format!(
                    "golden record of cluster {}: {e}",
                    row_of(g.cluster as usize)
                ))
            })?;
        }
        write_golden(path, layout.format, &stage.schema, &golden, &row_of)?;
    }
    if let Some(path) = &args.save_model {
        std::fs::write(path, outcome.model().to_json())
            .map_err(|e| io_error(&path.display().to_string(), e))?;
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

fn create(path: &PathBuf) -> Result<BufWriter<File>, Fatal> {
    File::create(path)
        .map(BufWriter::new)
        .map_err(|e| io_error(&path.display().to_string(), e))
}

/// The matched pairs as CSV, rows named by their input row numbers.
fn write_pairs(
    path: &PathBuf,
    outcome: &custodia::dedupe::Outcome,
    row_of: &dyn Fn(usize) -> u64,
) -> Result<(), Fatal> {
    let what = path.display().to_string();
    let mut file = create(path)?;
    let header = ["row_a", "row_b", "weight", "probability", "explanation"];
    write_csv_cells(&mut file, header.into_iter()).map_err(|e| io_error(&what, e))?;
    for pair in outcome.pairs() {
        let explanation = outcome
            .explain(pair.a, pair.b)
            .map_or_else(String::new, |e| {
                let mut parts: Vec<String> = e
                    .fields
                    .iter()
                    .map(|f| match f.level {
                        Some(level) if f.counted => {
                            format!("{}={level}({:+.2})", f.field, f.weight)
                        }
                        // Another contact field agreed more strongly.
                        Some(level) => format!("{}={level}(outweighed)", f.field),
                        None => format!("{}=missing", f.field),
                    })
                    .collect();
                // The chance of two people of one household.
                if e.household_weight != 0.0 {
                    parts.push(format!("household({:+.2})", e.household_weight));
                }
                parts.join(";")
            });
        let cells = [
            row_of(pair.a).to_string(),
            row_of(pair.b).to_string(),
            format!("{:.4}", pair.weight),
            format!("{:.6}", pair.probability),
            explanation,
        ];
        write_csv_cells(&mut file, cells.iter().map(String::as_str))
            .map_err(|e| io_error(&what, e))?;
    }
    file.flush().map_err(|e| io_error(&what, e))
}

/// Golden records, one per cluster: CSV with the schema's fields, or JSON
/// Lines; `cluster_id`, `_members` and `_sources` use input row numbers.
fn write_golden(
    path: &PathBuf,
    format: Format,
    schema: &Schema,
    golden: &[custodia::dedupe::GoldenRecord],
    row_of: &dyn Fn(usize) -> u64,
) -> Result<(), Fatal> {
    let what = path.display().to_string();
    let mut file = create(path)?;
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name()).collect();
    if format == Format::Csv {
        let header = ["cluster_id"]
            .into_iter()
            .chain(names.iter().copied())
            .chain(["_members", "_sources"]);
        write_csv_cells(&mut file, header).map_err(|e| io_error(&what, e))?;
    }
    for g in golden {
        let cluster = row_of(g.cluster as usize);
        let members: Vec<u64> = g.members.iter().map(|&m| row_of(m)).collect();
        match format {
            Format::Csv => {
                let sources = names
                    .iter()
                    .zip(&g.sources)
                    .filter_map(|(name, s)| s.map(|row| format!("{name}={}", row_of(row))))
                    .collect::<Vec<_>>()
                    .join(";");
                let values: Vec<String> = g
                    .record
                    .values()
                    .iter()
                    .map(|v| v.to_text().map(|t| t.into_owned()).unwrap_or_default())
                    .collect();
                let members = members
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(";");
                let cells = std::iter::once(cluster.to_string())
                    .chain(values)
                    .chain([members, sources]);
                let cells: Vec<String> = cells.collect();
                write_csv_cells(&mut file, cells.iter().map(String::as_str))
                    .map_err(|e| io_error(&what, e))?;
            }
            Format::Jsonl => {
                let sources: serde_json::Map<String, serde_json::Value> = names
                    .iter()
                    .zip(&g.sources)
                    .map(|(name, s)| ((*name).to_owned(), s.map(row_of).into()))
                    .collect();
                let line = serde_json::json!({
                    "cluster_id": cluster,
                    "record": g.record,
                    "_members": members,
                    "_sources": sources,
                });
                writeln!(file, "{line}").map_err(|e| io_error(&what, e))?;
            }
        }
    }
    file.flush().map_err(|e| io_error(&what, e))
}
