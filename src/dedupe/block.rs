//! Blocking: which pairs are worth comparing. Each rule makes a key per
//! record and pairs records that share it; the rules' pairs are united so
//! each pair is compared once.

use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::compare::Comparator;
use super::names;
use super::prepare::{Row, Table};
use crate::error::{Result, SettingPath, SettingProblem};
use crate::schema::Schema;

/// What a blocking key takes from a field's match key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Transform {
    /// The whole match key (`email`, `phone`, `postcode`).
    Key,
    /// The Double Metaphone code of the spelling (names).
    Phonetic,
    /// The first letter of the spelling.
    Initial,
    /// The first `n` characters of the key.
    Prefix(usize),
    /// The year of a date.
    Year,
    /// The first number in the key (the house number of a street line).
    Number,
}

/// One part of a blocking key: a field and what to take from it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KeyPart {
    /// The field's name.
    pub field: String,
    /// What to take from it.
    pub transform: Transform,
}

/// Records whose parts all agree are compared. Written as text:
/// `family_name:phonetic + birth_date:year` (transforms `key`, `phonetic`,
/// `initial`, `prefixN`, `year`, `number`; `key` may be left out).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BlockingRule {
    parts: Vec<KeyPart>,
}

impl BlockingRule {
    /// A rule from its parts; at least one.
    pub fn new(parts: Vec<KeyPart>) -> Result<Self> {
        if parts.is_empty() {
            return Err(invalid(
                SettingPath::root(),
                SettingProblem::Empty,
                "a blocking rule needs at least one field".to_owned(),
            ));
        }
        Ok(Self { parts })
    }

