//! Records turned into the columns comparison reads: normalized once, match
//! keys and name spellings computed once, stored in one large string and
//! one array of numbers rather than millions of small strings.

use std::collections::HashMap;
use std::hash::Hasher;
use std::ops::Range;
use std::sync::{Mutex, TryLockError};

use rayon::prelude::*;

use super::Records;
use super::compare::{Comparator, Prepared};
use super::names;
use super::scripts::{self, Reading, Role};
use crate::error::Result;
use crate::normalize::{Normalized, Normalizer};
use crate::schema::Record;

/// One compared field: how it is compared and where its values sit.
#[derive(Clone, Debug)]
pub(crate) struct Column {
    pub comparator: Comparator,
    /// The field's position in the schema.
    pub field: usize,
    /// The slot of the match key in a row; names also have the spelling
    /// and the phonetic code in the next two slots.
    slot: usize,
    /// What a name field holds (given names get nickname numbers).
    role: Role,
    /// The column's place among a row's flags (names: nickname
    /// number; emails: whether the mailbox is the names), when it has one.
    flag: Option<usize>,
    /// The column's place among a row's term counts, when the comparator
    /// weighs term frequency.
    term: Option<usize>,
}

/// The compared fields of a set of records, row after row. Each row is a
/// header of numbers in `meta` (where its text starts, its flags, its term
/// counts, where each of its strings ends) and its strings, one after
/// another, in `text`: scoring a pair reads two short runs of memory per
/// row instead of one cache line per field and array.
#[derive(Clone, Debug)]
pub(crate) struct Table {
    pub columns: Vec<Column>,
    /// Where the fields that say how names are read sit in the schema.
    hints: Hints,
    pub rows: usize,
    /// The strings of every row.
    text: String,
    /// The rows' headers, `stride` numbers each: the start of the row's
    /// text (low and high 32 bits), its flags (`flags` of them), its term
    /// counts (`term_slots`), and the end of each of its strings relative
    /// to its start (`slots`).
    meta: Vec<u32>,
    /// Numbers per row in `meta`.
    stride: usize,
    /// Strings per row.
    slots: usize,
    /// Flags per row.
    flags: usize,
    /// Term counts per row.
    term_slots: usize,
    /// The flag holding the generation a row's names declare (see
    /// [`names::generation`]), when names are compared.
    generation: Option<usize>,
    /// Whether every row's term counts are set (by
    /// [`Table::count_terms`], [`Table::set_terms`] or with its parts).
    counted: bool,
    /// Column indices in the order their strings sit in a row.
    layout: Vec<usize>,
    /// Where each row sits among the stored ones, once they are stored in
    /// another order than their own (see [`Table::reorder`]).
    place: Option<Vec<u32>>,
    /// The row stored at each place, once reordered (else empty).
    stored: Vec<u32>,
}

/// Where a row's flags start in its header (after the text start).
const FLAGS: usize = 2;

/// Schema positions of the fields that say how a record's names are read
/// (see [`scripts::Reading`]).
#[derive(Clone, Debug, Default)]
pub(crate) struct Hints {
    pub country: Option<usize>,
    pub phone: Option<usize>,
    pub given: Option<usize>,
    pub family: Option<usize>,
    /// The full name, compared or not: where a generation suffix (Jr.,
    /// Sr.) is written.
    pub full: Option<usize>,
}

impl Hints {
    /// How the names of a normalized record are read: by its country, else
    /// its phone's country code, else whether its names are Japanese or in
    /// hangul.
    fn reading(&self, record: &Record) -> Reading {
        let text = |at: Option<usize>| at.and_then(|i| record.values()[i].as_str());
        text(self.country)
            .and_then(scripts::reading_of_country)
            .or_else(|| text(self.phone).and_then(scripts::reading_of_phone))
            .unwrap_or_else(|| {
                let (family, given) = (text(self.family), text(self.given));
                let (family, given) = (family.unwrap_or(""), given.unwrap_or(""));
                if scripts::looks_japanese(family, given) {
                    Reading::Japanese
                } else if scripts::looks_korean(family, given) {
                    Reading::Korean
                } else {
                    Reading::Chinese
                }
            })
    }

    /// The generation a normalized record's names declare (see
    /// [`names::generation`]): the full name's, else the family name's.
    fn generation(&self, record: &Record) -> u32 {
        [self.full, self.family]
            .into_iter()
            .flatten()
            .filter_map(|i| record.values()[i].as_str())
            .map(names::generation)
            .find(|&g| g != 0)
            .unwrap_or(0)
    }
}

/// Records per parallel work item.
const CHUNK: usize = 2048;

/// Rows per parallel work item of [`Table::reorder`].
const REORDER_GROUP: usize = 4096;

/// Work items per thread in a wave of [`Table::extend_by_parts`]: enough
/// for the threads to finish a wave together.
const CHUNKS_PER_THREAD: usize = 16;

/// What a name's match key is prepared into for comparison.
#[derive(Clone, Debug, Default, PartialEq)]
struct PreparedName {
    /// See [`scripts::spelling`].
    spelling: String,
    /// [`names::phonetic`] of the first reading of the spelling.
    phonetic: String,
    /// See [`names::nickname_number`].
    nickname: u32,
}

impl PreparedName {
    fn of(key: &str, role: Role, reading: Reading) -> Self {
        let spelling = scripts::spelling(key, role, reading);
        let first = spelling.split('|').next().unwrap_or_default();
        Self {
            phonetic: names::phonetic(first),
            nickname: names::nickname_number(key),
            spelling,
        }
    }
}

/// The names one worker has prepared, by match key, role and reading. A
/// million customers share some tens of thousands of names, and looking
/// one up costs a fraction of spelling it in Latin letters and encoding it
/// again (two thirds of building the table went there).
#[derive(Debug)]
struct NameMemo {
    prepared: HashMap<String, PreparedName, foldhash::fast::FixedState>,
    /// The most names held; past it the memo starts again, so that a file
    /// of unique names costs bounded memory.
    capacity: usize,
    /// The lookup key being built (role, reading, match key), reused.
    lookup: String,
    /// The name prepared last when nothing is remembered.
    last: PreparedName,
}

impl Default for NameMemo {
    fn default() -> Self {
        Self::with_capacity(1 << 16)
    }
}

