//! Records kept for deduplication, packed: a dedupe run holds every record
//! until the whole input is in, and a [`Record`] of the customer schema
//! takes about 800 bytes in memory (a value slot per field, an allocation
//! per text) for some 150 bytes of text. Packed, each record is its values'
//! bytes with a tag and a length each, in blocks of a few MiB; records are
//! unpacked a chunk at a time where they are read (matching, writing,
//! merging).

use std::ops::Range;

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
    blocks: Vec<Vec<u8>>,
    /// Where each block starts among all entries' bytes.
    starts: Vec<usize>,
    /// Where each entry ends among all entries' bytes; an empty entry is
    /// no record.
    ends: Vec<usize>,
    /// The entry being packed.
    entry: Vec<u8>,
    /// Bytes per block.
    block: usize,
}

/// Bytes per block: large enough that a million records take a few dozen
/// blocks, small enough that the unused end of the last one is no matter.
const BLOCK: usize = 4 << 20;

const NULL: u8 = 0;
const TEXT: u8 = 1;
const INTEGER: u8 = 2;
const DECIMAL: u8 = 3;
const FALSE: u8 = 4;
const TRUE: u8 = 5;

impl Packed {
    pub(crate) fn new(schema: &Schema) -> Self {
        Self::with_blocks_of(schema, BLOCK)
    }

    /// Packs into blocks of `block` bytes.
    fn with_blocks_of(schema: &Schema, block: usize) -> Self {
        Self {
            schema: schema.clone(),
            blocks: Vec::new(),
            starts: Vec::new(),
            ends: Vec::new(),
            entry: Vec::new(),
            block: block.max(1),
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
    /// error.
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
        let room = self
            .blocks
            .last()
            .map_or(0, |b| b.capacity().saturating_sub(b.len()));
        if self.entry.len() > room {
            self.blocks
                .push(Vec::with_capacity(self.block.max(self.entry.len())));
            self.starts.push(total);
        }
        if let Some(block) = self.blocks.last_mut() {
            block.extend_from_slice(&self.entry);
        }
        self.ends.push(total + self.entry.len());
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
        let start = match i {
            0 => 0,
            _ => self.ends[i - 1],
        };
        let end = self.ends[i];
        if start == end {
            return Ok(None);
        }
        let b = self
            .starts
            .partition_point(|&s| s <= start)
            .saturating_sub(1);
        let bytes = self
            .blocks
            .get(b)
            .zip(self.starts.get(b))
            .and_then(|(block, &at)| block.get(start - at..end - at))
            .ok_or_else(corrupt)?;
        let mut reader = Reader { bytes, at: 1 };
        let mut record = Record::new(&self.schema);
        for index in 0..self.schema.len() {
            let value = reader.value()?;
            if let Some(slot) = record.value_mut(index) {
                *slot = value;
            }
        }
        for _ in 0..reader.length()? {
            let name = reader.text()?.to_owned();
            let value = reader.value()?;
            record.push_extra_unchecked(name, value);
        }
        Ok(Some(record))
    }

    /// Entries `range`, every one a record (absent ones are empty records).
    pub(crate) fn records(&self, range: Range<usize>) -> Result<Vec<Record>> {
        range
            .map(|i| Ok(self.get(i)?.unwrap_or_else(|| Record::new(&self.schema))))
            .collect()
    }
}

impl Records for Packed {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn chunk(&self, range: Range<usize>) -> Result<Vec<Record>> {
        self.records(range)
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
            block in prop::option::of(1usize..64),
        ) {
            let schema = schema();
            // Small blocks: entries that fill one, and entries larger than one.
            let mut packed = match block {
                Some(block) => Packed::with_blocks_of(&schema, block),
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
            let all = packed.records(0..packed.len()).unwrap();
            for (got, record) in all.iter().zip(&expected) {
                let empty = Record::new(&schema);
                prop_assert_eq!(got, record.as_ref().unwrap_or(&empty));
            }
        }
    }
}