    /// Parses the text form, e.g. `postcode + street:number`.
    pub fn parse(text: &str) -> Result<Self> {
        let parts = text
            .split('+')
            .map(|part| {
                let part = part.trim();
                let (field, transform) = part.split_once(':').unwrap_or((part, "key"));
                let transform = match transform.trim() {
                    "key" => Transform::Key,
                    "phonetic" => Transform::Phonetic,
                    "initial" => Transform::Initial,
                    "year" => Transform::Year,
                    "number" => Transform::Number,
                    other => match other.strip_prefix("prefix").map(str::parse) {
                        Some(Ok(n)) if n > 0 => Transform::Prefix(n),
                        _ => {
                            return Err(invalid(
                                SettingPath::root(),
                                SettingProblem::UnknownName,
                                format!(
                                    "blocking rule `{text}`: unknown transform `{other}` (key, \
                                     phonetic, initial, prefixN, year, number)"
                                ),
                            ));
                        }
                    },
                };
                let field = field.trim();
                if field.is_empty() {
                    return Err(invalid(
                        SettingPath::root(),
                        SettingProblem::Missing,
                        format!("blocking rule `{text}`: a part has no field"),
                    ));
                }
                Ok(KeyPart {
                    field: field.to_owned(),
                    transform,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Self::new(parts)
    }

    /// The parts.
    pub fn parts(&self) -> &[KeyPart] {
        &self.parts
    }

    /// The rules used when none are configured, from the schema's kinds:
    /// identifiers that are nearly unique on their own (email, phone,
    /// national id, IBAN, card); family name by sound with the given
    /// initial, with the birth year; given name by sound with the birth
    /// date; postcode with the house number. Rules naming fields the schema
    /// lacks are left out.
    pub fn defaults(schema: &Schema, compared: &[(usize, Comparator)]) -> Vec<Self> {
        use crate::schema::FieldKind as K;
        let first = |test: &dyn Fn(&K) -> bool| {
            compared
                .iter()
                .map(|&(i, _)| &schema.fields()[i])
                .find(|f| test(f.kind()))
                .map(|f| f.name().to_owned())
        };
        let part = |field: &String, transform| KeyPart {
            field: field.clone(),
            transform,
        };
        let given = first(&|k| matches!(k, K::GivenName));
        let family = first(&|k| matches!(k, K::FamilyName));
        let birth = first(&|k| matches!(k, K::BirthDate));
        let postcode = first(&|k| matches!(k, K::Postcode));
        let street = first(&|k| matches!(k, K::Street));
        let city = first(&|k| matches!(k, K::City));
        let mut rules: Vec<Self> = compared
            .iter()
            .filter(|(_, c)| matches!(c, Comparator::Email | Comparator::Phone))
            .chain(compared.iter().filter(|(i, _)| {
                matches!(
                    schema.fields()[*i].kind(),
                    K::NationalId(_) | K::Iban | K::PaymentCard
                )
            }))
            .map(|&(i, _)| Self {
                parts: vec![part(&schema.fields()[i].name().to_owned(), Transform::Key)],
            })
            .collect();
        let mut add = |parts: Vec<Option<KeyPart>>| {
            if let Some(parts) = parts.into_iter().collect::<Option<Vec<_>>>() {
                rules.push(Self { parts });
            }
        };
        use Transform as T;
        add(vec![
            family.as_ref().map(|f| part(f, T::Phonetic)),
            given.as_ref().map(|g| part(g, T::Prefix(2))),
        ]);
        add(vec![
            family.as_ref().map(|f| part(f, T::Phonetic)),
            birth.as_ref().map(|b| part(b, T::Year)),
        ]);
        add(vec![
            given.as_ref().map(|g| part(g, T::Phonetic)),
            birth.as_ref().map(|b| part(b, T::Key)),
        ]);
        add(vec![
            postcode.as_ref().map(|p| part(p, T::Key)),
            street.as_ref().map(|s| part(s, T::Number)),
        ]);
        add(vec![
            birth.as_ref().map(|b| part(b, T::Key)),
            postcode.as_ref().map(|p| part(p, T::Key)),
        ]);
        add(vec![
            family.as_ref().map(|f| part(f, T::Phonetic)),
            postcode.as_ref().map(|p| part(p, T::Key)),
        ]);
        add(vec![
            given.as_ref().map(|g| part(g, T::Phonetic)),
            postcode.as_ref().map(|p| part(p, T::Key)),
        ]);
        add(vec![
            family.as_ref().map(|f| part(f, T::Phonetic)),
            city.as_ref().map(|c| part(c, T::Key)),
        ]);
        add(vec![
            street.as_ref().map(|s| part(s, T::Prefix(4))),
            postcode.as_ref().map(|p| part(p, T::Key)),
        ]);
        add(vec![
            birth.as_ref().map(|b| part(b, T::Key)),
            city.as_ref().map(|c| part(c, T::Key)),
        ]);
        add(vec![
            birth.as_ref().map(|b| part(b, T::Key)),
            street.as_ref().map(|s| part(s, T::Prefix(4))),
        ]);
        if family.is_none() {
            let full = first(&|k| matches!(k, K::FullName));
            add(vec![full.as_ref().map(|f| part(f, T::Phonetic))]);
            add(vec![
                full.as_ref().map(|f| part(f, T::Prefix(3))),
                birth.as_ref().map(|b| part(b, T::Key)),
            ]);
        }
        rules
    }
}

impl fmt::Display for BlockingRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                f.write_str(" + ")?;
            }
            f.write_str(&part.field)?;
            match part.transform {
                Transform::Key => Ok(()),
                Transform::Phonetic => f.write_str(":phonetic"),
                Transform::Initial => f.write_str(":initial"),
                Transform::Prefix(n) => write!(f, ":prefix{n}"),
                Transform::Year => f.write_str(":year"),
                Transform::Number => f.write_str(":number"),
            }?;
        }
        Ok(())
    }
}

impl TryFrom<String> for BlockingRule {
    type Error = crate::Error;

    fn try_from(text: String) -> Result<Self> {
        Self::parse(&text)
    }
}

impl From<BlockingRule> for String {
    fn from(rule: BlockingRule) -> Self {
        rule.to_string()
    }
}

fn invalid(path: SettingPath, problem: SettingProblem, reason: String) -> crate::Error {
    crate::Error::dedupe(path, problem, reason)
}

/// A rule with its fields resolved to table columns.
#[derive(Clone, Debug)]
pub(crate) struct Resolved {
    parts: Vec<(usize, Transform)>,
}

impl Resolved {
    /// Resolves `rule` against the compared fields of `schema`; `at` is
    /// where the rule is in the settings, for errors.
    pub(crate) fn new(
        at: &SettingPath,
        rule: &BlockingRule,
        schema: &Schema,
        compared: &[(usize, Comparator)],
    ) -> Result<Self> {
        let parts =
            rule.parts
                .iter()
                .map(|part| {
                    let field = schema.index_of(&part.field).ok_or_else(|| {
                        invalid(
                            at.clone(),
                            SettingProblem::UnknownField,
                            format!("blocking rule `{rule}`: no field `{}`", part.field),
                        )
                    })?;
                    let column = compared.iter().position(|&(f, _)| f == field).ok_or_else(
                        || {
                            invalid(
                                at.clone(),
                                SettingProblem::Conflict,
                                format!(
                                    "blocking rule `{rule}`: field `{}` is not compared (give it \
                                 a `compare` option)",
                                    part.field
                                ),
                            )
                        },
                    )?;
                    Ok((column, part.transform))
                })
                .collect::<Result<_>>()?;
        Ok(Self { parts })
    }

