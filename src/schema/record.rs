//! Records: the values of one customer, aligned to a schema's fields.

use std::fmt;

use serde::ser::SerializeMap;

use super::value::expected;
use super::{Field, Schema, Value};
use crate::error::{ErrorKind, FieldPath, JsonDocument, Result};

/// One customer's values, one per field of its [`Schema`], in schema order.
///
/// Access by index ([`Record::get_at`]) is a slice lookup; access by name
/// ([`Record::get`]) is one hash lookup in the schema. Empty input text is
/// stored as [`Value::Null`].
///
/// Names the schema does not list are an error
/// ([`ErrorKind::UnknownField`]), unless the schema allows extra fields
/// ([`Schema::allows_extra_fields`]); then they are kept, in input order, in
/// [`Record::extras`], so that nothing the caller sent is lost.
///
/// `Debug` shows field names and value shapes, never the values.
#[derive(Clone, PartialEq)]
pub struct Record {
    schema: Schema,
    values: Vec<Value>,
    extras: Vec<(String, Value)>,
}

impl Record {
    /// A record with every field null.
    pub fn new(schema: &Schema) -> Self {
        Self {
            schema: schema.clone(),
            values: vec![Value::Null; schema.len()],
            extras: Vec::new(),
        }
    }

    /// Builds a record from a JSON object such as
    /// `{"email": "ann@example.com", "phone": "+86 138 0013 8000"}`.
    ///
    /// # Errors
    /// [`ErrorKind::Json`] if the text is not a JSON object (the message
    /// never quotes the input), [`ErrorKind::DuplicateKey`] if it names a
    /// field twice, and the errors of [`Record::set`].
    pub fn from_json(schema: &Schema, json: &str) -> Result<Self> {
        let members = super::json::parse_object(JsonDocument::Record, json)?;
        Self::from_json_members(schema, members)
    }

    /// Builds a record from the members of a JSON object that name fields of
    /// the schema, and returns the others, in their order, instead of
    /// failing on them (or keeping them as extras): for a caller that passes
    /// columns it does not know through unchanged.
    ///
    /// # Errors
    /// As for [`Record::from_json`], but never [`ErrorKind::UnknownField`].
    pub fn from_json_known(
        schema: &Schema,
        json: &str,
    ) -> Result<(Self, Vec<(String, serde_json::Value)>)> {
        let members = super::json::parse_object(JsonDocument::Record, json)?;
        let (known, unknown) = members
            .into_iter()
            .partition(|(name, _)| schema.index_of(name).is_some());
        Ok((Self::from_json_members(schema, known)?, unknown))
    }

    fn from_json_members(
        schema: &Schema,
        members: Vec<(String, serde_json::Value)>,
    ) -> Result<Self> {
        let mut record = Self::new(schema);
        for (name, json) in members {
            record.set(&name, json_value(schema, &name, json)?)?;
        }
        Ok(record)
    }

    /// Builds a record from a parsed JSON object. Strings, numbers, booleans
    /// and null are accepted; arrays and objects are [`ErrorKind::WrongType`].
    pub fn from_json_object(
        schema: &Schema,
        object: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Self> {
        Self::from_json_members(schema, object.into_iter().collect())
    }

    /// Builds a record from `(field name, value)` pairs. Later pairs replace
    /// earlier ones with the same name.
    pub fn from_pairs<I, K, V>(schema: &Schema, pairs: I) -> Result<Self>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<Value>,
    {
        let mut record = Self::new(schema);
        for (name, value) in pairs {
            record.set(name.as_ref(), value)?;
        }
        Ok(record)
    }

    /// Builds a record from a CSV header and one row. For many rows, build a
    /// [`CsvHeader`] once and call [`CsvHeader::record`].
    pub fn from_csv<S: AsRef<str>>(schema: &Schema, header: &[S], row: &[S]) -> Result<Self> {
        CsvHeader::new(schema, header)?.record(row)
    }

    /// The record's schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Fails with [`ErrorKind::SchemaMismatch`] unless the record belongs to
    /// `schema`; the one check every stage makes before it works on a record.
    pub(crate) fn check_schema(&self, schema: &Schema) -> Result<()> {
        if &self.schema == schema {
            return Ok(());
        }
        Err(ErrorKind::SchemaMismatch {
            expected: schema.name().to_owned(),
            record: self.schema.name().to_owned(),
        }
        .into())
    }

    /// The value of the field called `name`; `None` if the schema has no
    /// such field (extra fields are in [`Record::extras`]).
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.schema.index_of(name).map(|i| &self.values[i])
    }

