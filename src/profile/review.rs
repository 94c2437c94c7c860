//! The match review page: one self-contained HTML file (inline CSS, SVG
//! and a small script, nothing fetched) for a data steward to look at a
//! dedupe run's model and at the pairs it is unsure about, and to label
//! them.
//!
//! The page shows
//!
//! - the model: m and u of every level of every compared field and its
//!   match weight, log2(m / u), as a chart and a table;
//! - the threshold against the precision and recall the model expects of
//!   itself: over the candidate pairs, with `p` each pair's match
//!   probability, a threshold keeps the pairs at or above it, of which
//!   `Σ p` are expected to be true matches, of `Σ p` over all candidates;
//! - the pairs in the *uncertain band*, match probability at least
//!   [`ReviewSettings::lower`] and below [`ReviewSettings::upper`] (0.2 and
//!   0.95 by default), those nearest the threshold first, at most
//!   [`ReviewSettings::limit`] of them, each with a waterfall of its
//!   weight: from the prior through each field to the final weight, and
//!   the two records' values as a [`ReviewView`] lets the reader see them
//!   (masked for the `support` audience by default, never raw sensitive
//!   values unless an audience that sees them is chosen);
//! - for each pair, *match* and *non-match* buttons, and a link that saves
//!   the labels given as a CSV file (`labels.csv`):
//!
//! ```text
//! row_a,row_b,label
//! 12,40,match
//! 7,93,non_match
//! ```
//!
//! where `row_a` and `row_b` are the records' `_row` numbers (as in the
//! pairs file; `source:row` in a link) and `label` is `match` or
//! `non_match`. `custodia dedupe --labels` reads that file back.

use std::fmt::Write as _;

use rayon::prelude::*;

use super::html::{Html, count, escape, percent};
use crate::dedupe::{Explanation, Outcome, probability, weight_of};
use crate::error::{Result, SettingPath, SettingProblem};
use crate::mask::{KeyRing, Masker, Policy};
use crate::normalize::Normalized;
use crate::schema::{Record, Schema};

/// What the review page shows.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ReviewSettings {
    /// The uncertain band's lower bound: pairs with a match probability at
    /// least this are shown (0.2 by default).
    pub lower: f64,
    /// The uncertain band's upper bound: pairs with a match probability
    /// below this are shown (0.95 by default).
    pub upper: f64,
    /// The most pairs shown, those nearest the threshold first (200 by
    /// default).
    pub limit: usize,
}

impl Default for ReviewSettings {
    fn default() -> Self {
        Self {
            lower: 0.2,
            upper: 0.95,
            limit: 200,
        }
    }
}

impl ReviewSettings {
    /// Settings with this band and limit, checked as [`check`](Self::check)
    /// checks them.
    ///
    /// # Errors
    /// As for [`check`](Self::check).
    pub fn new(lower: f64, upper: f64, limit: usize) -> Result<Self> {
        let settings = Self {
            lower,
            upper,
            limit,
        };
        settings.check()?;
        Ok(settings)
    }

    /// Checks the bounds: `0 ≤ lower < upper ≤ 1` and a limit of at least
    /// one pair.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidDedupe`](crate::ErrorKind::InvalidDedupe) naming
    /// the setting.
    pub fn check(&self) -> Result<()> {
        let bad = |at: &str, reason: &str| {
            crate::Error::dedupe(
                SettingPath::of(&["review", at]),
                SettingProblem::OutOfRange,
                reason,
            )
        };
        if !(0.0..1.0).contains(&self.lower) {
            return Err(bad("lower", "the band's lower bound must lie in [0, 1)"));
        }
        if !(self.upper > self.lower && self.upper <= 1.0) {
            return Err(bad(
                "upper",
                "the band's upper bound must lie above the lower one and at most 1",
            ));
        }
        if self.limit == 0 {
            return Err(bad("limit", "the page must show at least one pair"));
        }
        Ok(())
    }
}

