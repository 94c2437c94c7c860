//! Pairs above the threshold into clusters (union–find), strongest first.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// How matched pairs become clusters.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "mode")]
#[non_exhaustive]
pub enum Clustering {
    /// Every chain of matched pairs is one cluster (connected components).
    Connected,
    /// Two clusters are joined only if every record of one matches every
    /// record of the other with at least `min_probability`, so a weak link
    /// cannot chain very different records together. Pairs are taken
    /// strongest first. A join that would need more than 4,096 checks is
    /// refused.
    Strict {
        /// The least probability any two members of a cluster may have.
        min_probability: f64,
    },
    /// Two clusters are joined only if their members match on average: the
    /// mean match weight (log-odds) over every pair of members across them
    /// reaches the weight of `min_probability`. A record that clearly
    /// differs from a cluster's members cannot join it through one strong
    /// link, while one weak pair (a missing or mistyped field) does not
    /// keep a customer's records apart. Pairs are taken strongest first; a
    /// join that would need more than 4,096 checks is refused.
    Average {
        /// The probability whose weight the mean weight across two
        /// clusters must reach.
        min_probability: f64,
    },
}

impl Default for Clustering {
    fn default() -> Self {
        Self::Average {
            min_probability: 0.9,
        }
    }
}

impl Clustering {
    /// What a join is checked against: none (connected mode), or the least
    /// probability and whether it is of the mean weight (average mode)
    /// rather than of every pair (strict mode).
    fn checks(self) -> Option<(f64, bool)> {
        match self {
            Self::Connected => None,
            Self::Strict { min_probability } => Some((min_probability, false)),
            Self::Average { min_probability } => Some((min_probability, true)),
        }
    }
}

/// The most member pairs the strict mode scores to join two clusters; a
/// join that would need more is refused, which bounds the work and keeps
/// clusters of one customer (rarely more than a few dozen records) intact.
const MAX_CHECKS: usize = 4096;

/// The weight of a probability in bits, bounded (a probability of 0 or 1
/// would be infinite).
fn log_odds(p: f64) -> f64 {
    super::model::weight_of(p).clamp(-64.0, 64.0)
}

/// Union–find over rows, keeping each cluster's members.
struct Sets {
    parent: Vec<u32>,
    members: Vec<Vec<u32>>,
}

impl Sets {
    fn new(n: usize) -> Self {
        Self {
            parent: (0..n as u32).collect(),
            members: Vec::new(),
        }
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let up = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = up;
            x = up;
        }
        x
    }
}

/// Cluster ids for `rows` rows: each row gets the smallest row number in its
/// cluster. `edges` are `(a, b, p)`: pairs at or above the threshold, with
/// the probability `probability(scratch, a, b)` gives them, sorted
/// strongest first (ties in a fixed order); `probability` scores any other
/// pair (for the strict and average modes' checks), with a `scratch` made
/// by `scratch()` for the thread it runs on. Most joins are of two single
/// rows, whose one pair is the edge: its probability is not computed
/// again.
///
/// A join never crosses a connected component of the edges, so in the
/// strict and average modes each component is clustered on its own, the
/// components in parallel: the same joins, in the same order within each
/// component, as one pass over all edges makes.
pub(crate) fn cluster<S>(
    rows: usize,
    edges: &[(u32, u32, f64)],
    mode: Clustering,
    scratch: impl Fn() -> S + Sync,
    probability: impl Fn(&mut S, u32, u32) -> f64 + Sync,
) -> Vec<u32> {
    let Some(strict) = mode.checks() else {
        let identity: Vec<u32> = (0..rows as u32).collect();
        return join_in_order(&identity, &identity, edges, None, &mut (), |_, _, _| 0.0);
    };
    let parts = Components::of(rows, edges);
    let ids_of_parts: Vec<Vec<u32>> = (0..parts.len())
        .into_par_iter()
        .map_init(&scratch, |scratch, c| {
            join_in_order(
                parts.rows(c),
                &parts.local,
                parts.edges(c),
                Some(strict),
                scratch,
                &probability,
            )
        })
        .collect();
    let mut ids: Vec<u32> = (0..rows as u32).collect();
    for (c, part_ids) in ids_of_parts.iter().enumerate() {
        for (&row, &id) in parts.rows(c).iter().zip(part_ids) {
            ids[row as usize] = id;
        }
    }
    ids
}

/// The connected components of some edges over rows, each with its rows
/// (ascending) and its edges (in their given order); rows on no edge are in
/// none.
struct Components {
    /// Each row's place among its component's rows (0 for rows on no edge).
    local: Vec<u32>,
    /// The rows of component `c` are `rows[row_starts[c]..row_starts[c + 1]]`.
    rows: Vec<u32>,
    row_starts: Vec<usize>,
    /// Its edges, likewise.
    edges: Vec<(u32, u32, f64)>,
    edge_starts: Vec<usize>,
}

