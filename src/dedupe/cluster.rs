//! Pairs above the threshold into clusters (union–find), strongest first.

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
/// the probability `probability(a, b)` gives them, sorted strongest first
/// (ties in a fixed order); `probability` scores any other pair (for the
/// strict and average modes' checks). Most joins are of two single rows,
/// whose one pair is the edge: its probability is not computed again.
pub(crate) fn cluster(
    rows: usize,
    edges: &[(u32, u32, f64)],
    mode: Clustering,
    mut probability: impl FnMut(u32, u32) -> f64,
) -> Vec<u32> {
    let mut sets = Sets::new(rows);
    let strict = match mode {
        Clustering::Connected => None,
        Clustering::Strict { min_probability } => Some((min_probability, false)),
        Clustering::Average { min_probability } => Some((min_probability, true)),
    };
    if strict.is_some() {
        sets.members = (0..rows as u32).map(|r| vec![r]).collect();
    }
    for &(a, b, p) in edges {
        let (ra, rb) = (sets.find(a), sets.find(b));
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
                                probability(x, y)
                            })
                        })
                        .sum();
                    total / (ma.len() * mb.len()) as f64 >= log_odds(floor)
                } else {
                    ma.iter().all(|&x| {
                        mb.iter()
                            .all(|&y| x == a && y == b || probability(x, y) >= floor)
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
    // The root is not always the smallest row; name clusters by it.
    let mut smallest = vec![u32::MAX; rows];
    let roots: Vec<u32> = (0..rows as u32).map(|r| sets.find(r)).collect();
    for (row, &root) in roots.iter().enumerate() {
        let s = &mut smallest[root as usize];
        *s = (*s).min(row as u32);
    }
    roots.iter().map(|&root| smallest[root as usize]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connected_components_take_the_smallest_row_as_id() {
        let ids = cluster(
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
        assert_eq!(cluster(3, &edges, strict, score), [0, 0, 2]);
        assert_eq!(cluster(3, &edges, Clustering::Connected, score), [0, 0, 0]);
        let average = Clustering::default();
        assert_eq!(cluster(3, &edges, average, score), [0, 0, 2]);
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
            cluster(4, &edges, Clustering::default(), score),
            [0, 0, 0, 3]
        );
        let strict = Clustering::Strict {
            min_probability: 0.05,
        };
        assert_eq!(cluster(4, &edges, strict, score), [0, 0, 2, 2]);
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
            assert_eq!(cluster(3, &[(0, 2, 0.95)], mode, never), [0, 1, 0]);
        }
        // The edge's probability, not a fresh one, decides the average.
        let fresh = |_: u32, _: u32| 0.99;
        assert_eq!(
            cluster(2, &[(0, 1, 0.5)], Clustering::default(), fresh),
            [0, 1]
        );
    }
}
