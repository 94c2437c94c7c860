//! Records kept for deduplication, packed: a dedupe run holds every record
//! until the whole input is in, and a [`Record`] of the customer schema
//! takes about 800 bytes in memory (a value slot per field, an allocation
//! per text) for some 150 bytes of text. Packed, each record is its values'
//! bytes with a tag and a length each, in blocks of a few MiB; records are
//! unpacked a chunk at a time where they are read (matching, writing,
//! merging).
//!
//! Past [`HELD`] bytes, full blocks go to a temporary file (ten million
//! customers pack to some 1.9 GB), encrypted with ChaCha20 under a key
//! that only this process holds: customer values never reach the disk in
//! clear. The file is removed as soon as it is open (on systems that
//! allow it; otherwise when the records are dropped).

use std::borrow::Cow;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::sync::Mutex;

use chacha20::ChaCha20;
use chacha20::cipher::{KeyIvInit, StreamCipher, StreamCipherSeek};
use chacha20poly1305::aead::OsRng;
use chacha20poly1305::aead::rand_core::RngCore;
use zeroize::Zeroizing;

use crate::dedupe::Records;
use crate::error::Result;
use crate::schema::{Decimal, Record, Schema, Value};

/// Records (or their absence) of one schema, entry after entry in blocks.
/// An entry never spans two blocks, and a block is never grown: one
/// buffer doubling as it filled held up to twice the bytes packed, and
/// copied them all at each step.
#[derive(Debug)]
pub(crate) struct Packed {
    schema: Schema,
    /// Whole entries, one after another; each block holds `block` bytes
    /// at most, unless it holds one entry that is larger.
    blocks: Vec<Block>,
    /// Where each block starts among all entries' bytes.
    starts: Vec<usize>,
    /// Where each entry ends among all entries' bytes; an empty entry is
    /// no record.
    ends: Vec<usize>,
    /// The entry being packed.
    entry: Vec<u8>,
    /// Bytes per block.
    block: usize,
    /// Bytes of blocks held in memory, and the most before full blocks
    /// are spilled.
    held: usize,
    hold: usize,
    /// The first block still in memory among the full ones.
    unspilled: usize,
    spill: Option<Spill>,
}

/// A block of entries, in memory or in the spill file.
#[derive(Debug)]
enum Block {
    Held(Vec<u8>),
    /// Its bytes sit in the spill file at the block's start.
    Spilled,
}

/// The temporary file of spilled blocks; each block's bytes sit at the
/// block's start among all entries' bytes, encrypted with the keystream
/// at that offset.
struct Spill {
    file: Mutex<File>,
    key: Zeroizing<[u8; 32]>,
    /// Where the file is, when it could not be removed while open.
    path: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for Spill {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Spill")
    }
}

impl Spill {
    fn create() -> std::io::Result<Self> {
        let mut name = [0u8; 16];
        OsRng.fill_bytes(&mut name);
        let name: String = name.iter().map(|b| format!("{b:02x}")).collect();
        let path = std::env::temp_dir().join(format!("custodia-kept-{name}"));
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path)?;
        let path = std::fs::remove_file(&path).err().map(|_| path);
        let mut key = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(key.as_mut());
        Ok(Self {
            file: Mutex::new(file),
            key,
            path,
        })
    }

    /// Applies the keystream at byte `at` to `bytes`: encrypts and
    /// decrypts alike. The key is this file's alone, so one nonce serves.
    fn cipher(&self, at: usize, bytes: &mut [u8]) {
        let mut cipher = ChaCha20::new(self.key.as_ref().into(), &[0u8; 12].into());
        cipher.seek(at as u64);
        cipher.apply_keystream(bytes);
    }

    /// Writes a block leaving memory, encrypted in place.
    fn write(&self, at: usize, mut bytes: Vec<u8>) -> std::io::Result<()> {
        self.cipher(at, &mut bytes);
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.seek(SeekFrom::Start(at as u64))?;
        file.write_all(&bytes)
    }

    fn read(&self, at: usize, len: usize) -> std::io::Result<Vec<u8>> {
        let mut bytes = vec![0; len];
        {
            let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
            file.seek(SeekFrom::Start(at as u64))?;
            file.read_exact(&mut bytes)?;
        }
        self.cipher(at, &mut bytes);
        Ok(bytes)
    }
}

