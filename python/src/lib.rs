//! The native half of the `custodia` Python package (`custodia._native`).
//!
//! A thin shell over the library's [`Pipeline`]: the Python side hands over
//! a pipeline's settings (the JSON of [`PipelineConfig`], as the
//! command-line tool's `run` files and the C library read them) and the
//! rows as CSV bytes written by Arrow; the rows run through
//! [`Pipeline::run`] or [`Pipeline::link`] exactly as the command-line tool
//! runs them, on all cores and without the GIL, and the outputs come back
//! as bytes for Arrow to read. Nothing here decides anything about the
//! data, so Python, C and the command line give the same answer.

use custodia::dedupe::{Config, Deduper, MergePolicy, Model};
use custodia::pipeline::{Outputs, PipelineConfig, Review, Side, Summary};
use custodia::profile::review::{ReviewSettings, ReviewView};
use custodia::profile::{Profile, ProfileSettings, Profiler};
use custodia::{KeyRing, Normalized, Pipeline, Policy, Record, Schema};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyModule};

/// The Python exception for a library error: `custodia.CustodiaError`
/// (defined in Python, `custodia/_errors.py`) with the stable numeric code,
/// its name, the field path when the error names a field, and for a bad
/// setting its path (`fields[3].kind`) and the problem's stable name.
fn raise(py: Python<'_>, error: &custodia::Error) -> PyErr {
    let code = error.code();
    let made = PyModule::import(py, "custodia._errors")
        .and_then(|m| m.getattr("CustodiaError"))
        .and_then(|class| {
            class.call1((
                error.to_string(),
                code.as_u32(),
                code.name(),
                error.field_path().map(|p| p.as_str().to_owned()),
                error.setting_path().map(ToString::to_string),
                error.setting_problem().map(|p| p.name()),
            ))
        });
    match made {
        Ok(exception) => PyErr::from_value(exception),
        Err(err) => err,
    }
}

/// What one run wrote.
#[derive(Default)]
struct Written {
    rows: Vec<u8>,
    rejects: Vec<u8>,
    pairs: Vec<u8>,
    golden: Vec<u8>,
    review: Vec<u8>,
}

/// What the match review page shows: its settings and the view of values.
type ReviewJob = (ReviewSettings, ReviewView);

/// Which outputs the caller wants besides the rows.
#[derive(Clone, Copy)]
struct Wanted {
    rejects: bool,
    pairs: bool,
    golden: bool,
}

impl Written {
    fn outputs(&mut self, wanted: Wanted, review: Option<ReviewJob>) -> Outputs<'_> {
        let Self {
            rows,
            rejects,
            pairs,
            golden,
            review: page,
        } = self;
        let mut outputs = Outputs::new(rows);
        if wanted.rejects {
            outputs = outputs.rejects(rejects);
        }
        if wanted.pairs {
            outputs = outputs.pairs(pairs);
        }
        if wanted.golden {
            outputs = outputs.golden(golden);
        }
        if let Some((settings, view)) = review {
            outputs = outputs.review(Review::new(page, settings, view));
        }
        outputs
    }

    fn into_dict<'py>(
        self,
        py: Python<'py>,
        summary: &Summary,
        wanted: Wanted,
    ) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        out.set_item("rows", PyBytes::new(py, &self.rows))?;
        let optional = |on: bool, bytes: &[u8]| on.then(|| PyBytes::new(py, bytes));
        out.set_item("rejects", optional(wanted.rejects, &self.rejects))?;
        out.set_item("pairs", optional(wanted.pairs, &self.pairs))?;
        out.set_item("golden", optional(wanted.golden, &self.golden))?;
        let page = (!self.review.is_empty()).then(|| String::from_utf8_lossy(&self.review));
        out.set_item("review", page)?;
        out.set_item("summary", summary.to_json())?;
        out.set_item("model", summary.model.as_ref().map(Model::to_json))?;
        Ok(out)
    }
}

