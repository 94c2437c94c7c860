//! Reading rows: CSV (RFC 4180) and JSON Lines, one row at a time, in
//! bounded memory, with the line each row starts on. A row that cannot be
//! read (bytes that are not UTF-8, a quote that never closes, a row over
//! the size limit) is handed on as unreadable, with its bytes, and reading
//! goes on: nothing is dropped and one bad row never ends the run.

use std::io::{self, BufRead};

/// One input row: the line it starts on, and what was read.
pub(crate) struct Row {
    pub(crate) line: u64,
    pub(crate) raw: Raw,
}

impl Row {
    /// Takes the row out of its chunk (which goes back to be freed),
    /// leaving its line with no cells in its place.
    pub(crate) fn take(&mut self) -> Self {
        let raw = std::mem::replace(&mut self.raw, Raw::Csv(Cells::default()));
        Self {
            line: self.line,
            raw,
        }
    }
}

pub(crate) enum Raw {
    /// The cells of a CSV row, valid UTF-8.
    Csv(Cells),
    /// A JSON Lines line, valid UTF-8 (parsed by the worker threads).
    Json(String),
    /// A row that could not be read as one; `why` is its issue code.
    Unreadable { bytes: Vec<u8>, why: &'static str },
}

/// A CSV row's cells in one buffer: one allocation a row, not one a cell.
#[derive(Default)]
pub(crate) struct Cells {
    text: String,
    ends: Vec<usize>,
}

impl Cells {
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(crate) fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start..end)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|i| self.get(i).unwrap_or_default())
    }
}

/// How far a row may go before it is cut off as unreadable.
#[derive(Clone, Copy)]
pub(crate) struct Limits {
    /// Bytes in one quoted CSV field (the schema's value limit): a longer
    /// one is most likely a stray quote swallowing the rows after it.
    pub(crate) quoted_field_bytes: usize,
    /// Lines one quoted CSV field may span, for the same reason.
    pub(crate) quoted_field_lines: u64,
    /// Bytes in one row, whatever the format.
    pub(crate) row_bytes: usize,
}

impl Limits {
    /// Lines a quoted field may span by default: addresses and notes with
    /// line breaks take a few.
    pub(crate) const QUOTED_FIELD_LINES: u64 = 100;
    /// Bytes a row may take by default.
    pub(crate) const ROW_BYTES: usize = 64 << 20;
}

/// Why the first bytes of an input say it is not UTF-8 text.
pub(crate) fn foreign_encoding(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        Some("UTF-16 (it starts with a UTF-16 byte order mark)")
    } else {
        None
    }
}

/// Bytes to read before the input: the rest of a row that was cut off at
/// its first line, to be read again as rows of their own.
struct Source<R> {
    input: R,
    pushback: Vec<u8>,
    at: usize,
    /// Bytes consumed from `input`, for progress.
    consumed: u64,
}

impl<R: BufRead> Source<R> {
    fn fill(&mut self) -> io::Result<&[u8]> {
        if self.at < self.pushback.len() {
            return Ok(&self.pushback[self.at..]);
        }
        if !self.pushback.is_empty() {
            self.pushback.clear();
            self.at = 0;
        }
        self.input.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        if self.at < self.pushback.len() {
            self.at += n;
        } else {
            self.input.consume(n);
            self.consumed += n as u64;
        }
    }

