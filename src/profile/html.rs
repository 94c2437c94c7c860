//! Self-contained HTML pages: inline CSS, charts as inline SVG drawn
//! here, nothing fetched. The profile page has no script; the match
//! review page (in `profile::review`) adds a small one for its labels.

use std::fmt::Write as _;

use super::{FieldProfile, Profile};

/// Text made safe for HTML text and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root{--ok:#2e7d32;--bad:#c62828;--warn:#ef8f00;--none:#cfd8dc;--ink:#1c2733;--muted:#5f6b76;--accent:#1565c0;--card:#fff;--bg:#f3f5f7}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC",sans-serif;color:var(--ink);background:var(--bg)}
header{background:#17324d;color:#fff;padding:18px 28px}
header h1{margin:0;font-size:22px;font-weight:600}
header p{margin:4px 0 0;color:#c9d6e2}
main{padding:20px 28px;max-width:1200px}
section{background:var(--card);border-radius:8px;padding:16px 20px;margin:0 0 18px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
h2{font-size:17px;margin:0 0 10px}
h3{font-size:15px;margin:0 0 6px}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin:0 0 18px}
.tile{background:var(--card);border-radius:8px;padding:12px 14px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.tile b{display:block;font-size:22px}
.tile span{color:var(--muted);font-size:12px}
.legend{display:flex;gap:14px;font-size:12px;color:var(--muted);margin:4px 0 8px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
svg.chart{width:100%;height:auto;display:block}
svg text{font:12px system-ui,sans-serif;fill:var(--ink)}
svg text.muted{fill:var(--muted)}
.ok{fill:var(--ok);background:var(--ok)}.bad{fill:var(--bad);background:var(--bad)}.warn{fill:var(--warn);background:var(--warn)}
.none{fill:var(--none);background:var(--none)}.accent{fill:var(--accent);background:var(--accent)}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:14px}
.field{border:1px solid #e3e8ed;border-radius:8px;padding:12px 14px}
.badge{display:inline-block;font-size:11px;padding:1px 6px;border-radius:9px;background:#e8eef5;color:#35506b;margin-left:6px;vertical-align:1px}
.badge.sensitive{background:#fde7e7;color:#8e1b1b}
table{border-collapse:collapse;width:100%;font-size:13px}
td,th{padding:3px 6px;text-align:left;border-bottom:1px solid #eef1f4;vertical-align:top}
th{color:var(--muted);font-weight:500}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f1f3f5;padding:0 3px;border-radius:3px;word-break:break-all}
.up{color:var(--ok)}.down{color:var(--bad)}
.muted{color:var(--muted)}
footer{color:var(--muted);font-size:12px;padding:0 28px 24px}
"#;

/// A page being written.
pub(crate) struct Html {
    out: String,
}

impl Html {
    /// Starts a page titled `title` with the shared style and `extra_style`.
    pub(crate) fn page(title: &str, subtitle: &str, extra_style: &str) -> Self {
        let mut out = String::with_capacity(64 * 1024);
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\
             <title>{}</title><style>{STYLE}{extra_style}</style></head><body>\
             <header><h1>{}</h1><p>{}</p></header><main>",
            escape(title),
            escape(title),
            escape(subtitle)
        );
        Self { out }
    }

    /// Adds markup as it is (built by the caller, escaped where needed).
    pub(crate) fn raw(&mut self, markup: &str) {
        self.out.push_str(markup);
    }

    /// Ends the page, with `script` inline when given.
    pub(crate) fn finish(mut self, footer: &str, script: Option<&str>) -> String {
        let _ = write!(self.out, "</main><footer>{}</footer>", escape(footer));
        if let Some(script) = script {
            let _ = write!(self.out, "<script>{script}</script>");
        }
        self.out.push_str("</body></html>\n");
        self.out
    }
}

/// A number with thousands separators.
pub(crate) fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A share as a percentage with one decimal.
pub(crate) fn percent(share: f64) -> String {
    format!("{:.1} %", share * 100.0)
}

/// One segment of a horizontal bar.
pub(crate) struct Segment {
    pub(crate) value: f64,
    pub(crate) class: &'static str,
    pub(crate) title: String,
}

/// Horizontal bars, one row per label, each a stack of segments scaled to
/// `scale` (the largest row total when `None`); `note` is written at the
/// end of each row.
pub(crate) fn hbars(
    name: &str,
    rows: &[(String, Vec<Segment>, String)],
    scale: Option<f64>,
) -> String {
    let row_h = 22.0;
    let (label_w, bar_w, note_w) = (190.0, 560.0, 130.0);
    let width = label_w + bar_w + note_w;
    let height = row_h * rows.len() as f64 + 6.0;
    let max = scale.unwrap_or_else(|| {
        rows.iter()
            .map(|(_, s, _)| s.iter().map(|x| x.value).sum::<f64>())
            .fold(0.0, f64::max)
    });
    let mut svg = format!(
        "<svg class=\"chart\" data-chart=\"{}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\">",
        escape(name),
        escape(name)
    );
    for (i, (label, segments, note)) in rows.iter().enumerate() {
        let y = 3.0 + i as f64 * row_h;
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            label_w - 8.0,
            y + 15.0,
            escape(label)
        );
        let mut x = label_w;
        for s in segments {
            let w = if max > 0.0 {
                s.value / max * bar_w
            } else {
                0.0
            };
            if w <= 0.0 {
                continue;
            }
            let _ = write!(
                svg,
                "<rect class=\"bar {}\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" rx=\"2\"><title>{}</title></rect>",
                s.class,
                y + 2.0,
                row_h - 6.0,
                escape(&s.title)
            );
            x += w;
        }
        let _ = write!(
            svg,
            "<text class=\"muted\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            label_w + bar_w + 8.0,
            y + 15.0,
            escape(note)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Vertical bars (a histogram): one bar per `(label, value, class)`.
pub(crate) fn vbars(name: &str, bars: &[(String, u64, &'static str)], x_title: &str) -> String {
    let (width, plot_h, top, left) = (880.0, 170.0, 12.0, 56.0);
    let height = top + plot_h + 58.0;
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1) as f64;
    let slot = (width - left - 10.0) / bars.len().max(1) as f64;
    let bar_w = (slot * 0.72).max(1.0);
    let mut svg = format!(
        "<svg class=\"chart\" data-chart=\"{}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\">",
        escape(name),
        escape(name)
    );
    for step in 0..=4 {
        let v = max * f64::from(step) / 4.0;
        let y = top + plot_h - plot_h * f64::from(step) / 4.0;
        let _ = write!(
            svg,
            "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e6eaee\"/><text class=\"muted\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            width - 10.0,
            left - 6.0,
            y + 4.0,
            count(v.round() as u64)
        );
    }
    let every = (bars.len() / 16).max(1);
    for (i, (label, value, class)) in bars.iter().enumerate() {
        let h = *value as f64 / max * plot_h;
        let x = left + i as f64 * slot + (slot - bar_w) / 2.0;
        let _ = write!(
            svg,
            "<rect class=\"bar {class}\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar_w:.1}\" height=\"{h:.1}\" rx=\"2\"><title>{}: {}</title></rect>",
            top + plot_h - h,
            escape(label),
            count(*value)
        );
        if i.is_multiple_of(every) {
            let _ = write!(
                svg,
                "<text class=\"muted\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                x + bar_w / 2.0,
                top + plot_h + 16.0,
                escape(label)
            );
        }
    }
    let _ = write!(
        svg,
        "<text class=\"muted\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text></svg>",
        left + (width - left) / 2.0,
        height - 12.0,
        escape(x_title)
    );
    svg
}

fn legend(items: &[(&str, &str)]) -> String {
    let mut out = String::from("<div class=\"legend\">");
    for (class, text) in items {
        let _ = write!(
            out,
            "<span><i class=\"{class}\"></i>{}</span>",
            escape(text)
        );
    }
    out.push_str("</div>");
    out
}

fn tile(value: &str, what: &str) -> String {
    format!(
        "<div class=\"tile\"><b>{}</b><span>{}</span></div>",
        escape(value),
        escape(what)
    )
}

/// The profile page.
pub(super) fn profile_page(profile: &Profile) -> String {
    let mut page = Html::page(
        &format!("Data quality: {}", profile.schema),
        &format!(
            "{} records as of {}; profile format {} version {}",
            count(profile.rows.records),
            profile.as_of,
            profile.format,
            profile.version
        ),
        "",
    );
    let unreadable: u64 = profile.rows.unreadable.values().sum();
    let issues: u64 = profile.issues.iter().map(|i| i.count).sum();
    let mut tiles = String::from("<div class=\"tiles\">");
    tiles.push_str(&tile(&count(profile.rows.read), "rows read"));
    tiles.push_str(&tile(&count(unreadable), "rows unreadable"));
    tiles.push_str(&tile(
        &count(profile.records.with_errors),
        "records with errors",
    ));
    tiles.push_str(&tile(
        &percent(profile.records.completeness),
        "mean record completeness",
    ));
    tiles.push_str(&tile(&count(issues), "issues found"));
    if let Some(d) = &profile.duplicates {
        tiles.push_str(&tile(&percent(d.duplicate_rate), "duplicate rate"));
        tiles.push_str(&tile(&count(d.clusters), "customers (clusters)"));
    }
    tiles.push_str("</div>");
    page.raw(&tiles);
    if let Some(drift) = &profile.drift {
        page.raw(&drift_section(drift));
    }
    page.raw(&fields_section(profile));
    page.raw(&issues_section(profile));
    page.raw(&records_section(profile));
    if let Some(d) = &profile.duplicates {
        let bars: Vec<(String, u64, &str)> = d
            .cluster_sizes
            .iter()
            .map(|s| (s.size.to_string(), s.count, "accent"))
            .collect();
        page.raw(&format!(
            "<section id=\"duplicates\"><h2>Duplicates</h2><p class=\"muted\">{} records in {} clusters of two or more; {} of the records are extra copies of a customer.</p>{}</section>",
            count(d.records_in_duplicate_clusters),
            count(d.duplicate_clusters),
            percent(d.duplicate_rate),
            vbars("cluster-sizes", &bars, "records in a cluster")
        ));
    }
    let mut cards = String::from(
        "<section id=\"fields\"><h2>Field details</h2><p class=\"muted\">Sensitive fields show format patterns, never values: digits are N, runs of upper-case letters A, of lower-case letters a, of letters without case L.</p><div class=\"grid\">",
    );
    for field in &profile.fields {
        cards.push_str(&field_card(field));
    }
    cards.push_str("</div></section>");
    page.raw(&cards);
    page.finish(
        "Made by custodia. No value of a sensitive field appears on this page.",
        None,
    )
}

fn fields_section(profile: &Profile) -> String {
    let records = profile.rows.records as f64;
    let rows: Vec<(String, Vec<Segment>, String)> = profile
        .fields
        .iter()
        .map(|f| {
            let invalid = f.values - f.valid;
            let segments = vec![
                Segment {
                    value: f.valid as f64,
                    class: "ok",
                    title: format!("{}: {} valid", f.name, count(f.valid)),
                },
                Segment {
                    value: invalid as f64,
                    class: "bad",
                    title: format!("{}: {} invalid", f.name, count(invalid)),
                },
                Segment {
                    value: f.missing as f64,
                    class: "none",
                    title: format!("{}: {} missing", f.name, count(f.missing)),
                },
            ];
            let note = match f.validity {
                Some(v) => format!("{} / {}", percent(f.completeness), percent(v)),
                None => format!("{} / –", percent(f.completeness)),
            };
            (f.name.clone(), segments, note)
        })
        .collect();
    format!(
        "<section id=\"completeness\"><h2>Completeness and validity by field</h2>{}{}</section>",
        legend(&[
            ("ok", "valid"),
            ("bad", "invalid"),
            ("none", "missing"),
            ("", "right: completeness / validity")
        ]),
        hbars("completeness", &rows, Some(records))
    )
}

fn issues_section(profile: &Profile) -> String {
    if profile.issues.is_empty() {
        return "<section id=\"issues\"><h2>Issues by code</h2><p>No issue was found.</p></section>"
            .to_owned();
    }
    let rows: Vec<(String, Vec<Segment>, String)> = profile
        .issues
        .iter()
        .map(|i| {
            let class = if i.severity == "error" { "bad" } else { "warn" };
            (
                i.code.clone(),
                vec![Segment {
                    value: i.count as f64,
                    class,
                    title: format!(
                        "{} ({}, {}): {}",
                        i.code,
                        i.number,
                        i.severity,
                        count(i.count)
                    ),
                }],
                count(i.count),
            )
        })
        .collect();
    format!(
        "<section id=\"issues\"><h2>Issues by code</h2>{}{}</section>",
        legend(&[("bad", "error"), ("warn", "warning")]),
        hbars("issues", &rows, None)
    )
}

fn records_section(profile: &Profile) -> String {
    let hist: Vec<(String, u64, &str)> = profile
        .records
        .completeness_histogram
        .iter()
        .map(|b| (format!("{:.0}%", b.from * 100.0), b.count, "accent"))
        .collect();
    let mut out = format!(
        "<section id=\"records\"><h2>Records</h2><p class=\"muted\">Completeness of a record: the share of the {} fields in use that it has a value for (mean {}). {} records have errors, {} only warnings.</p>{}",
        profile.records.fields_in_use,
        percent(profile.records.completeness),
        count(profile.records.with_errors),
        count(profile.records.with_warnings_only),
        vbars("record-completeness", &hist, "record completeness (from)")
    );
    if let Some(s) = &profile.staleness {
        let mut bars: Vec<(String, u64, &str)> = s
            .buckets
            .iter()
            .map(|b| (b.label.clone(), b.count, "accent"))
            .collect();
        bars.push(("in the future".to_owned(), s.future, "warn"));
        bars.push(("no date".to_owned(), s.no_date, "none"));
        let _ = write!(
            out,
            "<h3>Staleness by <code>{}</code> on {}</h3>{}",
            escape(&s.field),
            escape(&profile.as_of),
            vbars("staleness", &bars, "age of the record")
        );
    }
    let unreadable = &profile.rows.unreadable;
    if !unreadable.is_empty() {
        out.push_str("<h3>Rows that could not be read</h3><table>");
        for (code, n) in unreadable {
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td class=\"n\">{}</td></tr>",
                escape(code),
                count(*n)
            );
        }
        out.push_str("</table>");
    }
    out.push_str("</section>");
    out
}

fn drift_section(drift: &super::Drift) -> String {
    let arrow = |points: f64| {
        if points > 0.0 {
            format!("<span class=\"up\">▲ {points:+.1}</span>")
        } else if points < 0.0 {
            format!("<span class=\"down\">▼ {points:+.1}</span>")
        } else {
            "0.0".to_owned()
        }
    };
    let mut out = format!(
        "<section id=\"drift\"><h2>Since {}</h2><p class=\"muted\">Records {} then, {} now. Fields whose completeness or validity moved by {:.1} points or more, or that have new issue codes:</p>",
        escape(&drift.previous_as_of),
        count(drift.records_before),
        count(drift.records_after),
        drift.points
    );
    if drift.fields.is_empty() {
        out.push_str("<p>None.</p>");
    } else {
        out.push_str("<table><tr><th>field</th><th>completeness</th><th>points</th><th>validity</th><th>points</th><th>new issue codes</th></tr>");
        for f in &drift.fields {
            let validity = match (f.validity_before, f.validity_after) {
                (Some(a), Some(b)) => format!("{} → {}", percent(a), percent(b)),
                _ => "–".to_owned(),
            };
            let codes: Vec<String> = f
                .new_issue_codes
                .iter()
                .map(|c| format!("<code>{}</code>", escape(c)))
                .collect();
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{} → {}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                escape(&f.field),
                percent(f.completeness_before),
                percent(f.completeness_after),
                arrow(f.completeness_points()),
                validity,
                arrow(f.validity_points()),
                codes.join(" ")
            );
        }
        out.push_str("</table>");
    }
    let list = |codes: &[String]| {
        if codes.is_empty() {
            "none".to_owned()
        } else {
            codes
                .iter()
                .map(|c| format!("<code>{}</code>", escape(c)))
                .collect::<Vec<_>>()
                .join(" ")
        }
    };
    let _ = write!(
        out,
        "<p>New issue codes: {}. Gone: {}.</p>",
        list(&drift.new_issue_codes),
        list(&drift.gone_issue_codes)
    );
    if let Some((a, b)) = drift.duplicate_rate {
        let _ = write!(
            out,
            "<p>Duplicate rate: {} → {}.</p>",
            percent(a),
            percent(b)
        );
    }
    out.push_str("</section>");
    out
}

fn field_card(f: &FieldProfile) -> String {
    let mut out = format!(
        "<div class=\"field\" data-field=\"{}\"><h3>{}<span class=\"badge\">{}</span>{}</h3><table>",
        escape(&f.name),
        escape(&f.name),
        escape(&f.kind),
        if f.sensitive {
            "<span class=\"badge sensitive\">sensitive</span>"
        } else {
            ""
        }
    );
    let mut row = |what: &str, value: String| {
        let _ = write!(
            out,
            "<tr><th>{}</th><td class=\"n\">{}</td></tr>",
            escape(what),
            escape(&value)
        );
    };
    row(
        "values",
        format!("{} ({})", count(f.values), percent(f.completeness)),
    );
    row("missing", count(f.missing));
    row(
        "valid",
        match f.validity {
            Some(v) => format!("{} ({})", count(f.valid), percent(v)),
            None => "–".to_owned(),
        },
    );
    row("distinct", format!("≈ {}", count(f.distinct)));
    if let Some(l) = &f.length {
        row(
            "length",
            format!("{} to {} (mean {:.1})", l.min, l.max, l.mean),
        );
    }
    if let Some(d) = &f.dates {
        row("dates", format!("{} to {}", d.min, d.max));
    }
    if let Some(n) = &f.numbers {
        row("range", format!("{} to {}", n.min, n.max));
    }
    for (rule, n) in &f.changes {
        row(&format!("changed by {rule}"), count(*n));
    }
    for i in &f.issues {
        row(&format!("{} ({})", i.code, i.severity), count(i.count));
    }
    out.push_str("</table>");
    let approx = if f.top_approximate { " (at least)" } else { "" };
    let list = |title: &str, items: Vec<(&str, u64)>| -> String {
        if items.is_empty() {
            return String::new();
        }
        let max = items.iter().map(|i| i.1).max().unwrap_or(1).max(1) as f64;
        let mut t = format!(
            "<h3 style=\"margin-top:8px\">{}{}</h3><table>",
            escape(title),
            escape(approx)
        );
        for (value, n) in items {
            let w = (n as f64 / max * 80.0).max(1.0);
            let _ = write!(
                t,
                "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td style=\"width:90px\"><svg class=\"spark\" width=\"84\" height=\"10\"><rect class=\"bar accent\" x=\"0\" y=\"1\" width=\"{w:.1}\" height=\"8\" rx=\"2\"/></svg></td></tr>",
                escape(value),
                count(n)
            );
        }
        t.push_str("</table>");
        t
    };
    if !f.top_values.is_empty() {
        out.push_str(&list(
            "most frequent values",
            f.top_values
                .iter()
                .map(|v| (v.value.as_str(), v.count))
                .collect(),
        ));
    }
    out.push_str(&list(
        "most frequent patterns",
        f.top_patterns
            .iter()
            .map(|p| (p.pattern.as_str(), p.count))
            .collect(),
    ));
    out.push_str("</div>");
    out
}
