//! Writing rows, rejects, pairs and golden records, as CSV or JSON Lines.

use std::borrow::Cow;
use std::io::{self, Write};
use std::ops::Range;

use rayon::prelude::*;

use super::Format;
use super::read::{Raw, Row};
use crate::dedupe::{Breakdown, GoldenRecord, Outcome};
use crate::schema::{Record, Schema, Value};

/// Writes one CSV record (RFC 4180): fields with the delimiter, a quote, a
/// line break or an edge space are quoted, quotes doubled.
pub(crate) fn csv_record(
    out: &mut (impl Write + ?Sized),
    delimiter: u8,
    cells: impl Iterator<Item = impl AsRef<[u8]>>,
) -> io::Result<()> {
    let mut line = CsvLine::start(delimiter);
    for cell in cells {
        line.cell(cell.as_ref());
    }
    line.end(out)
}

/// One CSV record put together cell by cell, then handed to its output in
/// one write: outputs are `dyn Write`, and a call through it for each
/// cell and delimiter took 0.9 % of a `clean` run's instructions, cells
/// handed over through a chain of iterators 2 % more (50 k rows, one
/// thread). The buffer is the thread's, reused from line to line.
struct CsvLine {
    text: Vec<u8>,
    delimiter: u8,
    /// Whether a cell came before (the first may be empty).
    started: bool,
}

thread_local! {
    static LINE: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

impl CsvLine {
    fn start(delimiter: u8) -> Self {
        let mut text = LINE.take();
        text.clear();
        Self {
            text,
            delimiter,
            started: false,
        }
    }

    /// Adds a cell, quoted when it needs to be.
    fn cell(&mut self, cell: &[u8]) {
        let text = &mut self.text;
        if self.started {
            text.push(self.delimiter);
        }
        self.started = true;
        if needs_quotes(cell, self.delimiter) {
            text.push(b'"');
            for part in cell.split_inclusive(|&b| b == b'"') {
                text.extend_from_slice(part);
                if part.last() == Some(&b'"') {
                    text.push(b'"');
                }
            }
            text.push(b'"');
        } else {
            text.extend_from_slice(cell);
        }
    }

    /// Ends the line and writes it.
    fn end(mut self, out: &mut (impl Write + ?Sized)) -> io::Result<()> {
        self.text.push(b'\n');
        let written = out.write_all(&self.text);
        // A huge row's buffer is not kept for the rest of the run.
        if self.text.capacity() <= 1 << 16 {
            LINE.set(std::mem::take(&mut self.text));
        }
        written
    }
}

/// Whether a CSV cell is quoted: it holds the delimiter, a quote or a
/// line break, or starts or ends with a space. The bytes are tested eight
/// at a time in a `u64` (see [`special_bytes`]): a byte-by-byte loop
/// became vector instructions that widened each byte to four and tested
/// 4 bytes a step, 15 % of writing golden records (measured), whose
/// `_sources` cells run to hundreds of bytes.
fn needs_quotes(cell: &[u8], delimiter: u8) -> bool {
    let word = |bytes: &[u8]| u64::from_ne_bytes(bytes.try_into().unwrap_or_default());
    let special = match cell.len() {
        0 => 0,
        // Padded with its first byte, which adds no byte the cell lacks.
        short @ 1..8 => {
            let mut padded = [cell[0]; 8];
            padded[..short].copy_from_slice(cell);
            special_bytes(u64::from_ne_bytes(padded), delimiter)
        }
        // Eight bytes at a time, and the last eight, which overlap the
        // others when the length is not a multiple of eight.
        len => cell.chunks_exact(8).fold(
            special_bytes(word(&cell[len - 8..]), delimiter),
            |found, chunk| found | special_bytes(word(chunk), delimiter),
        ),
    };
    special != 0 || cell.first() == Some(&b' ') || cell.last() == Some(&b' ')
}

/// Not zero when one of the eight bytes of `word` is the delimiter, a
/// quote or a line break: for each of those bytes, `word` XOR that byte
/// in every position has a zero byte exactly where `word` holds it, and
/// `x - 0x0101.. & !x & 0x8080..` is not zero exactly when `x` has a
/// zero byte.
fn special_bytes(word: u64, delimiter: u8) -> u64 {
    const LOW: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let zero_byte = |x: u64| x.wrapping_sub(LOW) & !x & HIGH;
    [delimiter, b'"', b'\n', b'\r'].iter().fold(0, |found, &b| {
        found | zero_byte(word ^ (LOW * u64::from(b)))
    })
}

/// A text cell as bytes for [`csv_record`], borrowed or owned as it was.
fn text_bytes(text: Cow<'_, str>) -> Cow<'_, [u8]> {
    match text {
        Cow::Borrowed(text) => Cow::Borrowed(text.as_bytes()),
        Cow::Owned(text) => Cow::Owned(text.into_bytes()),
    }
}

/// [`csv_record`] for text cells.
pub(crate) fn csv_text<'a>(
    out: &mut (impl Write + ?Sized),
    delimiter: u8,
    cells: impl Iterator<Item = &'a str>,
) -> io::Result<()> {
    csv_record(out, delimiter, cells.map(str::as_bytes))
}

/// A row named in an output: its line, and in a link its source (`crm:2`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RowRef<'a> {
    pub(crate) source: Option<&'a str>,
    pub(crate) line: u64,
}