    /// Puts `bytes` back in front of what is still to be read.
    fn unread(&mut self, bytes: &[u8]) {
        let mut next = Vec::with_capacity(bytes.len() + self.pushback.len() - self.at);
        next.extend_from_slice(bytes);
        next.extend_from_slice(&self.pushback[self.at..]);
        self.pushback = next;
        self.at = 0;
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// At the start of a field.
    FieldStart,
    /// Inside a field without quotes.
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field: a second quote is a
    /// literal one, anything else ends the quoted part.
    QuoteInQuoted,
    /// Discarding the rest of a line that was too long to keep.
    SkipLine,
}

/// An RFC 4180 reader: quoted fields may hold delimiters, quotes (doubled)
/// and line breaks; rows end at `\n`, `\r\n` or a lone `\r`; blank lines
/// (empty, or white space alone) are skipped. A quote inside an unquoted
/// field is an ordinary character,
/// and so is anything between a closing quote and the next delimiter.
pub(crate) struct CsvReader<R> {
    source: Source<R>,
    st: State,
}

/// Where the reader is, and the row being read.
struct State {
    delimiter: u8,
    limits: Limits,
    /// The line of the next byte to read.
    line: u64,
    /// The last byte read was a `\r` (a `\n` after it ends no new line).
    after_cr: bool,
    mode: Mode,
    start_line: u64,
    raw: Vec<u8>,
    text: Vec<u8>,
    ends: Vec<usize>,
    field_start: usize,
    field_lines: u64,
    /// Why a row is being skipped (in `SkipLine`).
    skip_why: &'static str,
    /// Reads byte by byte, without copying runs of plain bytes at once:
    /// the two ways give the same rows (tests compare them).
    bytewise: bool,
}

/// What one step of reading found.
enum Step {
    /// More bytes are needed.
    More,
    /// A row ended.
    Row,
    /// The row cannot be read; `why` is the issue code.
    Broken(&'static str),
}

impl<R: BufRead> CsvReader<R> {
    pub(crate) fn new(input: R, delimiter: u8, limits: Limits) -> Self {
        Self {
            source: Source {
                input,
                pushback: Vec::new(),
                at: 0,
                consumed: 0,
            },
            st: State {
                delimiter,
                limits,
                line: 1,
                after_cr: false,
                mode: Mode::FieldStart,
                start_line: 1,
                raw: Vec::new(),
                text: Vec::new(),
                ends: Vec::new(),
                field_start: 0,
                field_lines: 0,
                skip_why: "",
                bytewise: false,
            },
        }
    }

    /// Bytes of the input read so far.
    pub(crate) fn consumed(&self) -> u64 {
        self.source.consumed
    }

    /// The next row, or `None` at the end of the input.
    pub(crate) fn next_row(&mut self) -> io::Result<Option<Row>> {
        self.reset();
        loop {
            let buf = self.source.fill()?;
            if buf.is_empty() {
                return self.finish();
            }
            let (used, step) = scan(&mut self.st, buf);
            self.source.consume(used);
            match step {
                Step::More => {}
                Step::Row => {
                    if let Some(row) = self.take_row() {
                        return Ok(Some(row));
                    }
                    // A blank line: not a row.
                    self.reset();
                }
                Step::Broken(why) => return self.cut(why).map(Some),
            }
        }
    }

    fn reset(&mut self) {
        self.st.mode = Mode::FieldStart;
        self.st.start_line = self.st.line;
        self.st.raw.clear();
        self.st.text.clear();
        self.st.ends.clear();
        self.st.field_start = 0;
        self.st.field_lines = 0;
    }

    /// The row read, or `None` for a blank line.
    fn take_row(&mut self) -> Option<Row> {
        let line = self.st.start_line;
        if self.st.mode == Mode::SkipLine {
            let bytes = std::mem::take(&mut self.st.raw);
            return Some(Row {
                line,
                raw: Raw::Unreadable {
                    bytes,
                    why: self.st.skip_why,
                },
            });
        }
        // A line of white space alone is blank too (a tab is white space
        // unless it separates the cells).
        let delimiter = self.st.delimiter;
        if self
            .st
            .raw
            .iter()
            .all(|&b| matches!(b, b'\n' | b'\r' | b' ') || (b == b'\t' && delimiter != b'\t'))
        {
            return None;
        }
        // Copied at their size, so that the buffers keep their capacity
        // for the next row instead of growing again from nothing.
        let raw = match std::str::from_utf8(&self.st.text) {
            Ok(text) => Raw::Csv(Cells {
                text: text.to_owned(),
                ends: self.st.ends.clone(),
            }),
            Err(_) => Raw::Unreadable {
                bytes: trim_line_end(std::mem::take(&mut self.st.raw)),
                why: "encoding",
            },
        };
        Some(Row { line, raw })
    }

