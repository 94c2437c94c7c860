//! The stages composed: normalize, validate, then mask, and deduplicate
//! once every row is in. The command-line tool and the C library run rows
//! through a [`Pipeline`], so both give the same answer for the same input.
//!
//! ```
//! use custodia::{Pipeline, Record, Schema};
//!
//! let schema = Schema::customer();
//! let pipeline = Pipeline::builder(&schema).build()?;
//! let row = Record::from_json(&schema, r#"{"customer_id": "c-1",
//!     "email": "Ann@Example.COM", "birth_date": "1990-02-30"}"#)?;
//! let done = pipeline.process(row)?;
//! assert!(done.is_rejected()); // 30 February
//! assert_eq!(done.record.text("email"), Some("Ann@example.com"));
//! // For matching, a field that failed validation counts as missing.
//! let compared = pipeline.comparable(&done);
//! assert_eq!(compared.record.text("birth_date"), None);
//! assert_eq!(compared.record.text("email"), Some("Ann@example.com"));
//! # Ok::<(), custodia::Error>(())
//! ```

mod config;
mod packed;
mod read;
mod run;
mod write;

pub use config::{DedupeSettings, MaskSettings, PipelineConfig, SourceSettings};
pub use run::{
    DedupeSummary, Format, Outputs, Progress, Review, ReviewSummary, RunOptions, Side, Summary,
};

use crate::audit::Auditor;
use crate::dedupe::{Deduper, GoldenRecord, MergePolicy, Merger, Model, Outcome, Records};
use crate::error::{ErrorKind, Result};
use crate::mask::Masker;
use crate::normalize::{Change, Normalized, Normalizer};
use crate::schema::{Record, Schema, Value};
use crate::validate::{IssueCode, Report, Severity, Validator};
use packed::Packed;
use rayon::prelude::*;

/// Stages to run on every record, built once and shared by all threads.
#[derive(Debug)]
pub struct Pipeline {
    normalizer: Normalizer,
    validator: Option<Validator>,
    reject_on: RejectOn,
    mask: Option<MaskStep>,
    dedupe: Option<DedupeStep>,
    /// Where reveals and disclosures are logged.
    audit: Option<Auditor>,
}

/// Masking for one audience.
#[derive(Debug)]
struct MaskStep {
    masker: Masker,
    audience: String,
    kind: MaskKind,
}

/// What the mask step does to each row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MaskKind {
    /// Clean rows are masked (and encrypted) for the audience.
    Mask,
    /// Stored rows are revealed for the audience, as they are (no
    /// normalization or validation: a ciphertext is neither).
    Reveal,
    /// Stored rows have their ciphertexts moved to the current key.
    Rewrap,
}

/// Deduplication and merging, with a saved model or one to train.
#[derive(Debug)]
struct DedupeStep {
    deduper: Deduper,
    model: Option<Model>,
    merger: Merger,
}

/// Builds a [`Pipeline`]: normalization always, validation unless turned
/// off, masking and deduplication when given.
#[derive(Debug)]
pub struct PipelineBuilder {
    schema: Schema,
    validate: bool,
    accept_possible_phones: bool,
    reject_on: RejectOn,
    mask: Option<MaskStep>,
    dedupe: Option<(Deduper, Option<Model>, Option<MergePolicy>)>,
}

/// Warnings that reject a row as errors do.
#[derive(Clone, Debug, Default)]
struct RejectOn {
    all_warnings: bool,
    codes: Vec<IssueCode>,
}

impl RejectOn {
    fn rejects(&self, issue: &crate::Issue) -> bool {
        issue.level() == Severity::Error || self.all_warnings || self.codes.contains(&issue.code())
    }
}

impl PipelineBuilder {
    /// Accepts phone numbers of a possible length that their numbering plan
    /// does not list, as warnings (by default they are errors); see
    /// [`NormalizerBuilder::accept_possible_phones`](crate::normalize::NormalizerBuilder::accept_possible_phones).
    #[must_use]
    pub fn accept_possible_phones(mut self, accept: bool) -> Self {
        self.accept_possible_phones = accept;
        self
    }