impl Drop for Spill {
    fn drop(&mut self) {
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Bytes per block: large enough that a million records take a few dozen
/// blocks, small enough that the unused end of the last one is no matter.
const BLOCK: usize = 4 << 20;

/// Bytes of blocks held in memory before full ones are spilled: some
/// 2.8 million customers (about 190 bytes each).
const HELD: usize = 512 << 20;

const NULL: u8 = 0;
const TEXT: u8 = 1;
const INTEGER: u8 = 2;
const DECIMAL: u8 = 3;
const FALSE: u8 = 4;
const TRUE: u8 = 5;

impl Packed {
    pub(crate) fn new(schema: &Schema) -> Self {
        Self::with_blocks_of(schema, BLOCK, HELD)
    }

    /// Packs into blocks of `block` bytes, holding up to `hold` bytes of
    /// them in memory.
    fn with_blocks_of(schema: &Schema, block: usize, hold: usize) -> Self {
        Self {
            schema: schema.clone(),
            blocks: Vec::new(),
            starts: Vec::new(),
            ends: Vec::new(),
            entry: Vec::new(),
            block: block.max(1),
            held: 0,
            hold,
            unspilled: 0,
            spill: None,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(crate) fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Adds `record` (of this schema), or its absence. Lengths are kept in
    /// four bytes: a value or a record's extras of 4 GiB or more is an
    /// error, and so is a spill file that cannot be written.
    pub(crate) fn push(&mut self, record: Option<&Record>) -> Result<()> {
        self.entry.clear();
        if let Some(record) = record {
            // A tag a value: never empty, even for a schema of no fields.
            self.entry.push(TEXT);
            for value in record.values() {
                self.value(value)?;
            }
            self.length(record.extras().len())?;
            for (name, value) in record.extras() {
                self.text(name)?;
                self.value(value)?;
            }
        }
        let total = self.ends.last().copied().unwrap_or(0);
        let room = match self.blocks.last() {
            Some(Block::Held(b)) => b.capacity().saturating_sub(b.len()),
            _ => 0,
        };
        if self.entry.len() > room {
            let capacity = self.block.max(self.entry.len());
            self.blocks.push(Block::Held(Vec::with_capacity(capacity)));
            self.starts.push(total);
            self.held += capacity;
            self.spill_full_blocks()
                .map_err(|e| crate::Error::io("spilling kept records", &e))?;
        }
        if let Some(Block::Held(block)) = self.blocks.last_mut() {
            block.extend_from_slice(&self.entry);
        }
        self.ends.push(total + self.entry.len());
        Ok(())
    }

    /// Moves full blocks to the spill file, oldest first, while more than
    /// `hold` bytes are held.
    fn spill_full_blocks(&mut self) -> std::io::Result<()> {
        while self.held > self.hold && self.unspilled + 1 < self.blocks.len() {
            if self.spill.is_none() {
                self.spill = Some(Spill::create()?);
            }
            let b = self.unspilled;
            let block = std::mem::replace(&mut self.blocks[b], Block::Spilled);
            if let (Some(spill), Block::Held(bytes)) = (&self.spill, block) {
                self.held -= bytes.capacity();
                spill.write(self.starts[b], bytes)?;
            }
            self.unspilled += 1;
        }
        Ok(())
    }

    /// Where entry `i` starts and ends among all entries' bytes.
    fn span(&self, i: usize) -> (usize, usize) {
        let start = match i {
            0 => 0,
            _ => self.ends[i - 1],
        };
        (start, self.ends[i])
    }

    /// The block that holds the bytes from `at` on.
    fn block_of(&self, at: usize) -> usize {
        self.starts.partition_point(|&s| s <= at).saturating_sub(1)
    }

    /// Bytes `from..to` of all entries, all within block `b`.
    fn bytes(&self, b: usize, from: usize, to: usize) -> Result<Cow<'_, [u8]>> {
        let start = *self.starts.get(b).ok_or_else(corrupt)?;
        match (self.blocks.get(b), &self.spill) {
            (Some(Block::Held(bytes)), _) => bytes
                .get(from - start..to - start)
                .map(Cow::Borrowed)
                .ok_or_else(corrupt),
            (Some(Block::Spilled), Some(spill)) => spill
                .read(from, to - from)
                .map(Cow::Owned)
                .map_err(|e| crate::Error::io("reading spilled records", &e)),
            _ => Err(corrupt()),
        }
    }

    /// The record packed as `bytes`.
    fn unpack(&self, bytes: &[u8]) -> Result<Record> {
        let mut record = Record::new(&self.schema);
        self.unpack_into(&mut record, bytes)?;
        Ok(record)
    }

    /// Overwrites `record` (of this schema) with the record packed as
    /// `bytes`, reusing the strings it holds: a record read back into the
    /// same one, entry after entry, allocates only when a text outgrows
    /// the one before it in its field.
    fn unpack_into(&self, record: &mut Record, bytes: &[u8]) -> Result<()> {
        let mut reader = Reader { bytes, at: 1 };
        for index in 0..self.schema.len() {
            match record.value_mut(index) {
                Some(slot) => reader.value_into(slot)?,
                None => drop(reader.value()?),
            }
        }
        record.clear_extras();
        for _ in 0..reader.length()? {
            let name = reader.text()?.to_owned();
            let value = reader.value()?;
            record.push_extra_unchecked(name, value);
        }
        Ok(())
    }

    fn length(&mut self, n: usize) -> Result<()> {
        let n = u32::try_from(n).map_err(|_| {
            crate::Error::dedupe(
                crate::error::SettingPath::root(),
                crate::error::SettingProblem::TooLarge,
                "a value of 4 GiB or more cannot be deduplicated",
            )
        })?;
        self.entry.extend_from_slice(&n.to_le_bytes());
        Ok(())
    }

    fn text(&mut self, text: &str) -> Result<()> {
        self.length(text.len())?;
        self.entry.extend_from_slice(text.as_bytes());
        Ok(())
    }

    fn value(&mut self, value: &Value) -> Result<()> {
        match value {
            Value::Null => self.entry.push(NULL),
            Value::Text(text) => {
                self.entry.push(TEXT);
                self.text(text)?;
            }
            Value::Integer(n) => {
                self.entry.push(INTEGER);
                self.entry.extend_from_slice(&n.to_le_bytes());
            }
            Value::Decimal(d) => {
                self.entry.push(DECIMAL);
                self.text(d.as_str())?;
            }
            Value::Boolean(b) => self.entry.push(if *b { TRUE } else { FALSE }),
        }
        Ok(())
    }

    /// Entry `i`: the record, or `None` for an absent one.
    pub(crate) fn get(&self, i: usize) -> Result<Option<Record>> {
        let (start, end) = self.span(i);
        if start == end {
            return Ok(None);
        }
        let bytes = self.bytes(self.block_of(start), start, end)?;
        self.unpack(&bytes).map(Some)
    }

    /// Entries `range`.
    pub(crate) fn entries(&self, range: Range<usize>) -> Result<Vec<Option<Record>>> {
        let mut records = Vec::with_capacity(range.len());
        self.each_entry(range, |record| {
            records.push(record.cloned());
            Ok(())
        })?;
        Ok(records)
    }

    /// Hands entries `range` to `each` in order: the record, or `None` for
    /// an absent one. The bytes of each block the range touches are read
    /// once, and every record is read back into the same one (see
    /// [`Packed::unpack_into`]): a record handed over is lent until the
    /// next.
    pub(crate) fn each_entry(
        &self,
        range: Range<usize>,
        mut each: impl FnMut(Option<&Record>) -> Result<()>,
    ) -> Result<()> {
        let mut record = Record::new(&self.schema);
        let mut i = range.start;
        while i < range.end {
            let (start, _) = self.span(i);
            let b = self.block_of(start);
            let block_end = self.starts.get(b + 1).copied().unwrap_or(usize::MAX);
            // Entries i..j end in block b (an empty one at its end too).
            let j = i + self.ends[i..range.end].partition_point(|&e| e <= block_end);
            let to = self.ends[j - 1];
            let bytes = if to > start {
                self.bytes(b, start, to)?
            } else {
                Cow::Borrowed(&[][..])
            };
            for k in i..j {
                let (from, end) = self.span(k);
                if from == end {
                    each(None)?;
                } else {
                    let entry = bytes.get(from - start..end - start).ok_or_else(corrupt)?;
                    self.unpack_into(&mut record, entry)?;
                    each(Some(&record))?;
                }
            }
            i = j;
        }
        Ok(())
    }
}

/// Row `row` of `sides` numbered one side after the other: its record (an
/// empty one for an absent entry).
pub(crate) fn record_of(sides: &[&Packed], mut row: usize) -> Result<Record> {
    for packed in sides {
        if row < packed.len() {
            return Ok(packed
                .get(row)?
                .unwrap_or_else(|| Record::new(packed.schema())));
        }
        row -= packed.len();
    }
    Err(corrupt())
}

impl Records for Packed {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn each(&self, range: Range<usize>, each: &mut dyn FnMut(&Record) -> Result<()>) -> Result<()> {
        let empty = Record::new(&self.schema);
        self.each_entry(range, |record| each(record.unwrap_or(&empty)))
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let bytes = self
            .at
            .checked_add(n)
            .and_then(|end| self.bytes.get(self.at..end))
            .ok_or_else(corrupt)?;
        self.at += n;
        Ok(bytes)
    }

    fn length(&mut self) -> Result<usize> {
        let mut n = [0; 4];
        n.copy_from_slice(self.take(4)?);
        usize::try_from(u32::from_le_bytes(n)).map_err(|_| corrupt())
    }

    fn text(&mut self) -> Result<&'a str> {
        let n = self.length()?;
        std::str::from_utf8(self.take(n)?).map_err(|_| corrupt())
    }

    /// Reads a value into `slot`: a text into the string `slot` holds,
    /// when it holds one.
    fn value_into(&mut self, slot: &mut Value) -> Result<()> {
        match slot {
            Value::Text(held) if self.bytes.get(self.at) == Some(&TEXT) => {
                self.at += 1;
                let text = self.text()?;
                held.clear();
                held.push_str(text);
            }
            _ => *slot = self.value()?,
        }
        Ok(())
    }

    fn value(&mut self) -> Result<Value> {
        Ok(match self.take(1)?[0] {
            NULL => Value::Null,
            TEXT => Value::Text(self.text()?.to_owned()),
            INTEGER => {
                let mut n = [0; 8];
                n.copy_from_slice(self.take(8)?);
                Value::Integer(i64::from_le_bytes(n))
            }
            DECIMAL => Value::Decimal(Decimal::parse(self.text()?).ok_or_else(corrupt)?),
            FALSE => Value::Boolean(false),
            TRUE => Value::Boolean(true),
            _ => return Err(corrupt()),
        })
    }
}

/// Packed records are only ever read as written: this would be a bug.
fn corrupt() -> crate::Error {
    crate::Error::dedupe(
        crate::error::SettingPath::root(),
        crate::error::SettingProblem::Invalid,
        "a kept record could not be read back",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Field, FieldKind};
    use proptest::prelude::*;

    fn schema() -> Schema {
        Schema::builder("packed")
            .field(Field::new("name", FieldKind::Text))
            .field(Field::new("count", FieldKind::Integer))
            .field(Field::new("amount", FieldKind::Decimal))
            .field(Field::new("active", FieldKind::Boolean))
            .allow_extra_fields(true)
            .build()
            .unwrap()
    }

    /// The records of `range` as deduplication reads them (absent ones
    /// empty).
    fn records(packed: &Packed, range: Range<usize>) -> Vec<Record> {
        let mut records = Vec::new();
        Records::each(packed, range, &mut |record| {
            records.push(record.clone());
            Ok(())
        })
        .unwrap();
        records
    }

    proptest! {
        /// Every record comes back as it went in, absent ones absent,
        /// whatever the size of the blocks.
        #[test]
        fn records_come_back_as_they_went_in(
            rows in prop::collection::vec(
                prop::option::of((
                    prop::option::of(".{0,12}"),
                    prop::option::of(any::<i64>()),
                    prop::option::of((any::<i32>(), 0u32..1000)),
                    prop::option::of(any::<bool>()),
                    prop::collection::vec(("[a-z]{1,6}", ".{0,8}"), 0..3),
                )),
                0..20,
            ),
            block in prop::option::of((1usize..64, 0usize..128)),
            range in (0usize..20, 0usize..20),
        ) {
            let schema = schema();
            // Small blocks: entries that fill one, and entries larger than
            // one; with little held, most blocks are spilled.
            let mut packed = match block {
                Some((block, hold)) => Packed::with_blocks_of(&schema, block, hold),
                None => Packed::new(&schema),
            };
            let mut expected = Vec::new();
            for row in &rows {
                let record = row.as_ref().map(|(name, count, amount, active, extras)| {
                    let mut r = Record::new(&schema);
                    if let Some(name) = name {
                        *r.value_mut(0).unwrap() = Value::Text(name.clone());
                    }
                    if let Some(n) = count {
                        r.set_at(1, *n).unwrap();
                    }
                    if let Some((whole, fraction)) = amount {
                        let d = Decimal::parse(&format!("{whole}.{fraction}")).unwrap();
                        *r.value_mut(2).unwrap() = Value::Decimal(d);
                    }
                    if let Some(b) = active {
                        r.set_at(3, *b).unwrap();
                    }
                    for (k, v) in extras {
                        r.push_extra_unchecked(k.clone(), Value::Text(v.clone()));
                    }
                    r
                });
                packed.push(record.as_ref()).unwrap();
                expected.push(record);
            }
            prop_assert_eq!(packed.len(), expected.len());
            for (i, record) in expected.iter().enumerate() {
                prop_assert_eq!(&packed.get(i).unwrap(), record);
            }
            // Read back one into the other (see `Packed::each_entry`): texts
            // after nulls, nulls after texts, extras or none.
            prop_assert_eq!(&packed.entries(0..packed.len()).unwrap(), &expected);
            let all = records(&packed, 0..packed.len());
            prop_assert_eq!(all.len(), expected.len());
            for (got, record) in all.iter().zip(&expected) {
                let empty = Record::new(&schema);
                prop_assert_eq!(got, record.as_ref().unwrap_or(&empty));
            }
            // Any stretch, across blocks held and spilled.
            let (from, to) = (range.0.min(packed.len()), range.1.min(packed.len()));
            let (from, to) = (from.min(to), from.max(to));
            prop_assert_eq!(&records(&packed, from..to)[..], &all[from..to]);
        }
    }

    /// Spilled blocks are in the file encrypted: no value is there in
    /// clear, and they still come back.
    #[test]
    fn spilled_records_are_not_on_disk_in_clear() {
        let schema = schema();
        let mut packed = Packed::with_blocks_of(&schema, 64, 0);
        let mut record = Record::new(&schema);
        *record.value_mut(0).unwrap() = Value::Text("Michał Kowalski".into());
        for _ in 0..50 {
            packed.push(Some(&record)).unwrap();
        }
        assert!(matches!(packed.blocks[0], Block::Spilled));
        let spill = packed.spill.as_ref().unwrap();
        let mut on_disk = Vec::new();
        {
            let mut file = spill.file.lock().unwrap();
            file.seek(SeekFrom::Start(0)).unwrap();
            file.read_to_end(&mut on_disk).unwrap();
        }
        assert!(on_disk.len() > 1000, "{} bytes spilled", on_disk.len());
        let name = "Kowalski".as_bytes();
        assert!(!on_disk.windows(name.len()).any(|w| w == name));
        // Removed from the directory while open, where the system allows.
        #[cfg(unix)]
        assert!(spill.path.is_none());
        for i in 0..50 {
            assert_eq!(packed.get(i).unwrap().as_ref(), Some(&record));
        }
    }
}