    /// The end of the input: the last row, if it did not end in a line
    /// break.
    fn finish(&mut self) -> io::Result<Option<Row>> {
        match self.st.mode {
            Mode::Quoted => self.cut("unterminated_quote").map(Some),
            _ if self.st.raw.is_empty() => Ok(None),
            Mode::SkipLine => Ok(self.take_row()),
            _ => {
                self.st.ends.push(self.st.text.len());
                Ok(self.take_row())
            }
        }
    }

    /// Gives up on the row being read: its first line is the unreadable
    /// row, and whatever was read after that line is read again.
    fn cut(&mut self, why: &'static str) -> io::Result<Row> {
        let line = self.st.start_line;
        let raw = std::mem::take(&mut self.st.raw);
        let Some((end, next)) = line_end(&raw) else {
            // Still on the row's first line: drop the rest of that line.
            self.st.raw = raw;
            self.st.skip_why = why;
            return self.skip_rest();
        };
        self.source.unread(&raw[next..]);
        self.st.line = line + 1;
        self.st.after_cr = false;
        self.reset();
        Ok(Row {
            line,
            raw: Raw::Unreadable {
                bytes: raw[..end].to_vec(),
                why,
            },
        })
    }

    /// Reads to the end of the current line without keeping it; the row is
    /// unreadable for `skip_why`.
    fn skip_rest(&mut self) -> io::Result<Row> {
        let line = self.st.start_line;
        loop {
            let buf = self.source.fill()?;
            if buf.is_empty() {
                break;
            }
            if let Some(p) = buf.iter().position(|&b| b == b'\n' || b == b'\r') {
                let cr = buf[p] == b'\r';
                self.source.consume(p + 1);
                self.st.line += 1;
                self.st.after_cr = cr;
                break;
            }
            let n = buf.len();
            self.source.consume(n);
        }
        let bytes = std::mem::take(&mut self.st.raw);
        let why = self.st.skip_why;
        self.reset();
        Ok(Row {
            line,
            raw: Raw::Unreadable { bytes, why },
        })
    }
}

/// Reads bytes of `buf` into the row being read; returns how many were
/// used and what was found.
fn scan(r: &mut State, buf: &[u8]) -> (usize, Step) {
    let delimiter = r.delimiter;
    let mut i = 0;
    while let Some(&b) = buf.get(i) {
        // Most bytes are plain ones inside an unquoted field: a run of
        // them is copied at once. It does what the byte-at-a-time steps
        // below do for each (a property test compares the two).
        if matches!(r.mode, Mode::FieldStart | Mode::Unquoted)
            && !(b == b'"' && r.mode == Mode::FieldStart)
            && !r.bytewise
        {
            let rest = buf.get(i..).unwrap_or_default();
            let run = rest
                .iter()
                .position(|&c| c == delimiter || c == b'\n' || c == b'\r')
                .unwrap_or(rest.len());
            if run > 0 && r.raw.len() + run < r.limits.row_bytes {
                let bytes = rest.get(..run).unwrap_or_default();
                r.raw.extend_from_slice(bytes);
                r.text.extend_from_slice(bytes);
                r.after_cr = false;
                r.mode = Mode::Unquoted;
                i += run;
                continue;
            }
        }
        i += 1;
        // `\r\n` is one line break: the `\n` after a row-ending `\r` is
        // skipped, and one inside a quoted field is not counted again.
        let mut new_line = false;
        if b == b'\n' {
            if r.after_cr {
                r.after_cr = false;
                if r.raw.is_empty() {
                    continue;
                }
            } else {
                new_line = true;
            }
        } else {
            r.after_cr = b == b'\r';
            new_line = r.after_cr;
        }
        if new_line {
            r.line += 1;
        }
        let line_break = b == b'\n' || b == b'\r';
        if r.raw.len() >= r.limits.row_bytes && !line_break && r.mode != Mode::SkipLine {
            if matches!(r.mode, Mode::Quoted | Mode::QuoteInQuoted) {
                return (i, Step::Broken("too_large"));
            }
            r.mode = Mode::SkipLine;
            r.skip_why = "too_large";
        }
        if r.mode != Mode::SkipLine {
            r.raw.push(b);
        }
        match r.mode {
            Mode::SkipLine => {
                if line_break {
                    return (i, Step::Row);
                }
            }
            Mode::FieldStart | Mode::Unquoted => {
                if b == delimiter {
                    r.ends.push(r.text.len());
                    r.field_start = r.text.len();
                    r.mode = Mode::FieldStart;
                } else if line_break {
                    r.ends.push(r.text.len());
                    return (i, Step::Row);
                } else if b == b'"' && r.mode == Mode::FieldStart {
                    r.mode = Mode::Quoted;
                    r.field_lines = 0;
                } else {
                    r.text.push(b);
                    r.mode = Mode::Unquoted;
                }
            }
            Mode::Quoted => {
                if b == b'"' {
                    r.mode = Mode::QuoteInQuoted;
                } else {
                    r.text.push(b);
                    if new_line {
                        r.field_lines += 1;
                        if r.field_lines > r.limits.quoted_field_lines {
                            return (i, Step::Broken("unterminated_quote"));
                        }
                    }
                    if r.text.len() - r.field_start > r.limits.quoted_field_bytes {
                        return (i, Step::Broken("unterminated_quote"));
                    }
                }
            }
            Mode::QuoteInQuoted => {
                if b == b'"' {
                    r.text.push(b'"');
                    r.mode = Mode::Quoted;
                } else if b == delimiter {
                    r.ends.push(r.text.len());
                    r.field_start = r.text.len();
                    r.mode = Mode::FieldStart;
                } else if line_break {
                    r.ends.push(r.text.len());
                    return (i, Step::Row);
                } else {
                    r.text.push(b);
                    r.mode = Mode::Unquoted;
                }
            }
        }
    }
    (buf.len(), Step::More)
}

/// Where the first line of `raw` ends: the end of its text, and the start
/// of the next line.
fn line_end(raw: &[u8]) -> Option<(usize, usize)> {
    let p = raw.iter().position(|&b| b == b'\n' || b == b'\r')?;
    let next = if raw[p] == b'\r' && raw.get(p + 1) == Some(&b'\n') {
        p + 2
    } else {
        p + 1
    };
    Some((p, next))
}

fn trim_line_end(mut bytes: Vec<u8>) -> Vec<u8> {
    while bytes.last().is_some_and(|&b| b == b'\n' || b == b'\r') {
        bytes.pop();
    }
    bytes
}

/// A JSON Lines reader: one object a line; blank lines are skipped; a line
/// over the row limit is cut off unread.
pub(crate) struct LineReader<R> {
    input: R,
    limits: Limits,
    line: u64,
    consumed: u64,
}

impl<R: BufRead> LineReader<R> {
    pub(crate) fn new(input: R, limits: Limits) -> Self {
        Self {
            input,
            limits,
            line: 0,
            consumed: 0,
        }
    }