/// How the records' values appear on the page: as one audience of a
/// masking policy sees them.
#[derive(Clone, Debug)]
pub struct ReviewView {
    kind: ViewKind,
}

#[derive(Clone, Debug)]
enum ViewKind {
    /// Masked for an audience.
    Masked {
        masker: Box<Masker>,
        audience: String,
    },
    /// Sensitive fields redacted, the rest as they are (a schema whose
    /// policy has no `support` audience, when none was chosen).
    Redacted { sensitive: Vec<bool> },
}

/// The audience the page is made for when none is chosen.
pub const DEFAULT_REVIEW_AUDIENCE: &str = "support";

/// What a hidden value shows.
const REDACTED: &str = "[redacted]";

impl ReviewView {
    /// The view of `audience` of the schema's policy: the built-in
    /// customer policy for the built-in schema, else the policy written
    /// into the schema's fields (their `mask` option). Without an
    /// audience, [`DEFAULT_REVIEW_AUDIENCE`] when the policy has it; else
    /// every sensitive field is redacted. An audience whose operators need
    /// keys (hashes, tokens, encryption) cannot be used: the page is made
    /// without keys.
    ///
    /// # Errors
    /// [`ErrorKind::UnknownAudience`](crate::ErrorKind::UnknownAudience)
    /// for an audience the policy lacks;
    /// [`ErrorKind::UnknownKey`](crate::ErrorKind::UnknownKey) for one that
    /// needs a key; the errors of compiling the policy.
    pub fn new(schema: &Schema, audience: Option<&str>) -> Result<Self> {
        let policy = if schema.name() == "customer"
            && Masker::for_audiences(
                schema,
                &Policy::customer(),
                KeyRing::new(),
                &[DEFAULT_REVIEW_AUDIENCE],
            )
            .is_ok()
        {
            Policy::customer()
        } else {
            Policy::from_schema(schema)
        };
        Self::with_policy(schema, &policy, audience)
    }

    /// The view of `audience` of `policy` (see [`ReviewView::new`]).
    ///
    /// # Errors
    /// As for [`ReviewView::new`].
    pub fn with_policy(schema: &Schema, policy: &Policy, audience: Option<&str>) -> Result<Self> {
        let audience = match audience {
            Some(a) => a,
            None if policy.audience(DEFAULT_REVIEW_AUDIENCE).is_some() => DEFAULT_REVIEW_AUDIENCE,
            None => {
                return Ok(Self {
                    kind: ViewKind::Redacted {
                        sensitive: schema.fields().iter().map(|f| f.is_sensitive()).collect(),
                    },
                });
            }
        };
        let masker = Masker::for_audiences(schema, policy, KeyRing::new(), &[audience])?;
        Ok(Self {
            kind: ViewKind::Masked {
                masker: Box::new(masker),
                audience: audience.to_owned(),
            },
        })
    }

    /// Who the page is for, as the page says it.
    pub fn audience(&self) -> &str {
        match &self.kind {
            ViewKind::Masked { audience, .. } => audience,
            ViewKind::Redacted { .. } => "sensitive fields redacted",
        }
    }

    /// A normalized record as this view shows it.
    fn show(&self, record: Record) -> Result<Record> {
        match &self.kind {
            ViewKind::Masked { masker, audience } => {
                masker.mask_normalized(Normalized::stored(record), audience)
            }
            ViewKind::Redacted { sensitive } => {
                let mut record = record;
                for (i, &hide) in sensitive.iter().enumerate() {
                    if hide && record.get_at(i).is_some_and(|v| !v.is_null()) {
                        record.set_at(i, REDACTED)?;
                    }
                }
                Ok(record)
            }
        }
    }
}

/// The rows of a run as the review page names and shows them.
pub trait ReviewRows {
    /// The row's id as the labels file and the pairs file name it (its
    /// `_row`, or `source:row` in a link).
    fn id(&self, row: usize) -> String;
    /// The row's normalized record.
    ///
    /// # Errors
    /// Whatever reading it back fails with.
    fn record(&self, row: usize) -> Result<Record>;
}