impl Components {
    fn of(rows: usize, edges: &[(u32, u32, f64)]) -> Self {
        let mut sets = Sets::new(rows);
        for &(a, b, _) in edges {
            let (ra, rb) = (sets.find(a), sets.find(b));
            if ra != rb {
                sets.parent[ra.max(rb) as usize] = ra.min(rb);
            }
        }
        // Components numbered by their first row, rows bucketed in order.
        const NONE: u32 = u32::MAX;
        let mut number = vec![NONE; rows];
        let mut on_edge = vec![false; rows];
        for &(a, b, _) in edges {
            on_edge[a as usize] = true;
            on_edge[b as usize] = true;
        }
        let mut component_of = vec![NONE; rows];
        let mut row_counts: Vec<usize> = Vec::new();
        for row in 0..rows as u32 {
            if !on_edge[row as usize] {
                continue;
            }
            let root = sets.find(row) as usize;
            if number[root] == NONE {
                number[root] = row_counts.len() as u32;
                row_counts.push(0);
            }
            component_of[row as usize] = number[root];
            row_counts[number[root] as usize] += 1;
        }
        let row_starts = starts(&row_counts);
        let mut local = vec![0u32; rows];
        let mut members = vec![0u32; row_starts.last().copied().unwrap_or(0)];
        let mut filled = row_starts.clone();
        for row in 0..rows {
            let c = component_of[row];
            if c != NONE {
                let at = &mut filled[c as usize];
                local[row] = (*at - row_starts[c as usize]) as u32;
                members[*at] = row as u32;
                *at += 1;
            }
        }
        let mut edge_counts = vec![0usize; row_counts.len()];
        for &(a, _, _) in edges {
            edge_counts[component_of[a as usize] as usize] += 1;
        }
        let edge_starts = starts(&edge_counts);
        let mut grouped = vec![(0, 0, 0.0); edges.len()];
        let mut filled = edge_starts.clone();
        for &edge in edges {
            let at = &mut filled[component_of[edge.0 as usize] as usize];
            grouped[*at] = edge;
            *at += 1;
        }
        Self {
            local,
            rows: members,
            row_starts,
            edges: grouped,
            edge_starts,
        }
    }

    fn len(&self) -> usize {
        self.row_starts.len() - 1
    }

    fn rows(&self, c: usize) -> &[u32] {
        &self.rows[self.row_starts[c]..self.row_starts[c + 1]]
    }

    fn edges(&self, c: usize) -> &[(u32, u32, f64)] {
        &self.edges[self.edge_starts[c]..self.edge_starts[c + 1]]
    }
}

/// Where each bucket starts when buckets of `counts` lie one after
/// another, and where the last ends.
fn starts(counts: &[usize]) -> Vec<usize> {
    let mut starts = Vec::with_capacity(counts.len() + 1);
    let mut at = 0;
    starts.push(at);
    for &count in counts {
        at += count;
        starts.push(at);
    }
    starts
}