    /// Bytes of the input read so far.
    pub(crate) fn consumed(&self) -> u64 {
        self.consumed
    }

    /// The next non-blank line, or `None` at the end of the input.
    pub(crate) fn next_row(&mut self) -> io::Result<Option<Row>> {
        loop {
            let mut bytes = Vec::new();
            let mut over = false;
            let mut read_any = false;
            loop {
                let buf = self.input.fill_buf()?;
                if buf.is_empty() {
                    break;
                }
                read_any = true;
                let (take, done) = match buf.iter().position(|&b| b == b'\n') {
                    Some(p) => (p + 1, true),
                    None => (buf.len(), false),
                };
                let room = self.limits.row_bytes.saturating_sub(bytes.len());
                if take > room {
                    over = true;
                }
                bytes.extend_from_slice(&buf[..take.min(room)]);
                self.input.consume(take);
                self.consumed += take as u64;
                if done {
                    break;
                }
            }
            if !read_any {
                return Ok(None);
            }
            self.line += 1;
            let line = self.line;
            if over {
                return Ok(Some(Row {
                    line,
                    raw: Raw::Unreadable {
                        bytes: trim_line_end(bytes),
                        why: "too_large",
                    },
                }));
            }
            let bytes = trim_line_end(bytes);
            let bytes = match bytes.strip_prefix("\u{feff}".as_bytes()) {
                Some(rest) if line == 1 => rest.to_vec(),
                _ => bytes,
            };
            if bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let raw = match String::from_utf8(bytes) {
                Ok(text) => Raw::Json(text),
                Err(e) => Raw::Unreadable {
                    bytes: e.into_bytes(),
                    why: "encoding",
                },
            };
            return Ok(Some(Row { line, raw }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        quoted_field_bytes: 64,
        quoted_field_lines: 3,
        row_bytes: 256,
    };

    /// Every row of `input`: (line, cells) or (line, why, bytes).
    fn rows(input: &[u8]) -> Vec<String> {
        let mut reader = CsvReader::new(input, b',', LIMITS);
        let mut out = Vec::new();
        while let Some(row) = reader.next_row().unwrap() {
            out.push(match row.raw {
                Raw::Csv(cells) => format!(
                    "{}:{}",
                    row.line,
                    cells.iter().collect::<Vec<_>>().join("|")
                ),
                Raw::Unreadable { bytes, why } => {
                    format!("{}!{why}:{}", row.line, String::from_utf8_lossy(&bytes))
                }
                Raw::Json(_) => unreachable!(),
            });
        }
        out
    }

    /// Every row of `input` read through a buffer of `capacity` bytes,
    /// with runs of plain bytes copied at once or byte by byte.
    fn rows_read(input: &[u8], delimiter: u8, capacity: usize, bytewise: bool) -> Vec<String> {
        let buffered = io::BufReader::with_capacity(capacity, input);
        let mut reader = CsvReader::new(buffered, delimiter, LIMITS);
        reader.st.bytewise = bytewise;
        let mut out = Vec::new();
        while let Some(row) = reader.next_row().unwrap() {
            out.push(match row.raw {
                Raw::Csv(cells) => format!("{}:{:?}", row.line, cells.iter().collect::<Vec<_>>()),
                Raw::Unreadable { bytes, why } => format!("{}!{why}:{bytes:?}", row.line),
                Raw::Json(_) => unreachable!(),
            });
        }
        out.push(format!("consumed {}", reader.consumed()));
        out
    }

    proptest::proptest! {
        #[test]
        fn plain_runs_read_as_bytes_do(
            // The bytes that steer the reader, plain text, runs long
            // enough to pass the limits, bytes that are not UTF-8.
            chunks in proptest::collection::vec(
                proptest::sample::select(vec![
                    &b"a"[..], b",", b";", b"\"", b"\n", b"\r", b" ", b"\xff", b"\xc3\xa9",
                    b"plain text", &[b'x'; 70], &[b'y'; 300],
                ]),
                0..120,
            ),
            semicolon in proptest::bool::ANY,
            capacity in 1usize..40,
        ) {
            let delimiter = if semicolon { b';' } else { b',' };
            let input = chunks.concat();
            proptest::prop_assert_eq!(
                rows_read(&input, delimiter, capacity, false),
                rows_read(&input, delimiter, capacity, true)
            );
        }
    }

    #[test]
    fn rows_and_their_lines() {
        assert_eq!(rows(b"a,b\n1,2\n"), ["1:a|b", "2:1|2"]);
        assert_eq!(rows(b"a,b\r\n1,2\r\n"), ["1:a|b", "2:1|2"]);
        assert_eq!(rows(b"a,b\r1,2\r"), ["1:a|b", "2:1|2"]);
        assert_eq!(rows(b"a,b\n1,2"), ["1:a|b", "2:1|2"]);
        assert_eq!(rows(b"a,b\n\n\r\n1,2\n"), ["1:a|b", "4:1|2"]);
        assert_eq!(rows(b"\"x\ny\",2\n3,4\n"), ["1:x\ny|2", "3:3|4"]);
        assert_eq!(rows(b"\"x\r\ny\",2\r\n3,4\r\n"), ["1:x\r\ny|2", "3:3|4"]);
        assert_eq!(rows(b"\"a\"\"b\",\"\"\n"), ["1:a\"b|"]);
        assert_eq!(rows(b"a\"b,\"c\"d\n"), ["1:a\"b|cd"]);
        assert_eq!(rows(b",\n"), ["1:|"]);
        assert_eq!(rows(b"\"\"\n"), ["1:"]);
        assert_eq!(rows(b""), Vec::<String>::new());
        // White space alone is a blank line; quoted, it is a value.
        assert_eq!(rows(b"a,b\n   \n\t \r\n1,2\n"), ["1:a|b", "4:1|2"]);
        assert_eq!(rows(b"\" \"\n"), ["1: "]);
        // Tabs that separate cells make a row of empty cells.
        let mut tabs = CsvReader::new(&b"\t\t\n"[..], b'\t', LIMITS);
        let row = tabs.next_row().unwrap().unwrap();
        assert!(matches!(row.raw, Raw::Csv(ref cells) if cells.iter().count() == 3));
    }

    #[test]
    fn a_quote_that_never_closes_costs_one_line() {
        // At the end of the input.
        assert_eq!(
            rows(b"a,b\n1,\"2\n3,4\n5,6\n"),
            ["1:a|b", "2!unterminated_quote:1,\"2", "3:3|4", "4:5|6"]
        );
        // Over the line limit, in the middle of the input.
        let mut input = b"1,\"x\n".to_vec();
        for i in 0..10 {
            input.extend_from_slice(format!("{i},y\n").as_bytes());
        }
        input.extend_from_slice(b"\"\n");
        let out = rows(&input);
        assert_eq!(out[0], "1!unterminated_quote:1,\"x");
        assert_eq!(out[1], "2:0|y");
        assert_eq!(out[10], "11:9|y");
        assert_eq!(out.len(), 12);
    }

    #[test]
    fn long_fields_and_rows_are_cut_off() {
        let long = format!("1,\"{}\"\n2,3\n", "x".repeat(100));
        let out = rows(long.as_bytes());
        assert!(
            out[0].starts_with("1!unterminated_quote:1,\"xxx"),
            "{out:?}"
        );
        assert_eq!(out[1], "2:2|3");
        let huge = format!("1,{}\n2,3\n", "x".repeat(1000));
        let out = rows(huge.as_bytes());
        assert!(out[0].starts_with("1!too_large:"), "{out:?}");
        assert_eq!(out[1], "2:2|3");
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn bytes_that_are_not_utf8_cost_their_row() {
        assert_eq!(
            rows(b"a,b\n1,\xff\n3,4\n"),
            ["1:a|b", "2!encoding:1,\u{fffd}", "3:3|4"]
        );
    }

    #[test]
    fn json_lines() {
        let input = b"{\"a\":1}\n\n\xef\xbb\xbf{}\r\n\xff\n{\"b\":2}";
        let mut reader = LineReader::new(&input[..], LIMITS);
        let mut out = Vec::new();
        while let Some(row) = reader.next_row().unwrap() {
            out.push(match row.raw {
                Raw::Json(text) => format!("{}:{text}", row.line),
                Raw::Unreadable { why, .. } => format!("{}!{why}", row.line),
                Raw::Csv(_) => unreachable!(),
            });
        }
        assert_eq!(
            out,
            ["1:{\"a\":1}", "3:\u{feff}{}", "4!encoding", "5:{\"b\":2}"]
        );
    }
}