    /// The columns the rule reads.
    pub(crate) fn columns(&self) -> impl Iterator<Item = usize> + '_ {
        self.parts.iter().map(|&(c, _)| c)
    }

    /// The rule's key for `row` (a hash), or `None` when a part is missing.
    pub(crate) fn key(&self, table: &Table, row: usize) -> Option<u64> {
        self.key_of(&table.row(row))
    }

    /// [`Resolved::key`] of a row already found.
    fn key_of(&self, row: &Row<'_>) -> Option<u64> {
        let mut hasher = KEY_HASH.build_hasher();
        for &(column, transform) in &self.parts {
            let value = row.get(column);
            let key = value.key;
            let spelling = if value.spelling.is_empty() {
                key
            } else {
                value.spelling
            };
            let taken: std::borrow::Cow<'_, str> = match transform {
                Transform::Key => key.into(),
                Transform::Phonetic if !value.phonetic.is_empty() => value.phonetic.into(),
                Transform::Phonetic => names::phonetic(&names::spelling(key)).into(),
                Transform::Initial => first_chars(spelling, 1).into(),
                Transform::Prefix(n) => first_chars(key, n).into(),
                Transform::Year => key
                    .get(..4)
                    .filter(|y| y.bytes().all(|b| b.is_ascii_digit()))?
                    .into(),
                Transform::Number => {
                    let start = key.find(|c: char| c.is_ascii_digit())?;
                    let rest = &key[start..];
                    rest[..rest
                        .find(|c: char| !c.is_ascii_digit())
                        .unwrap_or(rest.len())]
                        .into()
                }
            };
            if taken.is_empty() {
                return None;
            }
            taken.hash(&mut hasher);
        }
        Some(hasher.finish())
    }
}

/// The hash of blocking keys: keys are only compared for equality, within
/// one run, so any good 64-bit hash does; a fixed seed keeps runs alike.
const KEY_HASH: foldhash::quality::FixedState = foldhash::quality::FixedState::with_seed(0);

fn first_chars(text: &str, n: usize) -> &str {
    let end = text.char_indices().nth(n).map_or(text.len(), |(i, _)| i);
    &text[..end]
}

/// How candidate pairs are found.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// A block larger than this is not paired all with all: its records
    /// are sorted by name and each is paired with the next `window`.
    pub max_block: usize,
    /// The window for large blocks and for the sorted neighbourhood.
    pub window: usize,
    /// Whether to also pair each record with its `window` neighbours in
    /// name order, across the whole data set.
    pub sorted_neighbourhood: bool,
}

/// The pairs made inside one block of `len` records in name order, as
/// positions `(i, j)` with `i < j`: all of them when the block is at most
/// `max_block` long, else each record with its next `window`.
pub(crate) fn within_block(len: usize, limits: Limits) -> impl Iterator<Item = (usize, usize)> {
    let reach = reach(len, limits);
    (0..len).flat_map(move |i| (i + 1..len.min(i + 1 + reach)).map(move |j| (i, j)))
}

/// Pairs a rule makes before adding them to the list of all.
const GATHER: usize = 1 << 16;

/// How many pairs [`within_block`] makes.
fn pairs_within_block(len: usize, limits: Limits) -> usize {
    pairs_within_reach(len, reach(len, limits))
}

/// How many pairs `len` records in a row make when each is paired with the
/// next `reach`.
fn pairs_within_reach(len: usize, reach: usize) -> usize {
    (0..len).map(|i| reach.min(len - i - 1)).sum()
}

/// How far a record of a block of `len` records reaches (see
/// [`within_block`]).
fn reach(len: usize, limits: Limits) -> usize {
    if len <= limits.max_block {
        len
    } else {
        limits.window
    }
}

/// A row without a key for a rule.
pub(crate) const NO_KEY: u64 = u64::MAX;

/// A row in no block of a rule (see [`Blocked::blocks`]).
pub(crate) const NO_BLOCK: u32 = u32::MAX;

/// A rule's blocks (see [`candidates`]).
struct Grouped {
    /// Each row's block ([`Blocked::blocks`]).
    numbered: Vec<u32>,
    /// The rows of the blocks of two rows or more, block after block, in
    /// name order within a block.
    members: Vec<u32>,
    /// The length of each of those blocks, in order.
    sizes: Vec<u32>,
}

