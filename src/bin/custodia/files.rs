//! A run's files: opening the input and the outputs, showing progress,
//! and reporting what the pipeline did (summary on stderr, report and
//! model files, the exit code).

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use custodia::Pipeline;
use custodia::pipeline::{Outputs, Review, RunOptions, Side, Summary};
use custodia::profile::review::{ReviewSettings, ReviewView};

use crate::{Fatal, ProfileArgs, say};

/// Built-in sample customers for `custodia demo`.
pub(crate) const SAMPLE_CSV: &str = include_str!("../../../examples/data/customers.csv");

/// A pipeline and where its rows come from and go.
pub(crate) struct Job {
    pub(crate) pipeline: Pipeline,
    pub(crate) options: RunOptions,
    pub(crate) input: Option<PathBuf>,
    pub(crate) output: Option<PathBuf>,
    pub(crate) rejects: Option<PathBuf>,
    pub(crate) report: Option<PathBuf>,
    pub(crate) pairs: Option<PathBuf>,
    pub(crate) golden: Option<PathBuf>,
    pub(crate) save_model: Option<PathBuf>,
    /// The review page's file, what it shows, and for which audience.
    pub(crate) review: Option<ReviewJob>,
    pub(crate) quiet: bool,
    /// The second source of a link (the first is `input`, `options`).
    pub(crate) link: Option<LinkJob>,
}

/// The match review page of a dedupe or link run.
pub(crate) struct ReviewJob {
    pub(crate) path: PathBuf,
    pub(crate) settings: ReviewSettings,
    pub(crate) view: ReviewView,
}

/// The names and second source of a link.
pub(crate) struct LinkJob {
    pub(crate) left_name: String,
    pub(crate) right_name: String,
    pub(crate) right: PathBuf,
    pub(crate) right_options: RunOptions,
}

/// `None` for standard input or output (`-` or no path).
fn named(path: Option<&PathBuf>) -> Option<&PathBuf> {
    path.filter(|p| p.as_os_str() != "-")
}

/// An input file and its size, for progress.
fn open(path: &Path) -> Result<(File, Option<u64>), Fatal> {
    let file = File::open(path).map_err(|e| Fatal::io(&path.display().to_string(), &e))?;
    let size = file
        .metadata()
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    Ok((file, size))
}

/// The input: a file and its size, or standard input (`-` or no path).
fn open_input(path: Option<&PathBuf>) -> Result<(Box<dyn Read + Send>, Option<u64>), Fatal> {
    match named(path) {
        Some(path) => {
            let (file, size) = open(path)?;
            Ok((Box::new(file), size))
        }
        None => Ok((Box::new(io::stdin()), None)),
    }
}

fn create(path: &Path) -> Result<BufWriter<File>, Fatal> {
    File::create(path)
        .map(|f| BufWriter::with_capacity(1 << 16, f))
        .map_err(|e| Fatal::io(&path.display().to_string(), &e))
}

impl Job {
    /// Runs the job on its files.
    pub(crate) fn go(self) -> Result<ExitCode, Fatal> {
        let (input, size) = open_input(self.input.as_ref())?;
        let output: Box<dyn Write> = match named(self.output.as_ref()) {
            Some(path) => Box::new(
                File::create(path).map_err(|e| Fatal::io(&path.display().to_string(), &e))?,
            ),
            None => Box::new(io::stdout().lock()),
        };
        self.run(input, size, output)
    }

    /// Runs the job on `input`, writing rows to `output`.
    pub(crate) fn go_on(
        self,
        input: Box<dyn Read + Send>,
        output: Box<dyn Write>,
    ) -> Result<ExitCode, Fatal> {
        self.run(input, None, output)
    }