impl NameMemo {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            prepared: HashMap::default(),
            capacity,
            lookup: String::new(),
            last: PreparedName::default(),
        }
    }

    /// A memo that remembers nothing, for one record.
    fn none() -> Self {
        Self::with_capacity(0)
    }

    /// The name with match key `key` in `role`, read by `reading`.
    fn prepare(&mut self, key: &str, role: Role, reading: Reading) -> &PreparedName {
        if self.capacity == 0 {
            self.last = PreparedName::of(key, role, reading);
            return &self.last;
        }
        self.lookup.clear();
        self.lookup.push(char::from(b'0' + role as u8));
        self.lookup.push(char::from(b'0' + reading as u8));
        self.lookup.push_str(key);
        if !self.prepared.contains_key(self.lookup.as_str()) {
            if self.prepared.len() >= self.capacity {
                self.prepared.clear();
            }
            let name = PreparedName::of(key, role, reading);
            self.prepared.insert(self.lookup.clone(), name);
        }
        &self.prepared[self.lookup.as_str()]
    }
}

/// Whether a column keeps a number per row beside its strings: nickname
/// groups of names, the "mailbox is the names" flag of emails.
fn has_flags(comparator: Comparator) -> bool {
    matches!(comparator, Comparator::Name | Comparator::Email)
}

/// Whether the mailbox of `email` (a match key) is its owner's names and
/// nothing else: no digits, and its letters are a given and a family name
/// (of `given` and `family`, their spellings in Latin letters) in either
/// order, or an initial and a family name. Such a mailbox says nothing the
/// names do not: namesakes get the same one at every provider.
pub(crate) fn mailbox_is_a_name(email: &str, given: &[String], family: &[String]) -> bool {
    let local = email.rsplit_once('@').map_or(email, |(local, _)| local);
    if local.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    let letters: String = local.chars().filter(char::is_ascii_alphabetic).collect();
    given.iter().any(|g| {
        let initial = &g[..g.chars().next().map_or(0, char::len_utf8)];
        family.iter().any(|f| {
            [(g.as_str(), f.as_str()), (initial, f.as_str())]
                .iter()
                .any(|&(g, f)| {
                    letters.len() == g.len() + f.len()
                        && ((letters.starts_with(g) && letters.ends_with(f))
                            || (letters.starts_with(f) && letters.ends_with(g)))
                })
        })
    })
}

impl Table {
    /// An empty table for the compared fields `(schema index, comparator,
    /// name role)`, reading names by `hints`.
    pub(crate) fn new(fields: &[(usize, Comparator, Role)], hints: Hints) -> Self {
        // Cheap columns first in a row: scoring reads them for every pair
        // and most pairs stop there, so they should share cache lines.
        let mut layout: Vec<usize> = (0..fields.len()).collect();
        layout.sort_by_key(|&c| fields[c].1.cost());
        let mut slot_of = vec![0; fields.len()];
        let mut slots = 0;
        for &c in &layout {
            slot_of[c] = slots;
            slots += if fields[c].1 == Comparator::Name {
                3
            } else {
                1
            };
        }
        let (mut flags, mut term_slots) = (0, 0);
        let next = |count: &mut usize| {
            *count += 1;
            *count - 1
        };
        let columns: Vec<Column> = fields
            .iter()
            .zip(slot_of)
            .map(|(&(field, comparator, role), slot)| Column {
                comparator,
                field,
                slot,
                role,
                flag: has_flags(comparator).then(|| next(&mut flags)),
                term: comparator
                    .uses_term_frequency()
                    .then(|| next(&mut term_slots)),
            })
            .collect();
        let generation = fields
            .iter()
            .any(|&(_, comparator, _)| comparator == Comparator::Name)
            .then(|| next(&mut flags));
        Self {
            columns,
            hints,
            rows: 0,
            text: String::new(),
            meta: Vec::new(),
            stride: FLAGS + flags + term_slots + slots,
            slots,
            flags,
            term_slots,
            generation,
            counted: false,
            layout,
            place: None,
            stored: Vec::new(),
        }
    }

    fn fields(&self) -> Vec<(usize, Comparator, Role)> {
        self.columns
            .iter()
            .map(|c| (c.field, c.comparator, c.role))
            .collect()
    }

    /// Where `row` is stored, in rows.
    fn physical(&self, row: usize) -> usize {
        match &self.place {
            Some(place) => place[row] as usize,
            None => row,
        }
    }

    /// The header of `row`.
    fn header(&self, row: usize) -> &[u32] {
        self.header_at(self.physical(row))
    }

    /// The header stored at `place`.
    fn header_at(&self, place: usize) -> &[u32] {
        let at = place * self.stride;
        &self.meta[at..at + self.stride]
    }

    /// The length of the text of the row with `header`: where its last
    /// string ends.
    fn text_len(&self, header: &[u32]) -> usize {
        if self.slots == 0 {
            0
        } else {
            header[self.stride - 1] as usize
        }
    }

    /// Stores the rows in `order` (every row once), so that rows near each
    /// other in it are near in memory. Rows keep their numbers.
    pub(crate) fn reorder(&mut self, order: &[u32]) {
        if order.len() != self.rows || self.place.is_some() {
            return;
        }
        // Where each row is stored and where its text starts there, then
        // the rows copied in parallel, each group of them into its own
        // part of the text. The lengths are read on every core: each is a
        // cache miss, the rows being read out of order.
        let lens: Vec<usize> = order
            .par_iter()
            .map(|&row| self.text_len(self.header(row as usize)))
            .collect();
        let mut place = vec![0u32; self.rows];
        let mut starts = Vec::with_capacity(self.rows + 1);
        let mut end = 0;
        starts.push(0);
        for (at, (&row, len)) in order.iter().zip(lens).enumerate() {
            place[row as usize] = at as u32;
            end += len;
            starts.push(end);
        }
        let mut text = vec![0u8; end];
        let mut meta = vec![0u32; self.meta.len()];
        let mut groups = Vec::with_capacity(self.rows.div_ceil(REORDER_GROUP));
        let mut rest = text.as_mut_slice();
        for (k, metas) in meta.chunks_mut(REORDER_GROUP * self.stride).enumerate() {
            let first = k * REORDER_GROUP;
            let last = (first + REORDER_GROUP).min(self.rows);
            let (bytes, after) = rest.split_at_mut(starts[last] - starts[first]);
            rest = after;
            groups.push((first, bytes, metas));
        }
        groups.into_par_iter().for_each(|(first, bytes, metas)| {
            let rows = order[first..].iter();
            for (at, (&row, header)) in rows.zip(metas.chunks_exact_mut(self.stride)).enumerate() {
                let from = self.header(row as usize);
                let (start, len) = (start_of(from), self.text_len(from));
                let to = starts[first + at] - starts[first];
                bytes[to..to + len].copy_from_slice(&self.text.as_bytes()[start..start + len]);
                header.copy_from_slice(from);
                set_start(header, starts[first + at]);
            }
        });
        // Whole rows' text, copied at row boundaries, is UTF-8; were it
        // not, the rows would stay where they are, which changes no result.
        let Ok(text) = String::from_utf8(text) else {
            return;
        };
        self.text = text;
        self.meta = meta;
        self.place = Some(place);
        self.stored = order.to_vec();
    }