impl std::fmt::Display for RowRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.source {
            Some(source) => write!(f, "{source}:{}", self.line),
            None => write!(f, "{}", self.line),
        }
    }
}

/// `n` in decimal digits, written at the end of `digits`.
fn decimal(n: u64, digits: &mut [u8; 20]) -> &[u8] {
    let mut at = digits.len();
    let mut left = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (left % 10) as u8;
        left /= 10;
        if left == 0 {
            break;
        }
    }
    &digits[at..]
}

impl RowRef<'_> {
    /// Appends what `Display` writes, without the formatting machinery:
    /// golden records and pairs name rows by the million.
    pub(crate) fn push_to(self, text: &mut String) {
        if let Some(source) = self.source {
            text.push_str(source);
            text.push(':');
        }
        let mut digits = [0; 20];
        text.extend(
            decimal(self.line, &mut digits)
                .iter()
                .map(|&d| char::from(d)),
        );
    }

    /// A number, or `"source:line"` in a link.
    fn json(self) -> serde_json::Value {
        match self.source {
            Some(_) => self.to_string().into(),
            None => self.line.into(),
        }
    }
}

/// Where the columns of an output row come from.
#[derive(Clone)]
pub(crate) struct Layout {
    pub(crate) format: Format,
    pub(crate) delimiter: u8,
    /// Per input column: the schema field it holds, or `None` for a column
    /// outside the schema (passed through from the input row).
    pub(crate) columns: Vec<Option<usize>>,
    /// Which input columns are written.
    pub(crate) written: Vec<bool>,
    /// Schema fields left out of JSON Lines output (`--drop`).
    pub(crate) dropped: Vec<String>,
    /// Whether rows end with a `_warnings` column.
    pub(crate) warnings_column: bool,
    /// Columns the input lacks that normalization fills: a phone's
    /// extension (`phone_extension`), which the E.164 value cannot hold.
    pub(crate) appended: Vec<String>,
    /// Input columns outside the schema that hold a phone's extension: the
    /// one normalization found, if any, is written there.
    pub(crate) extension_columns: Vec<(usize, String)>,
}

/// The `<phone>_extension` columns a layout appends: for each phone field
/// among `present` (schema fields the output has) whose extension field is
/// not among them.
pub(crate) fn extension_columns(schema: &Schema, present: &[usize]) -> Vec<String> {
    let names: Vec<&str> = present
        .iter()
        .filter_map(|&i| schema.field_at(i))
        .map(|f| f.name())
        .collect();
    present
        .iter()
        .filter_map(|&i| schema.field_at(i))
        .filter(|f| matches!(f.kind(), crate::schema::FieldKind::Phone))
        .map(|f| format!("{}_extension", f.name()))
        .filter(|ext| !names.contains(&ext.as_str()))
        .collect()
}

/// The value of an appended column: the schema field of that name, or the
/// record's extra value.
fn appended_value<'r>(record: &'r Record, name: &str) -> Cow<'r, str> {
    record
        .get(name)
        .or_else(|| {
            record
                .extras()
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v)
        })
        .and_then(Value::to_text)
        .unwrap_or_default()
}

/// Extra members of a JSON Lines row that are outside the schema, passed
/// through in their order.
pub(crate) type Unknown = Vec<(String, serde_json::Value)>;

/// One output row: its record, the input row (for columns outside the
/// schema) and, from dedupe, its cluster id.
pub(crate) struct Line<'a> {
    pub(crate) record: &'a Record,
    pub(crate) row: &'a Row,
    pub(crate) unknown: Option<&'a Unknown>,
    /// The source a linked row came from.
    pub(crate) source: Option<&'a str>,
    pub(crate) cluster: Option<RowRef<'a>>,
    /// Warning codes joined by `;`, when warnings get a column.
    pub(crate) warnings: Option<&'a str>,
}

