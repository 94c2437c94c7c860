//! What changed between two profiles of the same data over time.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::Profile;

/// What changed since an earlier profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Drift {
    /// The earlier profile's `as_of` date.
    pub previous_as_of: String,
    /// The threshold fields were flagged at, in percentage points.
    pub points: f64,
    /// Records then.
    pub records_before: u64,
    /// Records now.
    pub records_after: u64,
    /// The duplicate rate then and now, when both profiles have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_rate: Option<(f64, f64)>,
    /// Fields whose completeness or validity moved by at least `points`,
    /// or that have new issue codes, in schema order.
    pub fields: Vec<FieldDrift>,
    /// Issue codes found now and not then.
    pub new_issue_codes: Vec<String>,
    /// Issue codes found then and not now.
    pub gone_issue_codes: Vec<String>,
    /// Fields in this profile that the earlier one did not have.
    pub new_fields: Vec<String>,
}

/// How one field moved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FieldDrift {
    /// The field.
    pub field: String,
    /// Completeness then.
    pub completeness_before: f64,
    /// Completeness now.
    pub completeness_after: f64,
    /// Validity then (absent without values).
    pub validity_before: Option<f64>,
    /// Validity now.
    pub validity_after: Option<f64>,
    /// Issue codes on this field now that it did not have then.
    pub new_issue_codes: Vec<String>,
}

impl FieldDrift {
    /// The move in completeness, in percentage points (positive is better).
    pub fn completeness_points(&self) -> f64 {
        (self.completeness_after - self.completeness_before) * 100.0
    }

    /// The move in validity, in percentage points; 0 when either side has
    /// no values.
    pub fn validity_points(&self) -> f64 {
        match (self.validity_before, self.validity_after) {
            (Some(a), Some(b)) => (b - a) * 100.0,
            _ => 0.0,
        }
    }
}

pub(super) fn compare(previous: &Profile, current: &Profile, points: f64) -> Drift {
    let codes =
        |p: &Profile| -> BTreeSet<String> { p.issues.iter().map(|i| i.code.clone()).collect() };
    let (before, after) = (codes(previous), codes(current));
    let mut fields = Vec::new();
    let mut new_fields = Vec::new();
    for field in &current.fields {
        let Some(old) = previous.field(&field.name) else {
            new_fields.push(field.name.clone());
            continue;
        };
        let old_codes: BTreeSet<&str> = old.issues.iter().map(|i| i.code.as_str()).collect();
        let mut new_codes: Vec<String> = field
            .issues
            .iter()
            .filter(|i| !old_codes.contains(i.code.as_str()))
            .map(|i| i.code.clone())
            .collect();
        new_codes.sort();
        new_codes.dedup();
        let drift = FieldDrift {
            field: field.name.clone(),
            completeness_before: old.completeness,
            completeness_after: field.completeness,
            validity_before: old.validity,
            validity_after: field.validity,
            new_issue_codes: new_codes,
        };
        let moved = drift.completeness_points().abs() >= points
            || drift.validity_points().abs() >= points
            || !drift.new_issue_codes.is_empty();
        if moved {
            fields.push(drift);
        }
    }
    Drift {
        previous_as_of: previous.as_of.clone(),
        points,
        records_before: previous.rows.records,
        records_after: current.rows.records,
        duplicate_rate: match (&previous.duplicates, &current.duplicates) {
            (Some(a), Some(b)) => Some((a.duplicate_rate, b.duplicate_rate)),
            _ => None,
        },
        fields,
        new_issue_codes: after.difference(&before).cloned().collect(),
        gone_issue_codes: before.difference(&after).cloned().collect(),
        new_fields,
    }
}