    /// Where `row` is stored: its place in the order given to
    /// [`Table::reorder`] (its own number before).
    pub(crate) fn place_of(&self, row: u32) -> u32 {
        match &self.place {
            Some(place) => place[row as usize],
            None => row,
        }
    }

    /// The row stored at `place` (see [`Table::place_of`]).
    pub(crate) fn row_at(&self, place: u32) -> u32 {
        self.stored.get(place as usize).copied().unwrap_or(place)
    }

    /// Runs `f` on the table read by place (see [`Table::place_of`])
    /// instead of by row.
    pub(crate) fn by_place<R>(&mut self, f: impl FnOnce(&Self) -> R) -> R {
        let place = self.place.take();
        let result = f(self);
        self.place = place;
        result
    }

    /// Whether any row holds a value (a match key) in column `c`: a column
    /// the input never fills compares as missing in every pair.
    pub(crate) fn has_values(&self, c: usize) -> bool {
        (0..self.rows)
            .into_par_iter()
            .any(|place| !self.row_stored_at(place).key(c).is_empty())
    }

    /// `row`, read once for many of its values.
    #[inline]
    pub(crate) fn row(&self, row: usize) -> Row<'_> {
        self.row_of_header(self.header(row))
    }

    /// `count` numbers for each row, as lists by place (see
    /// [`Table::place_of`]): `fill(place, row, numbers)` writes the row's
    /// `count` numbers. Rows are read once each, in the order they are
    /// stored, a stretch of them per task.
    pub(crate) fn numbers_by_place(
        &self,
        count: usize,
        fill: impl Fn(usize, Row<'_>, &mut [u64]) + Sync,
    ) -> Vec<Vec<u64>> {
        const STRETCH: usize = 4096;
        // Zeroed memory, which the system hands out without filling it
        // here: every slot is written below, by the task of its stretch.
        let mut numbers: Vec<Vec<u64>> = (0..count).map(|_| vec![0; self.rows]).collect();
        let mut stretches: Vec<Vec<&mut [u64]>> = (0..self.rows.div_ceil(STRETCH))
            .map(|_| Vec::with_capacity(count))
            .collect();
        for list in &mut numbers {
            for (stretch, part) in stretches.iter_mut().zip(list.chunks_mut(STRETCH)) {
                stretch.push(part);
            }
        }
        stretches
            .into_par_iter()
            .enumerate()
            .for_each(|(k, mut parts)| {
                let mut row_numbers = vec![0; count];
                for at in 0..parts.first().map_or(0, |p| p.len()) {
                    let place = k * STRETCH + at;
                    fill(place, self.row_stored_at(place), &mut row_numbers);
                    for (part, &number) in parts.iter_mut().zip(&row_numbers) {
                        part[at] = number;
                    }
                }
            });
        numbers
    }

    /// The row stored at `place` (see [`Table::place_of`]): reading rows
    /// place after place reads memory in order.
    #[inline]
    pub(crate) fn row_stored_at(&self, place: usize) -> Row<'_> {
        self.row_of_header(self.header_at(place))
    }

    #[inline]
    fn row_of_header<'a>(&'a self, header: &'a [u32]) -> Row<'a> {
        let (flags, rest) = header[FLAGS..].split_at(self.flags);
        let (terms, ends) = rest.split_at(self.term_slots);
        Row {
            columns: &self.columns,
            generation: self.generation.map_or(0, |g| flags[g]),
            flags,
            terms: if self.counted { terms } else { &[] },
            ends,
            // To the end of all text: slicing at the row's end would read
            // its last byte, a cache line that a pair pruned early never
            // needs.
            text: &self.text[start_of(header)..],
        }
    }

    /// Reads the start of each row's header and the start, middle and end
    /// of its text, so that reading the rows soon after finds them in
    /// cache: warming several rows one after the other lets their cache
    /// misses overlap, where reading each row as its pair is compared
    /// waits for each miss in turn.
    #[inline]
    pub(crate) fn warm(&self, rows: impl Iterator<Item = u32>) {
        let text = self.text.as_bytes();
        let byte = |at: usize| text.get(at).copied().unwrap_or_default();
        let read = rows.fold(0u8, |x, row| {
            let header = self.header(row as usize);
            let start = start_of(header);
            let end = start + self.text_len(header);
            x ^ byte(start) ^ byte((start + end) / 2) ^ byte(end.saturating_sub(1))
        });
        std::hint::black_box(read);
    }

    /// The prepared value of column `c` in `row`.
    pub(crate) fn get(&self, c: usize, row: usize) -> Prepared<'_> {
        self.row(row).get(c)
    }

    /// Normalizes `records` (in parallel) and adds them as rows.
    pub(crate) fn extend(&mut self, normalizer: &Normalizer, records: &[Record]) -> Result<()> {
        self.extend_by_parts(records.len(), |range, part, memo| {
            for record in &records[range] {
                part.push_with(normalizer, record, memo)?;
            }
            Ok(())
        })
    }

    /// Adds `records` as rows, read a chunk at a time. They are normalized
    /// already (by a normalizer of this schema, as the pipeline keeps them)
    /// and are not normalized again: normalizing is idempotent, so that
    /// would not change them.
    pub(crate) fn extend_from(
        &mut self,
        normalizer: &Normalizer,
        records: &dyn Records,
    ) -> Result<()> {
        self.extend_by_parts(records.len(), |range, part, memo| {
            records.each(range, &mut |record| {
                part.push_normalized(normalizer, record, memo)
            })
        })
    }

    /// Adds the normalizer's output as rows (in parallel), without
    /// normalizing again.
    ///
    /// # Errors
    /// [`ErrorKind::SchemaMismatch`](crate::ErrorKind::SchemaMismatch) for
    /// a record of another schema.
    pub(crate) fn extend_normalized(
        &mut self,
        normalizer: &Normalizer,
        records: &[Normalized],
    ) -> Result<()> {
        self.extend_by_parts(records.len(), |range, part, memo| {
            for n in &records[range] {
                n.record.check_schema(normalizer.schema())?;
                part.push_normalized(normalizer, &n.record, memo)?;
            }
            Ok(())
        })
    }

    /// Adds `n` rows, [`CHUNK`] at a time in parallel: `fill(range, part,
    /// memo)` pushes the rows of `range` into `part`, an empty table of
    /// this one's columns, preparing names through `memo`.
    fn extend_by_parts(
        &mut self,
        n: usize,
        fill: impl Fn(Range<usize>, &mut Self, &mut NameMemo) -> Result<()> + Sync,
    ) -> Result<()> {
        let wave = rayon::current_num_threads().max(1) * CHUNKS_PER_THREAD;
        self.extend_in_waves(n, (CHUNK, wave), fill)
    }

    /// [`Table::extend_by_parts`] with parts of `chunk` rows, `wave` parts
    /// at a time.
    ///
    /// Parts are appended a wave at a time, so that the memory of one
    /// wave's parts serves the next instead of every part being held
    /// beside the table until the end (at a million customers, 220 MB
    /// more memory touched, each page of it fresh). Each thread keeps its
    /// memo across waves. A wave that fails takes the rows of the waves
    /// before it away again: the table is extended by all rows or none.
    fn extend_in_waves(
        &mut self,
        n: usize,
        (chunk, wave): (usize, usize),
        fill: impl Fn(Range<usize>, &mut Self, &mut NameMemo) -> Result<()> + Sync,
    ) -> Result<()> {
        let (chunk, wave) = (chunk.max(1), wave.max(1));
        let threads = rayon::current_num_threads().max(1);
        let memos: Vec<Mutex<NameMemo>> = (0..threads).map(|_| Mutex::default()).collect();
        let (fields, hints) = (self.fields(), self.hints.clone());
        let chunks = n.div_ceil(chunk);
        let was = (self.rows, self.text.len(), self.counted);
        self.meta.reserve_exact(n * self.stride);
        for first in (0..chunks).step_by(wave) {
            let parts: Vec<Result<Self>> = (first..chunks.min(first + wave))
                .into_par_iter()
                .map(|k| {
                    // This thread's memo, or a fresh one while it is taken
                    // (by an item this thread left waiting, should `fill`
                    // ever wait on parallel work).
                    let slot = &memos[rayon::current_thread_index().unwrap_or(0) % threads];
                    let mut held = match slot.try_lock() {
                        Ok(memo) => Some(memo),
                        Err(TryLockError::Poisoned(memo)) => Some(memo.into_inner()),
                        Err(TryLockError::WouldBlock) => None,
                    };
                    let mut spare = NameMemo::default();
                    let memo = held.as_deref_mut().unwrap_or(&mut spare);
                    let mut part = Self::new(&fields, hints.clone());
                    fill(k * chunk..n.min((k + 1) * chunk), &mut part, memo)?;
                    Ok(part)
                })
                .collect();
            let before = self.rows;
            if let Err(e) = self.append_parts(parts) {
                self.truncate(was);
                return Err(e);
            }
            if first == 0 && self.rows > before {
                // Room for the rest at the first wave's bytes per row and
                // half again: room never written to costs no memory, and
                // growing a full table would copy it. Room the system will
                // not give is left to growing.
                let per_row = (self.text.len() / self.rows).max(1);
                let rest = n - (self.rows - before);
                let room = rest.saturating_mul(per_row).saturating_mul(3) / 2;
                let _ = self.text.try_reserve_exact(room);
            }
        }
        Ok(())
    }

    /// Takes the rows from `rows` on away, leaving the table as it was
    /// when it had `rows` rows, `text` bytes of text and its term counts
    /// `counted` or not.
    fn truncate(&mut self, (rows, text, counted): (usize, usize, bool)) {
        self.text.truncate(text);
        self.meta.truncate(rows * self.stride);
        if let Some(place) = &mut self.place {
            place.truncate(rows);
            self.stored.truncate(rows);
        }
        self.rows = rows;
        self.counted = counted;
    }

    /// Appends the rows of `parts`, in order. Term counts are counted
    /// again afterwards.
    fn append_parts(&mut self, parts: Vec<Result<Self>>) -> Result<()> {
        let parts = parts.into_iter().collect::<Result<Vec<Self>>>()?;
        for part in parts {
            let shift = self.text.len();
            self.text.push_str(&part.text);
            let first = self.meta.len();
            self.meta.extend_from_slice(&part.meta);
            for header in self.meta[first..].chunks_exact_mut(self.stride) {
                set_start(header, start_of(header) + shift);
            }
            if let Some(place) = &mut self.place {
                place.extend((self.rows..self.rows + part.rows).map(|p| p as u32));
                self.stored
                    .extend((self.rows..self.rows + part.rows).map(|p| p as u32));
            }
            self.rows += part.rows;
        }
        self.counted = false;
        Ok(())
    }

    /// Starts a row: its header, all zeros but where its text starts.
    /// Gives the header's place in `meta`.
    fn begin_row(&mut self) -> usize {
        let at = self.meta.len();
        if let Some(place) = &mut self.place {
            place.push(self.rows as u32);
            self.stored.push(self.rows as u32);
        }
        self.meta.resize(at + self.stride, 0);
        set_start(&mut self.meta[at..], self.text.len());
        at
    }

    /// Adds string `slot` of the row whose header is at `at`.
    fn push_string(&mut self, at: usize, slot: usize, s: &str) -> Result<()> {
        self.text.push_str(s);
        self.end_string(at, slot)
    }

    /// Ends string `slot` of the row whose header is at `at` where the
    /// table's text ends now.
    fn end_string(&mut self, at: usize, slot: usize) -> Result<()> {
        let end = self.text.len() - start_of(&self.meta[at..]);
        self.meta[at + FLAGS + self.flags + self.term_slots + slot] =
            u32::try_from(end).map_err(|_| {
                crate::Error::dedupe(
                    crate::error::SettingPath::root(),
                    crate::error::SettingProblem::TooLarge,
                    "the match keys of one record exceed 4 GiB",
                )
            })?;
        Ok(())
    }

    /// Normalizes one record and adds it as a row.
    pub(crate) fn push(&mut self, normalizer: &Normalizer, record: &Record) -> Result<()> {
        self.push_with(normalizer, record, &mut NameMemo::none())
    }

    /// [`Table::push`], its names prepared through `memo`.
    fn push_with(
        &mut self,
        normalizer: &Normalizer,
        record: &Record,
        memo: &mut NameMemo,
    ) -> Result<()> {
        let normalized = normalizer.normalize(record)?.record;
        self.push_normalized(normalizer, &normalized, memo)
    }

    /// Adds a normalized record as a row, its names prepared through `memo`.
    fn push_normalized(
        &mut self,
        normalizer: &Normalizer,
        normalized: &Record,
        memo: &mut NameMemo,
    ) -> Result<()> {
        let reading = self.hints.reading(normalized);
        let at = self.begin_row();
        // The spellings of the given and family names, for telling a
        // mailbox made of them; emails are told once the row is read.
        let mut spelled: [Option<String>; 2] = [None, None];
        let mut emails: Vec<(usize, String)> = Vec::new();
        for i in 0..self.layout.len() {
            let c = self.layout[i];
            let (field, comparator, role, slot, flag) = {
                let column = &self.columns[c];
                (
                    column.field,
                    column.comparator,
                    column.role,
                    column.slot,
                    column.flag,
                )
            };
            let value = &normalized.values()[field];
            if !matches!(comparator, Comparator::Name | Comparator::Email) {
                // Only stored: written into the table in place.
                normalizer.push_match_key(field, value, &mut self.text);
                self.end_string(at, slot)?;
                continue;
            }
            let key = normalizer.match_key(field, value).unwrap_or_default();
            self.push_string(at, slot, &key)?;
            if comparator == Comparator::Name {
                let name = memo.prepare(&key, role, reading);
                self.push_string(at, slot + 1, &name.spelling)?;
                self.push_string(at, slot + 2, &name.phonetic)?;
                // Family names too: a given name written in the family column
                // (swapped) still meets its nickname.
                if let Some(f) = flag
                    && matches!(role, Role::Given | Role::Family)
                {
                    self.meta[at + FLAGS + f] = name.nickname;
                }
                if Some(field) == self.hints.given {
                    spelled[0] = Some(name.spelling.clone());
                } else if Some(field) == self.hints.family {
                    spelled[1] = Some(name.spelling.clone());
                }
            } else if comparator == Comparator::Email {
                emails.push((c, key));
            }
        }
        if let Some(g) = self.generation {
            self.meta[at + FLAGS + g] = self.hints.generation(normalized);
        }
        for (c, key) in emails {
            let local = key.rsplit_once('@').map_or(key.as_str(), |(l, _)| l);
            let own = !local.is_empty()
                && !local.bytes().any(|b| b.is_ascii_digit())
                && self.mailbox_of_names(&key, normalized, normalizer, reading, &mut spelled);
            if let Some(f) = self.columns[c].flag {
                self.meta[at + FLAGS + f] = u32::from(own);
            }
        }
        self.rows += 1;
        self.counted = false;
        Ok(())
    }

    /// Whether `email` is the record's names alone (see
    /// [`mailbox_is_a_name`]), with the names' spellings from `spelled`
    /// (given, family) or spelt now when not compared.
    fn mailbox_of_names(
        &self,
        email: &str,
        normalized: &Record,
        normalizer: &Normalizer,
        reading: Reading,
        spelled: &mut [Option<String>; 2],
    ) -> bool {
        let mut readings = |k: usize, at: Option<usize>, role: Role| -> Vec<String> {
            let spelling = spelled[k].get_or_insert_with(|| {
                at.map(|i| {
                    let key = normalizer
                        .match_key(i, &normalized.values()[i])
                        .unwrap_or_default();
                    scripts::spelling(&key, role, reading)
                })
                .unwrap_or_default()
            });
            spelling
                .split('|')
                .map(|s| s.chars().filter(char::is_ascii_alphanumeric).collect())
                .filter(|s: &String| !s.is_empty())
                .collect()
        };
        let given = readings(0, self.hints.given, Role::Given);
        let family = readings(1, self.hints.family, Role::Family);
        mailbox_is_a_name(email, &given, &family)
    }

    /// Counts how many rows share each key of the columns that weigh term
    /// frequency: as many columns at once as there are threads, so that
    /// no core waits and only that many lists of counts are held.
    pub(crate) fn count_terms(&mut self) {
        let terms: Vec<(usize, usize)> = (0..self.columns.len())
            .filter_map(|c| Some((c, self.columns[c].term?)))
            .collect();
        for some in terms.chunks(rayon::current_num_threads().max(1)) {
            let counted: Vec<Vec<u32>> =
                some.par_iter().map(|&(c, _)| self.term_counts(c)).collect();
            for (&(_, term), counts) in some.iter().zip(counted) {
                for (row, n) in counts.into_iter().enumerate() {
                    let at = self.physical(row) * self.stride + FLAGS + self.flags + term;
                    self.meta[at] = n;
                }
            }
        }
        self.counted = true;
    }

    /// How many rows share each row's key of column `c`, by row.
    fn term_counts(&self, c: usize) -> Vec<u32> {
        // Sized for the distinct keys a million customers have in a column
        // (tens of thousands of names), growing past them: room for every
        // row cost 50 MB of fresh memory per column.
        let mut counts: HashMap<&str, u32, foldhash::fast::FixedState> =
            HashMap::with_capacity_and_hasher(self.rows.min(1 << 16), Default::default());
        for row in 0..self.rows {
            *counts.entry(self.key(c, row)).or_default() += 1;
        }
        (0..self.rows)
            .map(|row| counts.get(self.key(c, row)).copied().unwrap_or(0))
            .collect()
    }

    /// How many rows hold the key rows `a` and `b` share in column `f`
    /// (0 unless the column weighs term frequency).
    pub(crate) fn term_count(&self, f: usize, a: usize, b: usize) -> u32 {
        self.term_of(f, a).max(self.term_of(f, b))
    }

    /// The parts of one row, for shipping it elsewhere: its strings in
    /// slot order, the nickname numbers of its name columns and the flags of
    /// its email columns (in column order) and its term counts (empty
    /// before they are counted).
    pub(crate) fn row_parts(&self, row: usize) -> (Vec<&str>, Vec<u32>, &[u32]) {
        let header = self.header(row);
        let read = self.row_of_header(header);
        let strings = (0..self.slots).map(|s| read.string(s)).collect();
        let flags = header[FLAGS..FLAGS + self.flags].to_vec();
        let terms = if self.counted {
            &header[FLAGS + self.flags..FLAGS + self.flags + self.term_slots]
        } else {
            &[]
        };
        (strings, flags, terms)
    }

    /// Strings per row, name and email columns, and term counts per row: the shape
    /// [`Table::push_parts`] expects.
    pub(crate) fn shape(&self) -> (usize, usize, usize) {
        (self.slots, self.flags, self.term_slots)
    }

    /// Adds a row from the parts [`Table::row_parts`] gave, in the shape
    /// [`Table::shape`] says (the caller checks it). Term counts are kept
    /// only when every row has them.
    pub(crate) fn push_parts(
        &mut self,
        strings: &[&str],
        nicks: &[u32],
        terms: &[u32],
    ) -> Result<()> {
        let at = self.begin_row();
        for (slot, s) in strings.iter().enumerate().take(self.slots) {
            self.push_string(at, slot, s)?;
        }
        for (f, &n) in nicks.iter().enumerate().take(self.flags) {
            self.meta[at + FLAGS + f] = n;
        }
        self.counted = (self.rows == 0 || self.counted) && terms.len() == self.term_slots;
        if self.counted {
            let start = at + FLAGS + self.flags;
            self.meta[start..start + self.term_slots].copy_from_slice(terms);
        }
        self.rows += 1;
        Ok(())
    }

    /// The columns weighed by term frequency, in the order of their
    /// counts in a row.
    pub(crate) fn term_columns(&self) -> Vec<usize> {
        let mut columns: Vec<(usize, usize)> = self
            .columns
            .iter()
            .enumerate()
            .filter_map(|(c, column)| Some((column.term?, c)))
            .collect();
        columns.sort_unstable();
        columns.into_iter().map(|(_, c)| c).collect()
    }

    /// Sets the term counts of `row` (in [`Table::term_columns`] order);
    /// the other rows' counts are 0 until set.
    pub(crate) fn set_terms(&mut self, row: usize, counts: &[u32]) {
        if !self.counted {
            for header in self.meta.chunks_exact_mut(self.stride) {
                header[FLAGS + self.flags..FLAGS + self.flags + self.term_slots].fill(0);
            }
            self.counted = true;
        }
        if row >= self.rows {
            return;
        }
        let at = self.physical(row) * self.stride + FLAGS + self.flags;
        if let Some(slot) = self.meta.get_mut(at..at + self.term_slots) {
            for (t, &n) in slot.iter_mut().zip(counts) {
                *t = n;
            }
        }
    }

    /// How many rows hold `row`'s key in column `f`, as counted (0 unless
    /// the column weighs term frequency, or before counting).
    pub(crate) fn term_of(&self, f: usize, row: usize) -> u32 {
        match self.columns[f].term {
            Some(term) if self.counted && row < self.rows => {
                self.meta[self.physical(row) * self.stride + FLAGS + self.flags + term]
            }
            _ => 0,
        }
    }

    /// The match key of column `c` in `row`.
    pub(crate) fn key(&self, c: usize, row: usize) -> &str {
        self.row(row).key(c)
    }

    /// A hash of the row's content (its keys, see [`hash_keys`]), the same
    /// whatever position it has.
    pub(crate) fn content_hash(&self, row: usize) -> u64 {
        let row = self.row(row);
        hash_keys((0..self.columns.len()).map(|c| row.key(c)))
    }

    /// Rows ranked by content (ties by position): every order-sensitive step
    /// (sampling, windows, tie breaks) goes by rank, so results do not
    /// depend on the order records came in.
    ///
    /// Each row is sorted with its hash beside it: a sort of rows by a
    /// hash looked up in another list reads that list out of order.
    pub(crate) fn ranks(&self) -> Vec<u32> {
        let mut order: Vec<(u64, u32)> = (0..self.rows)
            .into_par_iter()
            .map(|r| (self.content_hash(r), r as u32))
            .collect();
        order.par_sort_unstable();
        let mut ranks = vec![0; self.rows];
        for (rank, &(_, row)) in order.iter().enumerate() {
            ranks[row as usize] = rank as u32;
        }
        ranks
    }
}