impl Layout {
    pub(crate) fn write(&self, out: &mut (impl Write + ?Sized), line: &Line<'_>) -> io::Result<()> {
        match self.format {
            Format::Csv => {
                let cells = match &line.row.raw {
                    Raw::Csv(cells) => Some(cells),
                    _ => None,
                };
                let mut csv = CsvLine::start(self.delimiter);
                for (i, field) in self.columns.iter().enumerate() {
                    if !self.written[i] {
                        continue;
                    }
                    match field {
                        Some(f) => {
                            let value = line.record.get_at(*f).and_then(Value::to_text);
                            csv.cell(value.as_deref().unwrap_or_default().as_bytes());
                        }
                        None => {
                            let found = self
                                .extension_columns
                                .iter()
                                .find(|(column, _)| *column == i)
                                .map(|(_, name)| appended_value(line.record, name))
                                .filter(|v| !v.is_empty());
                            let value = found.as_deref().unwrap_or_else(|| {
                                cells.and_then(|c| c.get(i)).unwrap_or_default()
                            });
                            csv.cell(value.as_bytes());
                        }
                    }
                }
                for name in &self.appended {
                    csv.cell(appended_value(line.record, name).as_bytes());
                }
                if let Some(source) = line.source {
                    csv.cell(source.as_bytes());
                }
                let mut digits = [0; 20];
                csv.cell(decimal(line.row.line, &mut digits));
                match line.cluster {
                    Some(RowRef { source: None, line }) => csv.cell(decimal(line, &mut digits)),
                    Some(cluster) => {
                        let mut text = String::new();
                        cluster.push_to(&mut text);
                        csv.cell(text.as_bytes());
                    }
                    None => {}
                }
                if let Some(warnings) = line.warnings {
                    csv.cell(warnings.as_bytes());
                }
                csv.end(out)
            }
            Format::Jsonl => {
                // The record's own JSON keeps schema order; members outside
                // the schema follow, then `_row` and `cluster_id`.
                let mut json = line.record.to_json();
                if !self.dropped.is_empty()
                    && let Ok(serde_json::Value::Object(mut object)) =
                        serde_json::from_str::<serde_json::Value>(&json)
                {
                    object.retain(|name, _| !self.dropped.contains(name));
                    json = serde_json::Value::Object(object).to_string();
                }
                let body = json
                    .strip_prefix('{')
                    .and_then(|j| j.strip_suffix('}'))
                    .unwrap_or("");
                out.write_all(b"{")?;
                out.write_all(body.as_bytes())?;
                let mut first = body.is_empty();
                for (name, value) in line.unknown.into_iter().flatten() {
                    if !first {
                        out.write_all(b",")?;
                    }
                    first = false;
                    serde_json::to_writer(&mut *out, name)?;
                    out.write_all(b":")?;
                    serde_json::to_writer(&mut *out, value)?;
                }
                let sep = if first { "" } else { "," };
                if let Some(source) = line.source {
                    write!(out, "{sep}\"_source\":")?;
                    serde_json::to_writer(&mut *out, source)?;
                    out.write_all(b",")?;
                } else {
                    out.write_all(sep.as_bytes())?;
                }
                write!(out, "\"_row\":{}", line.row.line)?;
                if let Some(c) = line.cluster {
                    write!(out, ",\"cluster_id\":{}", c.json())?;
                }
                if let Some(w) = line.warnings {
                    out.write_all(b",\"_warnings\":")?;
                    serde_json::to_writer(&mut *out, w)?;
                }
                out.write_all(b"}\n")
            }
        }
    }
}

