//! The custodia command-line tool: clean, deduplicate, link and mask
//! customer files in pipelines. A thin shell over the library's
//! [`custodia::Pipeline`]: this file parses arguments, `setup` turns them
//! and settings files into a pipeline, `files` opens inputs and outputs
//! and reports what a run did.

mod files;
mod setup;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use custodia::pipeline::Format;

/// Rows are built on one thread and freed on another; glibc's allocator
/// spent a third of the run on that (measured), mimalloc a few percent
/// (built without transparent huge pages: see Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EXIT_CODES: &str = "\
Header names are matched after trimming white space; columns outside the
schema are passed through unchanged (mask leaves them out).

Exit codes: 0 every row clean; 1 some rows rejected (or, in dedupe and link,
written with errors); 2 usage or configuration error; 3 I/O error. A closed
standard output (`| head`) ends the run quietly with 0.";

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
    /// With --audit-log, each row written with sensitive fields (to the
    /// output or the reject file) is logged before it is written.
    #[command(after_help = EXIT_CODES)]
    Clean {
        #[command(flatten)]
        io: IoArgs,
        #[command(flatten)]
        rows: RowArgs,
        #[command(flatten)]
        audit: UnmaskedAuditArgs,
    },
    /// Clean rows and mask them for one audience of a masking policy; rows
    /// with errors go to the reject file. Columns outside the schema are
    /// not written (the policy cannot say how to mask them).
    /// With --audit-log, each row whose view holds sensitive fields in
    /// clear (the audience's policy keeps them) is logged before it is
    /// written.
    #[command(after_help = EXIT_CODES)]
    Mask {
        #[command(flatten)]
        io: IoArgs,
        #[command(flatten)]
        rows: RowArgs,
        #[command(flatten)]
        mask: MaskArgs,
        #[command(flatten)]
        audit: AuditArgs,
    },
    /// Reveal stored rows (written by `mask` for an audience that encrypts,
    /// such as `storage`) for one audience: the ciphertexts the policy lets
    /// it reveal are decrypted, the others withheld, and its operators
    /// applied. Rows are read as they are (not cleaned). A row with a
    /// ciphertext that was altered or moved from another field or row is
    /// rejected (`cannot_decrypt`, exit 1).
    /// Each row's reveal is logged when --audit-log is given.
    #[command(after_help = EXIT_CODES)]
    Reveal {
        #[command(flatten)]
        io: IoArgs,
        #[command(flatten)]
        rows: RowArgs,
        #[command(flatten)]
        mask: MaskArgs,
        #[command(flatten)]
        audit: AuditArgs,
    },
    /// Re-encrypt stored rows after a key rotation: every ciphertext of a
    /// field the audience encrypts moves to the key its policy names now
    /// (the old key stays in the keys file, `decrypt_only`). Rows are read
    /// and written as they are otherwise.
    #[command(after_help = EXIT_CODES)]
    Rewrap {
        #[command(flatten)]
        io: IoArgs,
        #[command(flatten)]
        rows: RowArgs,
        #[command(flatten)]
        mask: MaskArgs,
    },
    /// Answer a data-subject request: find every record of one person
    /// across sources (cleaned, then matched with the duplicate-detection
    /// model), and write an access/portability export (JSON, each value
    /// with its source and row) and/or an erasure plan (CSV: source, row,
    /// probability, confirm). Matches below --confirm-below are marked for
    /// a person to confirm. Exit 0 with matches, 1 with none.
    Subject(SubjectArgs),
    /// Work with audit logs.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Clean rows, then find the records of one customer: every row that
    /// could be read gets a `cluster_id` (the `_row` of the cluster's first
    /// record), rows with errors too (their failed fields count as
    /// missing; they are also listed in the reject file).
    /// With --audit-log, each row and golden record written with
    /// sensitive fields is logged before it is written.
    #[command(after_help = EXIT_CODES)]
    Dedupe {
        #[command(flatten)]
        io: IoArgs,
        #[command(flatten)]
        rows: RowArgs,
        #[command(flatten)]
        dedupe: DedupeArgs,
        #[command(flatten)]
        audit: UnmaskedAuditArgs,
    },
    /// Clean two sources (say a CRM and a billing export) and link them:
    /// every readable row of both is written with `_source`, `_row` and a
    /// shared `cluster_id` (`source:row` of the cluster's first record).
    /// With --audit-log, each row and golden record written with
    /// sensitive fields is logged before it is written.
    #[command(after_help = EXIT_CODES)]
    Link {
        #[command(flatten)]
        link: LinkArgs,
        #[command(flatten)]
        dedupe: DedupeArgs,
        #[command(flatten)]
        audit: UnmaskedAuditArgs,
    },
    /// Run a whole pipeline from one JSON config file: schema, input,
    /// steps (`clean`, `dedupe` or `link`, `mask`, in that order), their
    /// settings and outputs. See the README for the format.
    #[command(after_help = EXIT_CODES)]
    Run {
        /// The pipeline config file.
        config: PathBuf,
    },
    /// Profile the data's quality: per field completeness, validity,
    /// distinct values, frequent values (format patterns for sensitive
    /// fields), lengths, dates and what normalization changed; per record
    /// set completeness, staleness, issues and, when the input has a
    /// `cluster_id` column (the output of `dedupe` or `link`), duplicates.
    /// Writes JSON (to standard output unless --json or --html is given)
    /// and a self-contained HTML page. Exit 0 when the profile is written,
    /// whatever the data's quality.
    Profile(ProfileArgs),
    /// Print the built-in customer schema, or check and print a schema file.
    Schema {
        /// A schema JSON file to check.
        #[arg(short, long)]
        schema: Option<PathBuf>,
    },
    /// Clean the built-in sample customers (CSV to stdout, summary to stderr).
    Demo,
}