    /// Rejects rows with any of these issue codes (names such as
    /// `phone_possible_not_valid`) even when their severity is warning;
    /// `warning` rejects every warning.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidPipeline`] for a name that is no issue code.
    pub fn reject_on<S: AsRef<str>>(mut self, codes: &[S]) -> Result<Self> {
        for name in codes {
            let name = name.as_ref().trim();
            if name == "warning" {
                self.reject_on.all_warnings = true;
                continue;
            }
            let code = IssueCode::ALL
                .iter()
                .copied()
                .find(|c| c.name() == name)
                .ok_or_else(|| ErrorKind::InvalidPipeline {
                    reason: format!("reject_on: `{name}` is not an issue code"),
                })?;
            self.reject_on.codes.push(code);
        }
        Ok(self)
    }

    /// Whether rows are validated (on by default). Without validation no
    /// row is rejected.
    pub fn validate(mut self, validate: bool) -> Self {
        self.validate = validate;
        self
    }

    /// Writes each row as `audience` of `masker`'s policy may see it. Rows
    /// are validated first, whatever [`PipelineBuilder::validate`] says, so
    /// that no malformed value reaches a mask.
    pub fn mask(mut self, masker: Masker, audience: impl Into<String>) -> Self {
        self.mask = Some(MaskStep {
            masker,
            audience: audience.into(),
            kind: MaskKind::Mask,
        });
        self
    }

    /// Reads stored rows (written by a mask step for an audience that
    /// encrypts) and writes each as `audience` may see it: see
    /// [`Masker::reveal`]. Rows are taken as they are, neither normalized
    /// nor validated. A row with a ciphertext that does not decrypt
    /// (altered, moved) fails with [`ErrorKind::CannotDecrypt`] (in
    /// [`Pipeline::run`], the row is rejected with `cannot_decrypt`).
    /// Replaces a mask step.
    pub fn reveal(mut self, masker: Masker, audience: impl Into<String>) -> Self {
        self.mask = Some(MaskStep {
            masker,
            audience: audience.into(),
            kind: MaskKind::Reveal,
        });
        self
    }

    /// Reads stored rows (written by a mask step for `audience`, which
    /// encrypts) and writes them with every ciphertext under the key the
    /// audience's policy names now: see [`Masker::rewrap`]. Rows are taken
    /// as they are. Replaces a mask step.
    pub fn rewrap(mut self, masker: Masker, audience: impl Into<String>) -> Self {
        self.mask = Some(MaskStep {
            masker,
            audience: audience.into(),
            kind: MaskKind::Rewrap,
        });
        self
    }

    /// Deduplicates the rows with `deduper`, scoring with `model` when
    /// given (else training one on the rows), and merges clusters into
    /// golden records by `merge` (default: [`MergePolicy::for_schema`]).
    pub fn dedupe(
        mut self,
        deduper: Deduper,
        model: Option<Model>,
        merge: Option<MergePolicy>,
    ) -> Self {
        self.dedupe = Some((deduper, model, merge));
        self
    }