/// Writes a rejected row: `_row`, `_issues` and the row as it came in (for
/// CSV its cells, or the bytes of an unreadable row in one cell; for JSON
/// Lines the line as `_raw`, or `_raw_hex` when it is not UTF-8).
pub(crate) fn reject(
    out: &mut (impl Write + ?Sized),
    format: Format,
    delimiter: u8,
    source: Option<&str>,
    row: &Row,
    codes: &[String],
) -> io::Result<()> {
    let issues = codes.join(";");
    let number = row.line.to_string();
    if format == Format::Jsonl {
        let mut object = serde_json::Map::new();
        if let Some(source) = source {
            object.insert("_source".into(), source.into());
        }
        object.insert("_row".into(), row.line.into());
        object.insert("_issues".into(), issues.into());
        match &row.raw {
            Raw::Json(line) => {
                object.insert("_raw".into(), line.as_str().into());
            }
            Raw::Unreadable { bytes, .. } => match std::str::from_utf8(bytes) {
                Ok(text) => {
                    object.insert("_raw".into(), text.into());
                }
                Err(_) => {
                    object.insert("_raw_hex".into(), hex(bytes).into());
                }
            },
            Raw::Csv(cells) => {
                let cells: Vec<&str> = cells.iter().collect();
                object.insert("_raw".into(), cells.into());
            }
        }
        return writeln!(out, "{}", serde_json::Value::Object(object));
    }
    let head = source
        .map(str::as_bytes)
        .into_iter()
        .chain([number.as_bytes(), issues.as_bytes()]);
    match &row.raw {
        Raw::Csv(cells) => csv_record(out, delimiter, head.chain(cells.iter().map(str::as_bytes))),
        Raw::Unreadable { bytes, .. } => csv_record(out, delimiter, head.chain([bytes.as_slice()])),
        Raw::Json(line) => csv_record(out, delimiter, head.chain([line.as_bytes()])),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes `n` items in order, a stretch of them at a time as `render`
/// puts them in a buffer (a stretch: records read back together).
/// Rendering runs on all cores a round of items at a time: formatting,
/// not the file, is what takes the time, and a round bounds the bytes
/// held. A failed write is an error of `writing`.
pub(crate) fn in_order(
    out: &mut (impl Write + ?Sized),
    n: usize,
    render: impl Fn(std::ops::Range<usize>, &mut Vec<u8>) -> crate::Result<()> + Sync,
    writing: &'static str,
) -> crate::Result<()> {
    const ROUND: usize = 1 << 16;
    const PIECE: usize = 1 << 10;
    for start in (0..n).step_by(ROUND) {
        let end = n.min(start + ROUND);
        let pieces = (start..end)
            .into_par_iter()
            .step_by(PIECE)
            .map(|from| {
                let mut piece = Vec::new();
                render(from..end.min(from + PIECE), &mut piece)?;
                Ok(piece)
            })
            .collect::<crate::Result<Vec<Vec<u8>>>>()?;
        for piece in pieces {
            out.write_all(&piece)
                .map_err(|e| crate::Error::io(writing, &e))?;
        }
    }
    Ok(())
}

/// The header of the matched pairs file (CSV).
pub(crate) fn pairs_header(file: &mut (impl Write + ?Sized)) -> io::Result<()> {
    let header = ["row_a", "row_b", "weight", "probability", "explanation"];
    csv_text(file, b',', header.into_iter())
}

/// The matched pairs `range` of [`Outcome::pairs`] as CSV lines after
/// [`pairs_header`], rows named by their input lines, explained from the
/// levels scoring compared. One breakdown and one string serve all of
/// them, and the rows of a few pairs ahead (their term counts) are read
/// into the cache together (half a million pairs at a million customers,
/// their rows anywhere in memory).
pub(crate) fn pairs<'a>(
    file: &mut (impl Write + ?Sized),
    outcome: &Outcome,
    range: std::ops::Range<usize>,
    row_of: &(dyn Fn(usize) -> RowRef<'a> + Sync),
) -> io::Result<()> {
    let mut breakdown = Breakdown::default();
    // The first four cells one after another, and where each ends.
    let mut text = String::new();
    let mut explanation = String::new();
    // The index of the stretch's first pair among all.
    let first = range.start;
    let pairs = outcome.pairs().get(range).unwrap_or_default();
    for (g, group) in pairs.chunks(WARM_PAIRS).enumerate() {
        outcome.warm(group.iter().flat_map(|p| [p.a, p.b]));
        for (j, pair) in group.iter().enumerate() {
            text.clear();
            let mut ends = [0; 4];
            row_of(pair.a).push_to(&mut text);
            ends[0] = text.len();
            row_of(pair.b).push_to(&mut text);
            ends[1] = text.len();
            let numbers = [Fixed::new(pair.weight, 4), Fixed::new(pair.probability, 6)];
            for (number, end) in numbers.iter().zip(&mut ends[2..]) {
                // Writing into a String cannot fail.
                let _ = std::fmt::Write::write_fmt(&mut text, format_args!("{number}"));
                *end = text.len();
            }
            explanation.clear();
            if outcome.break_down_matched(first + g * WARM_PAIRS + j, &mut breakdown) {
                explain(&mut explanation, outcome, &breakdown);
            }
            let start = |i: usize| if i == 0 { 0 } else { ends[i - 1] };
            let cells = (0..ends.len()).map(|i| &text[start(i)..ends[i]]);
            csv_text(file, b',', cells.chain([explanation.as_str()]))?;
        }
    }
    Ok(())
}

/// Pairs whose rows are read ahead together by [`pairs`].
const WARM_PAIRS: usize = 8;

/// The explanation cell of a pair, appended to the empty `text`: each
/// field's level and weight, and what a household or generations took
/// off, `;` between them.
fn explain(text: &mut String, outcome: &Outcome, breakdown: &Breakdown) {
    let mut part = |args: std::fmt::Arguments<'_>| push_part(text, args);
    let model = outcome.model();
    for (f, &(weight, _, counted)) in breakdown.fields.iter().enumerate() {
        let field = &model.fields()[f].field;
        match breakdown.level(model, f) {
            Some(level) if counted => part(format_args!(
                "{field}={level}({})",
                Fixed::signed(weight, 2)
            )),
            // Another contact field agreed more strongly.
            Some(level) => part(format_args!("{field}={level}(outweighed)")),
            None => part(format_args!("{field}=missing")),
        }
    }
    // The chance of two people of one household.
    if breakdown.household_weight != 0.0 {
        part(format_args!(
            "household({})",
            Fixed::signed(breakdown.household_weight, 2)
        ));
    }
    // Jr. and Sr.: a pair only a label links.
    if breakdown.generations_weight != 0.0 {
        part(format_args!(
            "generations({})",
            Fixed::signed(breakdown.generations_weight, 2)
        ));
    }
}

/// A number with a fixed count of decimals, written as `{:.N}` (or, with
/// a sign, `{:+.N}`) writes it, byte for byte. The formatting machinery
/// finds the exact decimal digits of any float, which was a third of the
/// time spent writing pairs (sixteen numbers a pair); an ordinary number
/// far from a rounding tie is rounded here in integers instead.
#[derive(Clone, Copy, Debug)]
struct Fixed {
    value: f64,
    decimals: usize,
    plus: bool,
}

impl Fixed {
    /// As `{:.N}` writes it, `decimals` being N.
    fn new(value: f64, decimals: usize) -> Self {
        Self {
            value,
            decimals,
            plus: false,
        }
    }

    /// As `{:+.N}` writes it.
    fn signed(value: f64, decimals: usize) -> Self {
        Self {
            plus: true,
            ..Self::new(value, decimals)
        }
    }

    /// The text into `buf` and its length; `None` for a number left to
    /// the formatting machinery (not finite, large, too many decimals, or
    /// within a millionth of a unit of a tie).
    fn digits(self, buf: &mut [u8; 32]) -> Option<usize> {
        const POWERS: [u64; 7] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];
        let power = *POWERS.get(self.decimals)?;
        let scaled = self.value.abs() * power as f64;
        // Below 2^32 the product is within 2^-21 of the exact one, so a
        // product further than that from a tie rounds as the exact value
        // does.
        if !scaled.is_finite() || scaled >= 4_294_967_296.0 {
            return None;
        }
        let whole = scaled.floor();
        let fraction = scaled - whole;
        if (fraction - 0.5).abs() <= 1e-6 {
            return None;
        }
        let units = whole as u64 + u64::from(fraction > 0.5);
        let mut n = 0;
        let mut push = |b: u8| {
            buf[n] = b;
            n += 1;
        };
        if self.value.is_sign_negative() {
            push(b'-');
        } else if self.plus {
            push(b'+');
        }
        // The units' digits, lowest first, at least one before the point;
        // the point goes before the last `decimals` of them.
        let mut digits = [0u8; 20];
        let mut len = 0;
        let mut left = units;
        while len <= self.decimals || left > 0 {
            digits[len] = b'0' + (left % 10) as u8;
            len += 1;
            left /= 10;
        }
        for (i, &d) in digits[..len].iter().rev().enumerate() {
            if self.decimals > 0 && i == len - self.decimals {
                push(b'.');
            }
            push(d);
        }
        Some(n)
    }
}

impl std::fmt::Display for Fixed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut buf = [0u8; 32];
        let fast = self.digits(&mut buf);
        match fast.and_then(|n| std::str::from_utf8(&buf[..n]).ok()) {
            Some(text) => f.write_str(text),
            None if self.plus => write!(f, "{:+.*}", self.decimals, self.value),
            None => write!(f, "{:.*}", self.decimals, self.value),
        }
    }
}