    /// The value of the field at `index`.
    pub fn get_at(&self, index: usize) -> Option<&Value> {
        self.values.get(index)
    }

    /// Mutable access for normalization, which keeps values fitted to
    /// their kinds itself.
    pub(crate) fn value_mut(&mut self, index: usize) -> Option<&mut Value> {
        self.values.get_mut(index)
    }

    /// Appends an extra as it was held (for records read back from where
    /// they were kept).
    pub(crate) fn push_extra_unchecked(&mut self, name: String, value: Value) {
        self.extras.push((name, value));
    }

    /// Drops every extra: a masked view holds only what its policy
    /// covers, and a policy names schema fields only.
    pub(crate) fn clear_extras(&mut self) {
        self.extras.clear();
    }

    /// Keeps `text` among the extras under `name`, whether or not the
    /// schema allows extra fields: normalization puts there what it moves
    /// out of a value and the schema has no field for (a phone's
    /// extension). False when `name` holds other text already.
    pub(crate) fn set_extra_text(&mut self, name: &str, text: &str) -> bool {
        match self.extras.iter_mut().find(|(n, _)| n == name) {
            Some((_, Value::Text(held))) => held == text,
            Some((_, slot)) if slot.is_null() => {
                *slot = Value::Text(text.to_owned());
                true
            }
            Some(_) => false,
            None => {
                self.extras
                    .push((name.to_owned(), Value::Text(text.to_owned())));
                true
            }
        }
    }

    /// The text of the field called `name`, if it holds text.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }

    /// Sets the field called `name`. Text for integer, decimal and boolean
    /// fields is parsed (and kept as text if it does not parse, for
    /// validation to report); numbers for text fields become text.
    ///
    /// # Errors
    /// [`ErrorKind::UnknownField`] (unless extra fields are allowed),
    /// [`ErrorKind::WrongType`] for a value the field can never hold (a
    /// boolean for an email, say), and [`ErrorKind::TooLarge`].
    pub fn set(&mut self, name: &str, value: impl Into<Value>) -> Result<()> {
        match self.schema.index_of(name) {
            Some(index) => self.set_at(index, value),
            None if self.schema.allows_extra_fields() => {
                let value = value.into();
                self.check_size(name, &value)?;
                match self.extras.iter_mut().find(|(n, _)| n == name) {
                    Some(slot) => slot.1 = value,
                    None => self.extras.push((name.to_owned(), value)),
                }
                Ok(())
            }
            None => Err(ErrorKind::UnknownField {
                path: FieldPath::new(name),
            }
            .into()),
        }
    }

    /// Sets the field at `index`, as [`Record::set`] does.
    ///
    /// # Errors
    /// [`ErrorKind::IndexOutOfRange`], [`ErrorKind::WrongType`] and
    /// [`ErrorKind::TooLarge`].
    pub fn set_at(&mut self, index: usize, value: impl Into<Value>) -> Result<()> {
        let field = self
            .schema
            .field_at(index)
            .ok_or_else(|| ErrorKind::IndexOutOfRange {
                what: "field",
                index,
                len: self.schema.len(),
            })?;
        let value = value.into();
        self.check_size(field.name(), &value)?;
        let found = value.type_name();
        let value = value
            .fit(field.kind())
            .map_err(|expected| ErrorKind::WrongType {
                path: FieldPath::new(field.name()),
                expected,
                found,
            })?;
        self.values[index] = value;
        Ok(())
    }

