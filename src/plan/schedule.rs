//! Longest paths through a step DAG: the priority of each step (the longest chain of
//! work still behind it, so the executor starts the critical path first), the
//! critical path of a plan's estimate, and after a run the one it really took. Pure
//! functions over indices and edges; no AWS, no tokio.

/// For each node, the heaviest chain starting at it (its own weight included), given
/// `edges` (`(a, b)`: a before b) and each node's weight.
pub fn remaining(n: usize, edges: &[(usize, usize)], weight: &[u64]) -> Vec<u64> {
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in edges {
        next[a].push(b);
    }
    let order = topological(n, edges);
    let mut best = vec![0u64; n];
    for &i in order.iter().rev() {
        let tail = next[i].iter().map(|&j| best[j]).max().unwrap_or(0);
        best[i] = weight[i] + tail;
    }
    best
}

/// The heaviest chain through the DAG: its total and its nodes in order.
pub fn critical_path(n: usize, edges: &[(usize, usize)], weight: &[u64]) -> (u64, Vec<usize>) {
    let best = remaining(n, edges, weight);
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut has_pred = vec![false; n];
    for &(a, b) in edges {
        next[a].push(b);
        has_pred[b] = true;
    }
    let Some(start) = (0..n).filter(|&i| !has_pred[i]).max_by_key(|&i| best[i]) else { return (0, Vec::new()) };
    let mut path = vec![start];
    let mut cur = start;
    while let Some(&j) = next[cur].iter().max_by_key(|&&j| best[j]) {
        path.push(j);
        cur = j;
    }
    (best[start], path)
}

/// Kahn's order; nodes on a cycle (none, in a valid plan) come last in index order.
fn topological(n: usize, edges: &[(usize, usize)]) -> Vec<usize> {
    let mut indegree = vec![0usize; n];
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in edges {
        indegree[b] += 1;
        next[a].push(b);
    }
    let mut queue: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
    let mut out = Vec::with_capacity(n);
    while let Some(i) = queue.pop() {
        out.push(i);
        for &j in &next[i] {
            indegree[j] -= 1;
            if indegree[j] == 0 {
                queue.push(j);
            }
        }
    }
    if out.len() < n {
        let seen: std::collections::HashSet<usize> = out.iter().copied().collect();
        out.extend((0..n).filter(|i| !seen.contains(i)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_chain_wins_over_the_widest() {
        // 0 -> 1 -> 2 (weights 1, 5, 1) and 3 -> 4 (weights 2, 2).
        let edges = [(0, 1), (1, 2), (3, 4)];
        let weight = [1, 5, 1, 2, 2];
        assert_eq!(remaining(5, &edges, &weight), vec![7, 6, 1, 4, 2]);
        assert_eq!(critical_path(5, &edges, &weight), (7, vec![0, 1, 2]));
    }

    #[test]
    fn joins_take_the_heavier_branch() {
        // 0 -> 2, 1 -> 2, 2 -> 3
        let edges = [(0, 2), (1, 2), (2, 3)];
        assert_eq!(critical_path(4, &edges, &[1, 9, 1, 1]), (11, vec![1, 2, 3]));
    }
}