/// A review page and what is on it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ReviewPage {
    /// The page.
    pub html: String,
    /// Candidate pairs in the uncertain band.
    pub in_band: usize,
    /// Those shown on the page (at most [`ReviewSettings::limit`]).
    pub shown: usize,
}

/// One point of the threshold curve.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Point {
    weight: f64,
    pairs: usize,
    precision: f64,
    recall: f64,
}

/// Every candidate's weight, highest first, and the running sums of their
/// probabilities, for the expected precision and recall of a threshold.
struct Curve {
    weights: Vec<f64>,
    /// `expected[k]`: the expected true matches among the first `k` pairs.
    expected: Vec<f64>,
}

impl Curve {
    fn new(mut weights: Vec<f64>) -> Self {
        weights.sort_unstable_by(|x, y| y.total_cmp(x));
        let mut expected = Vec::with_capacity(weights.len() + 1);
        let mut sum = 0.0;
        expected.push(0.0);
        for &w in &weights {
            sum += probability(w);
            expected.push(sum);
        }
        Self { weights, expected }
    }

    /// The pairs at or above `weight`, and their expected precision and
    /// recall.
    fn at(&self, weight: f64) -> Point {
        let kept = self.weights.partition_point(|&w| w >= weight);
        let total = self.expected.last().copied().unwrap_or(0.0);
        let found = self.expected[kept];
        Point {
            weight,
            pairs: kept,
            precision: if kept == 0 { 1.0 } else { found / kept as f64 },
            recall: if total > 0.0 { found / total } else { 0.0 },
        }
    }
}

/// Writes the review page of a dedupe (or link) run scored at
/// `threshold`.
///
/// # Errors
/// The errors of [`ReviewSettings::check`], of reading a row back, and of
/// masking.
pub fn review_page(
    outcome: &Outcome,
    threshold: f64,
    settings: &ReviewSettings,
    view: &ReviewView,
    rows: &dyn ReviewRows,
) -> Result<ReviewPage> {
    settings.check()?;
    let candidates: Vec<(usize, usize)> = outcome.candidates().collect();
    let mut scored: Vec<(usize, usize, f64)> = candidates
        .par_iter()
        .filter_map(|&(a, b)| Some((a, b, outcome.weight(a, b)?)))
        .collect();
    let curve = Curve::new(scored.iter().map(|&(_, _, w)| w).collect());
    let threshold_weight = weight_of(threshold);
    // The band, nearest the threshold first (ties by row, for one page
    // from one run).
    scored.retain(|&(_, _, w)| {
        let p = probability(w);
        p >= settings.lower && p < settings.upper
    });
    let in_band = scored.len();
    scored.sort_unstable_by(|x, y| {
        (x.2 - threshold_weight)
            .abs()
            .total_cmp(&(y.2 - threshold_weight).abs())
            .then((x.0, x.1).cmp(&(y.0, y.1)))
    });
    scored.truncate(settings.limit);
    scored.sort_unstable_by(|x, y| y.2.total_cmp(&x.2).then((x.0, x.1).cmp(&(y.0, y.1))));

    let model = outcome.model();
    let mut page = Html::page(
        &format!("Match review: {}", model.schema()),
        &format!(
            "{} records, {} candidate pairs, {} in the uncertain band; values as `{}` sees them",
            count(outcome.stats().records as u64),
            count(candidates.len() as u64),
            count(in_band as u64),
            view.audience()
        ),
        REVIEW_STYLE,
    );
    let now = curve.at(threshold_weight);
    page.raw(&format!(
        "<div class=\"tiles\">{}{}{}{}{}{}</div>",
        tile(&format!("{threshold}"), "threshold (probability)"),
        tile(
            &format!("{threshold_weight:+.2}"),
            "threshold (match weight, bits)"
        ),
        tile(&count(now.pairs as u64), "pairs at or above it"),
        tile(&percent(now.precision), "expected precision"),
        tile(&percent(now.recall), "expected recall"),
        tile(
            &format!("{:.3e}", model.prior()),
            "prior: chance two records match"
        ),
    ));
    page.raw(&model_section(model));
    page.raw(&threshold_section(&curve, threshold, threshold_weight));
    page.raw(&pairs_section(
        outcome,
        &scored,
        in_band,
        settings,
        threshold_weight,
        view,
        rows,
    )?);
    let html = page.finish(
        "Made by custodia. Nothing on this page is fetched from anywhere; the labels are saved from the page itself.",
        Some(SCRIPT),
    );
    Ok(ReviewPage {
        html,
        in_band,
        shown: scored.len(),
    })
}

