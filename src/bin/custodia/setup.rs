//! Arguments and settings files turned into a [`PipelineConfig`], and
//! that into a [`Job`]. The `run` file is the library's pipeline JSON with
//! file paths allowed in place of settings objects, plus where the rows
//! come from and go. A file that cannot be used is a usage error (exit 2)
//! that names the file.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use custodia::Schema;
use custodia::audit::{AuditLog, Auditor};
use custodia::mask::KeyRing;
use custodia::pipeline::{MaskSettings, PipelineConfig, SourceSettings};
use custodia::profile::ProfileSettings;
use serde_json::Value;
use zeroize::Zeroizing;

use crate::files::{Job, LinkJob, ReviewJob};
use crate::{
    AuditArgs, DedupeArgs, Fatal, FormatArg, IoArgs, LinkArgs, MaskArgs, ProfileArgs, RowArgs,
    SubjectArgs, UnmaskedAuditArgs,
};
use custodia::profile::review::{ReviewSettings, ReviewView};

/// Reads a settings file. Text that is not UTF-8 is a configuration error,
/// not an I/O one.
pub(crate) fn read_file(path: &Path) -> Result<String, Fatal> {
    let bytes = std::fs::read(path).map_err(|e| Fatal::io(&path.display().to_string(), &e))?;
    String::from_utf8(bytes)
        .map_err(|_| Fatal::Usage(format!("{}: not UTF-8 text", path.display())))
}

/// A settings file parsed as JSON.
fn load_json(path: &Path) -> Result<Value, Fatal> {
    serde_json::from_str(&read_file(path)?)
        .map_err(|e| Fatal::Usage(format!("{}: {e}", path.display())))
}

pub(crate) fn load_schema(path: Option<&PathBuf>) -> Result<Schema, Fatal> {
    match path {
        None => Ok(Schema::customer()),
        Some(path) => Schema::from_json(&read_file(path)?)
            .map_err(|e| Fatal::Usage(format!("{}: {e}", path.display()))),
    }
}

/// The row arguments' defaults (for `demo`).
pub(crate) fn default_rows() -> RowArgs {
    RowArgs {
        format: FormatArg::Csv,
        delimiter: ",".into(),
        no_header: false,
        mappings: Vec::new(),
        drop: Vec::new(),
        keep: Vec::new(),
        warnings_column: false,
        reject_on: Vec::new(),
        accept_possible_phones: false,
    }
}

/// `COLUMN=FIELD` arguments as a map.
fn mappings(args: &[String], flag: &str) -> Result<BTreeMap<String, String>, Fatal> {
    args.iter()
        .map(|m| {
            m.split_once('=')
                .map(|(c, f)| (c.trim().to_owned(), f.trim().to_owned()))
                .ok_or_else(|| Fatal::Usage(format!("{flag} `{m}`: expected COLUMN=FIELD")))
        })
        .collect()
}

/// A pipeline config with the row arguments.
fn config(io: &IoArgs, rows: &RowArgs, steps: &[&str]) -> Result<PipelineConfig, Fatal> {
    let mut config = PipelineConfig::default();
    if let Some(path) = &io.schema {
        config.schema = Some(load_json(path)?);
    }
    config.format = rows.format.into();
    config.delimiter.clone_from(&rows.delimiter);
    config.header = !rows.no_header;
    config.map = mappings(&rows.mappings, "--map")?;
    config.drop.clone_from(&rows.drop);
    config.keep.clone_from(&rows.keep);
    config.warnings_column = rows.warnings_column;
    config.reject_on.clone_from(&rows.reject_on);
    config.accept_possible_phones = rows.accept_possible_phones;
    config.steps = steps.iter().map(|s| (*s).to_owned()).collect();
    Ok(config)
}

fn dedupe_settings(config: &mut PipelineConfig, args: &DedupeArgs) -> Result<(), Fatal> {
    let load = |p: &Option<PathBuf>| p.as_deref().map(load_json).transpose();
    config.dedupe.config = load(&args.config)?;
    config.dedupe.merge_policy = load(&args.merge_policy)?;
    config.dedupe.model = load(&args.model)?;
    Ok(())
}