/// Input, output, and where the other results go.
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
    /// Where rejected rows go: `_row`, `_issues` (issue codes joined by `;`)
    /// and the row as it came in (default: nowhere; they are still counted).
    #[arg(long)]
    pub(crate) rejects: Option<PathBuf>,
    /// Write the summary as JSON to this file too.
    #[arg(long)]
    pub(crate) report: Option<PathBuf>,
    /// No summary and no progress on standard error.
    #[arg(short, long)]
    pub(crate) quiet: bool,
}

/// How rows are read and written.
#[derive(Args, Clone)]
pub(crate) struct RowArgs {
    /// Input and output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    pub(crate) format: FormatArg,
    /// CSV field delimiter: one ASCII character, or `tab`.
    #[arg(short, long, default_value = ",")]
    pub(crate) delimiter: String,
    /// The CSV input has no header row: its columns are the schema's fields,
    /// in order.
    #[arg(long)]
    pub(crate) no_header: bool,
    /// Read an input column as a schema field: `--map mobile=phone`.
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    pub(crate) mappings: Vec<String>,
    /// Leave this input column out of the output (repeatable).
    #[arg(long = "drop", value_name = "COLUMN")]
    pub(crate) drop: Vec<String>,
    /// Write this column outside the schema even when masking (which
    /// otherwise leaves such columns out; repeatable).
    #[arg(long = "keep", value_name = "COLUMN")]
    pub(crate) keep: Vec<String>,
    /// Add a `_warnings` column: the row's warning codes joined by `;`.
    #[arg(long)]
    pub(crate) warnings_column: bool,
    /// Reject rows with these warning codes too (comma-separated), or
    /// `warning` for every warning.
    #[arg(long, value_name = "CODE[,CODE...]", value_delimiter = ',')]
    pub(crate) reject_on: Vec<String>,
    /// Accept phone numbers of a possible length that their numbering plan
    /// does not list, with a warning (by default they are errors).
    #[arg(long)]
    pub(crate) accept_possible_phones: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum FormatArg {
    Csv,
    Jsonl,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Csv => Self::Csv,
            FormatArg::Jsonl => Self::Jsonl,
        }
    }
}

/// The masking step's settings.
#[derive(Args, Clone)]
pub(crate) struct MaskArgs {
    /// The audience whose view to write (e.g. support, analytics).
    #[arg(long)]
    pub(crate) audience: String,
    /// A masking policy JSON file (default: the built-in customer policy).
    #[arg(long)]
    pub(crate) policy: Option<PathBuf>,
    /// A JSON file of keys, `{"key id": "hex secret", ...}`, for hash,
    /// token and encrypt operators (an old key kept only to decrypt:
    /// `"id": {"secret": "...", "decrypt_only": true}`).
    #[arg(long)]
    pub(crate) keys: Option<PathBuf>,
}