    /// [`Record::set_at`] with text read from a file. A field of a text
    /// kind takes it as it is (an empty cell is null), which is what
    /// `set_at` makes of text there, without the conversion it goes
    /// through for the numeric and boolean kinds.
    fn set_text_at(&mut self, index: usize, text: &str) -> Result<()> {
        let field = match self.schema.field_at(index) {
            Some(field) if field.kind().is_text() => field,
            _ => return self.set_at(index, text),
        };
        self.check_len(field.name(), text.len())?;
        self.values[index] = if text.is_empty() {
            Value::Null
        } else {
            Value::Text(text.to_owned())
        };
        Ok(())
    }

    /// Adds an extra field known not to be there yet.
    fn push_extra(&mut self, name: &str, value: Value) -> Result<()> {
        self.check_size(name, &value)?;
        self.extras.push((name.to_owned(), value));
        Ok(())
    }

    fn check_size(&self, name: &str, value: &Value) -> Result<()> {
        self.check_len(name, value.byte_len())
    }

    /// Whether a value of `len` bytes fits the schema's limit.
    fn check_len(&self, name: &str, len: usize) -> Result<()> {
        let limit = self.schema.max_value_bytes();
        if len > limit {
            return Err(ErrorKind::TooLarge {
                path: FieldPath::new(name),
                len,
                limit,
            }
            .into());
        }
        Ok(())
    }

    /// The values, in schema order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// Each field with its value, in schema order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Field, &Value)> {
        self.schema.fields().iter().zip(&self.values)
    }

    /// Fields the schema does not list, kept when it allows extra fields.
    pub fn extras(&self) -> &[(String, Value)] {
        &self.extras
    }

    /// The record as a JSON object: non-null fields in schema order, then
    /// extras. Decimals are written as strings so that no digit is lost.
    pub fn to_json(&self) -> String {
        // A map of strings, integers and booleans always serializes.
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }
}

impl serde::Serialize for Record {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let present = self.iter().map(|(f, v)| (f.name(), v));
        let extras = self.extras.iter().map(|(n, v)| (n.as_str(), v));
        let entries: Vec<_> = present
            .chain(extras)
            .filter(|(_, v)| !v.is_null())
            .collect();
        let mut map = serializer.serialize_map(Some(entries.len()))?;
        for (name, value) in entries {
            match value {
                Value::Null => map.serialize_entry(name, &())?,
                Value::Text(text) => map.serialize_entry(name, text)?,
                Value::Integer(n) => map.serialize_entry(name, n)?,
                Value::Decimal(d) => map.serialize_entry(name, d.as_str())?,
                Value::Boolean(b) => map.serialize_entry(name, b)?,
            }
        }
        map.end()
    }
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let present = self.iter().map(|(field, v)| (field.name(), v));
        let extras = self.extras.iter().map(|(n, v)| (n.as_str(), v));
        let set: Vec<_> = present
            .chain(extras)
            .filter(|(_, v)| !v.is_null())
            .collect();
        f.debug_struct("Record")
            .field("schema", &self.schema.name())
            .field(
                "values",
                &set.into_iter()
                    .collect::<std::collections::BTreeMap<_, _>>(),
            )
            .finish()
    }
}

/// The value a JSON member gives the field `name`. Strings, numbers,
/// booleans and null are accepted; arrays and objects are
/// [`ErrorKind::WrongType`].
fn json_value(schema: &Schema, name: &str, json: serde_json::Value) -> Result<Value> {
    Ok(match json {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Boolean(b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => {
                let text = n.to_string();
                super::Decimal::parse(&text).map_or(Value::Text(text), Value::Decimal)
            }
        },
        serde_json::Value::String(s) => Value::Text(s),
        serde_json::Value::Array(_) | serde_json::Value::Object(_) => {
            let found = if json.is_array() {
                "an array"
            } else {
                "an object"
            };
            let expected = schema.field(name).map_or("text", |f| expected(f.kind()));
            return Err(ErrorKind::WrongType {
                path: FieldPath::new(name),
                expected,
                found,
            }
            .into());
        }
    })
}

