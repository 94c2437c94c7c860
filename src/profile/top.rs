//! The most frequent values of a stream in bounded memory: a Misra–Gries
//! summary, which merges (Agarwal et al., "Mergeable summaries", 2012).
//! Below `capacity` distinct values the counts are exact; beyond that a
//! count is at most n / (capacity + 1) below the truth, and every value
//! more frequent than that is kept.

use std::collections::HashMap;

/// Values longer than this many bytes are counted by their start.
const MAX_VALUE_BYTES: usize = 120;

/// Values as UTF-8 bytes, so that patterns written as bytes are counted
/// as they are.
type Map = HashMap<Box<[u8]>, u64, foldhash::fast::FixedState>;

/// A Misra–Gries summary of text values.
#[derive(Clone, Debug)]
pub(crate) struct Top {
    capacity: usize,
    counts: Map,
    /// Whether a count was ever cut (the counts are then lower bounds).
    approximate: bool,
    /// The value added last, and how many times in a row it came since
    /// it was last counted into `counts`: a field's values, and its
    /// patterns most of all, often repeat from one record to the next,
    /// and comparing with the last one costs less than a lookup.
    last: Vec<u8>,
    repeats: u64,
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
            last: Vec::new(),
            repeats: 0,
        }
    }

    /// Counts one occurrence of `value`.
    pub(crate) fn add(&mut self, value: &str) {
        self.add_utf8(clip(value).as_bytes());
    }

    /// Counts one occurrence of a value given as UTF-8 of at most
    /// [`MAX_VALUE_BYTES`] (a format pattern).
    pub(crate) fn add_utf8(&mut self, value: &[u8]) {
        debug_assert!(value.len() <= MAX_VALUE_BYTES + '…'.len_utf8());
        if self.repeats > 0 && self.last == value {
            self.repeats += 1;
            return;
        }
        self.settle();
        self.last.clear();
        self.last.extend_from_slice(value);
        self.repeats = 1;
    }

    /// Counts the repeats of the last value into `counts`, as if each had
    /// been counted when it came.
    fn settle(&mut self) {
        let repeats = std::mem::take(&mut self.repeats);
        if repeats == 0 {
            return;
        }
        let last = std::mem::take(&mut self.last);
        if let Some(count) = self.counts.get_mut(last.as_slice()) {
            *count += repeats;
        } else if self.counts.len() < self.capacity {
            self.counts.insert(last.as_slice().into(), repeats);
        } else {
            // A full summary: one at a time, since the first may only
            // make room.
            for _ in 0..repeats {
                self.count_one(&last);
            }
        }
        self.last = last;
    }

    /// Counts one occurrence of `value` (the Misra–Gries step).
    fn count_one(&mut self, value: &[u8]) {
        if let Some(count) = self.counts.get_mut(value) {
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
    pub(crate) fn merge(&mut self, mut other: Self) {
        self.settle();
        other.settle();
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
    pub(crate) fn is_approximate(&mut self) -> bool {
        self.settle();
        self.approximate
    }

    /// The `n` most frequent values, most frequent first (ties in text
    /// order).
    pub(crate) fn top(&mut self, n: usize) -> Vec<(String, u64)> {
        self.settle();
        let mut all: Vec<(&[u8], u64)> = self.counts.iter().map(|(v, &c)| (&**v, c)).collect();
        // UTF-8 sorts in the order of its characters.
        all.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        all.into_iter()
            .take(n)
            .map(|(v, c)| (String::from_utf8_lossy(v).into_owned(), c))
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

    /// Misra–Gries as published, one value at a time.
    fn plainly(capacity: usize, values: &[&str]) -> (Vec<(String, u64)>, bool) {
        let mut counts: HashMap<&str, u64> = HashMap::new();
        let mut approximate = false;
        for &value in values {
            if let Some(count) = counts.get_mut(value) {
                *count += 1;
            } else if counts.len() < capacity {
                counts.insert(value, 1);
            } else {
                approximate = true;
                counts.retain(|_, c| {
                    *c -= 1;
                    *c > 0
                });
            }
        }
        let mut all: Vec<(String, u64)> =
            counts.into_iter().map(|(v, c)| (v.to_owned(), c)).collect();
        all.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        (all, approximate)
    }

    proptest::proptest! {
        /// Counting runs of a value at once changes nothing: streams with
        /// long runs, in summaries full and not.
        #[test]
        fn same_as_one_at_a_time(
            capacity in 1usize..6,
            runs in proptest::collection::vec(("[a-h]", 1usize..5), 0..60),
        ) {
            let values: Vec<&str> = runs
                .iter()
                .flat_map(|(v, n)| std::iter::repeat_n(v.as_str(), *n))
                .collect();
            let mut top = Top::new(capacity);
            for v in &values {
                top.add(v);
            }
            let (expected, approximate) = plainly(capacity, &values);
            proptest::prop_assert_eq!(top.is_approximate(), approximate);
            proptest::prop_assert_eq!(top.top(usize::MAX), expected);
        }
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