/// Where and why reveals and disclosures are logged.
#[derive(Args, Clone, Default)]
pub(crate) struct AuditArgs {
    /// Why the rows are revealed or disclosed (a ticket, a case, a legal
    /// basis): written into every audit event. Required by `reveal`, and
    /// by `mask` with --audit-log.
    #[arg(long)]
    pub(crate) purpose: Option<String>,
    /// Who reveals them (default: the USER environment variable).
    #[arg(long)]
    pub(crate) actor: Option<String>,
    /// Append an event for each row revealed (or, for `mask`, written
    /// with sensitive fields in clear) to this hash-chained JSON Lines log
    /// (created if missing; an existing log is verified first).
    #[arg(long)]
    pub(crate) audit_log: Option<PathBuf>,
    /// The id of the key in --keys that chains the log and makes record
    /// references.
    #[arg(long, default_value = "audit")]
    pub(crate) audit_key: String,
}

/// Where the rows a command writes unmasked are logged.
#[derive(Args, Clone, Default)]
pub(crate) struct UnmaskedAuditArgs {
    #[command(flatten)]
    pub(crate) audit: AuditArgs,
    /// A JSON file of keys holding the audit key (with --audit-log).
    #[arg(long)]
    pub(crate) keys: Option<PathBuf>,
}

/// A data-subject request.
#[derive(Args, Clone)]
pub(crate) struct SubjectArgs {
    /// A source to search, `NAME=FILE` (repeatable).
    #[arg(long = "source", value_name = "NAME=FILE", required = true)]
    pub(crate) sources: Vec<String>,
    /// Schema JSON file (default: the built-in customer schema).
    #[arg(short, long)]
    pub(crate) schema: Option<PathBuf>,
    /// Format of the sources.
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    pub(crate) format: FormatArg,
    /// CSV field delimiter of the sources: one ASCII character, or `tab`.
    #[arg(short, long, default_value = ",")]
    pub(crate) delimiter: String,
    /// Read a source column as a schema field: `--map mobile=phone`
    /// (repeatable; the same for every source).
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    pub(crate) mappings: Vec<String>,
    /// The person's full name.
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// The person's email address.
    #[arg(long)]
    pub(crate) email: Option<String>,
    /// The person's phone number (give --country for a national number).
    #[arg(long)]
    pub(crate) phone: Option<String>,
    /// The person's national id.
    #[arg(long)]
    pub(crate) id: Option<String>,
    /// The person's birth date.
    #[arg(long)]
    pub(crate) birth_date: Option<String>,
    /// The person's country.
    #[arg(long)]
    pub(crate) country: Option<String>,
    /// Any other identifying field, `FIELD=VALUE` (repeatable).
    #[arg(long = "field", value_name = "FIELD=VALUE")]
    pub(crate) fields: Vec<String>,
    /// Write the export here (default: standard output, unless only
    /// --erasure-plan is given).
    #[arg(long)]
    pub(crate) export: Option<PathBuf>,
    /// Write the erasure plan here.
    #[arg(long)]
    pub(crate) erasure_plan: Option<PathBuf>,
    /// Report matches of at least this probability.
    #[arg(long, default_value_t = 0.5)]
    pub(crate) min_probability: f64,
    /// Mark matches below this probability for confirmation.
    #[arg(long, default_value_t = 0.99)]
    pub(crate) confirm_below: f64,
    /// With --audit-log, each record in the export is logged before the
    /// export is written.
    #[command(flatten)]
    pub(crate) audit: UnmaskedAuditArgs,
}