/// Appends `part` to the `;`-separated list `text`.
fn push_part(text: &mut String, part: std::fmt::Arguments<'_>) {
    separate_part(text);
    // Writing into a String cannot fail.
    let _ = std::fmt::Write::write_fmt(text, part);
}

/// Ends the last part of the `;`-separated list `text`, if it has one,
/// before the next is appended.
fn separate_part(text: &mut String) {
    if !text.is_empty() {
        text.push(';');
    }
}

/// The header of a golden record file in `format` (CSV has one).
pub(crate) fn golden_header(
    file: &mut (impl Write + ?Sized),
    format: Format,
    schema: &Schema,
) -> io::Result<()> {
    if format == Format::Csv {
        let header = ["cluster_id"]
            .into_iter()
            .chain(schema.fields().iter().map(|f| f.name()))
            .chain(["_members", "_sources"]);
        csv_text(file, b',', header)?;
    }
    Ok(())
}

/// Golden records, one line each after [`golden_header`]: a CSV line with
/// the schema's fields, or a JSON line; `cluster_id`, `_members` and
/// `_sources` use input lines.
pub(crate) fn golden<'a>(
    file: &mut (impl Write + ?Sized),
    format: Format,
    schema: &Schema,
    records: &[GoldenRecord],
    row_of: &(dyn Fn(usize) -> RowRef<'a> + Sync),
) -> io::Result<()> {
    let mut text = GoldenText::default();
    for g in records {
        match format {
            Format::Csv => text.write_csv(file, schema, g, row_of)?,
            Format::Jsonl => golden_json(file, schema, g, row_of)?,
        }
    }
    Ok(())
}