    /// The pipeline.
    ///
    /// # Errors
    /// [`ErrorKind::SchemaMismatch`] when
    /// a masker or deduper was made for another schema; the errors of
    /// [`Merger::new`] and [`Masker`] for an audience the policy lacks.
    pub fn build(self) -> Result<Pipeline> {
        let schema = &self.schema;
        let mismatch = |what: &str, other: &Schema| -> Result<()> {
            if other == schema {
                Ok(())
            } else {
                Err(crate::ErrorKind::SchemaMismatch {
                    expected: format!("{} (the pipeline's)", schema.name()),
                    record: format!("{} (the {what}'s)", other.name()),
                }
                .into())
            }
        };
        if let Some(step) = &self.mask {
            mismatch("masker", step.masker.schema())?;
            step.masker.check_audience(&step.audience)?;
        }
        let dedupe = match self.dedupe {
            Some((deduper, model, merge)) => {
                mismatch("deduper", deduper.schema())?;
                let policy = merge.unwrap_or_else(|| MergePolicy::for_schema(schema));
                let merger = Merger::new(schema, &policy)?;
                Some(DedupeStep {
                    deduper,
                    model,
                    merger,
                })
            }
            None => None,
        };
        let stored = self
            .mask
            .as_ref()
            .is_some_and(|step| step.kind != MaskKind::Mask);
        if stored && dedupe.is_some() {
            return Err(crate::ErrorKind::InvalidPipeline {
                reason: "stored rows are revealed or rewrapped as they are, without deduplication"
                    .into(),
            }
            .into());
        }
        let validate = !stored && (self.validate || self.mask.is_some());
        let possible = self.accept_possible_phones;
        Ok(Pipeline {
            normalizer: Normalizer::builder(schema)
                .accept_possible_phones(possible)
                .build(),
            validator: validate.then(|| {
                Validator::builder(schema)
                    .accept_possible_phones(possible)
                    .build()
            }),
            reject_on: self.reject_on,
            mask: self.mask,
            dedupe,
            audit: None,
        })
    }
}

/// What became of one record.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Processed {
    /// The normalized record.
    pub record: Record,
    /// The issues validation found (empty when validation is off).
    pub report: Report,
    /// What normalization changed.
    pub changes: Vec<Change>,
    /// The view to write, when masking: the masked record (its fields that
    /// failed validation left empty).
    pub shown: Option<Record>,
    rejected: bool,
}

impl Processed {
    /// Whether validation found an error: the row goes to the rejects (and,
    /// when deduplicating, is still matched, without the failed fields).
    pub fn is_rejected(&self) -> bool {
        self.rejected
    }

    /// The codes that rejected the row: its errors, and the warnings the
    /// pipeline rejects on.
    pub fn reject_codes(&self) -> Vec<String> {
        if !self.rejected {
            return Vec::new();
        }
        let mut codes: Vec<String> = self
            .report
            .errors()
            .map(|i| i.code().name().to_owned())
            .collect();
        if codes.is_empty() {
            codes = self
                .report
                .warnings()
                .map(|i| i.code().name().to_owned())
                .collect();
        }
        codes
    }

    /// The record to write: the masked view when masking, else the
    /// normalized record.
    pub fn output(&self) -> &Record {
        self.shown.as_ref().unwrap_or(&self.record)
    }
}

impl Pipeline {
    /// A pipeline for records of `schema`.
    pub fn builder(schema: &Schema) -> PipelineBuilder {
        PipelineBuilder {
            schema: schema.clone(),
            validate: true,
            accept_possible_phones: false,
            reject_on: RejectOn::default(),
            mask: None,
            dedupe: None,
        }
    }

    /// The schema.
    pub fn schema(&self) -> &Schema {
        self.normalizer.schema()
    }

    /// Whether the pipeline validates rows (rows with errors are rejected).
    pub fn validates(&self) -> bool {
        self.validator.is_some()
    }

    /// Whether the pipeline deduplicates.
    pub fn dedupes(&self) -> bool {
        self.dedupe.is_some()
    }

    /// Logs with `auditor`, before a row is written, every reveal of a
    /// reveal step (one event per row, revealed or failed) and every row
    /// written with sensitive fields in clear: a masked view that holds
    /// some ([`Auditor::disclose`]), and a row written unmasked, to the
    /// output of a pipeline that masks nothing or to the reject file
    /// ([`Auditor::disclose_unmasked`]); golden records alike.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidPipeline`] for a pipeline that rewraps (it
    /// writes ciphertexts only where masking left them).
    pub fn audited(mut self, auditor: Auditor) -> Result<Self> {
        if self
            .mask
            .as_ref()
            .is_some_and(|step| step.kind == MaskKind::Rewrap)
        {
            return Err(ErrorKind::InvalidPipeline {
                reason: "a rewrap is not audited".into(),
            }
            .into());
        }
        self.audit = Some(auditor);
        Ok(self)
    }