/// What `profile` reads and writes.
#[derive(Args, Clone)]
pub(crate) struct ProfileArgs {
    /// Schema JSON file (default: the built-in customer schema).
    #[arg(short, long)]
    pub(crate) schema: Option<PathBuf>,
    /// Input file; `-` or none for standard input.
    #[arg(short, long)]
    pub(crate) input: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) rows: RowArgs,
    /// Write the profile as JSON to this file (`-` for standard output).
    #[arg(long)]
    pub(crate) json: Option<PathBuf>,
    /// Write the profile as one self-contained HTML page to this file.
    #[arg(long)]
    pub(crate) html: Option<PathBuf>,
    /// An earlier profile's JSON: the profile then says what changed since
    /// (drift), in its JSON and on its page.
    #[arg(long, value_name = "PREVIOUS.json")]
    pub(crate) compare: Option<PathBuf>,
    /// With --compare: flag fields whose completeness or validity moved by
    /// at least this many percentage points.
    #[arg(long, default_value_t = 1.0, value_name = "POINTS")]
    pub(crate) drift_points: f64,
    /// Profile settings JSON file (`top`, `as_of`, `staleness_field`);
    /// the options below override it.
    #[arg(long)]
    pub(crate) settings: Option<PathBuf>,
    /// How many frequent values and patterns to list per field (1 to 100).
    #[arg(long)]
    pub(crate) top: Option<usize>,
    /// The date ages are counted to, YYYY-MM-DD (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub(crate) as_of: Option<String>,
    /// The date field whose age is a record's staleness (default:
    /// `updated_at` when the schema has it).
    #[arg(long, value_name = "FIELD")]
    pub(crate) staleness_field: Option<String>,
    /// No summary and no progress on standard error.
    #[arg(short, long)]
    pub(crate) quiet: bool,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check a log's chain: exit 0 and print the entry count and head
    /// (keep it elsewhere to detect entries cut off the end later), or
    /// exit 1 naming the first line that was changed, removed, inserted or
    /// reordered.
    Verify {
        /// The audit log.
        log: PathBuf,
        /// The keys file holding the audit key.
        #[arg(long)]
        keys: PathBuf,
        /// The audit key's id.
        #[arg(long, default_value = "audit")]
        audit_key: String,
    },
}

/// The dedupe step's settings and extra outputs.
#[derive(Args, Clone, Default)]
pub(crate) struct DedupeArgs {
    /// Duplicate-detection settings JSON file (threshold, blocking rules...;
    /// see --print-config; default: the built-in settings).
    #[arg(long)]
    pub(crate) config: Option<PathBuf>,
    /// Print the default duplicate-detection settings as JSON and exit.
    #[arg(long)]
    pub(crate) print_config: bool,
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
    /// Write a match review page here (one HTML file, nothing fetched): the
    /// model, the threshold against expected precision and recall, and the
    /// pairs in the uncertain band to label as match or non-match.
    #[arg(long, value_name = "FILE")]
    pub(crate) review: Option<PathBuf>,
    /// The uncertain band of the review page: pairs with a match
    /// probability at least LOW and below HIGH.
    #[arg(long, value_name = "LOW,HIGH", default_value = "0.2,0.95")]
    pub(crate) review_band: String,
    /// The most pairs on the review page (those nearest the threshold).
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub(crate) review_limit: usize,
    /// The audience of the masking policy whose view of the values the
    /// review page shows (default: `support`, whose values are masked; a
    /// schema without that audience shows its sensitive fields redacted).
    #[arg(long, value_name = "NAME")]
    pub(crate) review_audience: Option<String>,
    /// Pairs a reviewer labelled (the review page's CSV: row_a, row_b,
    /// label): training starts from them and they are linked (`match`) or
    /// never linked directly (`non_match`). `dedupe` only.
    #[arg(long, value_name = "FILE")]
    pub(crate) labels: Option<PathBuf>,
}

