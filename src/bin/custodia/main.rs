//! The custodia command-line tool: clean, deduplicate and mask customer
//! files in pipelines. A thin shell over the library's
//! [`custodia::Pipeline`]: this crate parses arguments (here), reads rows
//! (`input`), runs them through the pipeline on all cores (`process`), and
//! writes what came out (`output`); settings files are read in `setup`.

mod input;
mod output;
mod process;
mod setup;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Rows are built on one thread and freed on another; glibc's allocator
/// spent a third of the run on that (measured), mimalloc a few percent.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EXIT_CODES: &str = "\
Exit codes: 0 every row clean; 1 some rows rejected (or, in dedupe, with
errors); 2 usage or configuration error; 3 I/O error. A closed standard
output (`| head`) ends the run quietly.";

#[derive(Parser)]
#[command(
    name = "custodia",
    version,
    about = "Customer master data kept clean and safe",
    after_help = EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Normalize and validate rows; rows with errors go to the reject file.
    #[command(after_help = EXIT_CODES)]
    Clean(IoArgs),
    /// Clean rows and mask them for one audience of a masking policy; rows
    /// with errors go to the reject file. Columns outside the schema are
    /// not written (the policy cannot say how to mask them).
    #[command(after_help = EXIT_CODES)]
    Mask {
        #[command(flatten)]
        io: IoArgs,
        #[command(flatten)]
        mask: MaskArgs,
    },
    /// Clean rows, then find the records of one customer: every row that
    /// could be read gets a `cluster_id` (the `_row` of the cluster's first
    /// record), rows with errors too (their failed fields count as
    /// missing; they are also listed in the reject file).
    #[command(after_help = EXIT_CODES)]
    Dedupe {
        #[command(flatten)]
        io: IoArgs,
        #[command(flatten)]
        dedupe: DedupeArgs,
    },
    /// Run a whole pipeline from one JSON config file: schema, input,
    /// steps (`clean`, `dedupe`, `mask`, in that order), their settings and
    /// outputs. See the README for the format.
    #[command(after_help = EXIT_CODES)]
    Run {
        /// The pipeline config file.
        config: PathBuf,
    },
    /// Print the built-in customer schema, or check and print a schema file.
    Schema {
        /// A schema JSON file to check.
        #[arg(short, long)]
        schema: Option<PathBuf>,
    },
    /// Clean the built-in sample customers (CSV to stdout, summary to stderr).
    Demo,
}

/// Input, output and what to do with the columns.
#[derive(Args, Clone, Default)]
pub(crate) struct IoArgs {
    /// Schema JSON file (default: the built-in customer schema).
    #[arg(short, long)]
    pub(crate) schema: Option<PathBuf>,
    /// Input file; `-` or none for standard input.
    #[arg(short, long)]
    pub(crate) input: Option<PathBuf>,
    /// Output file; `-` or none for standard output.
    #[arg(short, long)]
    pub(crate) output: Option<PathBuf>,
    /// Input and output format.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub(crate) format: Format,
    /// CSV field delimiter: one ASCII character, or `tab`.
    #[arg(short, long, default_value = ",")]
    pub(crate) delimiter: String,
    /// The CSV input has no header row: its columns are the schema's fields,
    /// in order.
    #[arg(long)]
    pub(crate) no_header: bool,
    /// Where rejected rows go: `_row`, `_issues` (issue codes joined by `;`)
    /// and the row as it came in (default: nowhere; they are still counted).
    #[arg(long)]
    pub(crate) rejects: Option<PathBuf>,
    /// Write the summary as JSON to this file too.
    #[arg(long)]
    pub(crate) report: Option<PathBuf>,
    /// Read an input column as a schema field: `--map mobile=phone`.
    /// Header names are matched after trimming white space, here and
    /// against the schema.
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    pub(crate) mappings: Vec<String>,
    /// Leave this input column out of the output (repeatable). Columns
    /// outside the schema are otherwise passed through unchanged.
    #[arg(long = "drop", value_name = "COLUMN")]
    pub(crate) drop: Vec<String>,
    /// No summary and no progress on standard error.
    #[arg(short, long)]
    pub(crate) quiet: bool,
}

/// The masking step's settings.
#[derive(Args, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MaskArgs {
    /// The audience whose view to write (e.g. support, analytics).
    #[arg(long)]
    pub(crate) audience: String,
    /// A masking policy JSON file (default: the built-in customer policy).
    #[arg(long)]
    pub(crate) policy: Option<PathBuf>,
    /// A JSON file of keys, `{"key id": "hex secret", ...}`, for hash and
    /// token operators.
    #[arg(long)]
    pub(crate) keys: Option<PathBuf>,
}