/// A hash of a row's keys, the same with whatever toolchain: SipHash-1-3
/// with keys 0 over each key and a 0xff after it, what the standard
/// library's hasher computes today but does not promise to keep computing.
fn hash_keys<'k>(keys: impl Iterator<Item = &'k str>) -> u64 {
    let mut hasher = siphasher::sip::SipHasher13::new_with_keys(0, 0);
    for key in keys {
        hasher.write(key.as_bytes());
        hasher.write_u8(0xff);
    }
    hasher.finish()
}

/// One row of a [`Table`]: its header and text found once, then any of
/// its values read without looking them up again.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Row<'a> {
    columns: &'a [Column],
    /// The generation the row's names declare (see [`names::generation`]).
    pub generation: u32,
    flags: &'a [u32],
    /// Empty before the term counts are counted.
    terms: &'a [u32],
    /// Where each string ends, from the start of `text`.
    ends: &'a [u32],
    /// The row's strings, then those of the rows stored after it.
    text: &'a str,
}

impl<'a> Row<'a> {
    #[inline]
    fn string(&self, slot: usize) -> &'a str {
        let [text] = self.strings(slot);
        text
    }

    /// Strings `slot..slot + N`, their ends read in one slice.
    #[inline]
    fn strings<const N: usize>(&self, slot: usize) -> [&'a str; N] {
        let mut start = match slot.checked_sub(1) {
            Some(before) => self.ends[before] as usize,
            None => 0,
        };
        let ends = &self.ends[slot..slot + N];
        std::array::from_fn(|i| {
            let end = ends[i] as usize;
            let text = &self.text[start..end];
            start = end;
            text
        })
    }

    /// The match key of column `c`.
    #[inline]
    pub(crate) fn key(&self, c: usize) -> &'a str {
        self.string(self.columns[c].slot)
    }

    /// The prepared value of column `c`.
    #[inline]
    pub(crate) fn get(&self, c: usize) -> Prepared<'a> {
        let column = &self.columns[c];
        let at = column.slot;
        let nick = column.flag.map_or(0, |f| self.flags[f]);
        if column.comparator == Comparator::Name {
            let [key, spelling, phonetic] = self.strings(at);
            Prepared {
                key,
                spelling,
                phonetic,
                nick,
            }
        } else {
            Prepared {
                key: self.string(at),
                nick,
                ..Prepared::default()
            }
        }
    }

    /// How many rows hold this row's key in column `c`, as counted (0
    /// unless the column weighs term frequency, or before counting).
    #[inline]
    pub(crate) fn term(&self, c: usize) -> u32 {
        self.columns[c]
            .term
            .and_then(|t| self.terms.get(t))
            .copied()
            .unwrap_or(0)
    }
}

