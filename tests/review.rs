//! The match review page (`custodia dedupe --review`): its structure and
//! numbers, and what it shows of the values.

use std::collections::HashSet;
use std::path::PathBuf;

use custodia::dedupe::Deduper;
use custodia::dedupe::generate::Generator;
use custodia::profile::review::{ReviewRows, ReviewSettings, ReviewView, review_page};
use custodia::{Policy, Record, Schema};
use serde_json::Value;

use crate::cli::{custodia, scratch, text};

/// Generated customers as JSON Lines in the scratch directory, and the
/// records.
pub(crate) fn generated(name: &str, seed: u64, n: usize) -> (PathBuf, Vec<Record>) {
    let data = Generator::new(seed).generate(n).unwrap();
    let mut lines = String::new();
    for record in &data.records {
        lines.push_str(&record.to_json());
        lines.push('\n');
    }
    let path = scratch(name);
    std::fs::write(&path, lines).unwrap();
    (path, data.records)
}

/// Writes the review page of `input` (JSON Lines) with `extra` options;
/// the page and the saved model.
pub(crate) fn review_of(input: &std::path::Path, name: &str, extra: &[&str]) -> (String, Value) {
    let page = scratch(&format!("{name}.html"));
    let model = scratch(&format!("{name}.model.json"));
    let out = scratch(&format!("{name}.out.jsonl"));
    let mut args = vec![
        "dedupe",
        "-q",
        "--format",
        "jsonl",
        "-i",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--save-model",
        model.to_str().unwrap(),
        "--review",
        page.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let run = custodia(&args, b"");
    assert!(
        matches!(run.status.code(), Some(0 | 1)),
        "{}",
        text(&run.stderr)
    );
    let model: Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    (std::fs::read_to_string(&page).unwrap(), model)
}

/// The value of attribute `name` in each tag of the page that has it, in
/// order, after `marker` (a piece of the tag before it).
fn attributes(page: &str, marker: &str, name: &str) -> Vec<String> {
    let needle = format!("{name}=\"");
    page.split(marker)
        .skip(1)
        .filter_map(|rest| {
            let tag = rest.split('>').next()?;
            let at = tag.find(&needle)? + needle.len();
            Some(tag[at..].split('"').next()?.to_owned())
        })
        .collect()
}

fn numbers(page: &str, marker: &str, name: &str) -> Vec<f64> {
    attributes(page, marker, name)
        .iter()
        .map(|v| v.parse().unwrap())
        .collect()
}

#[test]
fn the_review_page_shows_the_model_the_threshold_and_the_band() {
    let (input, _) = generated("review.structure.jsonl", 21, 3000);
    let (page, model) = review_of(&input, "review.structure", &["--review-limit", "40"]);
    // Self-contained: nothing points outside the page.
    for outside in ["http://", "https://", "src=", "<link", "@import", "url("] {
        assert!(!page.contains(outside), "the page has {outside}");
    }
    for chart in ["weights", "threshold", "waterfall"] {
        assert!(
            page.contains(&format!("data-chart=\"{chart}\"")),
            "no {chart} chart"
        );
    }
    // The model table is the saved model's m, u and weights.
    let fields = model["fields"].as_array().unwrap();
    let m = numbers(&page, "<tr data-field=", "data-m");
    let u = numbers(&page, "<tr data-field=", "data-u");
    let w = numbers(&page, "<tr data-field=", "data-weight");
    let expected: Vec<(f64, f64)> = fields
        .iter()
        .flat_map(|f| {
            let m = f["m"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap());
            let u = f["u"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap());
            m.zip(u).collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(m.len(), expected.len());
    for (i, &(em, eu)) in expected.iter().enumerate() {
        assert!(
            (m[i] - em).abs() < 1e-12 && (u[i] - eu).abs() < 1e-12,
            "level {i}"
        );
        assert!((w[i] - (em / eu).log2()).abs() < 1e-9, "level {i}");
    }
    // The thresholds: more pairs and less precision as it falls, the
    // one in use marked.
    let thresholds = numbers(&page, "<tr", "data-threshold");
    let pairs = numbers(&page, "<tr", "data-pairs");
    let precision = numbers(&page, "<tr", "data-precision");
    let recall = numbers(&page, "<tr", "data-recall");
    assert!(thresholds.windows(2).all(|t| t[0] < t[1]), "{thresholds:?}");
    assert!(pairs.windows(2).all(|p| p[0] >= p[1]), "{pairs:?}");
    assert!(recall.windows(2).all(|r| r[0] >= r[1]), "{recall:?}");
    assert!(
        precision.windows(2).all(|p| p[0] <= p[1] + 1e-12),
        "{precision:?}"
    );
    assert!(
        precision
            .iter()
            .chain(&recall)
            .all(|&x| (0.0..=1.0).contains(&x))
    );
    assert!(
        recall[0] > 0.5 && precision[0] > 0.5,
        "{recall:?} {precision:?}"
    );
    assert_eq!(
        attributes(&page, "<tr class=\"current\"", "data-threshold"),
        ["0.9"]
    );
    // The band: at most the limit, every probability inside it, most
    // likely first, each pair once with both buttons and a waterfall.
    let shown = numbers(&page, "<article class=\"pair\"", "data-probability");
    assert_eq!(shown.len(), 40, "a 3000-record set has more in the band");
    assert!(shown.iter().all(|&p| (0.2..0.95).contains(&p)), "{shown:?}");
    assert!(shown.windows(2).all(|p| p[0] >= p[1]), "{shown:?}");
    let a = attributes(&page, "<article class=\"pair\"", "data-a");
    let b = attributes(&page, "<article class=\"pair\"", "data-b");
    let distinct: HashSet<(&String, &String)> = a.iter().zip(&b).collect();
    assert_eq!(distinct.len(), 40);
    assert_eq!(page.matches("data-chart=\"waterfall\"").count(), 40);
    assert_eq!(
        page.matches("<button type=\"button\" data-label=\"match\"")
            .count(),
        40
    );
    assert_eq!(
        page.matches("<button type=\"button\" data-label=\"non_match\"")
            .count(),
        40
    );
    assert!(page.contains("id=\"save\"") && page.contains("download=\"labels.csv\""));

    // A narrower band shows fewer, all inside it.
    let (narrow, _) = review_of(
        &input,
        "review.narrow",
        &["--review-band", "0.5,0.9", "--review-limit", "1000"],
    );
    let inside = numbers(&narrow, "<article class=\"pair\"", "data-probability");
    assert!(!inside.is_empty());
    assert!(
        inside.iter().all(|&p| (0.5..0.9).contains(&p)),
        "{inside:?}"
    );
}

#[test]
fn bad_review_options_are_usage_errors() {
    let (input, _) = generated("review.bad.jsonl", 3, 200);
    let page = scratch("review.bad.html");
    for extra in [
        ["--review-band", "0.9,0.2"],
        ["--review-band", "half,1"],
        ["--review-limit", "0"],
        ["--review-audience", "nobody"],
    ] {
        let mut args = vec![
            "dedupe",
            "-q",
            "--format",
            "jsonl",
            "-i",
            input.to_str().unwrap(),
            "-o",
            "-",
            "--review",
            page.to_str().unwrap(),
        ];
        args.extend_from_slice(&extra);
        let run = custodia(&args, b"");
        assert_eq!(
            run.status.code(),
            Some(2),
            "{extra:?}: {}",
            text(&run.stderr)
        );
    }
}

/// The values of `records` that the `support` audience of the built-in
/// policy does not see as they are (every sensitive field it masks or
/// leaves out), as written and as normalized, of six characters or more,
/// unless the same text is also the value of a field it does see (a
/// family name that is another record's given name).
fn hidden_values(records: &[&Record]) -> Vec<String> {
    let schema = Schema::customer();
    let policy = Policy::customer();
    let support = policy.audience("support").unwrap();
    let kept = |field: &str| matches!(support.get(field), Some(custodia::mask::Operator::Keep));
    let normalizer = custodia::Normalizer::new(&schema);
    let mut values = Vec::new();
    let mut seen = HashSet::new();
    for record in records {
        let normalized = normalizer.normalize(record).unwrap().record;
        for r in [*record, &normalized] {
            for (field, value) in r.iter() {
                let Some(v) = value.to_text() else { continue };
                if kept(field.name()) {
                    seen.insert(v.into_owned());
                } else if field.is_sensitive() && v.chars().count() >= 6 {
                    values.push(v.into_owned());
                }
            }
        }
    }
    values.retain(|v| !seen.iter().any(|s| s.contains(v.as_str())));
    values
}

#[test]
fn the_page_never_holds_a_sensitive_value_for_the_default_audience() {
    let (input, records) = generated("review.masked.jsonl", 8, 2000);
    let (page, _) = review_of(&input, "review.masked", &["--review-band", "0.01,0.999"]);
    assert!(page.matches("<article class=\"pair\"").count() > 20);
    // The page does show values (masked ones).
    assert!(page.contains("****"), "masked phones are shown");
    // The records on the page (rows are input lines, from 1).
    let mut shown: Vec<&Record> = Vec::new();
    for id in attributes(&page, "<article class=\"pair\"", "data-a")
        .into_iter()
        .chain(attributes(&page, "<article class=\"pair\"", "data-b"))
    {
        let line: usize = id.parse().unwrap();
        shown.push(&records[line - 1]);
    }
    let values = hidden_values(&shown);
    assert!(values.len() > 100, "{}", values.len());
    let leaked: Vec<&String> = values
        .iter()
        .filter(|v| page.contains(v.as_str()) || page.contains(&escape(v)))
        .collect();
    assert!(
        leaked.is_empty(),
        "{} sensitive values on the page, such as {:?}",
        leaked.len(),
        &leaked[..leaked.len().min(5)]
    );
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Rows of an in-memory run.
struct Rows(Vec<Record>);

impl ReviewRows for Rows {
    fn id(&self, row: usize) -> String {
        format!("r{row}")
    }

    fn record(&self, row: usize) -> custodia::Result<Record> {
        Ok(self.0[row].clone())
    }
}

#[test]
fn an_audience_chosen_to_see_values_sees_them_and_others_do_not() {
    let schema = Schema::customer();
    let data = Generator::new(4).generate(1500).unwrap();
    let normalizer = custodia::Normalizer::new(&schema);
    let records: Vec<Record> = data
        .records
        .iter()
        .map(|r| normalizer.normalize(r).unwrap().record)
        .collect();
    let outcome = Deduper::new(&schema).unwrap().run(&data.records).unwrap();
    let mut settings = ReviewSettings::default();
    settings.lower = 0.05;
    settings.upper = 0.99;
    settings.limit = 50;
    let rows = Rows(records.clone());
    let emails: Vec<&str> = records.iter().filter_map(|r| r.text("email")).collect();
    let on = |html: &str| emails.iter().filter(|e| html.contains(*e)).count();
    // A steward who may see emails as they are.
    let policy = Policy::new("review").rule("steward", "email", custodia::mask::Operator::Keep);
    let steward = ReviewView::with_policy(&schema, &policy, Some("steward")).unwrap();
    let page = review_page(&outcome, 0.9, &settings, &steward, &rows).unwrap();
    assert!(page.shown > 10, "{}", page.shown);
    assert!(on(&page.html) > 5, "the steward sees emails");
    // Fields without a rule are redacted for that audience.
    assert!(page.html.contains("[redacted]"));
    // The default view (support) does not see them.
    let support = ReviewView::new(&schema, None).unwrap();
    assert_eq!(support.audience(), "support");
    let page = review_page(&outcome, 0.9, &settings, &support, &rows).unwrap();
    assert_eq!(on(&page.html), 0);
    // A schema without a policy: sensitive fields redacted.
    let plain = ReviewView::with_policy(&schema, &Policy::new("none"), None).unwrap();
    let page = review_page(&outcome, 0.9, &settings, &plain, &rows).unwrap();
    assert_eq!(on(&page.html), 0);
    assert!(page.html.contains("[redacted]"));
    // An audience that needs keys cannot be used without them.
    assert!(ReviewView::new(&schema, Some("analytics")).is_err());
}

/// Labels move the model and the clusters the right way: true matches
/// below the threshold, labelled, raise the likelihood m gives their
/// levels and are linked (recall rises); a labelled non-match above the
/// threshold is kept apart.
#[test]
fn labels_move_the_model_and_the_clusters_the_right_way() {
    use custodia::dedupe::{Label, Labels};
    let schema = Schema::customer();
    let data = Generator::new(12).generate(3000).unwrap();
    // A strict threshold, so that a file this small leaves enough true
    // matches below it to label.
    let mut config = custodia::dedupe::Config::default();
    config.threshold = 0.999;
    let deduper = Deduper::with_config(&schema, config).unwrap();
    let before = deduper.run(&data.records).unwrap();
    let threshold = (0.999f64 / 0.001).log2();
    // True matches blocking found but the model left below the threshold.
    let mut missed: Vec<(usize, usize)> = before
        .candidates()
        .filter(|&(a, b)| data.people[a] == data.people[b])
        .filter(|&(a, b)| before.weight(a, b).unwrap() < threshold)
        .filter(|&(a, b)| before.clusters()[a] != before.clusters()[b])
        .collect();
    missed.sort_unstable();
    missed.truncate(25);
    assert!(missed.len() >= 10, "{} missed matches", missed.len());
    // A scored pair to keep apart: a false match if there is one, else any.
    let apart = before
        .pairs()
        .iter()
        .find(|p| data.people[p.a] != data.people[p.b])
        .or_else(|| before.pairs().first())
        .map(|p| (p.a, p.b))
        .unwrap();
    let mut labels = Labels::new();
    for &(a, b) in &missed {
        labels.add(a, b, Label::Match).unwrap();
    }
    labels.add(apart.0, apart.1, Label::NonMatch).unwrap();
    let after = deduper.run_labelled(&data.records, None, &labels).unwrap();

    // m gives the labelled matches' levels more weight than before.
    let likelihood = |outcome: &custodia::dedupe::Outcome| -> f64 {
        let model = outcome.model();
        missed
            .iter()
            .map(|&(a, b)| {
                let why = before.explain(a, b).unwrap();
                why.fields
                    .iter()
                    .zip(model.fields())
                    .filter_map(|(f, fm)| {
                        let level = f.level?;
                        let at = fm.comparator.levels().iter().position(|l| *l == level)?;
                        Some(fm.m[at].ln())
                    })
                    .sum::<f64>()
            })
            .sum()
    };
    assert!(
        likelihood(&after) > likelihood(&before),
        "{} ≤ {}",
        likelihood(&after),
        likelihood(&before)
    );
    // Every labelled match is linked and listed; recall rises.
    for &(a, b) in &missed {
        assert_eq!(after.clusters()[a], after.clusters()[b], "({a}, {b})");
        assert!(after.pairs().iter().any(|p| (p.a, p.b) == (a, b)));
    }
    let (r0, r1) = (
        before.scores(&data.people).recall(),
        after.scores(&data.people).recall(),
    );
    assert!(r1 > r0, "recall {r0} → {r1}");
    // The labelled non-match is neither a pair nor in one cluster.
    assert_eq!(before.clusters()[apart.0], before.clusters()[apart.1]);
    assert_ne!(after.clusters()[apart.0], after.clusters()[apart.1]);
    assert!(!after.pairs().iter().any(|p| (p.a, p.b) == apart));
    // A given model is used as it is, the labels still override.
    let given = deduper
        .run_labelled(&data.records, Some(before.model()), &labels)
        .unwrap();
    assert_eq!(given.model(), before.model());
    assert_ne!(given.clusters()[apart.0], given.clusters()[apart.1]);
    // A label beyond the input is refused.
    let mut beyond = Labels::new();
    beyond.add(0, 3000, Label::Match).unwrap();
    assert!(deduper.run_labelled(&data.records, None, &beyond).is_err());
}

/// `dedupe --labels` reads the review page's file: labelled pairs are
/// linked or kept apart, unknown ids are counted, and a bad file is a
/// usage error naming the line and no value.
#[test]
fn dedupe_takes_a_labels_file() {
    let (input, records) = generated("labels.cli.jsonl", 12, 1500);
    let run = |labels: &str, name: &str| {
        let file = scratch(&format!("{name}.csv"));
        std::fs::write(&file, labels).unwrap();
        let out = custodia(
            &[
                "dedupe",
                "--format",
                "jsonl",
                "-i",
                input.to_str().unwrap(),
                "-o",
                "-",
                "--labels",
                file.to_str().unwrap(),
            ],
            b"",
        );
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };
    let clusters = |stdout: &str| -> Vec<String> {
        stdout
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                v["cluster_id"].to_string()
            })
            .collect()
    };
    let (code, plain, _) = run("row_a,row_b,label\n", "labels.none");
    assert!(matches!(code, Some(0 | 1)));
    let plain = clusters(&plain);
    assert_eq!(plain.len(), records.len());
    // Two rows in different clusters labelled a match, two in one cluster
    // labelled apart (rows are input lines, from 1).
    let (x, y) = (1..plain.len())
        .map(|i| (0, i))
        .find(|&(a, b)| plain[a] != plain[b])
        .unwrap();
    let (p, q) = (0..plain.len())
        .flat_map(|a| (a + 1..plain.len().min(a + 50)).map(move |b| (a, b)))
        .find(|&(a, b)| plain[a] == plain[b])
        .unwrap();
    let labels = format!(
        "row_a,row_b,label\n{},{},match\n{},{},non_match\n99999,1,match\n",
        x + 1,
        y + 1,
        p + 1,
        q + 1
    );
    let (code, labelled, stderr) = run(&labels, "labels.some");
    assert!(matches!(code, Some(0 | 1)), "{stderr}");
    let labelled = clusters(&labelled);
    assert_eq!(labelled[x], labelled[y]);
    assert_ne!(labelled[p], labelled[q]);
    assert!(
        stderr.contains("labelled pairs: 2 used, 1 naming a row that was not read"),
        "{stderr}"
    );
    // A bad file: the line, never the value.
    let (code, _, stderr) = run(
        "row_a,row_b,label\n1,2,match\n3,4,SECRETLABEL\n",
        "labels.bad",
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("line 3"), "{stderr}");
    assert!(!stderr.contains("SECRETLABEL"), "{stderr}");
}