    /// The value of a record's key field, as audit events refer to it.
    fn record_key_of(&self, record: &Record) -> String {
        match &self.mask {
            Some(step) => step.masker.record_key_of(record),
            None => record
                .text(crate::mask::DEFAULT_RECORD_KEY)
                .unwrap_or_default()
                .to_owned(),
        }
    }

    /// Whether the pipeline masks.
    pub fn masks(&self) -> bool {
        self.mask.is_some()
    }

    /// Whether input columns outside the schema are left out of the
    /// output: when clean rows are masked, since a policy cannot say how
    /// to mask what it does not know. Revealing and rewrapping stored
    /// rows keep them: they are what masking chose to keep.
    pub(crate) fn leaves_out_unknown_columns(&self) -> bool {
        self.mask
            .as_ref()
            .is_some_and(|step| step.kind == MaskKind::Mask)
    }

    /// Normalizes, validates and masks one record. A masked view is made
    /// for a rejected row only when the pipeline deduplicates (where every
    /// row is written).
    ///
    /// # Errors
    /// [`ErrorKind::SchemaMismatch`] for a
    /// record of another schema, and masking errors (a missing key, a value
    /// an operator cannot transform).
    pub fn process(&self, record: Record) -> Result<Processed> {
        if let Some(step) = &self.mask
            && step.kind != MaskKind::Mask
        {
            let shown = match step.kind {
                MaskKind::Rewrap => step.masker.rewrap(record.clone(), &step.audience)?,
                _ => match &self.audit {
                    Some(auditor) => {
                        auditor.reveal(&step.masker, record.clone(), &step.audience)?
                    }
                    None => step.masker.reveal(record.clone(), &step.audience)?,
                },
            };
            return Ok(Processed {
                record,
                report: Report::new(Vec::new()),
                changes: Vec::new(),
                shown: Some(shown),
                rejected: false,
            });
        }
        let mut normalized = self.normalizer.normalize_owned(record)?;
        let changes = std::mem::take(&mut normalized.changes);
        let report = match &self.validator {
            Some(validator) => validator.validate_normalized(&normalized)?,
            None => Report::new(Vec::new()),
        };
        let rejected = report.issues().iter().any(|i| self.reject_on.rejects(i));
        let mut done = Processed {
            record: normalized.record,
            report,
            changes,
            shown: None,
            rejected,
        };
        if let Some(step) = &self.mask
            && (!done.is_rejected() || self.dedupe.is_some())
        {
            let view = step
                .masker
                .mask_normalized(self.comparable(&done), &step.audience)?;
            if let Some(auditor) = &self.audit {
                let key = self.record_key_of(&done.record);
                auditor.disclose(&step.masker, &view, &key, &step.audience)?;
            }
            done.shown = Some(view);
        }
        // Written as it is: to the output when nothing is masked, to the
        // reject file when rejected.
        if let Some(auditor) = &self.audit
            && (self.mask.is_none() || done.is_rejected())
        {
            auditor.disclose_unmasked(&done.record, &self.record_key_of(&done.record))?;
        }
        Ok(done)
    }

    /// The normalized record without the fields that failed validation:
    /// what deduplication compares and masking sees, so that a malformed
    /// value counts as missing instead of keeping the row out.
    pub fn comparable(&self, done: &Processed) -> Normalized {
        let mut record = done.record.clone();
        let schema = record.schema().clone();
        for issue in done.report.errors() {
            if issue.level() == Severity::Error
                && let Some(index) = schema.index_of(issue.path().as_str())
                && let Some(value) = record.value_mut(index)
            {
                *value = Value::Null;
            }
        }
        // Emptying a field leaves a normalized record normalized.
        Normalized::stored(record)
    }