/// Where the row with `header` starts in the text.
fn start_of(header: &[u32]) -> usize {
    (u64::from(header[0]) | u64::from(header[1]) << 32) as usize
}

/// Records where the row with `header` starts in the text.
fn set_start(header: &mut [u32], start: usize) {
    header[0] = start as u32;
    header[1] = (start as u64 >> 32) as u32;
}

#[cfg(test)]
mod mailbox_tests {
    use super::mailbox_is_a_name;

    #[test]
    fn mailboxes_made_of_the_names_alone_are_told() {
        let names = |s: &[&str]| s.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let (given, family) = (names(&["camille"]), names(&["vincent"]));
        for own in [
            "camille.vincent@qq.com",
            "vincent_camille@x.org",
            "cvincent@x.org",
        ] {
            assert!(mailbox_is_a_name(own, &given, &family), "{own}");
        }
        for other in [
            "camille.vincent7@qq.com",
            "camille@x.org",
            "cami.vincent@x.org",
            "camille.vincent.paris@x.org",
        ] {
            assert!(!mailbox_is_a_name(other, &given, &family), "{other}");
        }
        // Any reading of a name written in another script.
        let (given, family) = (names(&["yuko", "yuuko"]), names(&["watanabe"]));
        assert!(mailbox_is_a_name("yuuko.watanabe@x.jp", &given, &family));
        assert!(!mailbox_is_a_name("x@x.jp", &[], &family));
    }
}

