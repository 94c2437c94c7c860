//! What validation found in one record: a [`Report`] of issues.

use crate::issue::{Issue, IssueCode, Severity};

/// Everything validation found in one record, in field order.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Report {
    issues: Vec<Issue>,
}

impl Report {
    /// A report of these issues.
    pub fn new(issues: Vec<Issue>) -> Self {
        Self { issues }
    }

    /// Whether there is no issue of error severity (warnings are allowed).
    pub fn is_valid(&self) -> bool {
        !self.issues.iter().any(|i| i.severity == Severity::Error)
    }

    /// All issues.
    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    /// Issues of error severity.
    pub fn errors(&self) -> impl Iterator<Item = &Issue> {
        self.issues.iter().filter(|i| i.severity == Severity::Error)
    }

    /// Issues of warning severity.
    pub fn warnings(&self) -> impl Iterator<Item = &Issue> {
        self.issues
            .iter()
            .filter(|i| i.severity == Severity::Warning)
    }

    /// The number of issues.
    pub fn len(&self) -> usize {
        self.issues.len()
    }

    /// Whether there are no issues at all.
    pub fn is_empty(&self) -> bool {
        self.issues.is_empty()
    }

    /// Whether some issue has this code.
    pub fn has(&self, code: IssueCode) -> bool {
        self.issues.iter().any(|i| i.code == code)
    }

    /// The report as JSON: a list of `{field, code, name, severity,
    /// message}` objects.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "[]".into())
    }

    pub(crate) fn extend(&mut self, issues: impl IntoIterator<Item = Issue>) {
        self.issues.extend(issues);
    }
}

impl IntoIterator for Report {
    type Item = Issue;
    type IntoIter = std::vec::IntoIter<Issue>;

    fn into_iter(self) -> Self::IntoIter {
        self.issues.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for &code in IssueCode::ALL {
            assert!(seen.insert(code.number()), "{code} reused");
            assert!(code.number() < 10_000);
            assert_eq!(IssueCode::from_number(code.number()), Some(code));
        }
        assert_eq!(
            IssueCode::from_number(10_001),
            Some(IssueCode::Custom(10_001))
        );
        assert_eq!(IssueCode::from_number(7), None);
    }

    #[test]
    fn messages_and_json() {
        let issue = Issue::new("email", IssueCode::EmailSyntax).detail("no @");
        assert_eq!(
            issue.message(),
            "field `email` is not a valid email address (no @)"
        );
        let report = Report::new(vec![issue, Issue::new("dob", IssueCode::DateAmbiguous)]);
        assert!(!report.is_valid());
        assert_eq!(report.warnings().count(), 1);
        assert!(
            report
                .to_json()
                .contains(r#""name":"email_syntax","severity":"error""#)
        );
    }
}