/// A CSV header mapped onto a schema once, to turn many rows into records.
///
/// A UTF-8 byte order mark before the first column name is ignored.
#[derive(Clone, Debug)]
pub struct CsvHeader {
    schema: Schema,
    columns: Vec<Column>,
}

#[derive(Clone, Debug)]
enum Column {
    Field(usize),
    Extra(String),
    /// A column outside the schema that the caller handles itself.
    Skip,
}

impl CsvHeader {
    /// Maps each column name to a schema field.
    ///
    /// # Errors
    /// [`ErrorKind::UnknownField`] for a column the schema does not list
    /// (unless it allows extra fields), [`ErrorKind::DuplicateField`] for a
    /// name that appears twice.
    pub fn new<S: AsRef<str>>(schema: &Schema, header: &[S]) -> Result<Self> {
        Self::build(schema, header, false)
    }

    /// Maps the columns that name schema fields and leaves the others out of
    /// the records ([`CsvHeader::field_indices`] says `None` for them), for
    /// a caller that passes them through itself. Names are matched as given
    /// (trim them first if the file pads them).
    ///
    /// # Errors
    /// [`ErrorKind::DuplicateField`] for two columns naming one field.
    pub fn known<S: AsRef<str>>(schema: &Schema, header: &[S]) -> Result<Self> {
        Self::build(schema, header, true)
    }

    fn build<S: AsRef<str>>(schema: &Schema, header: &[S], skip_unknown: bool) -> Result<Self> {
        let mut columns = Vec::with_capacity(header.len());
        let mut seen = std::collections::HashSet::with_capacity(header.len());
        for (i, name) in header.iter().enumerate() {
            let mut name = name.as_ref();
            if i == 0 {
                name = name.strip_prefix('\u{feff}').unwrap_or(name);
            }
            let column = match schema.index_of(name) {
                Some(index) => Column::Field(index),
                None if skip_unknown => Column::Skip,
                None if schema.allows_extra_fields() => Column::Extra(name.to_owned()),
                None => {
                    return Err(ErrorKind::UnknownField {
                        path: FieldPath::new(name),
                    }
                    .into());
                }
            };
            if !matches!(column, Column::Skip) && !seen.insert(name) {
                return Err(ErrorKind::DuplicateField {
                    path: FieldPath::new(name),
                }
                .into());
            }
            columns.push(column);
        }
        Ok(Self {
            schema: schema.clone(),
            columns,
        })
    }

    /// The number of columns.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// Whether the header has no columns.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// The schema field index of each column (`None` for extra columns).
    pub fn field_indices(&self) -> impl Iterator<Item = Option<usize>> + '_ {
        self.columns.iter().map(|c| match c {
            Column::Field(i) => Some(*i),
            Column::Extra(_) | Column::Skip => None,
        })
    }

    /// Turns one row into a record. Empty cells are null.
    ///
    /// # Errors
    /// [`ErrorKind::RowLength`] when the row has a different number of
    /// columns, and the errors of [`Record::set`].
    pub fn record<S: AsRef<str>>(&self, row: &[S]) -> Result<Record> {
        if row.len() != self.columns.len() {
            return Err(ErrorKind::RowLength {
                expected: self.columns.len(),
                found: row.len(),
            }
            .into());
        }
        let mut record = Record::new(&self.schema);
        for (column, cell) in self.columns.iter().zip(row) {
            let cell = cell.as_ref();
            match column {
                Column::Field(index) => record.set_text_at(*index, cell)?,
                // Names are unique (checked when the header was built).
                Column::Extra(name) => record.push_extra(name, cell.into())?,
                Column::Skip => {}
            }
        }
        Ok(record)
    }
}