fn build(config: &str, keys: Option<&str>) -> custodia::Result<(PipelineConfig, Pipeline)> {
    let config = PipelineConfig::from_json(config)?;
    let keys = match keys {
        Some(json) => KeyRing::from_json(json)?,
        None => KeyRing::new(),
    };
    let (pipeline, _) = config.build(keys)?;
    Ok((config, pipeline))
}

/// Runs a pipeline (settings as JSON) over CSV or JSON Lines `data`, as
/// `custodia run` does; returns a dict of `rows`, `rejects`, `pairs`,
/// `golden` (bytes, or None when not asked for), `review` (the match
/// review page's HTML when asked for and the pipeline deduplicates),
/// `summary` (JSON) and `model` (JSON, when the pipeline deduplicates).
/// `labels` is a labels file's text (`row_a,row_b,label`, rows named by
/// input line), as `custodia dedupe --labels` reads it; `review` is the
/// page's (lower, upper, limit, audience). The GIL is released while the
/// rows run.
#[pyfunction]
#[pyo3(signature = (config, data, keys=None, rejects=true, pairs=false, golden=false, labels=None, review=None))]
#[allow(clippy::too_many_arguments)] // Python keywords, each optional
fn run<'py>(
    py: Python<'py>,
    config: &str,
    data: &[u8],
    keys: Option<&str>,
    rejects: bool,
    pairs: bool,
    golden: bool,
    labels: Option<&str>,
    review: Option<(f64, f64, usize, Option<String>)>,
) -> PyResult<Bound<'py, PyDict>> {
    let wanted = Wanted {
        rejects,
        pairs,
        golden,
    };
    let done = py.detach(|| -> custodia::Result<(Written, Summary)> {
        let (config, pipeline) = build(config, keys)?;
        let mut options = config.options_for("")?;
        if let Some(text) = labels {
            options.labels = custodia::dedupe::read_labels(text)?;
        }
        let review = match review {
            Some((lower, upper, limit, audience)) => Some((
                ReviewSettings::new(lower, upper, limit)?,
                ReviewView::new(pipeline.schema(), audience.as_deref())?,
            )),
            None => None,
        };
        let mut written = Written::default();
        let summary = pipeline.run(&options, data, written.outputs(wanted, review), None)?;
        Ok((written, summary))
    });
    let (written, summary) = done.map_err(|e| raise(py, &e))?;
    written.into_dict(py, &summary, wanted)
}

/// Profiles CSV or JSON Lines `data` through a pipeline's cleaning (its
/// settings as JSON), as `custodia profile` does; `settings` is the
/// profile settings JSON (`top`, `as_of`, `staleness_field`). Returns the
/// profile's JSON. The GIL is released while the rows run.
#[pyfunction]
#[pyo3(signature = (config, data, settings=None))]
fn profile(py: Python<'_>, config: &str, data: &[u8], settings: Option<&str>) -> PyResult<String> {
    let done = py.detach(|| -> custodia::Result<String> {
        let (config, pipeline) = build(config, None)?;
        let options = config.options_for("")?;
        let settings = match settings {
            Some(json) => ProfileSettings::from_json(json)?,
            None => ProfileSettings::default(),
        };
        let mut profiler = Profiler::new(pipeline.schema(), &settings)?;
        pipeline.profile(&options, data, &mut profiler, None)?;
        Ok(profiler.finish().to_json())
    });
    done.map_err(|e| raise(py, &e))
}

/// A profile (JSON) as one self-contained HTML page.
#[pyfunction]
fn profile_html(py: Python<'_>, profile: &str) -> PyResult<String> {
    Profile::from_json(profile)
        .map(|p| p.to_html())
        .map_err(|e| raise(py, &e))
}

/// A profile (JSON) again with its drift from `previous` (JSON): fields
/// whose completeness or validity moved by at least `points` percentage
/// points, issue codes new and gone.
#[pyfunction]
fn profile_compare(py: Python<'_>, profile: &str, previous: &str, points: f64) -> PyResult<String> {
    Profile::compare_json(profile, previous, points).map_err(|e| raise(py, &e))
}