fn tile(value: &str, what: &str) -> String {
    format!(
        "<div class=\"tile\"><b>{}</b><span>{}</span></div>",
        escape(value),
        escape(what)
    )
}

/// The model: each level's m, u and weight, as a chart and a table.
fn model_section(model: &crate::dedupe::Model) -> String {
    let mut rows = Vec::new();
    for f in model.fields() {
        for (level, name) in f.comparator.levels().iter().enumerate() {
            if level < f.m.len() && level < f.u.len() {
                rows.push((
                    f.field.as_str(),
                    *name,
                    f.m[level],
                    f.u[level],
                    f.weight(level),
                ));
            }
        }
    }
    let shown = |w: f64| w.clamp(-20.0, 20.0);
    let span = rows.iter().map(|r| shown(r.4).abs()).fold(1.0f64, f64::max);
    let (label_w, plot_w, row_h) = (220.0, 520.0, 18.0);
    let zero = label_w + plot_w / 2.0;
    let scale = plot_w / 2.0 / span;
    let height = rows.len() as f64 * row_h + 24.0;
    let mut svg = format!(
        "<svg class=\"chart\" data-chart=\"weights\" viewBox=\"0 0 {} {height}\" role=\"img\" aria-label=\"match weight of each level\">",
        label_w + plot_w + 60.0
    );
    for (i, (field, level, _, _, weight)) in rows.iter().enumerate() {
        let y = i as f64 * row_h;
        let w = shown(*weight);
        let (x, width) = if w >= 0.0 {
            (zero, w * scale)
        } else {
            (zero + w * scale, -w * scale)
        };
        let class = if w >= 0.0 { "ok" } else { "bad" };
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{} · {}</text>\
             <rect class=\"bar {class}\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"><title>{} {}: {:+.2} bits</title></rect>\
             <text class=\"muted\" x=\"{:.1}\" y=\"{:.1}\">{:+.1}</text>",
            label_w - 6.0,
            y + row_h - 5.0,
            escape(field),
            escape(level),
            y + 3.0,
            width.max(0.5),
            row_h - 6.0,
            escape(field),
            escape(level),
            weight,
            label_w + plot_w + 4.0,
            y + row_h - 5.0,
            weight
        );
    }
    let _ = write!(
        svg,
        "<line x1=\"{zero:.1}\" x2=\"{zero:.1}\" y1=\"0\" y2=\"{:.1}\" stroke=\"#90a4ae\"/>\
         <text class=\"muted\" x=\"{zero:.1}\" y=\"{:.1}\" text-anchor=\"middle\">0 bits (no evidence)</text></svg>",
        height - 18.0,
        height - 4.0
    );
    let mut table = String::from(
        "<table id=\"model-table\"><thead><tr><th>field</th><th>level</th><th class=\"n\">m</th><th class=\"n\">u</th><th class=\"n\">weight (bits)</th></tr></thead><tbody>",
    );
    for (field, level, m, u, weight) in &rows {
        let _ = write!(
            table,
            "<tr data-field=\"{}\" data-level=\"{}\" data-m=\"{m}\" data-u=\"{u}\" data-weight=\"{weight}\">\
             <td>{}</td><td>{}</td><td class=\"n\">{m:.4}</td><td class=\"n\">{u:.4}</td><td class=\"n\">{weight:+.2}</td></tr>",
            escape(field),
            escape(level),
            escape(field),
            escape(level),
        );
    }
    table.push_str("</tbody></table>");
    format!(
        "<section id=\"model\"><h2>The model</h2><p class=\"muted\">For each compared field and level: m, the share of true matches at that level; u, the share of non-matches; and the match weight log2(m / u) that the level adds to a pair (green for evidence of a match, red against). Prior weight {:+.2} bits.</p>{svg}<details><summary>m, u and weights as a table</summary>{table}</details></section>",
        weight_of(model.prior())
    )
}

