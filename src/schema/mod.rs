//! Schemas: what a customer record looks like.
//!
//! A [`Schema`] is a named, versioned, ordered list of [`Field`]s, each with a
//! [`FieldKind`]. Every later stage (normalize, validate, dedupe, mask) is
//! driven by it, so businesses can add their own fields and legacy systems
//! can describe their tables at run time, in JSON ([`Schema::from_json`]).
//! [`Schema::customer`] is the built-in standard customer schema.

mod customer;
pub(crate) mod date;
mod field;
pub(crate) mod json;
mod record;
pub(crate) mod spec;
pub(crate) mod standard;
mod value;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

pub use customer::Customer;
pub use date::Date;
pub(crate) use field::COUNTRIES;
pub use field::{CasePolicy, Field, FieldKind, IdScheme, Pattern, RegionCode};
pub(crate) use json::parse_options;
pub use record::{CsvHeader, Record};
pub use spec::Comparison;
pub use value::{Decimal, Value};

use crate::error::{ErrorKind, FieldPath, Result, SettingPath, SettingProblem};

/// The default limit on the size of one value: 1 MiB.
pub const DEFAULT_MAX_VALUE_BYTES: usize = 1 << 20;

/// A record layout: named, versioned, ordered fields.
///
/// Cloning is cheap (the schema is shared behind an `Arc`), and a schema is
/// immutable once built, so it can be shared freely between threads.
#[derive(Clone)]
pub struct Schema(Arc<Inner>);

#[derive(PartialEq, Eq)]
struct Inner {
    name: Box<str>,
    version: u32,
    region: Option<RegionCode>,
    description: Option<String>,
    allow_extra_fields: bool,
    max_value_bytes: usize,
    fields: Vec<Field>,
    index: HashMap<Box<str>, usize>,
    retention: Option<Retention>,
}

impl Schema {
    /// Starts a schema called `name`, at version 1.
    pub fn builder(name: impl Into<String>) -> SchemaBuilder {
        SchemaBuilder {
            name: name.into(),
            version: 1,
            region: None,
            description: None,
            allow_extra_fields: false,
            max_value_bytes: DEFAULT_MAX_VALUE_BYTES,
            fields: Vec::new(),
            retention: None,
        }
    }

    /// The schema's name.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// The schema's version, for the schema's own evolution.
    pub fn version(&self) -> u32 {
        self.0.version
    }

    /// The default region (ISO 3166-1 alpha-2) for fields that need one.
    pub fn default_region(&self) -> Option<RegionCode> {
        self.0.region
    }

    /// A human description, if any.
    pub fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// Whether records may carry fields the schema does not list. They are
    /// kept, as text, in [`Record::extras`]; otherwise they are an error.
    pub fn allows_extra_fields(&self) -> bool {
        self.0.allow_extra_fields
    }

    /// The largest value, in bytes, that a record of this schema accepts.
    pub fn max_value_bytes(&self) -> usize {
        self.0.max_value_bytes
    }

    /// The fields, in order.
    pub fn fields(&self) -> &[Field] {
        &self.0.fields
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        self.0.fields.len()
    }

    /// Always false: a schema has at least one field.
    pub fn is_empty(&self) -> bool {
        self.0.fields.is_empty()
    }

    /// The position of the field called `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.0.index.get(name).copied()
    }

    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.index_of(name).map(|i| &self.0.fields[i])
    }

    /// The field at position `index`.
    pub fn field_at(&self, index: usize) -> Option<&Field> {
        self.0.fields.get(index)
    }

    /// Whether `self` and `other` are the same shared schema (cheap), as
    /// opposed to equal ones (`==`).
    pub fn ptr_eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// How old a record may get, when the schema says.
    pub fn retention(&self) -> Option<&Retention> {
        self.0.retention.as_ref()
    }

    /// The region for `field`: its own, else the schema's.
    pub fn region_for(&self, field: &Field) -> Option<RegionCode> {
        field.default_region().or(self.0.region)
    }
}

impl PartialEq for Schema {
    fn eq(&self, other: &Self) -> bool {
        self.ptr_eq(other) || self.0 == other.0
    }
}

impl Eq for Schema {}