/// Links two inputs, as `custodia link` does: `left` and `right` are
/// (name, data) pairs. Returns what [`run`] returns, every output written.
#[pyfunction]
#[pyo3(signature = (config, left, right, keys=None))]
fn link<'py>(
    py: Python<'py>,
    config: &str,
    left: (String, Vec<u8>),
    right: (String, Vec<u8>),
    keys: Option<&str>,
) -> PyResult<Bound<'py, PyDict>> {
    let wanted = Wanted {
        rejects: true,
        pairs: true,
        golden: true,
    };
    let done = py.detach(|| -> custodia::Result<(Written, Summary)> {
        let (config, pipeline) = build(config, keys)?;
        let (left_options, right_options) =
            (config.options_for(&left.0)?, config.options_for(&right.0)?);
        let mut written = Written::default();
        let summary = pipeline.link(
            Side {
                name: &left.0,
                options: &left_options,
                input: left.1.as_slice(),
            },
            Side {
                name: &right.0,
                options: &right_options,
                input: right.1.as_slice(),
            },
            written.outputs(wanted, None),
            None,
        )?;
        Ok((written, summary))
    });
    let (written, summary) = done.map_err(|e| raise(py, &e))?;
    written.into_dict(py, &summary, wanted)
}

/// The built-in customer schema, as JSON.
#[pyfunction]
fn customer_schema() -> String {
    Schema::customer().to_json()
}

/// A schema read from JSON and written back in full (every option
/// spelt out), after checking it.
#[pyfunction]
fn schema_from_json(py: Python<'_>, json: &str) -> PyResult<String> {
    Schema::from_json(json)
        .map(|s| s.to_json())
        .map_err(|e| raise(py, &e))
}

/// The default settings of a named part, as JSON: `policy` (the customer
/// masking policy), `dedupe` (duplicate-detection settings), `model` (the
/// built-in customer model), `merge_policy` (for `schema`, JSON).
#[pyfunction]
#[pyo3(signature = (what, schema=None))]
fn defaults(py: Python<'_>, what: &str, schema: Option<&str>) -> PyResult<String> {
    let schema = match schema {
        Some(json) => Schema::from_json(json).map_err(|e| raise(py, &e))?,
        None => Schema::customer(),
    };
    match what {
        "policy" => Ok(Policy::customer().to_json()),
        "dedupe" => Ok(Config::default().to_json()),
        "model" => Ok(Model::customer().to_json()),
        "merge_policy" => Ok(MergePolicy::for_schema(&schema).to_json()),
        other => Err(pyo3::exceptions::PyValueError::new_err(format!(
            "no defaults for `{other}`"
        ))),
    }
}

/// An incremental match index: insert records one at a time (or many),
/// query for the indexed records most likely to be the same customer.
/// Scores equal the batch run's for the same pair.
#[pyclass(module = "custodia._native")]
#[derive(Debug)]
struct Index {
    schema: Schema,
    inner: custodia::dedupe::Index,
}

impl Index {
    fn record(&self, py: Python<'_>, json: &str) -> PyResult<Record> {
        Record::from_json(&self.schema, json).map_err(|e| raise(py, &e))
    }
}

#[pymethods]
impl Index {
    /// An empty index for records of `schema` (JSON) scored with `model`
    /// (JSON), with duplicate-detection settings `config` (JSON).
    #[new]
    #[pyo3(signature = (schema, model, config=None))]
    fn new(py: Python<'_>, schema: &str, model: &str, config: Option<&str>) -> PyResult<Self> {
        let made = (|| -> custodia::Result<Self> {
            let schema = Schema::from_json(schema)?;
            let config = match config {
                Some(json) => Config::from_json(json)?,
                None => Config::default(),
            };
            let model = Model::from_json(model)?;
            let inner = Deduper::with_config(&schema, config)?.index(&model)?;
            Ok(Self { schema, inner })
        })();
        made.map_err(|e| raise(py, &e))
    }

    /// Adds a record (a JSON object) and returns its row (insertion
    /// order, from 0).
    fn insert(&mut self, py: Python<'_>, record: &str) -> PyResult<usize> {
        let record = self.record(py, record)?;
        self.inner.insert(&record).map_err(|e| raise(py, &e))
    }