#[cfg(test)]
mod memo_tests {
    use super::{NameMemo, PreparedName, Reading, Role};
    use proptest::prelude::*;

    fn role() -> impl Strategy<Value = Role> {
        prop_oneof![Just(Role::Given), Just(Role::Family), Just(Role::Whole)]
    }

    fn reading() -> impl Strategy<Value = Reading> {
        prop_oneof![
            Just(Reading::Chinese),
            Just(Reading::Japanese),
            Just(Reading::Korean)
        ]
    }

    proptest! {
        /// The memo gives what preparing each name afresh gives, whatever
        /// came before it, when it is full and starts again, and when it
        /// remembers nothing. Few distinct keys, so most lookups hit; the
        /// keys include names whose spelling depends on the role and the
        /// reading (Korean given names, Japanese and Chinese characters).
        #[test]
        fn memo_prepares_names_as_preparing_them_afresh(
            names in prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "bob", "robert", "seo yeon", "suh-yun", "sato", "satou",
                        "佐藤", "王", "김", "o'neil", "", "smith", "smyth",
                    ]),
                    role(),
                    reading(),
                ),
                1..60,
            ),
            capacity in 0usize..5,
        ) {
            let mut memo = NameMemo::with_capacity(capacity);
            for (key, role, reading) in names {
                let fresh = PreparedName::of(key, role, reading);
                prop_assert_eq!(memo.prepare(key, role, reading), &fresh);
                prop_assert!(memo.prepared.len() <= capacity);
            }
        }
    }

    #[test]
    fn the_reading_and_the_role_are_part_of_what_is_remembered() {
        let mut memo = NameMemo::default();
        let given = memo
            .prepare("seo yeon", Role::Given, Reading::Korean)
            .clone();
        let family = memo
            .prepare("seo yeon", Role::Family, Reading::Korean)
            .clone();
        let chinese = memo.prepare("佐藤", Role::Family, Reading::Chinese).clone();
        let japanese = memo
            .prepare("佐藤", Role::Family, Reading::Japanese)
            .clone();
        assert_ne!(given, family);
        assert_ne!(chinese, japanese);
        assert_eq!(memo.prepared.len(), 4);
    }
}