fn job(config: &PipelineConfig, keys: KeyRing, io: &IoArgs) -> Result<Job, Fatal> {
    let (pipeline, options) = config.build(keys)?;
    Ok(Job {
        pipeline,
        options,
        input: io.input.clone(),
        output: io.output.clone(),
        rejects: io.rejects.clone(),
        report: io.report.clone(),
        pairs: None,
        golden: None,
        save_model: None,
        review: None,
        quiet: io.quiet,
        link: None,
    })
}

fn with_dedupe_outputs(mut job: Job, args: &DedupeArgs) -> Result<Job, Fatal> {
    job.pairs.clone_from(&args.pairs);
    job.golden.clone_from(&args.golden);
    job.save_model.clone_from(&args.save_model);
    if let Some(path) = &args.review {
        let band = |text: &str| text.trim().parse::<f64>().ok();
        let (lower, upper) = args
            .review_band
            .split_once(',')
            .and_then(|(low, high)| Some((band(low)?, band(high)?)))
            .ok_or_else(|| {
                Fatal::Usage("--review-band: give two probabilities, LOW,HIGH".into())
            })?;
        let settings = ReviewSettings::new(lower, upper, args.review_limit)?;
        let view = ReviewView::new(job.pipeline.schema(), args.review_audience.as_deref())?;
        job.review = Some(ReviewJob {
            path: path.clone(),
            settings,
            view,
        });
    }
    Ok(job)
}

/// The pipeline and settings of a profile run.
pub(crate) fn profile(
    args: &ProfileArgs,
) -> Result<
    (
        custodia::Pipeline,
        custodia::pipeline::RunOptions,
        ProfileSettings,
    ),
    Fatal,
> {
    let io = IoArgs {
        schema: args.schema.clone(),
        ..IoArgs::default()
    };
    let (pipeline, options) = config(&io, &args.rows, &["clean"])?.build(KeyRing::new())?;
    let mut settings = match &args.settings {
        Some(path) => ProfileSettings::from_json(&read_file(path)?)
            .map_err(|e| Fatal::Usage(format!("{}: {e}", path.display())))?,
        None => ProfileSettings::default(),
    };
    if let Some(top) = args.top {
        settings.top = top;
    }
    if args.as_of.is_some() {
        settings.as_of.clone_from(&args.as_of);
    }
    if args.staleness_field.is_some() {
        settings.staleness_field.clone_from(&args.staleness_field);
    }
    Ok((pipeline, options, settings))
}

/// Normalize and validate, each row written with sensitive fields logged
/// when asked.
pub(crate) fn clean(io: &IoArgs, rows: &RowArgs, audit: &UnmaskedAuditArgs) -> Result<Job, Fatal> {
    let auditor = unmasked_auditor(audit)?;
    audited(
        job(&config(io, rows, &["clean"])?, KeyRing::new(), io)?,
        auditor,
    )
}

/// The auditor of a command that writes rows unmasked, when --audit-log
/// is given.
fn unmasked_auditor(args: &UnmaskedAuditArgs) -> Result<Option<Auditor>, Fatal> {
    match &args.audit.audit_log {
        Some(_) => auditor(&keys(args.keys.as_deref())?, &args.audit, "written"),
        None => Ok(None),
    }
}

/// Clean, then mask for one audience, each view with sensitive fields in
/// clear logged when asked.
pub(crate) fn mask(
    io: &IoArgs,
    rows: &RowArgs,
    args: &MaskArgs,
    audit: &AuditArgs,
) -> Result<Job, Fatal> {
    let mut config = config(io, rows, &["clean", "mask"])?;
    let mut mask = MaskSettings::default();
    mask.audience.clone_from(&args.audience);
    mask.policy = args.policy.as_deref().map(load_json).transpose()?;
    config.mask = Some(mask);
    let ring = keys(args.keys.as_deref())?;
    let auditor = auditor(&ring, audit, "disclosed")?;
    audited(job(&config, ring, io)?, auditor)
}

