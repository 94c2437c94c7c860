//! Pairwise accuracy against known truth.

use std::collections::HashMap;
use std::hash::Hash;

use serde::Serialize;

/// Pairwise precision, recall and F1: a predicted pair is two records in
/// one cluster (across the two sources, for a link), a true pair two
/// records with the same truth label.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PairScores {
    /// Predicted pairs that are true.
    pub true_positives: u64,
    /// Predicted pairs.
    pub predicted: u64,
    /// True pairs.
    pub actual: u64,
}

impl PairScores {
    /// Scores `clusters` (one id per row) against `truth` (one label per
    /// row); with `split`, only pairs across it count.
    pub fn of<C: Eq + Hash + Copy, T: Eq + Hash>(
        clusters: &[C],
        truth: &[T],
        split: Option<usize>,
    ) -> Self {
        let side = |row: usize| split.is_some_and(|s| row >= s);
        let mut by_cluster: HashMap<C, (u64, u64)> = HashMap::new();
        let mut by_truth: HashMap<&T, (u64, u64)> = HashMap::new();
        let mut by_both: HashMap<(C, &T), (u64, u64)> = HashMap::new();
        for (row, (c, t)) in clusters.iter().zip(truth).enumerate() {
            for entry in [
                by_cluster.entry(*c).or_default(),
                by_truth.entry(t).or_default(),
                by_both.entry((*c, t)).or_default(),
            ] {
                if side(row) {
                    entry.1 += 1;
                } else {
                    entry.0 += 1;
                }
            }
        }
        Self {
            true_positives: pairs(by_both.values(), split),
            predicted: pairs(by_cluster.values(), split),
            actual: pairs(by_truth.values(), split),
        }
    }

    /// Correct predicted pairs over predicted pairs (1 when none predicted).
    pub fn precision(&self) -> f64 {
        ratio(self.true_positives, self.predicted)
    }

    /// Correct predicted pairs over true pairs (1 when there are none).
    pub fn recall(&self) -> f64 {
        ratio(self.true_positives, self.actual)
    }

    /// The harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

/// Pairs within groups of `(left, right)` sizes (across sides for a link).
fn pairs<'a>(groups: impl Iterator<Item = &'a (u64, u64)>, split: Option<usize>) -> u64 {
    groups
        .map(|&(l, r)| match split {
            Some(_) => l * r,
            None => l * l.saturating_sub(1) / 2,
        })
        .sum()
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

/// The share of true pairs among `candidates`.
pub(crate) fn completeness<T: Eq + Hash>(
    candidates: &[(u32, u32)],
    truth: &[T],
    split: Option<usize>,
) -> f64 {
    let found = candidates
        .iter()
        .filter(|&&(a, b)| truth[a as usize] == truth[b as usize])
        .count();
    let rows: Vec<u32> = (0..truth.len() as u32).collect();
    let actual = PairScores::of(&rows, truth, split).actual;
    ratio(found as u64, actual)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_scores_count_pairs_within_clusters() {
        // Truth: {0,1,2} {3}; predicted: {0,1} {2,3}.
        let s = PairScores::of(&[0, 0, 2, 2], &["a", "a", "a", "b"], None);
        assert_eq!((s.true_positives, s.predicted, s.actual), (1, 2, 3));
        assert!((s.f1() - 0.4).abs() < 1e-12);
        // As a link with rows 0-1 left and 2-3 right: only cross pairs count.
        let s = PairScores::of(&[0, 0, 0, 3], &["a", "b", "a", "b"], Some(2));
        assert_eq!((s.true_positives, s.predicted, s.actual), (1, 2, 2));
    }
}