/// Joins `rows` (ascending; `local[row]` is a row's place among them) by
/// `edges`, strongest first: every edge in connected mode (`strict` none),
/// else only where the strict or average check passes. Gives each of
/// `rows` the smallest row of its cluster.
fn join_in_order<S>(
    rows: &[u32],
    local: &[u32],
    edges: &[(u32, u32, f64)],
    strict: Option<(f64, bool)>,
    scratch: &mut S,
    probability: impl Fn(&mut S, u32, u32) -> f64,
) -> Vec<u32> {
    let mut sets = Sets::new(rows.len());
    if strict.is_some() {
        sets.members = rows.iter().map(|&r| vec![r]).collect();
    }
    for &(a, b, p) in edges {
        let (ra, rb) = (sets.find(local[a as usize]), sets.find(local[b as usize]));
        if ra == rb {
            continue;
        }
        if let Some((floor, average)) = strict {
            let (ma, mb) = (&sets.members[ra as usize], &sets.members[rb as usize]);
            let fits = ma.len() * mb.len() <= MAX_CHECKS
                && if average {
                    let total: f64 = ma
                        .iter()
                        .flat_map(|&x| mb.iter().map(move |&y| (x, y)))
                        .map(|(x, y)| {
                            log_odds(if (x, y) == (a, b) {
                                p
                            } else {
                                probability(scratch, x, y)
                            })
                        })
                        .sum();
                    total / (ma.len() * mb.len()) as f64 >= log_odds(floor)
                } else {
                    ma.iter().all(|&x| {
                        mb.iter()
                            .all(|&y| x == a && y == b || probability(scratch, x, y) >= floor)
                    })
                };
            if !fits {
                continue;
            }
        }
        let (keep, gone) = if ra < rb { (ra, rb) } else { (rb, ra) };
        sets.parent[gone as usize] = keep;
        if strict.is_some() {
            let moved = std::mem::take(&mut sets.members[gone as usize]);
            sets.members[keep as usize].extend(moved);
        }
    }
    // The root is not always the smallest place; name clusters by it.
    let mut smallest = vec![u32::MAX; rows.len()];
    let roots: Vec<u32> = (0..rows.len() as u32).map(|r| sets.find(r)).collect();
    for (place, &root) in roots.iter().enumerate() {
        let s = &mut smallest[root as usize];
        *s = (*s).min(place as u32);
    }
    roots
        .iter()
        .map(|&root| rows[smallest[root as usize] as usize])
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// [`cluster`] with a scoring function that needs no scratch.
    fn scored(
        rows: usize,
        edges: &[(u32, u32, f64)],
        mode: Clustering,
        score: impl Fn(u32, u32) -> f64 + Sync,
    ) -> Vec<u32> {
        cluster(rows, edges, mode, || (), |_, x, y| score(x, y))
    }

    #[test]
    fn connected_components_take_the_smallest_row_as_id() {
        let ids = scored(
            5,
            &[(3, 4, 1.0), (1, 3, 1.0)],
            Clustering::Connected,
            |_, _| 0.0,
        );
        assert_eq!(ids, [0, 1, 2, 1, 1]);
    }

    #[test]
    fn strict_mode_refuses_weak_chains() {
        // 0-1 and 1-2 match, but 0 and 2 are very different.
        let score = |a: u32, b: u32| {
            if a.min(b) == 0 && a.max(b) == 2 {
                0.001
            } else {
                0.99
            }
        };
        let strict = Clustering::Strict {
            min_probability: 0.05,
        };
        let edges = [(0, 1, 0.99), (1, 2, 0.99)];
        assert_eq!(scored(3, &edges, strict, score), [0, 0, 2]);
        assert_eq!(scored(3, &edges, Clustering::Connected, score), [0, 0, 0]);
        let average = Clustering::default();
        assert_eq!(scored(3, &edges, average, score), [0, 0, 2]);
    }

    #[test]
    fn average_mode_keeps_a_customer_whose_one_pair_is_weak() {
        // 0, 1 and 2 match strongly, but 0 and 2 weakly (a missing field):
        // 2 still joins on average; 3 differs from all but 2 and does not.
        let score = |a: u32, b: u32| match (a.min(b), a.max(b)) {
            (0, 2) => 0.01,
            (_, 3) if a.min(b) != 2 => 1e-9,
            _ => 0.9999,
        };
        let edges = [(0, 1, 0.9999), (1, 2, 0.9999), (2, 3, 0.9999)];
        assert_eq!(
            scored(4, &edges, Clustering::default(), score),
            [0, 0, 0, 3]
        );
        let strict = Clustering::Strict {
            min_probability: 0.05,
        };
        assert_eq!(scored(4, &edges, strict, score), [0, 0, 2, 2]);
    }

    #[test]
    fn a_join_of_two_single_rows_takes_the_edge_probability() {
        let never = |x: u32, y: u32| -> f64 { panic!("scored ({x}, {y}) again") };
        for mode in [
            Clustering::default(),
            Clustering::Strict {
                min_probability: 0.9,
            },
        ] {
            assert_eq!(scored(3, &[(0, 2, 0.95)], mode, never), [0, 1, 0]);
        }
        // The edge's probability, not a fresh one, decides the average.
        let fresh = |_: u32, _: u32| 0.99;
        assert_eq!(
            scored(2, &[(0, 1, 0.5)], Clustering::default(), fresh),
            [0, 1]
        );
    }

    /// A probability for any pair, fixed by the pair: spread over (0, 1)
    /// so that checks pass and fail.
    fn some_probability(x: u32, y: u32) -> f64 {
        let (x, y) = (u64::from(x.min(y)), u64::from(x.max(y)));
        let mixed = (x * 0x9e37_79b9 + y * 0x85eb_ca6b) % 1000;
        (mixed as f64 + 0.5) / 1000.0
    }

    proptest! {
        /// Clustering each connected component on its own (in parallel)
        /// joins exactly what one pass over all the edges joins, in every
        /// mode.
        #[test]
        fn components_cluster_as_one_pass_does(
            rows in 2usize..80,
            raw in proptest::collection::vec((0u32..80, 0u32..80, 0.5f64..1.0), 0..160),
            floor in 0.05f64..0.99,
        ) {
            let edges: Vec<(u32, u32, f64)> = raw
                .into_iter()
                .map(|(a, b, p)| (a % rows as u32, b % rows as u32, p))
                .filter(|&(a, b, _)| a != b)
                .map(|(a, b, p)| (a.min(b), a.max(b), p))
                .collect();
            let whole: Vec<u32> = (0..rows as u32).collect();
            for mode in [
                Clustering::Connected,
                Clustering::Strict { min_probability: floor },
                Clustering::Average { min_probability: floor },
            ] {
                let one_pass = join_in_order(
                    &whole,
                    &whole,
                    &edges,
                    mode.checks(),
                    &mut (),
                    |_, x, y| some_probability(x, y),
                );
                let ids = scored(rows, &edges, mode, some_probability);
                prop_assert_eq!(&ids, &one_pass, "{:?}", mode);
                for (row, &id) in ids.iter().enumerate() {
                    prop_assert!(id as usize <= row && ids[id as usize] == id);
                }
            }
        }
    }
}