    /// Adds many records (JSON objects), in parallel, without the GIL.
    fn extend(&mut self, py: Python<'_>, records: Vec<String>) -> PyResult<()> {
        let records = records
            .iter()
            .map(|json| self.record(py, json))
            .collect::<PyResult<Vec<_>>>()?;
        let inner = &mut self.inner;
        py.detach(|| inner.extend(&records))
            .map_err(|e| raise(py, &e))
    }

    /// The `k` indexed records most likely to be the same customer as
    /// `record` (JSON; not added), strongest first, as
    /// `(row, weight, probability)`.
    fn query(&self, py: Python<'_>, record: &str, k: usize) -> PyResult<Vec<(usize, f64, f64)>> {
        let record = self.record(py, record)?;
        let inner = &self.inner;
        let found = py
            .detach(|| inner.query(&record, k))
            .map_err(|e| raise(py, &e))?;
        Ok(found
            .into_iter()
            .map(|m| (m.row, m.weight, m.probability))
            .collect())
    }

    /// The number of indexed records.
    fn __len__(&self) -> usize {
        self.inner.len()
    }
}

/// One prepared row: blocking keys (one per rule, as i64), order key,
/// term keys and the prepared record's bytes; None for a row that cannot be
/// made into a record (the command line rejects it and clusters it not).
type PreparedRow = Option<(Vec<Option<i64>>, Vec<u8>, Vec<String>, Vec<u8>)>;

/// A golden record for Python: the cluster id, each schema field's merged
/// value as the outputs write it (None when empty), the rows of its
/// members, and for each field the row its value came from.
type GoldenRow = (u64, Vec<Option<String>>, Vec<u64>, Vec<Option<u64>>);

fn unreadable(what: &str) -> custodia::Error {
    custodia::ErrorKind::Input {
        reason: format!("distributed dedupe: {what}"),
    }
    .into()
}

fn mismatch(reason: String) -> custodia::Error {
    custodia::ErrorKind::InvalidDedupe {
        path: custodia::SettingPath::root(),
        problem: custodia::SettingProblem::Mismatch,
        reason,
    }
    .into()
}

/// Prepared records from bytes with their term counts.
fn prepared(
    deduper: &Deduper,
    records: &[(Vec<u8>, Vec<u32>)],
) -> custodia::Result<custodia::dedupe::Prepared> {
    let mut prepared = deduper.prepared_from_bytes(records.iter().map(|(b, _)| b.as_slice()))?;
    for (row, (_, counts)) in records.iter().enumerate() {
        prepared.set_term_counts(row, counts);
    }
    Ok(prepared)
}

/// The steps of a distributed dedupe (`custodia::dedupe::distributed`) for
/// a pipeline's settings (JSON, with the model in `dedupe.model`) and a
/// population (the number of records of the whole input; 0 until known).
/// Built once per worker and reused.
#[pyclass(module = "custodia._native")]
#[derive(Debug)]
struct DistributedDedupe {
    pipeline: Pipeline,
    deduper: Deduper,
    map: Vec<(String, String)>,
    scorer: Option<custodia::dedupe::PairScorer>,
}

#[pymethods]
impl DistributedDedupe {
    #[new]
    #[pyo3(signature = (config, population=0))]
    fn new(py: Python<'_>, config: &str, population: usize) -> PyResult<Self> {
        let made = (|| -> custodia::Result<Self> {
            let (config, pipeline) = build(config, None)?;
            let settings = match &config.dedupe.config {
                Some(value) => Config::from_json(&value.to_string())?,
                None => Config::default(),
            };
            let deduper = Deduper::with_config(pipeline.schema(), settings)?;
            let scorer = match &config.dedupe.model {
                Some(value) if population > 0 => {
                    Some(deduper.pair_scorer(&Model::from_json(&value.to_string())?, population)?)
                }
                _ => None,
            };
            let map = config.map.into_iter().collect();
            Ok(Self {
                pipeline,
                deduper,
                map,
                scorer,
            })
        })();
        made.map_err(|e| raise(py, &e))
    }