/// The threshold against expected precision and recall.
fn threshold_section(curve: &Curve, threshold: f64, threshold_weight: f64) -> String {
    let finite = |w: f64| w.is_finite();
    let (lowest, highest) = curve
        .weights
        .iter()
        .copied()
        .filter(|&w| finite(w))
        .fold((threshold_weight, threshold_weight), |(lo, hi), w| {
            (lo.min(w), hi.max(w))
        });
    let low = lowest.max(-30.0).floor();
    let high = highest.min(40.0).ceil().max(low + 1.0);
    let steps = 120;
    let points: Vec<Point> = (0..=steps)
        .map(|i| curve.at(low + (high - low) * i as f64 / steps as f64))
        .collect();
    let (left, top, w, h) = (50.0, 10.0, 660.0, 220.0);
    let x = |weight: f64| left + (weight - low) / (high - low) * w;
    let y = |share: f64| top + (1.0 - share) * h;
    let line = |pick: fn(&Point) -> f64| {
        points
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p.weight), y(pick(p))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut svg = format!(
        "<svg class=\"chart\" data-chart=\"threshold\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"expected precision and recall by threshold\">",
        left + w + 20.0,
        top + h + 40.0
    );
    for share in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let _ = write!(
            svg,
            "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#eceff1\"/>\
             <text class=\"muted\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{:.0} %</text>",
            left + w,
            y(share),
            y(share),
            left - 4.0,
            y(share) + 4.0,
            share * 100.0
        );
    }
    let tick = ((high - low) / 8.0).ceil().max(1.0);
    let mut t = (low / tick).ceil() * tick;
    while t <= high {
        let _ = write!(
            svg,
            "<text class=\"muted\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{t:+.0}</text>",
            x(t),
            top + h + 16.0
        );
        t += tick;
    }
    let _ = write!(
        svg,
        "<text class=\"muted\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">threshold as match weight (bits)</text>\
         <polyline class=\"precision\" fill=\"none\" stroke=\"#1565c0\" stroke-width=\"2\" points=\"{}\"/>\
         <polyline class=\"recall\" fill=\"none\" stroke=\"#2e7d32\" stroke-width=\"2\" points=\"{}\"/>\
         <line class=\"current\" data-weight=\"{threshold_weight}\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{top}\" y2=\"{:.1}\" stroke=\"#c62828\" stroke-dasharray=\"4 3\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\">threshold {threshold}</text></svg>",
        left + w / 2.0,
        top + h + 34.0,
        line(|p| p.precision),
        line(|p| p.recall),
        x(threshold_weight),
        x(threshold_weight),
        top + h,
        x(threshold_weight) + 4.0,
        top + 12.0
    );
    let mut marks: Vec<f64> = vec![0.5, 0.8, 0.9, 0.95, 0.99, 0.999, threshold];
    marks.sort_unstable_by(f64::total_cmp);
    marks.dedup();
    let mut table = String::from(
        "<table id=\"thresholds\"><thead><tr><th class=\"n\">threshold</th><th class=\"n\">weight (bits)</th><th class=\"n\">pairs at or above</th><th class=\"n\">expected precision</th><th class=\"n\">expected recall</th></tr></thead><tbody>",
    );
    for p in marks {
        let point = curve.at(weight_of(p));
        let current = if p == threshold {
            " class=\"current\""
        } else {
            ""
        };
        let _ = write!(
            table,
            "<tr{current} data-threshold=\"{p}\" data-pairs=\"{}\" data-precision=\"{}\" data-recall=\"{}\"><td class=\"n\">{p}</td><td class=\"n\">{:+.2}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            point.pairs,
            point.precision,
            point.recall,
            point.weight,
            count(point.pairs as u64),
            percent(point.precision),
            percent(point.recall)
        );
    }
    table.push_str("</tbody></table>");
    format!(
        "<section id=\"threshold\"><h2>Threshold, precision and recall</h2><p class=\"muted\">What the model expects of itself: a threshold keeps the candidate pairs at or above it; with p each pair's match probability, Σp of those kept are expected to be true matches (precision: Σp over the pairs kept; recall: Σp kept over Σp of all candidates). Pairs blocking never made are not counted. The dashed line is the threshold in use.</p>\
         <div class=\"legend\"><span><i class=\"accent\"></i>expected precision</span><span><i class=\"ok\"></i>expected recall</span></div>{svg}{table}</section>"
    )
}