/// The cells of a golden record's CSV line that are made rather than
/// taken from its values, in strings reused from record to record (half
/// a million records at a million customers, most of them alone in their
/// cluster).
#[derive(Default)]
struct GoldenText {
    cluster: String,
    /// The members, `;` between them.
    members: String,
    /// Where each member is named in `members`.
    spans: Vec<(usize, Range<usize>)>,
    /// `field=member` for each field that has a value, `;` between them.
    sources: String,
}

impl GoldenText {
    fn write_csv<'a>(
        &mut self,
        file: &mut (impl Write + ?Sized),
        schema: &Schema,
        g: &GoldenRecord,
        row_of: &(dyn Fn(usize) -> RowRef<'a> + Sync),
    ) -> io::Result<()> {
        self.cluster.clear();
        row_of(g.cluster as usize).push_to(&mut self.cluster);
        self.members.clear();
        self.spans.clear();
        for &member in &g.members {
            separate_part(&mut self.members);
            let start = self.members.len();
            row_of(member).push_to(&mut self.members);
            self.spans.push((member, start..self.members.len()));
        }
        self.sources.clear();
        let names = schema.fields().iter().map(|f| f.name());
        for (name, &row) in names.zip(&g.sources) {
            let Some(row) = row else { continue };
            separate_part(&mut self.sources);
            self.sources.push_str(name);
            self.sources.push('=');
            // Each member is named once, however many fields it gave.
            match self.spans.iter().find(|(member, _)| *member == row) {
                Some((_, span)) => self.sources.push_str(&self.members[span.clone()]),
                None => row_of(row).push_to(&mut self.sources),
            }
        }
        let values = g
            .record
            .values()
            .iter()
            .map(|v| v.to_text().unwrap_or_default());
        let cells = [self.cluster.as_str()]
            .into_iter()
            .map(Cow::Borrowed)
            .chain(values)
            .chain([self.members.as_str(), self.sources.as_str()].map(Cow::Borrowed))
            .map(text_bytes);
        csv_record(file, b',', cells)
    }
}