    fn run(
        self,
        input: Box<dyn Read + Send>,
        size: Option<u64>,
        output: Box<dyn Write>,
    ) -> Result<ExitCode, Fatal> {
        // `-` names standard output, which carries the rows: a file
        // called `-` would surprise.
        let review_path = self.review.as_ref().map(|job| &job.path);
        for (flag, path) in [
            ("--rejects", self.rejects.as_ref()),
            ("--pairs", self.pairs.as_ref()),
            ("--golden", self.golden.as_ref()),
            ("--review", review_path),
        ] {
            if path.is_some_and(|p| p.as_os_str() == "-") {
                return Err(Fatal::Usage(format!(
                    "{flag} -: standard output carries the rows; give a file name \
                     (or /dev/stdout, with --output FILE for the rows)"
                )));
            }
        }
        let mut out = BufWriter::with_capacity(1 << 16, output);
        let mut rejects = self.rejects.as_deref().map(create).transpose()?;
        let mut pairs = self.pairs.as_deref().map(create).transpose()?;
        let mut golden = self.golden.as_deref().map(create).transpose()?;
        let mut review = match &self.review {
            Some(job) => Some((create(&job.path)?, job)),
            None => None,
        };
        let mut outputs = Outputs::new(&mut out);
        if let Some(w) = rejects.as_mut() {
            outputs = outputs.rejects(w);
        }
        if let Some(w) = pairs.as_mut() {
            outputs = outputs.pairs(w);
        }
        if let Some(w) = golden.as_mut() {
            outputs = outputs.golden(w);
        }
        if let Some((w, job)) = review.as_mut() {
            outputs = outputs.review(Review::new(w, job.settings.clone(), job.view.clone()));
        }
        let bar = Bar::new(self.quiet, size);
        let progress = |rows: u64, bytes: u64| bar.update(rows, bytes);
        let summary = match &self.link {
            None => self
                .pipeline
                .run(&self.options, input, outputs, Some(&progress))?,
            Some(link) => {
                let (right, _) = open(&link.right)?;
                self.pipeline.link(
                    Side {
                        name: &link.left_name,
                        options: &self.options,
                        input,
                    },
                    Side {
                        name: &link.right_name,
                        options: &link.right_options,
                        input: right,
                    },
                    outputs,
                    Some(&progress),
                )?
            }
        };
        bar.finish();
        self.report(&summary)
    }

    /// Prints the summary, writes the report and model, and says how the
    /// run ended.
    fn report(&self, summary: &Summary) -> Result<ExitCode, Fatal> {
        if !self.quiet {
            say(&summary.to_text());
        }
        if let Some(path) = &self.report {
            std::fs::write(path, summary.to_json())
                .map_err(|e| Fatal::io(&path.display().to_string(), &e))?;
        }
        if let (Some(path), Some(model)) = (&self.save_model, &summary.model) {
            std::fs::write(path, model.to_json())
                .map_err(|e| Fatal::io(&path.display().to_string(), &e))?;
        }
        Ok(if summary.is_clean() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    }
}

/// `custodia profile`: reads the input through the pipeline into a
/// profile, compares it with an earlier one when asked, and writes it.
pub(crate) fn profile(args: &ProfileArgs) -> Result<ExitCode, Fatal> {
    let (pipeline, options, settings) = crate::setup::profile(args)?;
    // Read the earlier profile first: a bad one fails before the long run.
    let previous = match &args.compare {
        Some(path) => Some(
            custodia::profile::Profile::from_json(&crate::setup::read_file(path)?)
                .map_err(|e| Fatal::Usage(format!("{}: {e}", path.display())))?,
        ),
        None => None,
    };
    if !(0.0..=100.0).contains(&args.drift_points) {
        return Err(Fatal::Usage(
            "--drift-points must be between 0 and 100".into(),
        ));
    }
    let mut profiler = custodia::profile::Profiler::new(pipeline.schema(), &settings)?;
    let (input, size) = open_input(args.input.as_ref())?;
    let bar = Bar::new(args.quiet, size);
    let progress = |rows: u64, bytes: u64| bar.update(rows, bytes);
    let summary = pipeline.profile(&options, input, &mut profiler, Some(&progress))?;
    bar.finish();
    let mut profile = profiler.finish();
    if let Some(previous) = &previous {
        profile.compare(previous, args.drift_points);
    }
    let write = |path: &Path, text: &str| -> Result<(), Fatal> {
        if path.as_os_str() == "-" {
            let mut out = io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|e| Fatal::io("writing", &e))
        } else {
            std::fs::write(path, text).map_err(|e| Fatal::io(&path.display().to_string(), &e))
        }
    };
    if let Some(path) = &args.html {
        write(path, &profile.to_html())?;
    }
    match &args.json {
        Some(path) => write(path, &(profile.to_json() + "\n"))?,
        None if args.html.is_none() => write(Path::new("-"), &(profile.to_json() + "\n"))?,
        None => {}
    }
    if !args.quiet {
        let unreadable = summary.rows_in - profile.rows.records;
        say(&format!(
            "profiled {} rows: {} records ({} with errors), {} unreadable",
            summary.rows_in, profile.rows.records, profile.records.with_errors, unreadable
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// A progress bar on a terminal: bytes and ETA when the input's size is
/// known, else rows so far; rows per second either way.
struct Bar(Option<indicatif::ProgressBar>);

impl Bar {
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