/// The pairs in the uncertain band, each with its waterfall, values and
/// label buttons.
fn pairs_section(
    outcome: &Outcome,
    shown: &[(usize, usize, f64)],
    in_band: usize,
    settings: &ReviewSettings,
    threshold_weight: f64,
    view: &ReviewView,
    rows: &dyn ReviewRows,
) -> Result<String> {
    let mut out = format!(
        "<section id=\"pairs\"><h2>Pairs to review</h2><p class=\"muted\">The {} of {} candidate pairs with a match probability of at least {} and below {} that lie nearest the threshold, most likely first. Mark each as a match or not, then save the labels (a CSV file: row_a, row_b, label) and give it to <code>custodia dedupe --labels</code>.</p>\
         <p class=\"toolbar\"><span><b id=\"labelled\">0</b> labelled</span> <a id=\"save\" class=\"button\" download=\"labels.csv\" href=\"data:text/csv;charset=utf-8,row_a%2Crow_b%2Clabel%0A\">Save labels</a></p>",
        count(shown.len() as u64),
        count(in_band as u64),
        settings.lower,
        settings.upper
    );
    for &(a, b, weight) in shown {
        let Some(why) = outcome.explain(a, b) else {
            continue;
        };
        let (id_a, id_b) = (rows.id(a), rows.id(b));
        let (ra, rb) = (view.show(rows.record(a)?)?, view.show(rows.record(b)?)?);
        let text = |r: &Record, field: &str| -> String {
            r.get(field)
                .and_then(|v| v.to_text().map(|t| t.into_owned()))
                .filter(|t| !t.is_empty())
                .map_or_else(
                    || "<span class=\"muted\">—</span>".to_owned(),
                    |t| escape(&t),
                )
        };
        let _ = write!(
            out,
            "<article class=\"pair\" data-a=\"{}\" data-b=\"{}\" data-weight=\"{weight}\" data-probability=\"{}\">\
             <h3>Rows {} and {} <span class=\"badge\">{:.3}</span> <span class=\"muted\">{weight:+.2} bits</span></h3>\
             <div class=\"pair-body\">{}<table><thead><tr><th>field</th><th>level</th><th class=\"n\">weight</th><th>row {}</th><th>row {}</th></tr></thead><tbody>",
            escape(&id_a),
            escape(&id_b),
            why.probability,
            escape(&id_a),
            escape(&id_b),
            why.probability,
            waterfall(&why, threshold_weight),
            escape(&id_a),
            escape(&id_b)
        );
        for f in &why.fields {
            let (level, weight) = match f.level {
                Some(level) if f.counted => (level.to_owned(), format!("{:+.2}", f.weight)),
                Some(level) => (level.to_owned(), "outweighed".to_owned()),
                None => ("missing".to_owned(), "0".to_owned()),
            };
            let _ = write!(
                out,
                "<tr data-field=\"{}\"><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
                escape(&f.field),
                escape(&f.field),
                escape(&level),
                escape(&weight),
                text(&ra, &f.field),
                text(&rb, &f.field)
            );
        }
        out.push_str(
            "</tbody></table></div><p class=\"choice\"><button type=\"button\" data-label=\"match\">Match</button> <button type=\"button\" data-label=\"non_match\">Not a match</button></p></article>",
        );
    }
    if shown.is_empty() {
        out.push_str("<p class=\"muted\">No pair lies in the band.</p>");
    }
    out.push_str("</section>");
    Ok(out)
}