    /// Step 1: cleans each row of a CSV batch (header first; columns named
    /// as schema fields, or mapped by the settings' `map`) and prepares
    /// the comparable record.
    fn prepare(&self, py: Python<'_>, data: &[u8]) -> PyResult<Vec<PreparedRow>> {
        py.detach(|| self.prepare_rows(data))
            .map_err(|e| raise(py, &e))
    }

    /// The pairs made in a block of `len` records sorted by (order key,
    /// row): positions `(i, j)`, with the settings' cap and window.
    fn block_pairs(&self, len: usize) -> Vec<(usize, usize)> {
        self.deduper.block_pairs(len).collect()
    }

    /// The weight of each pair of prepared records (bytes, term counts)
    /// that is a match, None for the others.
    fn score(
        &self,
        py: Python<'_>,
        left: Vec<(Vec<u8>, Vec<u32>)>,
        right: Vec<(Vec<u8>, Vec<u32>)>,
    ) -> PyResult<Vec<Option<f64>>> {
        let done = py.detach(|| -> custodia::Result<Vec<Option<f64>>> {
            let scorer = self.scorer()?;
            let (a, b) = (
                prepared(&self.deduper, &left)?,
                prepared(&self.deduper, &right)?,
            );
            Ok((0..a.len().min(b.len()))
                .map(|i| {
                    let weight = scorer.weight((&a, i), (&b, i));
                    scorer.is_match(weight).then_some(weight)
                })
                .collect())
        });
        done.map_err(|e| raise(py, &e))
    }

    /// Clusters the records of whole connected components of the matches:
    /// `records` (bytes, term counts), their `rows`, and the matches among
    /// them as positions with weights. Returns each record's cluster id
    /// (the smallest row of its cluster).
    fn cluster(
        &self,
        py: Python<'_>,
        records: Vec<(Vec<u8>, Vec<u32>)>,
        rows: Vec<u64>,
        matches: Vec<(usize, usize, f64)>,
    ) -> PyResult<Vec<u64>> {
        let done = py.detach(|| -> custodia::Result<Vec<u64>> {
            let scorer = self.scorer()?;
            scorer.cluster(&prepared(&self.deduper, &records)?, &rows, &matches)
        });
        done.map_err(|e| raise(py, &e))
    }

    /// The schema's field names, in order: the columns of a golden record.
    fn fields(&self) -> Vec<String> {
        let fields = self.pipeline.schema().fields();
        fields.iter().map(|f| f.name().to_owned()).collect()
    }

    /// Step 6: the golden record of each cluster of a CSV batch (rows as
    /// for `prepare`), merged by the settings' merge policy exactly as one
    /// machine merges them. `rows` gives each row's number and `clusters`
    /// its cluster id; every row of a cluster must be in the batch, in row
    /// order. Golden records come in the order their clusters first appear.
    fn golden(
        &self,
        py: Python<'_>,
        data: &[u8],
        rows: Vec<u64>,
        clusters: Vec<u64>,
    ) -> PyResult<Vec<GoldenRow>> {
        py.detach(|| self.golden_rows(data, &rows, &clusters))
            .map_err(|e| raise(py, &e))
    }
}

impl DistributedDedupe {
    fn scorer(&self) -> custodia::Result<&custodia::dedupe::PairScorer> {
        self.scorer.as_ref().ok_or_else(|| {
            custodia::ErrorKind::InvalidDedupe {
                path: custodia::SettingPath::root(),
                problem: custodia::SettingProblem::Invalid,
                reason: "distributed dedupe: scoring needs a model and the population".into(),
            }
            .into()
        })
    }