/// Reveal stored rows for one audience, each reveal logged when asked.
pub(crate) fn reveal(
    io: &IoArgs,
    rows: &RowArgs,
    args: &MaskArgs,
    audit: &AuditArgs,
) -> Result<Job, Fatal> {
    purpose(audit, "revealed")?;
    let config = stored_config(io, rows, args, "reveal")?;
    let ring = keys(args.keys.as_deref())?;
    let auditor = auditor(&ring, audit, "revealed")?;
    audited(job(&config, ring, io)?, auditor)
}

/// The purpose given, refused when missing or blank.
fn purpose<'a>(audit: &'a AuditArgs, what: &str) -> Result<&'a str, Fatal> {
    match audit.purpose.as_deref() {
        Some(purpose) if !purpose.trim().is_empty() => Ok(purpose),
        _ => Err(Fatal::Usage(format!(
            "--purpose must say why the rows are {what}"
        ))),
    }
}

/// An auditor over the log of `audit` (none without --audit-log), keyed
/// with the audit key of `ring`.
fn auditor(ring: &KeyRing, audit: &AuditArgs, what: &str) -> Result<Option<Auditor>, Fatal> {
    let Some(path) = &audit.audit_log else {
        return Ok(None);
    };
    let purpose = purpose(audit, what)?;
    let key = ring.get(&audit.audit_key).cloned().ok_or_else(|| {
        Fatal::Usage(format!(
            "--audit-log: no key `{}` in the keys file (see --audit-key)",
            audit.audit_key
        ))
    })?;
    let log = AuditLog::open(path, &key).map_err(Fatal::from)?;
    let actor = audit
        .actor
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "unknown".into());
    Ok(Some(Auditor::new(Arc::new(log), &key, actor, purpose)?))
}

/// `job` with its mask or reveal step logged by `auditor`, when given.
fn audited(mut job: Job, auditor: Option<Auditor>) -> Result<Job, Fatal> {
    if let Some(auditor) = auditor {
        job.pipeline = job.pipeline.audited(auditor)?;
    }
    Ok(job)
}

/// Re-encrypt stored rows under the current keys.
pub(crate) fn rewrap(io: &IoArgs, rows: &RowArgs, args: &MaskArgs) -> Result<Job, Fatal> {
    let config = stored_config(io, rows, args, "rewrap")?;
    job(&config, keys(args.keys.as_deref())?, io)
}

fn stored_config(
    io: &IoArgs,
    rows: &RowArgs,
    args: &MaskArgs,
    step: &str,
) -> Result<PipelineConfig, Fatal> {
    let mut config = config(io, rows, &[step])?;
    let mut mask = MaskSettings::default();
    mask.audience.clone_from(&args.audience);
    mask.policy = args.policy.as_deref().map(load_json).transpose()?;
    config.mask = Some(mask);
    Ok(config)
}