impl fmt::Debug for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Schema")
            .field("name", &self.0.name)
            .field("version", &self.0.version)
            .field("region", &self.0.region)
            .field("fields", &self.0.fields)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Schema`] in code. [`SchemaBuilder::build`] checks it the same
/// way [`Schema::from_json`] does.
#[derive(Clone, Debug)]
pub struct SchemaBuilder {
    name: String,
    version: u32,
    region: Option<RegionCode>,
    description: Option<String>,
    allow_extra_fields: bool,
    max_value_bytes: usize,
    fields: Vec<Field>,
    retention: Option<Retention>,
}

impl SchemaBuilder {
    /// Sets the version.
    #[must_use]
    pub fn version(mut self, version: u32) -> Self {
        self.version = version;
        self
    }

    /// Sets the default region.
    #[must_use]
    pub fn region(mut self, region: RegionCode) -> Self {
        self.region = Some(region);
        self
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Lets records carry fields the schema does not list.
    #[must_use]
    pub fn allow_extra_fields(mut self, allow: bool) -> Self {
        self.allow_extra_fields = allow;
        self
    }

    /// Sets the largest value accepted, in bytes.
    #[must_use]
    pub fn max_value_bytes(mut self, limit: usize) -> Self {
        self.max_value_bytes = limit;
        self
    }

    /// Sets how old a record may get ([`Retention`]).
    #[must_use]
    pub fn retention(mut self, retention: Retention) -> Self {
        self.retention = Some(retention);
        self
    }

    /// Appends a field.
    #[must_use]
    pub fn field(mut self, field: Field) -> Self {
        self.fields.push(field);
        self
    }

    /// Checks everything and builds the schema.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidSchema`] for a bad name, no fields or a zero size
    /// limit; [`ErrorKind::DuplicateField`] and [`ErrorKind::BadOption`] for
    /// problems with one field.
    pub fn build(self) -> Result<Schema> {
        let at = |key: &str| SettingPath::of(&[key]);
        field::check_name(&self.name).map_err(|why| {
            crate::Error::schema(
                at("name"),
                SettingProblem::BadName,
                format!("schema name {why}"),
            )
        })?;
        if self.fields.is_empty() {
            return Err(crate::Error::schema(
                at("fields"),
                SettingProblem::Empty,
                "a schema needs at least one field",
            ));
        }
        if self.max_value_bytes == 0 {
            return Err(crate::Error::schema(
                at("max_value_bytes"),
                SettingProblem::OutOfRange,
                "max_value_bytes must be at least 1",
            ));
        }
        let mut index = HashMap::with_capacity(self.fields.len());
        for (i, field) in self.fields.iter().enumerate() {
            let path = schema_path(i, field.name());
            field.check(i, &path)?;
            if index.insert(Box::from(field.name()), i).is_some() {
                return Err(ErrorKind::DuplicateField { path }.into());
            }
        }
        if let Some(retention) = &self.retention {
            retention.check(&self.fields, &index)?;
        }
        Ok(Schema(Arc::new(Inner {
            name: self.name.into_boxed_str(),
            version: self.version,
            region: self.region,
            description: self.description,
            allow_extra_fields: self.allow_extra_fields,
            max_value_bytes: self.max_value_bytes,
            fields: self.fields,
            index,
            retention: self.retention,
        })))
    }
}

/// How old a record may get, judged by one of its `date` fields (the
/// date it was last updated): past `stale_after_months` it draws a
/// `stale_record` warning, past `delete_after_months` a
/// `retention_expired` warning (the record is due for deletion). Both are
/// warnings: the record is still clean, and a pipeline keeps it; the issue
/// report lists the records to refresh or delete. A record whose date is
/// missing or invalid draws neither (its other issues say why).
///
/// Ages are whole calendar months up to the validator's `today`: a record
/// updated on 2024-03-31 is 24 months old on 2026-03-31.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retention {
    field: String,
    stale_after_months: Option<u32>,
    delete_after_months: Option<u32>,
}

impl Retention {
    /// Retention judged by the date field called `field` (usually
    /// `updated_at`), with no limit yet.
    pub fn by(field: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            stale_after_months: None,
            delete_after_months: None,
        }
    }

    /// Records older than `months` are stale.
    #[must_use]
    pub fn stale_after_months(mut self, months: u32) -> Self {
        self.stale_after_months = Some(months);
        self
    }

    /// Records older than `months` are due for deletion.
    #[must_use]
    pub fn delete_after_months(mut self, months: u32) -> Self {
        self.delete_after_months = Some(months);
        self
    }

    /// The date field ages are read from.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The age in months from which a record is stale.
    pub fn stale_after(&self) -> Option<u32> {
        self.stale_after_months
    }

    /// The age in months from which a record is due for deletion.
    pub fn delete_after(&self) -> Option<u32> {
        self.delete_after_months
    }

    /// What a record last updated on `updated` is on `today`: due for
    /// deletion, stale, or neither (`None`).
    pub(crate) fn verdict(&self, updated: Date, today: Date) -> Option<(crate::IssueCode, u32)> {
        let age = updated.months_until(today);
        let past = |limit: Option<u32>| limit.filter(|&m| age >= i64::from(m));
        past(self.delete_after_months)
            .map(|m| (crate::IssueCode::RetentionExpired, m))
            .or_else(|| past(self.stale_after_months).map(|m| (crate::IssueCode::StaleRecord, m)))
    }

    fn check(&self, fields: &[Field], index: &HashMap<Box<str>, usize>) -> Result<()> {
        let at = |key: &str| SettingPath::of(&["retention", key]);
        let problem = |key: &str, problem, reason: String| {
            Err(crate::Error::schema(at(key), problem, reason))
        };
        match index.get(self.field.as_str()).map(|&i| fields[i].kind()) {
            None => {
                return problem(
                    "field",
                    SettingProblem::UnknownField,
                    "retention field is not a field of the schema".into(),
                );
            }
            Some(FieldKind::Date) => {}
            Some(_) => {
                return problem(
                    "field",
                    SettingProblem::Conflict,
                    "retention field must be of kind `date`".into(),
                );
            }
        }
        for (key, limit) in [
            ("stale_after_months", self.stale_after_months),
            ("delete_after_months", self.delete_after_months),
        ] {
            if limit == Some(0) {
                return problem(
                    key,
                    SettingProblem::OutOfRange,
                    format!("{key} must be at least 1"),
                );
            }
        }
        match (self.stale_after_months, self.delete_after_months) {
            (None, None) => problem(
                "stale_after_months",
                SettingProblem::Missing,
                "retention needs `stale_after_months`, `delete_after_months` or both".into(),
            ),
            (Some(stale), Some(delete)) if stale >= delete => problem(
                "delete_after_months",
                SettingProblem::Conflict,
                "delete_after_months must be more than stale_after_months".into(),
            ),
            _ => Ok(()),
        }
    }
}

/// How schema errors name a field: its place in the list and its name.
pub(crate) fn schema_path(index: usize, name: &str) -> FieldPath {
    if name.is_empty() {
        FieldPath::new(format!("fields[{index}]"))
    } else {
        FieldPath::new(format!("fields[{index}] ({name})"))
    }
}