#[cfg(test)]
mod wave_tests {
    use super::{CHUNK, Comparator, NameMemo, PreparedName, REORDER_GROUP, Table};
    use crate::dedupe::Deduper;
    use crate::dedupe::generate::Generator;
    use crate::schema::{Record, Schema};

    /// A table built in parallel waves of parts holds what pushing its
    /// rows one by one gives: parts of one row, parts that leave the last
    /// wave short, and the default sizes, on names of several scripts
    /// (prepared through memos kept across waves). Records come shortest
    /// first, so the room reserved after the first wave runs out and the
    /// text grows.
    #[test]
    fn tables_built_in_waves_hold_the_rows_pushed_one_by_one() {
        let mut records = Generator::multilingual(3).generate(700).unwrap().records;
        let length = |r: &Record| -> usize {
            r.values()
                .iter()
                .filter_map(|v| v.as_str())
                .map(str::len)
                .sum()
        };
        records.sort_by_key(length);
        let deduper = Deduper::new(&Schema::customer()).unwrap();
        let normalizer = &deduper.normalizer;
        let mut expected = deduper.empty_table();
        for record in &records {
            expected.push(normalizer, record).unwrap();
        }
        expected.count_terms();
        for sizes in [(1, 1), (7, 3), (64, 2), (CHUNK, 16)] {
            let mut table = deduper.empty_table();
            table
                .extend_in_waves(records.len(), sizes, |range, part, memo| {
                    for record in &records[range] {
                        part.push_with(normalizer, record, memo)?;
                    }
                    Ok(())
                })
                .unwrap();
            table.count_terms();
            assert_eq!(table.rows, records.len(), "{sizes:?}");
            for row in 0..table.rows {
                assert_eq!(
                    table.row_parts(row),
                    expected.row_parts(row),
                    "{sizes:?} row {row}"
                );
            }
        }
    }