/// A golden record as a JSON line.
fn golden_json<'a>(
    file: &mut (impl Write + ?Sized),
    schema: &Schema,
    g: &GoldenRecord,
    row_of: &(dyn Fn(usize) -> RowRef<'a> + Sync),
) -> io::Result<()> {
    let sources: serde_json::Map<String, serde_json::Value> = schema
        .fields()
        .iter()
        .map(|f| f.name())
        .zip(&g.sources)
        .map(|(name, s)| {
            let row = s.map_or(serde_json::Value::Null, |r| row_of(r).json());
            (name.to_owned(), row)
        })
        .collect();
    let line = serde_json::json!({
        "cluster_id": row_of(g.cluster as usize).json(),
        "record": g.record,
        "_members": g.members.iter().map(|&m| row_of(m).json()).collect::<Vec<_>>(),
        "_sources": sources,
    });
    writeln!(file, "{line}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// A cell is quoted exactly when it needs it (RFC 4180, and edge
        /// spaces that readers would trim), and a CSV reader gives it back.
        #[test]
        fn cells_are_quoted_when_they_must_be(
            cell in proptest::collection::vec(
                prop_oneof![
                    Just(b','), Just(b';'), Just(b'\t'), Just(b'"'), Just(b'\n'),
                    Just(b'\r'), Just(b' '), any::<u8>(),
                ],
                0..80,
            ),
            delimiter in prop_oneof![Just(b','), Just(b';'), Just(b'\t')],
        ) {
            let must = cell.iter().any(|&b| b == delimiter || b"\"\n\r".contains(&b))
                || cell.first() == Some(&b' ')
                || cell.last() == Some(&b' ');
            prop_assert_eq!(needs_quotes(&cell, delimiter), must);
            let mut out = Vec::new();
            csv_record(&mut out, delimiter, [&cell[..], b"x"].into_iter()).unwrap();
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .delimiter(delimiter)
                .from_reader(&out[..]);
            let record = reader.byte_records().next().unwrap().unwrap();
            prop_assert_eq!(&record[0], &cell[..]);
            prop_assert_eq!(&record[1], b"x");
        }

        /// Lines written one after the other (each put together in the
        /// thread's reused buffer) read back as the cells they were made
        /// of, empty first cells and a line longer than the buffer kept
        /// included.
        #[test]
        fn lines_read_back_as_their_cells(
            lines in proptest::collection::vec(
                proptest::collection::vec(
                    prop_oneof![
                        Just(String::new()),
                        "[a-z ,;\"\n]{0,12}",
                        "x{70000}",
                    ],
                    // One empty cell alone is an empty line, which readers skip.
                    2..5,
                ),
                1..4,
            ),
            delimiter in prop_oneof![Just(b','), Just(b';')],
        ) {
            let mut out = Vec::new();
            for cells in &lines {
                csv_record(&mut out, delimiter, cells.iter().map(String::as_bytes)).unwrap();
            }
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(delimiter)
                .from_reader(&out[..]);
            let read: Vec<Vec<String>> = reader
                .records()
                .map(|r| r.unwrap().iter().map(str::to_owned).collect())
                .collect();
            prop_assert_eq!(read, lines);
        }
    }

    /// One byte that needs quotes, at any place of a cell of any filler
    /// (bytes with the high bit set and zero among them): found wherever
    /// it sits among the eight-byte words, the last overlapping ones and a
    /// short cell's padding, and nothing else found.
    #[test]
    fn a_lone_special_byte_is_found_anywhere() {
        for delimiter in [b',', b';', b'\t'] {
            for filler in [b'a', 0, 0x80, 0xff, b'\r' ^ 0x80, b'"' + 1] {
                for len in 0..40 {
                    let plain = vec![filler; len];
                    assert!(!needs_quotes(&plain, delimiter), "{plain:?}");
                    for at in 0..len {
                        for special in [delimiter, b'"', b'\n', b'\r', b' '] {
                            let mut cell = plain.clone();
                            cell[at] = special;
                            let edge = at == 0 || at == len - 1;
                            let must = special != b' ' || edge;
                            assert_eq!(needs_quotes(&cell, delimiter), must, "{cell:?}");
                        }
                    }
                }
            }
        }
    }

    proptest! {
        /// A row is named alike by its `Display` and by `push_to`, after
        /// whatever the string held.
        #[test]
        fn rows_are_pushed_as_they_are_displayed(
            line in prop_oneof![0..20u64, any::<u64>()],
            source in proptest::option::of(".{0,12}"),
            before in ".{0,8}",
        ) {
            let row = RowRef { source: source.as_deref(), line };
            let mut text = before.clone();
            row.push_to(&mut text);
            prop_assert_eq!(text, format!("{before}{row}"));
        }
    }

    /// Rendered on all cores over several rounds, items come out in order,
    /// each once; a rendering error stops the writing.
    #[test]
    fn items_are_written_in_order_across_rounds() {
        let n = (1 << 16) * 2 + 1234;
        let mut out = Vec::new();
        in_order(
            &mut out,
            n,
            |range, buf| {
                for i in range {
                    writeln!(buf, "{i}").map_err(|e| crate::Error::io("test", &e))?;
                }
                Ok(())
            },
            "writing",
        )
        .unwrap();
        let expected: String = (0..n).map(|i| format!("{i}\n")).collect();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
        let failed = in_order(
            &mut Vec::new(),
            n,
            |range, _| {
                if range.contains(&70_000) {
                    Err(crate::Error::io("rendering", &io::Error::other("boom")))
                } else {
                    Ok(())
                }
            },
            "writing",
        );
        assert!(failed.is_err());
    }

    /// A golden record names its members and, per field, the member its
    /// value came from as the rows are named elsewhere: a link's source
    /// and line, whatever the source's name holds.
    #[test]
    fn golden_records_name_members_and_sources_as_rows_are_named() {
        let schema = Schema::customer();
        let mut record = Record::new(&schema);
        record.set("given_name", "Ann").unwrap();
        record.set("family_name", "Lee").unwrap();
        let (given, family) = (
            schema.index_of("given_name").unwrap(),
            schema.index_of("family_name").unwrap(),
        );
        let mut sources = vec![None; schema.len()];
        sources[given] = Some(7);
        sources[family] = Some(12);
        // Not a member: named all the same.
        sources[schema.index_of("city").unwrap()] = Some(30);
        let g = GoldenRecord {
            cluster: 7,
            members: vec![7, 9, 12],
            record,
            sources,
        };
        // Rows from 10 on are the right side of a link, whose source name
        // holds the separators of the cells.
        let row_of = |row: usize| RowRef {
            source: Some(if row < 10 { "crm" } else { "a;b=c:" }),
            line: row as u64 + 1,
        };
        let mut out = Vec::new();
        golden(
            &mut out,
            Format::Csv,
            &schema,
            std::slice::from_ref(&g),
            &row_of,
        )
        .unwrap();
        let line = String::from_utf8(out).unwrap();
        let cells: Vec<&str> = line.trim_end().split(',').collect();
        assert_eq!(cells.len(), schema.len() + 3, "{line}");
        assert_eq!(cells[0], "crm:8");
        assert_eq!(cells[1 + given], "Ann");
        assert_eq!(cells[schema.len() + 1], "crm:8;crm:10;a;b=c::13");
        assert_eq!(
            cells[schema.len() + 2],
            "given_name=crm:8;family_name=a;b=c::13;city=a;b=c::31"
        );
        let mut out = Vec::new();
        golden(
            &mut out,
            Format::Jsonl,
            &schema,
            std::slice::from_ref(&g),
            &row_of,
        )
        .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            json["_members"],
            serde_json::json!(["crm:8", "crm:10", "a;b=c::13"])
        );
        assert_eq!(json["_sources"]["family_name"], "a;b=c::13");
        assert!(json["_sources"]["email"].is_null());
    }

    /// The pairs file explains each pair as [`Outcome::explain`] does
    /// (rendered here by the formatting machinery), with one breakdown and
    /// one string reused from pair to pair and rows named as in a link
    /// whose source name needs quoting; written a stretch at a time.
    #[test]
    fn pairs_are_written_as_the_outcome_explains_them() {
        let schema = Schema::customer();
        let records = crate::dedupe::generate::Generator::new(5)
            .generate(3000)
            .unwrap()
            .records;
        let deduper = crate::dedupe::Deduper::new(&schema).unwrap();
        let outcome = deduper.run(&records).unwrap();
        let all = outcome.pairs();
        assert!(all.len() > 100, "{} pairs", all.len());
        let row_of = |row: usize| RowRef {
            source: row.is_multiple_of(2).then_some("crm, eu"),
            line: row as u64 + 1,
        };
        // In two stretches, the second starting inside a group of pairs
        // read ahead together, as the writer splits them among threads.
        let mut out = Vec::new();
        let split = WARM_PAIRS * 3 + 5;
        pairs(&mut out, &outcome, 0..split, &row_of).unwrap();
        pairs(&mut out, &outcome, split..all.len(), &row_of).unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut lines = text.lines();
        let name = |row: usize| match row_of(row).source {
            Some(source) => format!("\"{source}:{}\"", row + 1),
            None => (row + 1).to_string(),
        };
        let mut missing = 0;
        for p in all {
            let e = outcome.explain(p.a, p.b).unwrap();
            let mut parts: Vec<String> = e
                .fields
                .iter()
                .map(|f| match f.level {
                    Some(level) if f.counted => format!("{}={level}({:+.2})", f.field, f.weight),
                    Some(level) => format!("{}={level}(outweighed)", f.field),
                    None => format!("{}=missing", f.field),
                })
                .collect();
            if e.household_weight != 0.0 {
                parts.push(format!("household({:+.2})", e.household_weight));
            }
            if e.generations_weight != 0.0 {
                parts.push(format!("generations({:+.2})", e.generations_weight));
            }
            missing += e.fields.iter().filter(|f| f.level.is_none()).count();
            let expected = format!(
                "{},{},{:.4},{:.6},{}",
                name(p.a),
                name(p.b),
                p.weight,
                p.probability,
                parts.join(";")
            );
            assert_eq!(lines.next(), Some(expected.as_str()));
        }
        assert_eq!(lines.next(), None);
        assert!(missing > 0, "some pairs miss values");
    }

    /// Fixed decimals are what the formatting machinery writes, for
    /// ordinary numbers, numbers on and next to rounding ties, signed
    /// zeros, tiny, huge and non-finite ones.
    #[test]
    fn fixed_decimals_are_written_as_std_writes_them() {
        let check = |v: f64| {
            for decimals in 0..=7 {
                assert_eq!(
                    Fixed::new(v, decimals).to_string(),
                    format!("{:.*}", decimals, v),
                    "{v:e} to {decimals}"
                );
                assert_eq!(
                    Fixed::signed(v, decimals).to_string(),
                    format!("{:+.*}", decimals, v),
                    "{v:e} to {decimals} signed"
                );
            }
        };
        let special = [
            0.0,
            -0.0,
            0.125,
            -0.125,
            0.005,
            -0.005,
            2.675,
            1.0005,
            0.5,
            1.5,
            2.5,
            -2.5,
            1e-9,
            -1e-9,
            0.999_999_5,
            9.995,
            4_294_967_295.5,
            1e12,
            -30.0,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        special.into_iter().for_each(check);
        // Every tie of two, four and six decimals over a range, and the
        // floats on either side of each.
        for k in -5_000i64..5_000 {
            for v in [
                k as f64 / 200.0,
                k as f64 / 20_000.0,
                k as f64 / 2_000_000.0,
            ] {
                check(v);
                check(f64::from_bits(v.to_bits() + 1));
                check(f64::from_bits(v.to_bits().saturating_sub(1)));
            }
        }
        // And numbers of every size, from a fixed seed.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for i in 0..30_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            if i % 16 == 0 {
                check(f64::from_bits(state));
            }
            check((state >> 11) as f64 / (1u64 << 53) as f64 * 200.0 - 100.0);
        }
    }
}
