//! A pipeline described in JSON: the stages and their settings, and how
//! rows are read and written. The command-line tool's `run` files are this
//! format with file paths in place of the settings objects; C programs pass
//! it to `custodia_pipeline_new`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Format, Pipeline, RunOptions};
use crate::dedupe::{Config, Deduper, MergePolicy, Model};
use crate::error::{ErrorKind, Result, hint_unknown_key};
use crate::mask::{KeyRing, Masker, Policy};
use crate::schema::Schema;

/// A pipeline's settings, as JSON:
///
/// ```json
/// {
///   "schema": {"name": "crm", "fields": [...]},
///   "format": "csv", "delimiter": ",", "header": true,
///   "map": {"mobile": "phone"}, "drop": ["notes"], "keep": ["account"],
///   "sources": {"billing": {"map": {"tel": "phone"}}},
///   "warnings_column": false, "reject_on": ["phone_possible_not_valid"],
///   "steps": ["clean", "dedupe", "mask"],
///   "dedupe": {"config": {"threshold": 0.9}, "merge_policy": {...}, "model": {...}},
///   "mask": {"audience": "support", "policy": {...}}
/// }
/// ```
///
/// Every key may be left out: the built-in customer schema, CSV with a
/// header, the step `clean`, and each stage's defaults.
/// [`PipelineConfig::default`]`.to_json()` prints them all. Steps are some
/// of `clean`, `dedupe` and `mask`, in that order; `dedupe` needs `clean`,
/// and `mask` validates as `clean` does. Alone, `reveal` or `rewrap` read
/// stored rows as they are and reveal them for the `mask` section's
/// audience, or move their ciphertexts to its current key (see
/// [`PipelineBuilder::reveal`](super::PipelineBuilder::reveal)). Keys for masking are given apart
/// ([`PipelineConfig::build`]), never in this file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct PipelineConfig {
    /// The schema (as in [`Schema::from_json`]); the built-in customer
    /// schema when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<serde_json::Value>,
    /// `csv` or `jsonl`.
    pub format: Format,
    /// The CSV field delimiter: one ASCII character, or `tab`.
    pub delimiter: String,
    /// Whether a CSV input starts with a header row (without one, its
    /// columns are the schema's fields, in order).
    pub header: bool,
    /// Input columns read as schema fields (`column` to `field`).
    pub map: BTreeMap<String, String>,
    /// Input columns left out of the output.
    pub drop: Vec<String>,
    /// Columns outside the schema written even when masking.
    pub keep: Vec<String>,
    /// Settings of named sources, for a link: each source's `map` replaces
    /// the one above when that source is read.
    pub sources: BTreeMap<String, SourceSettings>,
    /// Whether output rows get a `_warnings` column (warning codes joined
    /// by `;`).
    pub warnings_column: bool,
    /// Issue codes that reject a row even though their severity is
    /// warning; `warning` for all of them.
    pub reject_on: Vec<String>,
    /// Accept phone numbers of a possible length that their plan does not
    /// list, as warnings (`phone_possible_not_valid`) instead of errors.
    pub accept_possible_phones: bool,
    /// Some of `clean`, `dedupe`, `mask`, in that order; or `reveal` or
    /// `rewrap` alone.
    pub steps: Vec<String>,
    /// The dedupe step's settings.
    pub dedupe: DedupeSettings,
    /// The mask step's settings (required with the `mask` step).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mask: Option<MaskSettings>,
}

/// The settings of one named source of a link.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct SourceSettings {
    /// The source's columns read as schema fields.
    pub map: BTreeMap<String, String>,
}

/// The dedupe step's settings, each optional.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct DedupeSettings {
    /// Duplicate-detection settings ([`Config`]); defaults when absent.
    pub config: Option<serde_json::Value>,
    /// Survivorship rules ([`MergePolicy`]); [`MergePolicy::for_schema`]
    /// when absent.
    pub merge_policy: Option<serde_json::Value>,
    /// A saved [`Model`] to score with instead of training one.
    pub model: Option<serde_json::Value>,
}

/// The mask step's settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct MaskSettings {
    /// The audience whose view is written.
    pub audience: String,
    /// The masking [`Policy`]; the built-in customer policy when absent.
    pub policy: Option<serde_json::Value>,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            schema: None,
            format: Format::Csv,
            delimiter: ",".into(),
            header: true,
            map: BTreeMap::new(),
            drop: Vec::new(),
            keep: Vec::new(),
            sources: BTreeMap::new(),
            warnings_column: false,
            reject_on: Vec::new(),
            accept_possible_phones: false,
            steps: vec!["clean".into()],
            dedupe: DedupeSettings {
                config: serde_json::to_value(Config::default()).ok(),
                merge_policy: None,
                model: None,
            },
            mask: None,
        }
    }
}

