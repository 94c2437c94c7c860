//! Settings files read into a [`Pipeline`]: the schema, the masking policy
//! and keys, the dedupe settings, model and merge policy, and the pipeline
//! file of `custodia run`. A file that cannot be used is a usage error
//! (exit 2) that names the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use custodia::dedupe::{Config, Deduper, MergePolicy, Model};
use custodia::mask::{Key, KeyRing, Masker, Policy};
use custodia::{Pipeline, Schema};

use crate::{DedupeArgs, Fatal, Format, IoArgs, MaskArgs};

/// What a run does to its rows, and where dedupe's extra outputs go.
pub(crate) struct Job {
    pub(crate) pipeline: Pipeline,
    pub(crate) dedupe: Option<DedupeArgs>,
    pub(crate) masking: bool,
}

/// Reads a settings file. Text that is not UTF-8 is a configuration error,
/// not an I/O one.
pub(crate) fn read_file(path: &Path) -> Result<String, Fatal> {
    let bytes = std::fs::read(path).map_err(|e| Fatal::io(&path.display().to_string(), e))?;
    String::from_utf8(bytes)
        .map_err(|_| Fatal::Usage(format!("{}: not UTF-8 text", path.display())))
}

/// A settings file parsed by `parse`; its errors name the file.
fn load<T>(path: &Path, parse: impl FnOnce(&str) -> custodia::Result<T>) -> Result<T, Fatal> {
    parse(&read_file(path)?).map_err(|e| Fatal::Usage(format!("{}: {e}", path.display())))
}

pub(crate) fn load_schema(path: Option<&PathBuf>) -> Result<Schema, Fatal> {
    match path {
        None => Ok(Schema::customer()),
        Some(path) => load(path, Schema::from_json),
    }
}

/// Normalize and validate.
pub(crate) fn clean(io: &IoArgs) -> Result<Job, Fatal> {
    let schema = load_schema(io.schema.as_ref())?;
    Ok(Job {
        pipeline: Pipeline::builder(&schema).build()?,
        dedupe: None,
        masking: false,
    })
}

/// Clean, then mask for one audience.
pub(crate) fn mask(io: &IoArgs, args: &MaskArgs) -> Result<Job, Fatal> {
    let schema = load_schema(io.schema.as_ref())?;
    let builder = Pipeline::builder(&schema);
    let builder = builder.mask(masker(&schema, args)?, &args.audience);
    Ok(Job {
        pipeline: builder.build()?,
        dedupe: None,
        masking: true,
    })
}

/// Clean, then deduplicate.
pub(crate) fn dedupe(io: &IoArgs, args: &DedupeArgs) -> Result<Job, Fatal> {
    let schema = load_schema(io.schema.as_ref())?;
    let (deduper, model, merge) = dedupe_parts(&schema, args)?;
    Ok(Job {
        pipeline: Pipeline::builder(&schema)
            .dedupe(deduper, model, merge)
            .build()?,
        dedupe: Some(args.clone()),
        masking: false,
    })
}

fn dedupe_parts(
    schema: &Schema,
    args: &DedupeArgs,
) -> Result<(Deduper, Option<Model>, Option<MergePolicy>), Fatal> {
    let config = match &args.config {
        Some(path) => load(path, Config::from_json)?,
        None => Config::default(),
    };
    let deduper = Deduper::with_config(schema, config)?;
    let model = args
        .model
        .as_deref()
        .map(|path| load(path, Model::from_json))
        .transpose()?;
    let merge = args
        .merge_policy
        .as_deref()
        .map(|path| load(path, MergePolicy::from_json))
        .transpose()?;
    Ok((deduper, model, merge))
}

fn masker(schema: &Schema, args: &MaskArgs) -> Result<Masker, Fatal> {
    let policy = match &args.policy {
        None => Policy::customer_default(),
        Some(path) => load(path, Policy::from_json)?,
    };
    let mut ring = KeyRing::new();
    if let Some(path) = &args.keys {
        let text = read_file(path)?;
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
    if policy.audience(&args.audience).is_none() {
        return Err(Fatal::Usage(format!(
            "the policy has no audience `{}`",
            args.audience
        )));
    }
    Ok(Masker::new(schema, &policy, ring)?)
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

/// A pipeline config file (`custodia run`).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PipelineFile {
    schema: Option<PathBuf>,
    input: Option<PathBuf>,
    output: Option<PathBuf>,
    #[serde(default)]
    format: Format,
    delimiter: Option<String>,
    #[serde(default)]
    no_header: bool,
    rejects: Option<PathBuf>,
    report: Option<PathBuf>,
    #[serde(default)]
    map: BTreeMap<String, String>,
    #[serde(default)]
    drop: Vec<String>,
    #[serde(default)]
    quiet: bool,
    steps: Vec<String>,
    dedupe: Option<DedupeArgs>,
    mask: Option<MaskArgs>,
}

/// Reads the pipeline a config file describes. Relative paths in it are
/// relative to the config file's directory.
pub(crate) fn pipeline_file(path: &Path) -> Result<(IoArgs, Job), Fatal> {
    let text = read_file(path)?;
    let file: PipelineFile = serde_json::from_str(&text)
        .map_err(|e| Fatal::Usage(format!("{}: {e}", path.display())))?;
    let base = path.parent().map(PathBuf::from).unwrap_or_default();
    let at = |p: Option<PathBuf>| p.map(|p| base.join(p));
    let usage = |what: &str| Fatal::Usage(format!("{}: {what}", path.display()));
    let order = ["clean", "dedupe", "mask"];
    let positions: Option<Vec<usize>> = file
        .steps
        .iter()
        .map(|s| order.iter().position(|o| o == s))
        .collect();
    let step = |name: &str| file.steps.iter().any(|s| s == name);
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
    let io = IoArgs {
        schema: at(file.schema),
        input: at(file.input),
        output: at(file.output),
        format: file.format,
        delimiter: file.delimiter.unwrap_or_else(|| ",".into()),
        no_header: file.no_header,
        rejects: at(file.rejects),
        report: at(file.report),
        mappings: file.map.iter().map(|(c, f)| format!("{c}={f}")).collect(),
        drop: file.drop,
        quiet: file.quiet,
    };
    let schema = load_schema(io.schema.as_ref())?;
    let mut builder = Pipeline::builder(&schema);
    let mut dedupe = None;
    if step("dedupe") {
        let d = file.dedupe.unwrap_or_default();
        let d = DedupeArgs {
            config: at(d.config),
            model: at(d.model),
            save_model: at(d.save_model),
            pairs: at(d.pairs),
            golden: at(d.golden),
            merge_policy: at(d.merge_policy),
        };
        let (deduper, model, merge) = dedupe_parts(&schema, &d)?;
        builder = builder.dedupe(deduper, model, merge);
        dedupe = Some(d);
    }
    let masking = step("mask");
    if masking {
        let mask = file
            .mask
            .ok_or_else(|| usage("the mask step needs a \"mask\" section with an audience"))?;
        let mask = MaskArgs {
            audience: mask.audience,
            policy: at(mask.policy),
            keys: at(mask.keys),
        };
        builder = builder.mask(masker(&schema, &mask)?, &mask.audience);
    }
    let job = Job {
        pipeline: builder.build()?,
        dedupe,
        masking,
    };
    Ok((io, job))
}