    /// Deduplicates `records` (as [`Pipeline::comparable`] made them), with
    /// the saved model or one trained on them.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidDedupe`] when the
    /// pipeline has no dedupe step, and the errors of [`Deduper::run`].
    pub fn dedupe(&self, records: &[Normalized]) -> Result<Outcome> {
        let step = self.dedupe_step()?;
        step.deduper
            .run_normalized(records, step.model.as_ref(), &crate::dedupe::Labels::new())
    }

    /// [`Pipeline::dedupe`] over records read a chunk at a time.
    pub(crate) fn dedupe_kept(
        &self,
        records: &dyn Records,
        labels: &crate::dedupe::Labels,
    ) -> Result<Outcome> {
        let step = self.dedupe_step()?;
        step.deduper
            .run_records(records, step.model.as_ref(), labels)
    }

    /// [`Pipeline::link_records`] over records read a chunk at a time.
    pub(crate) fn link_kept(&self, left: &dyn Records, right: &dyn Records) -> Result<Outcome> {
        let step = self.dedupe_step()?;
        step.deduper.link_records(left, right, step.model.as_ref())
    }

    /// Links the records `left` to `right` with the dedupe step's deduper
    /// and model.
    ///
    /// # Errors
    /// As for [`Pipeline::dedupe`].
    pub fn link_records(&self, left: &[Normalized], right: &[Normalized]) -> Result<Outcome> {
        let step = self.dedupe_step()?;
        step.deduper
            .link_normalized(left, right, step.model.as_ref())
    }

    /// Golden records of the clusters, masked for the pipeline's audience
    /// when it masks (a golden record shows no more than its rows do).
    ///
    /// # Errors
    /// As for [`Pipeline::dedupe`], and masking errors.
    pub fn golden(&self, records: &[Normalized], clusters: &[u32]) -> Result<Vec<GoldenRecord>> {
        let step = self.dedupe_step()?;
        self.masked(step.merger.merge_normalized(records, clusters)?)
    }

    /// [`Pipeline::golden`] of the records a run kept (normalized, as
    /// [`Pipeline::comparable`] made them; rows of `records` numbered one
    /// side after the other), handed to `each` a batch at a time, in
    /// cluster order.
    pub(crate) fn golden_kept(
        &self,
        records: &[&Packed],
        clusters: &[u32],
        mut each: impl FnMut(&[GoldenRecord]) -> Result<()>,
    ) -> Result<()> {
        let step = self.dedupe_step()?;
        let len = records.iter().map(|r| r.len()).sum();
        let kept = |row: usize| packed::record_of(records, row);
        step.merger.merge_kept(len, clusters, kept, |batch| {
            let batch = self.masked(batch)?;
            each(&batch)?;
            // Freed on every core: a batch holds thousands of records'
            // strings, and freeing them on this thread alone kept the
            // others idle.
            batch.into_par_iter().for_each(drop);
            Ok(())
        })
    }

    /// Golden records masked for the pipeline's audience when it masks,
    /// each disclosure logged when the pipeline is audited.
    fn masked(&self, mut golden: Vec<GoldenRecord>) -> Result<Vec<GoldenRecord>> {
        for g in &mut golden {
            // Only an audited pipeline needs the key.
            let key = self.audit.as_ref().map(|_| self.record_key_of(&g.record));
            if let Some(mask) = &self.mask {
                let record = std::mem::replace(&mut g.record, Record::new(self.schema()));
                g.record = mask
                    .masker
                    .mask_normalized(Normalized::stored(record), &mask.audience)?;
                if let (Some(auditor), Some(key)) = (&self.audit, &key) {
                    auditor.disclose(&mask.masker, &g.record, key, &mask.audience)?;
                }
            } else if let (Some(auditor), Some(key)) = (&self.audit, &key) {
                auditor.disclose_unmasked(&g.record, key)?;
            }
        }
        Ok(golden)
    }

    fn dedupe_step(&self) -> Result<&DedupeStep> {
        self.dedupe.as_ref().ok_or_else(|| {
            crate::Error::dedupe(
                crate::SettingPath::root(),
                crate::SettingProblem::Invalid,
                "the pipeline has no dedupe step",
            )
        })
    }
}