    /// A row reads back the parts of each name it stores, each in its
    /// place: the key, then its spelling and phonetic code as preparing
    /// the key afresh gives them, and its nickname number; other columns
    /// their match key alone. Names of several scripts, read by the
    /// record's hints.
    #[test]
    fn rows_read_back_each_part_of_their_names() {
        let records = Generator::multilingual(5).generate(400).unwrap().records;
        let deduper = Deduper::new(&Schema::customer()).unwrap();
        let normalizer = &deduper.normalizer;
        let mut table = deduper.empty_table();
        let mut normalized = Vec::new();
        for record in &records {
            normalized.push(normalizer.normalize(record).unwrap().record);
            table.push(normalizer, record).unwrap();
        }
        let mut names = 0;
        for (row, record) in normalized.iter().enumerate() {
            let reading = table.hints.reading(record);
            for (c, column) in table.columns.iter().enumerate() {
                let value = &record.values()[column.field];
                let key = normalizer
                    .match_key(column.field, value)
                    .unwrap_or_default();
                let got = table.row(row).get(c);
                assert_eq!(got.key, key, "row {row} column {c}");
                if column.comparator != Comparator::Name {
                    assert_eq!((got.spelling, got.phonetic), ("", ""));
                    continue;
                }
                let fresh = PreparedName::of(&key, column.role, reading);
                assert_eq!(got.spelling, fresh.spelling, "row {row} column {c}");
                assert_eq!(got.phonetic, fresh.phonetic, "row {row} column {c}");
                assert_eq!(got.nick, fresh.nickname, "row {row} column {c}");
                names += usize::from(!key.is_empty() && fresh.spelling != fresh.phonetic);
            }
        }
        assert!(names > 400, "{names} names told apart from their codes");
    }

    /// A wave that fails leaves the table as it was, rows of the waves
    /// before it included, and the table extends as before afterwards.
    #[test]
    fn a_failed_wave_leaves_the_table_as_it_was() {
        let records = Generator::new(4).generate(200).unwrap().records;
        let deduper = Deduper::new(&Schema::customer()).unwrap();
        let (normalizer, records) = (&deduper.normalizer, &records);
        let fill = |fail_at: Option<usize>| {
            move |range: std::ops::Range<usize>, part: &mut Table, memo: &mut NameMemo| {
                for i in range {
                    if Some(i) == fail_at {
                        return Err(crate::Error::dedupe(
                            crate::error::SettingPath::root(),
                            crate::error::SettingProblem::Invalid,
                            "planted failure",
                        ));
                    }
                    part.push_with(normalizer, &records[i % 50], memo)?;
                }
                Ok(())
            }
        };
        let mut table = deduper.empty_table();
        table.extend_in_waves(50, (8, 2), fill(None)).unwrap();
        table.count_terms();
        let before = table.clone();
        // Waves of 16 rows: the failure comes in the fifth.
        let failed = table.extend_in_waves(100, (8, 2), fill(Some(70)));
        assert!(failed.is_err());
        assert_eq!(table.rows, before.rows);
        assert_eq!(table.text, before.text);
        assert_eq!(table.meta, before.meta);
        assert_eq!(table.counted, before.counted);
        // The same again in storage order, which keeps where rows are.
        let order: Vec<u32> = (0..50).rev().collect();
        table.reorder(&order);
        let reordered = table.clone();
        assert!(table.extend_in_waves(100, (8, 2), fill(Some(70))).is_err());
        assert_eq!(table.rows, 50);
        assert_eq!(table.place, reordered.place);
        assert_eq!(table.stored, reordered.stored);
        assert_eq!(table.text, reordered.text);
        // And it extends afterwards as if nothing had failed.
        table.extend_in_waves(50, (8, 2), fill(None)).unwrap();
        assert_eq!(table.rows, 100);
        for row in 0..100 {
            let (strings, flags, _) = table.row_parts(row);
            let (was, was_flags, _) = before.row_parts(row % 50);
            assert_eq!((strings, flags), (was, was_flags), "row {row}");
        }
    }

    /// The content hash is pinned: every order-sensitive step of training
    /// goes by it, so a toolchain or dependency that changed it would
    /// change results. A row's hash is that of its keys wherever it is
    /// stored.
    #[test]
    fn content_hashes_are_pinned() {
        let hash = |keys: &[&str]| super::hash_keys(keys.iter().copied());
        // What the standard library's `DefaultHasher` gave for the same
        // keys (`str::hash` each) with Rust 1.95.
        assert_eq!(hash(&[]), 0xd1fb_a762_150c_532c);
        assert_eq!(hash(&[""]), 0x3040_6ea5_23c5_3def);
        assert_eq!(hash(&["anna", "", "1990-02-01"]), 0xa421_31dd_f5eb_56e9);
        assert_eq!(hash(&["anna", "1990-02-01", ""]), 0xcf5a_73c4_8da9_4000);
        assert_eq!(hash(&["佐々木", "Michał"]), 0xa0c8_1fd5_9d09_fc39);
        let records = Generator::new(7).generate(3).unwrap().records;
        let deduper = Deduper::new(&Schema::customer()).unwrap();
        let mut table = deduper.empty_table();
        for record in &records {
            table.push(&deduper.normalizer, record).unwrap();
        }
        let keys = |table: &Table, row: usize| -> Vec<String> {
            (0..table.columns.len())
                .map(|c| table.key(c, row).to_owned())
                .collect()
        };
        let before: Vec<(u64, Vec<String>)> = (0..3)
            .map(|r| (table.content_hash(r), keys(&table, r)))
            .collect();
        table.reorder(&[2, 0, 1]);
        for (r, (hash_before, keys_before)) in before.iter().enumerate() {
            let refs: Vec<&str> = keys_before.iter().map(String::as_str).collect();
            assert_eq!(*hash_before, hash(&refs), "row {r}");
            assert_eq!(table.content_hash(r), *hash_before, "row {r}");
        }
    }

    /// Rows stored in another order (in groups copied in parallel, the
    /// last one short) read as before, and each is stored where the order
    /// puts it.
    #[test]
    fn reordered_rows_read_as_before() {
        let records = Generator::multilingual(5).generate(300).unwrap().records;
        let deduper = Deduper::new(&Schema::customer()).unwrap();
        let mut table = deduper.empty_table();
        let rows = 2 * REORDER_GROUP + 77;
        for record in records.iter().cycle().take(rows) {
            table.push(&deduper.normalizer, record).unwrap();
        }
        table.count_terms();
        let before = table.clone();
        // Every row once, far from where it was: a stride prime to the rows.
        let order: Vec<u32> = (0..rows).map(|i| ((i * 7919) % rows) as u32).collect();
        table.reorder(&order);
        for (at, &row) in order.iter().enumerate() {
            assert_eq!(table.place_of(row), at as u32);
            assert_eq!(table.row_at(at as u32), row);
        }
        for row in 0..rows {
            assert_eq!(table.row_parts(row), before.row_parts(row), "row {row}");
        }
    }
}