/// What blocking found.
pub(crate) struct Blocked {
    /// Candidate pairs, each `(a, b)` with `a < b`, each once, in name
    /// order (see [`candidates`]).
    pub pairs: Vec<(u32, u32)>,
    /// Pairs each rule made before uniting (then the sorted
    /// neighbourhood's).
    pub per_rule: Vec<usize>,
    /// Each rule's block per row, numbered ([`NO_BLOCK`] when the row has
    /// no key): two rows share a block when they share the rule's key. Half
    /// the room of the keys themselves, which the run no longer holds.
    pub blocks: Vec<Vec<u32>>,
}

/// The candidate pairs. With `split`, rows below it are one source and the
/// rest the other, and only pairs across the two are made.
pub(crate) fn candidates(
    table: &Table,
    order: &[u32],
    rules: &[Resolved],
    limits: Limits,
    split: Option<usize>,
) -> Blocked {
    let across = |a: u32, b: u32| split.is_none_or(|s| ((a as usize) < s) != ((b as usize) < s));
    let mut position = vec![0u32; table.rows];
    for (p, &row) in order.iter().enumerate() {
        position[row as usize] = p as u32;
    }
    // Pairs are kept as positions in name order, so that after sorting,
    // the pairs of one block of similar names are compared one after
    // another and their rows are still in cache.
    // Pairs are made as the list of candidates holds them, so the list is
    // turned into candidates in place: a converted copy beside it would
    // hold both at the run's peak.
    let push = |pairs: &mut Vec<(u32, u32)>, a: u32, b: u32| {
        if a != b && across(a, b) {
            let (x, y) = (position[a as usize], position[b as usize]);
            pairs.push((x.min(y), x.max(y)));
        }
    };
    // Every rule's key of each row, each row read once for all rules (keys
    // are kept by place).
    let keys = table.numbers_by_place(rules.len(), |_, row, keys| {
        for (key, rule) in keys.iter_mut().zip(rules) {
            *key = rule.key_of(&row).map_or(NO_KEY, |k| k.min(NO_KEY - 1));
        }
    });
    // Each rule's blocks, once its keys are sorted: a number per row, and
    // the rows of the blocks that can make pairs (two rows or more), block
    // after block, in name order within. Its keys are let go then.
    let grouped: Vec<Grouped> = keys
        .into_par_iter()
        .map(|rule_keys| {
            let mut keyed: Vec<(u64, u32, u32)> = rule_keys
                .iter()
                .enumerate()
                .filter(|&(_, &k)| k != NO_KEY)
                .map(|(place, &k)| {
                    let row = table.row_at(place as u32);
                    (k, position[row as usize], row)
                })
                .collect();
            drop(rule_keys);
            keyed.sort_unstable();
            let mut grouped = Grouped {
                numbered: vec![NO_BLOCK; table.rows],
                members: Vec::new(),
                sizes: Vec::new(),
            };
            for (number, block) in keyed.chunk_by(|x, y| x.0 == y.0).enumerate() {
                for &(_, _, row) in block {
                    grouped.numbered[row as usize] = number as u32;
                }
                if block.len() > 1 {
                    grouped.members.extend(block.iter().map(|&(_, _, row)| row));
                    grouped.sizes.push(block.len() as u32);
                }
            }
            grouped
        })
        .collect();
    // The most pairs the rules and the sorted neighbourhood can make, so
    // that the list of them is made once at its size: grown by doubling,
    // the list and its copy would be held at once.
    let most: usize = grouped
        .iter()
        .flat_map(|g| &g.sizes)
        .map(|&size| pairs_within_block(size as usize, limits))
        .sum::<usize>()
        + if limits.sorted_neighbourhood {
            pairs_within_reach(order.len(), limits.window)
        } else {
            0
        };
    // The rules' pairs, the rules side by side, gathered in one list.
    let pairs = std::sync::Mutex::new(Vec::with_capacity(most));
    let gather = |made: &mut Vec<(u32, u32)>| {
        pairs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(made);
        made.clear();
    };
    // Each rule's rows in blocks are let go once its pairs are made.
    let (mut per_rule, blocks): (Vec<usize>, Vec<Vec<u32>>) = grouped
        .into_par_iter()
        .map(|grouped| {
            let Grouped {
                numbered,
                members,
                sizes,
            } = grouped;
            let mut made = Vec::with_capacity(GATHER);
            let mut count = 0;
            let mut rest = members.as_slice();
            for &size in &sizes {
                let (block, after) = rest.split_at(size as usize);
                rest = after;
                for (i, j) in within_block(block.len(), limits) {
                    push(&mut made, block[i], block[j]);
                }
                if made.len() >= GATHER {
                    count += made.len();
                    gather(&mut made);
                }
            }
            count += made.len();
            gather(&mut made);
            (count, numbered)
        })
        .unzip();
    let mut pairs = pairs
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if limits.sorted_neighbourhood {
        let before = pairs.len();
        for (i, &a) in order.iter().enumerate() {
            for &b in order.iter().skip(i + 1).take(limits.window) {
                push(&mut pairs, a, b);
            }
        }
        per_rule.push(pairs.len() - before);
    }
    sort_pairs(&mut pairs, 0);
    pairs.dedup();
    pairs.par_iter_mut().for_each(|p| {
        let (a, b) = (order[p.0 as usize], order[p.1 as usize]);
        *p = (a.min(b), a.max(b));
    });
    pairs.shrink_to_fit();
    Blocked {
        pairs,
        per_rule,
        blocks,
    }
}