/// One pair's weight as a waterfall: the prior, each field, the household
/// term, and the total, each bar from the running sum before it.
fn waterfall(why: &Explanation, threshold_weight: f64) -> String {
    let mut steps: Vec<(String, f64, f64, &str)> = Vec::new();
    let mut sum = why.prior_weight;
    steps.push(("prior".into(), 0.0, sum, "accent"));
    for f in &why.fields {
        let label = match f.level {
            Some(level) => format!("{} · {level}", f.field),
            None => format!("{} · missing", f.field),
        };
        let class = if f.weight >= 0.0 { "ok" } else { "bad" };
        steps.push((label, sum, sum + f.weight, class));
        sum += f.weight;
    }
    if why.household_weight != 0.0 {
        steps.push(("household".into(), sum, sum + why.household_weight, "warn"));
        sum += why.household_weight;
    }
    if why.generations_weight != 0.0 {
        steps.push((
            "generations".into(),
            sum,
            sum + why.generations_weight,
            "bad",
        ));
    }
    steps.push(("total".into(), 0.0, why.weight, "accent"));
    let ends = steps
        .iter()
        .flat_map(|s| [s.1, s.2])
        .chain([0.0, threshold_weight])
        .filter(|w| w.is_finite());
    let (low, high) = ends.fold((0.0f64, 0.0f64), |(l, h), w| (l.min(w), h.max(w)));
    let (low, high) = (low.floor(), high.ceil().max(low.floor() + 1.0));
    let (label_w, plot_w, row_h) = (170.0, 300.0, 16.0);
    let x = |w: f64| label_w + (w.clamp(low, high) - low) / (high - low) * plot_w;
    let height = steps.len() as f64 * row_h + 6.0;
    let mut svg = format!(
        "<svg class=\"chart waterfall\" data-chart=\"waterfall\" viewBox=\"0 0 {} {height}\" role=\"img\" aria-label=\"how the weight adds up\">",
        label_w + plot_w + 10.0
    );
    for (i, (label, from, to, class)) in steps.iter().enumerate() {
        let y = i as f64 * row_h;
        let (x0, x1) = (x(from.min(*to)), x(from.max(*to)));
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <rect class=\"bar {class}\" x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"><title>{}: {:+.2} → {:+.2}</title></rect>",
            label_w - 6.0,
            y + row_h - 4.0,
            escape(label),
            y + 2.0,
            (x1 - x0).max(1.0),
            row_h - 4.0,
            escape(label),
            from,
            to
        );
    }
    let _ = write!(
        svg,
        "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"0\" y2=\"{1:.1}\" stroke=\"#90a4ae\"/>\
         <line class=\"current\" x1=\"{2:.1}\" x2=\"{2:.1}\" y1=\"0\" y2=\"{1:.1}\" stroke=\"#c62828\" stroke-dasharray=\"3 3\"/></svg>",
        x(0.0),
        height,
        x(threshold_weight)
    );
    svg
}