/// The dedupe step's settings and extra outputs.
#[derive(Args, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DedupeArgs {
    /// Duplicate-detection settings JSON file (threshold, blocking rules...;
    /// default: the built-in settings).
    #[arg(long)]
    pub(crate) config: Option<PathBuf>,
    /// Score with this saved model instead of training one on the input.
    #[arg(long)]
    pub(crate) model: Option<PathBuf>,
    /// Save the model used (trained or given) to this JSON file.
    #[arg(long)]
    pub(crate) save_model: Option<PathBuf>,
    /// Write the matched pairs here (CSV: `row_a`, `row_b`, `weight`,
    /// `probability`, `explanation` with each field's level and weight).
    #[arg(long)]
    pub(crate) pairs: Option<PathBuf>,
    /// Write one golden record per cluster here, in the output format, with
    /// `cluster_id`, `_members` and `_sources` (field=row of its value).
    #[arg(long)]
    pub(crate) golden: Option<PathBuf>,
    /// Survivorship rules for golden records, a merge policy JSON file
    /// (default: most recent by `updated_at`, then most frequent, then most
    /// complete, when the schema has `updated_at`; else most frequent, then
    /// most complete).
    #[arg(long)]
    pub(crate) merge_policy: Option<PathBuf>,
}

#[derive(Clone, Copy, Default, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Format {
    #[default]
    Csv,
    Jsonl,
}

/// A failure that ends the run, with its exit code.
pub(crate) enum Fatal {
    /// A usage or configuration error (exit 2).
    Usage(String),
    /// An I/O error (exit 3).
    Io(String),
    /// Standard output was closed by its reader: a quiet end.
    Closed,
}

impl Fatal {
    /// An I/O error while doing `what`; a broken pipe is a closed output.
    pub(crate) fn io(what: &str, err: io::Error) -> Self {
        if err.kind() == io::ErrorKind::BrokenPipe {
            Self::Closed
        } else {
            Self::Io(format!("{what}: {err}"))
        }
    }
}

impl From<custodia::Error> for Fatal {
    fn from(err: custodia::Error) -> Self {
        Self::Usage(err.to_string())
    }
}

fn main() -> ExitCode {
    // A panic's message may quote customer data: say where, never what.
    custodia::panic::install_panic_hook();
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Clean(io) => setup::clean(&io).and_then(|job| process::run(&io, &job)),
        Command::Dedupe { io, dedupe } => {
            setup::dedupe(&io, &dedupe).and_then(|job| process::run(&io, &job))
        }
        Command::Mask { io, mask } => {
            setup::mask(&io, &mask).and_then(|job| process::run(&io, &job))
        }
        Command::Run { config } => {
            setup::pipeline_file(&config).and_then(|(io, job)| process::run(&io, &job))
        }
        Command::Schema { schema } => print_schema(schema.as_ref()),
        Command::Demo => demo(),
    };
    match outcome {
        Ok(code) => code,
        Err(Fatal::Closed) => ExitCode::SUCCESS,
        Err(Fatal::Usage(message)) => {
            say(&format!("custodia: {message}"));
            ExitCode::from(2)
        }
        Err(Fatal::Io(message)) => {
            say(&format!("custodia: {message}"));
            ExitCode::from(3)
        }
    }
}

/// Writes a line to standard error; if that is closed too, there is
/// nowhere left to say it.
pub(crate) fn say(line: &str) {
    let mut err = io::stderr().lock();
    let _ = err.write_all(line.as_bytes());
    let _ = err.write_all(b"\n");
}

fn print_schema(path: Option<&PathBuf>) -> Result<ExitCode, Fatal> {
    let schema = setup::load_schema(path)?;
    let mut out = io::stdout().lock();
    writeln!(out, "{}", schema.to_json())
        .and_then(|()| out.flush())
        .map_err(|e| Fatal::io("writing", e))?;
    Ok(ExitCode::SUCCESS)
}

/// Built-in sample customers for `custodia demo`.
const SAMPLE_CSV: &str = include_str!("../../../examples/data/customers.csv");

fn demo() -> Result<ExitCode, Fatal> {
    let io = IoArgs {
        delimiter: ",".into(),
        ..IoArgs::default()
    };
    let job = setup::clean(&io)?;
    process::process(
        &io,
        &job,
        Box::new(SAMPLE_CSV.as_bytes()),
        None,
        Box::new(io::stdout().lock()),
    )
}