const STEPS: [&str; 3] = ["clean", "dedupe", "mask"];

fn invalid(reason: impl Into<String>) -> crate::Error {
    ErrorKind::InvalidPipeline {
        reason: reason.into(),
    }
    .into()
}

impl PipelineConfig {
    /// Reads settings from JSON. An unknown key is an error that names the
    /// nearest valid one.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidPipeline`].
    pub fn from_json(json: &str) -> Result<Self> {
        serde_json::from_str(json).map_err(|e| invalid(hint_unknown_key(&e.to_string())))
    }

    /// The settings as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Whether the steps include `step`.
    pub fn has_step(&self, step: &str) -> bool {
        self.steps.iter().any(|s| s == step)
    }

    /// How the source `name` of a link is read: the run options, with the
    /// source's own `map` when `sources` has one.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidPipeline`] for a bad delimiter.
    pub fn options_for(&self, name: &str) -> Result<RunOptions> {
        let mut options = self.run_options()?;
        if let Some(source) = self.sources.get(name) {
            options.map.clone_from(&source.map);
        }
        Ok(options)
    }

    fn run_options(&self) -> Result<RunOptions> {
        Ok(RunOptions {
            format: self.format,
            delimiter: super::run::delimiter(&self.delimiter)?,
            header: self.header,
            map: self.map.clone(),
            drop: self.drop.clone(),
            keep: self.keep.clone(),
            warnings_column: self.warnings_column,
            labels: Vec::new(),
        })
    }

    /// Builds the pipeline and how it reads and writes rows; `keys` are the
    /// masking keys (may be empty when no operator of the audience needs
    /// one).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidPipeline`] for steps out of order, a missing mask
    /// section or an unknown issue code in `reject_on`; the errors of each
    /// stage's own settings, and of [`Pipeline::builder`].
    pub fn build(&self, keys: KeyRing) -> Result<(Pipeline, RunOptions)> {
        let positions: Option<Vec<usize>> = self
            .steps
            .iter()
            .map(|s| STEPS.iter().position(|o| o == s))
            .collect();
        let stored = match self.steps.as_slice() {
            [one] if one == "reveal" || one == "rewrap" => Some(one.as_str()),
            _ => None,
        };
        match positions {
            _ if stored.is_some() => {}
            Some(p) if !p.is_empty() && p.windows(2).all(|w| w[0] < w[1]) => {}
            _ => {
                return Err(invalid(
                    "steps must be some of \"clean\", \"dedupe\", \"mask\", in that order, each once; or \"reveal\" or \"rewrap\" alone",
                ));
            }
        }
        if self.has_step("dedupe") && !self.has_step("clean") {
            return Err(invalid("the dedupe step needs the clean step before it"));
        }
        let schema = match &self.schema {
            None => Schema::customer(),
            Some(value) => Schema::from_json(&value.to_string())?,
        };
        let mut builder = Pipeline::builder(&schema)
            .accept_possible_phones(self.accept_possible_phones)
            .reject_on(&self.reject_on)?;
        if self.has_step("dedupe") {
            let config = match &self.dedupe.config {
                Some(value) => Config::from_json(&value.to_string())?,
                None => Config::default(),
            };
            let model = match &self.dedupe.model {
                Some(value) => Some(Model::from_json(&value.to_string())?),
                None => None,
            };
            let merge = match &self.dedupe.merge_policy {
                Some(value) => Some(MergePolicy::from_json(&value.to_string())?),
                None => None,
            };
            builder = builder.dedupe(Deduper::with_config(&schema, config)?, model, merge);
        }
        if self.has_step("mask") || stored.is_some() {
            let step = stored.unwrap_or("mask");
            let mask = self.mask.as_ref().ok_or_else(|| {
                invalid(format!(
                    "the {step} step needs a \"mask\" section with an audience"
                ))
            })?;
            let policy = match &mask.policy {
                Some(value) => Policy::from_json(&value.to_string())?,
                None => Policy::customer(),
            };
            // Only the keys this audience uses must be in the ring.
            let masker = Masker::for_audiences(&schema, &policy, keys, &[&mask.audience])?;
            builder = match step {
                "reveal" => builder.reveal(masker, &mask.audience),
                "rewrap" => builder.rewrap(masker, &mask.audience),
                _ => builder.mask(masker, &mask.audience),
            };
        }
        let options = self.run_options()?;
        Ok((builder.build()?, options))
    }
}