    /// The rows of a CSV batch (header first; columns named as schema
    /// fields, or mapped by the settings' `map`), each cleaned and made
    /// comparable as a run keeps it, or `None` for a row that cannot be
    /// read as a record (as a run rejects it).
    fn kept_rows(&self, data: &[u8]) -> custodia::Result<Vec<Option<Normalized>>> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(data);
        let mut names: Vec<String> = reader
            .headers()
            .map_err(|_| unreadable("a header that cannot be read"))?
            .iter()
            .map(|n| n.trim().to_owned())
            .collect();
        for (from, to) in &self.map {
            if let Some(slot) = names.iter().position(|n| n == from.trim()) {
                names[slot] = to.trim().to_owned();
            }
        }
        let header = custodia::CsvHeader::known(self.pipeline.schema(), &names)?;
        let mut kept = Vec::new();
        for row in reader.records() {
            let row = row.map_err(|_| unreadable("a row that cannot be read"))?;
            let cells: Vec<&str> = row.iter().collect();
            let record = if cells.len() == names.len() {
                header.record(&cells).ok()
            } else {
                None
            };
            kept.push(match record {
                Some(record) => Some(self.pipeline.comparable(&self.pipeline.process(record)?)),
                None => None,
            });
        }
        Ok(kept)
    }

    fn golden_rows(
        &self,
        data: &[u8],
        rows: &[u64],
        clusters: &[u64],
    ) -> custodia::Result<Vec<GoldenRow>> {
        let records: Vec<Normalized> = self
            .kept_rows(data)?
            .into_iter()
            .collect::<Option<_>>()
            .ok_or_else(|| unreadable("a row of a cluster that cannot be read as a record"))?;
        if records.len() != rows.len() || rows.len() != clusters.len() {
            return Err(mismatch(format!(
                "golden records: {} records, {} row numbers and {} cluster ids",
                records.len(),
                rows.len(),
                clusters.len()
            )));
        }
        // Each cluster numbered by its first row in the batch, as a run
        // numbers it by its first record.
        let mut first: std::collections::HashMap<u64, u32> = std::collections::HashMap::new();
        let local: Vec<u32> = clusters
            .iter()
            .enumerate()
            .map(|(at, &c)| *first.entry(c).or_insert(at as u32))
            .collect();
        let golden = self.pipeline.golden(&records, &local)?;
        Ok(golden
            .into_iter()
            .map(|g| {
                let values = g
                    .record
                    .values()
                    .iter()
                    .map(|v| {
                        v.to_text()
                            .map(|t| t.into_owned())
                            .filter(|t| !t.is_empty())
                    })
                    .collect();
                let members = g.members.iter().map(|&m| rows[m]).collect();
                let sources = g.sources.iter().map(|s| s.map(|m| rows[m])).collect();
                (clusters[g.cluster as usize], values, members, sources)
            })
            .collect())
    }

    fn prepare_rows(&self, data: &[u8]) -> custodia::Result<Vec<PreparedRow>> {
        let kept = self.kept_rows(data)?;
        let usable: Vec<bool> = kept.iter().map(Option::is_some).collect();
        let compared: Vec<Record> = kept
            .into_iter()
            .flatten()
            .map(Normalized::into_record)
            .collect();
        let prepared = self.deduper.prepare(&compared)?;
        let mut next = 0;
        Ok(usable
            .into_iter()
            .map(|ok| {
                if !ok {
                    return None;
                }
                let row = next;
                next += 1;
                let keys = prepared
                    .blocking_keys(&self.deduper, row)
                    .into_iter()
                    .map(|k| k.map(|k| k as i64))
                    .collect();
                let terms = prepared
                    .term_keys(row)
                    .into_iter()
                    .map(str::to_owned)
                    .collect();
                Some((keys, prepared.order_key(row), terms, prepared.to_bytes(row)))
            })
            .collect())
    }
}

/// The module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(link, m)?)?;
    m.add_function(wrap_pyfunction!(profile, m)?)?;
    m.add_function(wrap_pyfunction!(profile_html, m)?)?;
    m.add_function(wrap_pyfunction!(profile_compare, m)?)?;
    m.add_function(wrap_pyfunction!(customer_schema, m)?)?;
    m.add_function(wrap_pyfunction!(schema_from_json, m)?)?;
    m.add_function(wrap_pyfunction!(defaults, m)?)?;
    m.add_class::<DistributedDedupe>()?;
    m.add_class::<Index>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