/// A pair as the radix sort reads it: a byte at a time of its first row,
/// then of its second (the order of `(u32, u32)`).
#[derive(Clone, Copy)]
struct SortedPair(u32, u32);

impl rdst::RadixKey for SortedPair {
    const LEVELS: usize = 8;

    /// Byte `level` of the pair as one number, the lowest first.
    #[inline]
    fn get_level(&self, level: usize) -> u8 {
        ((u64::from(self.0) << 32 | u64::from(self.1)) >> (level * 8)) as u8
    }
}

/// Sorts `pairs[from..]` into the order of `(u32, u32)` (first row, then
/// second) by a parallel radix sort in place: a few times faster than
/// comparing, for lists of tens of millions of pairs. The list becomes a
/// list of sortable pairs and back in its own memory (collecting a vector
/// into one of a type of the same size and alignment reuses it).
pub(crate) fn sort_pairs(pairs: &mut Vec<(u32, u32)>, from: usize) {
    let mut sortable: Vec<SortedPair> = std::mem::take(pairs)
        .into_iter()
        .map(|(a, b)| SortedPair(a, b))
        .collect();
    if let Some(tail) = sortable.get_mut(from..) {
        rdst::RadixSort::radix_sort_unstable(tail);
    }
    *pairs = sortable
        .into_iter()
        .map(|SortedPair(a, b)| (a, b))
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The count that sizes the list of pairs is the number of pairs made.
    #[test]
    fn pairs_within_a_block_are_counted_exactly() {
        for (max_block, window) in [(12, 4), (3, 3), (1, 1), (50, 10)] {
            let limits = Limits {
                max_block,
                window,
                sorted_neighbourhood: true,
            };
            for len in 0..80 {
                assert_eq!(
                    pairs_within_block(len, limits),
                    within_block(len, limits).count(),
                    "{len} records, {limits:?}"
                );
            }
        }
    }

    /// A list long enough that the radix sort works on it in parallel, in
    /// the shape blocking makes (nearby rows, many repeats).
    #[test]
    fn a_long_list_of_pairs_sorts_as_tuples_do() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let pairs: Vec<(u32, u32)> = (0..400_000u32)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let a = (i / 3) ^ (state as u32 & 0xff);
                (a, a.wrapping_add((state >> 40) as u32 % 5000))
            })
            .collect();
        let mut expected = pairs.clone();
        expected[1000..].sort_unstable();
        let mut sorted = pairs;
        sort_pairs(&mut sorted, 1000);
        assert!(sorted == expected);
    }

    proptest::proptest! {
        /// The radix sort of pairs puts the part it sorts in the order of
        /// `(u32, u32)` and leaves the rest where it was; rows from the
        /// whole range of u32 and from a few values (many repeats).
        #[test]
        fn pairs_sort_as_tuples_do(
            pairs in proptest::collection::vec(
                (proptest::prop_oneof![0u32..50, proptest::num::u32::ANY],
                 proptest::prop_oneof![0u32..50, proptest::num::u32::ANY]),
                0..5000,
            ),
            from in 0usize..6000,
        ) {
            let mut expected = pairs.clone();
            if let Some(tail) = expected.get_mut(from..) {
                tail.sort_unstable();
            }
            let mut sorted = pairs;
            sort_pairs(&mut sorted, from);
            proptest::prop_assert_eq!(sorted, expected);
        }
    }
}
