//! The most frequent values of a stream in bounded memory: a Misra–Gries
//! summary, which merges (Agarwal et al., "Mergeable summaries", 2012).
//! Below `capacity` distinct values the counts are exact; beyond that a
//! count is at most n / (capacity + 1) below the truth, and every value
//! more frequent than that is kept.

use std::collections::HashMap;

/// Values longer than this many bytes are counted by their start.
const MAX_VALUE_BYTES: usize = 120;

type Map = HashMap<Box<str>, u64, foldhash::fast::FixedState>;

/// A Misra–Gries summary of text values.
#[derive(Clone, Debug)]
pub(crate) struct Top {
    capacity: usize,
    counts: Map,
    /// Whether a count was ever cut (the counts are then lower bounds).
    approximate: bool,
}

/// `text` cut to at most [`MAX_VALUE_BYTES`] on a character boundary,
/// with `…` when cut.
fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= MAX_VALUE_BYTES {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut end = MAX_VALUE_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    std::borrow::Cow::Owned(format!("{}…", &text[..end]))
}

impl Top {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            counts: Map::default(),
            approximate: false,
        }
    }

    /// Counts one occurrence of `value`.
    pub(crate) fn add(&mut self, value: &str) {
        let value = clip(value);
        if let Some(count) = self.counts.get_mut(value.as_ref()) {
            *count += 1;
        } else if self.counts.len() < self.capacity {
            self.counts.insert(value.into(), 1);
        } else {
            // The new value and every kept one lose one occurrence.
            self.approximate = true;
            self.counts.retain(|_, c| {
                *c -= 1;
                *c > 0
            });
        }
    }

    /// Adds the counts of `other`, keeping at most `capacity` values.
    pub(crate) fn merge(&mut self, other: Self) {
        self.approximate |= other.approximate;
        for (value, count) in other.counts {
            *self.counts.entry(value).or_default() += count;
        }
        if self.counts.len() > self.capacity {
            let mut counts: Vec<u64> = self.counts.values().copied().collect();
            let (_, cut, _) = counts.select_nth_unstable_by(self.capacity, |a, b| b.cmp(a));
            let cut = *cut;
            self.approximate = true;
            self.counts.retain(|_, c| {
                *c = c.saturating_sub(cut);
                *c > 0
            });
        }
    }

    /// Whether the counts may be below the truth.
    pub(crate) fn is_approximate(&self) -> bool {
        self.approximate
    }

    /// The `n` most frequent values, most frequent first (ties in text
    /// order).
    pub(crate) fn top(&self, n: usize) -> Vec<(String, u64)> {
        let mut all: Vec<(&str, u64)> = self.counts.iter().map(|(v, &c)| (&**v, c)).collect();
        all.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        all.into_iter()
            .take(n)
            .map(|(v, c)| (v.to_owned(), c))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_below_capacity() {
        let mut top = Top::new(4);
        for v in ["b", "a", "b", "c", "b", "a"] {
            top.add(v);
        }
        assert!(!top.is_approximate());
        assert_eq!(top.top(2), vec![("b".to_owned(), 3), ("a".to_owned(), 2)]);
    }

    #[test]
    fn heavy_hitters_survive_churn_and_merges() {
        let mut parts = Vec::new();
        for part in 0..4 {
            let mut top = Top::new(8);
            for i in 0..1000 {
                top.add(&format!("unique-{part}-{i}"));
                if i % 3 == 0 {
                    top.add("heavy");
                }
            }
            parts.push(top);
        }
        let mut all = Top::new(8);
        for part in parts {
            all.merge(part);
        }
        assert!(all.is_approximate());
        let best = all.top(1);
        assert_eq!(best[0].0, "heavy");
        // 1,336 occurrences in 5,336 values: at most 5,336 / 9 below.
        assert!(best[0].1 <= 1336 && best[0].1 >= 1336 - 5336 / 9);
    }

    #[test]
    fn long_values_are_cut() {
        let mut top = Top::new(2);
        let long = "é".repeat(200);
        top.add(&long);
        let (value, _) = &top.top(1)[0];
        assert!(value.len() <= MAX_VALUE_BYTES + '…'.len_utf8());
        assert!(value.ends_with('…'));
    }
}