const REVIEW_STYLE: &str = r#"
.pair{border:1px solid #e3e8ed;border-radius:8px;padding:10px 14px;margin:0 0 12px}
.pair[data-state="match"]{border-color:var(--ok);box-shadow:inset 4px 0 0 var(--ok)}
.pair[data-state="non_match"]{border-color:var(--bad);box-shadow:inset 4px 0 0 var(--bad)}
.pair-body{display:grid;grid-template-columns:minmax(300px,480px) 1fr;gap:14px;align-items:start}
svg.waterfall{max-width:480px}
.choice button,.button{font:inherit;padding:4px 12px;border-radius:6px;border:1px solid #b0bec5;background:#fff;cursor:pointer;color:var(--ink);text-decoration:none}
.pair[data-state="match"] button[data-label="match"]{background:var(--ok);color:#fff}
.pair[data-state="non_match"] button[data-label="non_match"]{background:var(--bad);color:#fff}
.toolbar{position:sticky;top:0;background:var(--card);padding:6px 0;display:flex;gap:14px;align-items:center}
details summary{cursor:pointer;color:var(--accent);margin:8px 0}
"#;

/// Labels each pair by its buttons and keeps the save link's CSV current.
const SCRIPT: &str = r#"
(function () {
  "use strict";
  var labels = new Map();
  var pairs = Array.prototype.slice.call(document.querySelectorAll("article.pair"));
  function cell(text) {
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }
  function csv() {
    var out = "row_a,row_b,label\n";
    pairs.forEach(function (pair) {
      var label = labels.get(pair);
      if (label) {
        out += cell(pair.dataset.a) + "," + cell(pair.dataset.b) + "," + label + "\n";
      }
    });
    return out;
  }
  function update() {
    document.getElementById("labelled").textContent = String(labels.size);
    document.getElementById("save").href = "data:text/csv;charset=utf-8," + encodeURIComponent(csv());
  }
  pairs.forEach(function (pair) {
    pair.querySelectorAll("button[data-label]").forEach(function (button) {
      button.addEventListener("click", function () {
        var label = button.dataset.label;
        if (labels.get(pair) === label) {
          labels.delete(pair);
          pair.dataset.state = "";
        } else {
          labels.set(pair, label);
          pair.dataset.state = label;
        }
        update();
      });
    });
  });
  update();
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_curve_counts_what_a_threshold_keeps() {
        // Weights of probability 0.5, 0.8 and 0.2 (and one near-certain).
        let curve = Curve::new(vec![0.0, 2.0, -2.0, 30.0]);
        let total = 0.5 + 0.8 + 0.2 + probability(30.0);
        let at = curve.at(1.0);
        assert_eq!(at.pairs, 2);
        let found = 0.8 + probability(30.0);
        assert!((at.precision - found / 2.0).abs() < 1e-12);
        assert!((at.recall - found / total).abs() < 1e-12);
        // A lower threshold keeps more and finds more.
        let lower = curve.at(-5.0);
        assert_eq!(lower.pairs, 4);
        assert!((lower.recall - 1.0).abs() < 1e-12);
        assert!(lower.precision < at.precision);
        // Above every pair: nothing kept, nothing found.
        let none = curve.at(40.0);
        assert_eq!((none.pairs, none.recall, none.precision), (0, 0.0, 1.0));
    }

    #[test]
    fn weights_and_probabilities_agree() {
        for p in [0.2, 0.5, 0.9, 0.95] {
            assert!((probability(weight_of(p)) - p).abs() < 1e-12);
        }
    }

    #[test]
    fn bad_bounds_are_refused() {
        assert!(ReviewSettings::default().check().is_ok());
        for (lower, upper, limit) in [
            (0.5, 0.5, 10),
            (0.9, 0.2, 10),
            (-0.1, 0.5, 10),
            (0.2, 1.5, 10),
            (0.2, 0.9, 0),
            (f64::NAN, 0.9, 10),
        ] {
            let err = ReviewSettings::new(lower, upper, limit).unwrap_err();
            assert_eq!(
                err.code(),
                crate::ErrorCode::InvalidDedupe,
                "{lower} {upper} {limit}"
            );
        }
        assert_eq!(
            ReviewSettings::new(0.2, 0.95, 200).unwrap(),
            ReviewSettings::default()
        );
    }
}