/// `custodia subject`: read and clean every source, find the person, write
/// the export and the erasure plan.
pub(crate) fn subject(args: &SubjectArgs) -> Result<ExitCode, Fatal> {
    use custodia::subject::{Source, SubjectSearch, erasure_plan, export};
    let auditor = unmasked_auditor(&args.audit)?;
    let schema = load_schema(args.schema.as_ref())?;
    let mut details: Vec<(String, String)> = [
        ("full_name", &args.name),
        ("email", &args.email),
        ("phone", &args.phone),
        ("national_id", &args.id),
        ("birth_date", &args.birth_date),
        ("country", &args.country),
    ]
    .into_iter()
    .filter_map(|(f, v)| v.as_ref().map(|v| (f.to_owned(), v.clone())))
    .collect();
    details.extend(mappings(&args.fields, "--field")?);
    let search =
        SubjectSearch::new(&schema)?.thresholds(args.min_probability, args.confirm_below)?;
    let probe = search.probe(&details)?;
    let io = IoArgs {
        schema: args.schema.clone(),
        ..IoArgs::default()
    };
    let rows = RowArgs {
        format: args.format,
        delimiter: args.delimiter.clone(),
        mappings: args.mappings.clone(),
        ..default_rows()
    };
    let (pipeline, options) = config(&io, &rows, &["clean"])?.build(KeyRing::new())?;
    let mut sources = Vec::new();
    for source in &args.sources {
        let (name, path) = source
            .split_once('=')
            .ok_or_else(|| Fatal::Usage(format!("--source `{source}`: expected NAME=FILE")))?;
        if sources.iter().any(|s: &Source| s.name == name) {
            return Err(Fatal::Usage(format!(
                "--source: the name `{name}` is given twice (each source needs its own name)"
            )));
        }
        let file = std::fs::File::open(path).map_err(|e| Fatal::io(path, &e))?;
        let (records, _) = pipeline.read_records(&options, file)?;
        sources.push(Source {
            name: name.to_owned(),
            records,
        });
    }
    let found = search.find(&probe, &sources)?;
    let exported = args.export.is_some() || args.erasure_plan.is_none();
    if let Some(auditor) = auditor.as_ref().filter(|_| exported) {
        // Each record the export holds, logged before it is written.
        for record in found.iter().filter_map(|m| m.record(&sources)) {
            let key = record
                .text(custodia::mask::DEFAULT_RECORD_KEY)
                .unwrap_or_default();
            auditor.disclose_unmasked(record, key)?;
        }
    }
    let write = |path: &Path, text: &str| {
        std::fs::write(path, text).map_err(|e| Fatal::io(&path.display().to_string(), &e))
    };
    if let Some(path) = &args.erasure_plan {
        write(path, &erasure_plan(&found))?;
    }
    match &args.export {
        Some(path) => write(path, &export(&found, &sources))?,
        None if args.erasure_plan.is_none() => {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", export(&found, &sources)).map_err(|e| Fatal::io("writing", &e))?;
        }
        None => {}
    }
    let confirm = found.iter().filter(|m| m.confirm).count();
    crate::say(&format!(
        "{} records found in {} sources ({confirm} to confirm)",
        found.len(),
        sources.len()
    ));
    Ok(if found.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `custodia audit verify`.
pub(crate) fn verify_audit(log: &Path, keys_file: &Path, id: &str) -> Result<ExitCode, Fatal> {
    let ring = keys(Some(keys_file))?;
    let key = ring
        .get(id)
        .ok_or_else(|| Fatal::Usage(format!("no key `{id}` in {}", keys_file.display())))?;
    let file = std::fs::File::open(log).map_err(|e| Fatal::io(&log.display().to_string(), &e))?;
    let checked = custodia::audit::verify(std::io::BufReader::new(file), key)?;
    match checked.problem {
        None => {
            crate::say(&format!(
                "{}: {} entries, chain intact; head {}",
                log.display(),
                checked.entries,
                checked.head
            ));
            Ok(ExitCode::SUCCESS)
        }
        Some(problem) => {
            crate::say(&format!(
                "{}: line {}: {} ({} entries verified before it)",
                log.display(),
                problem.line,
                problem.what,
                checked.entries
            ));
            Ok(ExitCode::from(1))
        }
    }
}

/// Clean, then deduplicate.
pub(crate) fn dedupe(
    io: &IoArgs,
    rows: &RowArgs,
    args: &DedupeArgs,
    audit: &UnmaskedAuditArgs,
) -> Result<Job, Fatal> {
    let auditor = unmasked_auditor(audit)?;
    let mut config = config(io, rows, &["clean", "dedupe"])?;
    dedupe_settings(&mut config, args)?;
    let job = audited(job(&config, KeyRing::new(), io)?, auditor)?;
    let mut job = with_dedupe_outputs(job, args)?;
    if let Some(path) = &args.labels {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Fatal::io(&path.display().to_string(), &e))?;
        job.options.labels = custodia::dedupe::read_labels(&text)?;
    }
    Ok(job)
}

/// Clean two sources, then link them.
pub(crate) fn link(
    args: &LinkArgs,
    dedupe: &DedupeArgs,
    audit: &UnmaskedAuditArgs,
) -> Result<Job, Fatal> {
    let auditor = unmasked_auditor(audit)?;
    let io = IoArgs {
        schema: args.schema.clone(),
        input: Some(args.left.clone()),
        output: args.output.clone(),
        rejects: args.rejects.clone(),
        report: args.report.clone(),
        quiet: args.quiet,
    };
    let rows = RowArgs {
        format: args.format,
        delimiter: args.delimiter.clone(),
        mappings: args.left_map.clone(),
        warnings_column: args.warnings_column,
        reject_on: args.reject_on.clone(),
        ..default_rows()
    };
    let mut config = config(&io, &rows, &["clean", "dedupe"])?;
    dedupe_settings(&mut config, dedupe)?;
    for (name, map, flag) in [
        (&args.left_name, &args.left_map, "--left-map"),
        (&args.right_name, &args.right_map, "--right-map"),
    ] {
        let mut source = SourceSettings::default();
        source.map = mappings(map, flag)?;
        config.sources.insert(name.clone(), source);
    }
    if dedupe.labels.is_some() {
        return Err(Fatal::Usage("--labels works with dedupe, not link".into()));
    }
    let job = audited(job(&config, KeyRing::new(), &io)?, auditor)?;
    let mut job = with_dedupe_outputs(job, dedupe)?;
    job.options = config.options_for(&args.left_name)?;
    job.link = Some(LinkJob {
        left_name: args.left_name.clone(),
        right_name: args.right_name.clone(),
        right: args.right.clone(),
        right_options: config.options_for(&args.right_name)?,
    });
    Ok(job)
}

/// The keys file: a JSON object of key id to hex secret, read by
/// [`KeyRing::from_json`] (a duplicate id, a secret that is not hex or of
/// another length is refused, naming the key id, never the secret). Its
/// text is zeroized once read.
fn keys(path: Option<&Path>) -> Result<KeyRing, Fatal> {
    let Some(path) = path else {
        return Ok(KeyRing::new());
    };
    let text = Zeroizing::new(read_file(path)?);
    KeyRing::from_json(&text).map_err(|e| Fatal::Usage(format!("{}: {e}", path.display())))
}

/// Takes a string key out of a JSON object, as a path relative to `base`.
fn take_path(
    object: &mut serde_json::Map<String, Value>,
    key: &str,
    base: &Path,
) -> Result<Option<PathBuf>, Fatal> {
    match object.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(p)) => Ok(Some(base.join(p))),
        Some(_) => Err(Fatal::Usage(format!("`{key}`: expected a file path"))),
    }
}