/// The two sources of a link.
#[derive(Args, Clone)]
pub(crate) struct LinkArgs {
    /// Schema JSON file for both sources (default: the built-in customer
    /// schema); map each source's columns onto it with --left-map and
    /// --right-map.
    #[arg(short, long)]
    pub(crate) schema: Option<PathBuf>,
    /// The first source's file.
    #[arg(long)]
    pub(crate) left: PathBuf,
    /// The second source's file.
    #[arg(long)]
    pub(crate) right: PathBuf,
    /// The first source's name in `_source` and cluster ids.
    #[arg(long, default_value = "left")]
    pub(crate) left_name: String,
    /// The second source's name in `_source` and cluster ids.
    #[arg(long, default_value = "right")]
    pub(crate) right_name: String,
    /// Read a column of the first source as a schema field.
    #[arg(long = "left-map", value_name = "COLUMN=FIELD")]
    pub(crate) left_map: Vec<String>,
    /// Read a column of the second source as a schema field.
    #[arg(long = "right-map", value_name = "COLUMN=FIELD")]
    pub(crate) right_map: Vec<String>,
    /// Output file; `-` or none for standard output.
    #[arg(short, long)]
    pub(crate) output: Option<PathBuf>,
    /// Where rejected rows of both go, with `_source` first.
    #[arg(long)]
    pub(crate) rejects: Option<PathBuf>,
    /// Write the summary as JSON to this file too.
    #[arg(long)]
    pub(crate) report: Option<PathBuf>,
    /// Input and output format (both sources).
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    pub(crate) format: FormatArg,
    /// CSV field delimiter (both sources).
    #[arg(short, long, default_value = ",")]
    pub(crate) delimiter: String,
    /// Add a `_warnings` column.
    #[arg(long)]
    pub(crate) warnings_column: bool,
    /// Reject rows with these warning codes too, or `warning`.
    #[arg(long, value_name = "CODE[,CODE...]", value_delimiter = ',')]
    pub(crate) reject_on: Vec<String>,
    /// No summary and no progress on standard error.
    #[arg(short, long)]
    pub(crate) quiet: bool,
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
    pub(crate) fn io(what: &str, err: &io::Error) -> Self {
        if err.kind() == io::ErrorKind::BrokenPipe {
            Self::Closed
        } else {
            Self::Io(format!("{what}: {err}"))
        }
    }
}

impl From<custodia::Error> for Fatal {
    fn from(err: custodia::Error) -> Self {
        match err.kind() {
            custodia::ErrorKind::Io { kind, .. } if *kind == io::ErrorKind::BrokenPipe => {
                Self::Closed
            }
            custodia::ErrorKind::Io { .. } => Self::Io(err.to_string()),
            _ => Self::Usage(err.to_string()),
        }
    }
}

fn main() -> ExitCode {
    // A panic's message may quote customer data: say where, never what.
    custodia::panic::install_panic_hook();
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Clean { io, rows, audit } => {
            setup::clean(&io, &rows, &audit).and_then(|run| run.go())
        }
        Command::Mask {
            io,
            rows,
            mask,
            audit,
        } => setup::mask(&io, &rows, &mask, &audit).and_then(|run| run.go()),
        Command::Reveal {
            io,
            rows,
            mask,
            audit,
        } => setup::reveal(&io, &rows, &mask, &audit).and_then(|run| run.go()),
        Command::Rewrap { io, rows, mask } => {
            setup::rewrap(&io, &rows, &mask).and_then(|run| run.go())
        }
        Command::Subject(args) => setup::subject(&args),
        Command::Audit {
            command:
                AuditCommand::Verify {
                    log,
                    keys,
                    audit_key,
                },
        } => setup::verify_audit(&log, &keys, &audit_key),
        Command::Dedupe { dedupe, .. } if dedupe.print_config => print_dedupe_config(),
        Command::Dedupe {
            io,
            rows,
            dedupe,
            audit,
        } => setup::dedupe(&io, &rows, &dedupe, &audit).and_then(|run| run.go()),
        Command::Link { dedupe, .. } if dedupe.print_config => print_dedupe_config(),
        Command::Link {
            link,
            dedupe,
            audit,
        } => setup::link(&link, &dedupe, &audit).and_then(|run| run.go()),
        Command::Run { config } => setup::pipeline_file(&config).and_then(|run| run.go()),
        Command::Profile(args) => files::profile(&args),
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

/// Writes to standard error; if that is closed too, there is nowhere left
/// to say it.
pub(crate) fn say(text: &str) {
    let mut err = io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = err.write_all(b"\n");
    }
}

/// Writes `text` to standard output.
fn print(text: &str) -> Result<ExitCode, Fatal> {
    let mut out = io::stdout().lock();
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .map_err(|e| Fatal::io("writing", &e))?;
    Ok(ExitCode::SUCCESS)
}

fn print_schema(path: Option<&PathBuf>) -> Result<ExitCode, Fatal> {
    print(&setup::load_schema(path)?.to_json())
}

fn print_dedupe_config() -> Result<ExitCode, Fatal> {
    print(&custodia::dedupe::Config::default().to_json())
}

fn demo() -> Result<ExitCode, Fatal> {
    let run = setup::clean(
        &IoArgs::default(),
        &setup::default_rows(),
        &UnmaskedAuditArgs::default(),
    )?;
    run.go_on(
        Box::new(files::SAMPLE_CSV.as_bytes()),
        Box::new(io::stdout().lock()),
    )
}