/// Replaces a settings value given as a file path with the file's JSON.
fn inline(
    object: &mut serde_json::Map<String, Value>,
    key: &str,
    base: &Path,
) -> Result<(), Fatal> {
    if let Some(Value::String(p)) = object.get(key) {
        let value = load_json(&base.join(p))?;
        object.insert(key.to_owned(), value);
    }
    Ok(())
}

/// Reads the pipeline a `run` file describes. Relative paths in it are
/// relative to the file's directory.
pub(crate) fn pipeline_file(path: &Path) -> Result<Job, Fatal> {
    let usage = |what: String| Fatal::Usage(format!("{}: {what}", path.display()));
    let Value::Object(mut file) = load_json(path)? else {
        return Err(usage("expected a JSON object".into()));
    };
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let io = IoArgs {
        schema: None,
        input: take_path(&mut file, "input", &base)
            .map_err(|_| usage("`input`: expected a file path".into()))?,
        output: take_path(&mut file, "output", &base)?,
        rejects: take_path(&mut file, "rejects", &base)?,
        report: take_path(&mut file, "report", &base)?,
        quiet: matches!(file.remove("quiet"), Some(Value::Bool(true))),
    };
    // Older files say `no_header`; the library says `header`.
    if let Some(Value::Bool(no)) = file.remove("no_header") {
        file.insert("header".into(), Value::Bool(!no));
    }
    inline(&mut file, "schema", &base)?;
    let mut outputs = DedupeArgs::default();
    let mut keys_path = None;
    let mut link = None;
    if let Some(Value::Object(dedupe)) = file.get_mut("dedupe") {
        outputs.pairs = take_path(dedupe, "pairs", &base)?;
        outputs.golden = take_path(dedupe, "golden", &base)?;
        outputs.save_model = take_path(dedupe, "save_model", &base)?;
        for key in ["config", "merge_policy", "model"] {
            inline(dedupe, key, &base)?;
        }
    }
    if let Some(Value::Object(mask)) = file.get_mut("mask") {
        keys_path = take_path(mask, "keys", &base)?;
        inline(mask, "policy", &base)?;
    }
    let audit = match file.remove("audit") {
        None => None,
        Some(Value::Object(mut audit)) => Some(run_audit(&mut audit, &base, &mut keys_path)?),
        Some(_) => {
            return Err(usage(
                "`audit`: expected an object (log, purpose, actor, key, keys)".into(),
            ));
        }
    };
    // A `link` step: the dedupe step over two sources.
    if let Some(Value::Array(steps)) = file.get_mut("steps") {
        for step in steps.iter_mut() {
            if step == "link" {
                *step = Value::String("dedupe".into());
                link = Some(());
            }
        }
    }
    let sides = match (file.remove("left"), file.remove("right"), link) {
        (Some(Value::Object(left)), Some(Value::Object(right)), Some(())) => Some((left, right)),
        (None, None, None) => None,
        _ => {
            return Err(usage(
                "a `link` step needs `left` and `right` objects (name, input, map), and they need the step"
                    .into(),
            ));
        }
    };
    // Each side's name and input; their maps go to `sources`.
    let mut link_inputs = Vec::new();
    if let Some((left, right)) = sides {
        for (mut side, default) in [(left, "left"), (right, "right")] {
            let name = match side.remove("name") {
                None => default.to_owned(),
                Some(Value::String(name)) => name,
                Some(_) => return Err(usage(format!("`{default}.name`: expected a string"))),
            };
            let input = take_path(&mut side, "input", &base)?
                .ok_or_else(|| usage(format!("`{default}` needs an `input`")))?;
            if let Some(map) = side.remove("map") {
                let sources = file
                    .entry("sources")
                    .or_insert_with(|| Value::Object(serde_json::Map::new()));
                if let Value::Object(sources) = sources {
                    sources.insert(name.clone(), serde_json::json!({ "map": map }));
                }
            }
            if let Some(key) = side.keys().next() {
                return Err(usage(format!(
                    "`{default}`: unknown key `{key}` (expected name, input, map)"
                )));
            }
            link_inputs.push((name, input));
        }
    }
    let config = PipelineConfig::from_json(&Value::Object(file).to_string())
        .map_err(|e| usage(e.to_string()))?;
    let keys = keys(keys_path.as_deref())?;
    let auditor = match &audit {
        Some(args) => auditor(&keys, args, "written")?,
        None => None,
    };
    let mut job = match (link_inputs.pop(), link_inputs.pop()) {
        (Some((right_name, right)), Some((left_name, left))) => {
            let io = IoArgs {
                input: Some(left),
                ..io
            };
            let mut job = job(&config, keys, &io)?;
            job.options = config.options_for(&left_name)?;
            job.link = Some(LinkJob {
                right_options: config.options_for(&right_name)?,
                left_name,
                right_name,
                right,
            });
            job
        }
        _ => job(&config, keys, &io)?,
    };
    job.pairs = outputs.pairs;
    job.golden = outputs.golden;
    job.save_model = outputs.save_model;
    audited(job, auditor)
}

/// The `audit` object of a pipeline file: its log, why, who, the audit
/// key's id, and the keys file when `mask` gives none.
fn run_audit(
    audit: &mut serde_json::Map<String, Value>,
    base: &Path,
    keys_path: &mut Option<PathBuf>,
) -> Result<AuditArgs, Fatal> {
    let usage = |what: String| Fatal::Usage(format!("`audit`: {what}"));
    let log = take_path(audit, "log", base)?.ok_or_else(|| usage("needs a `log` file".into()))?;
    if let Some(path) = take_path(audit, "keys", base)? {
        if keys_path.is_some() {
            return Err(usage(
                "`keys`: the keys file is given in `mask` already".into(),
            ));
        }
        *keys_path = Some(path);
    }
    let mut text = |key: &str| match audit.remove(key) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(usage(format!("`{key}`: expected a string"))),
    };
    let args = AuditArgs {
        purpose: text("purpose")?,
        actor: text("actor")?,
        audit_log: Some(log),
        audit_key: text("key")?.unwrap_or_else(|| "audit".into()),
    };
    if let Some(key) = audit.keys().next() {
        return Err(usage(format!(
            "unknown key `{key}` (expected log, purpose, actor, key, keys)"
        )));
    }
    Ok(args)
}
