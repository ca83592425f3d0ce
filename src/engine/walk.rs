//! Walking a DAG of steps with bounded concurrency: a step starts as soon as its own
//! predecessors are done (not level by level), the one with the longest chain of work
//! behind it first; each step belongs to a group (an AWS service) with its own limit
//! of steps in flight, under the overall one. A failure skips everything downstream of
//! it while other branches go on; cancellation stops new starts and lets running steps
//! finish.

use std::collections::BinaryHeap;
use std::future::Future;

use futures::stream::FuturesUnordered;
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

#[derive(Debug)]
pub enum NodeOutcome<E> {
    Done,
    Failed(E),
    /// Not run because this predecessor (directly or not) failed.
    Skipped {
        because: usize,
    },
    /// Not run because the walk was cancelled.
    NotStarted,
}

/// How the walk orders and bounds its steps.
pub struct Limits<'a> {
    /// Steps in flight at once, over all groups.
    pub parallelism: usize,
    /// Higher first among ready steps (the longest remaining chain).
    pub priority: &'a [u64],
    /// Each step's group.
    pub group: &'a [usize],
    /// Steps in flight at once per group.
    pub group_limit: &'a [usize],
}

impl Limits<'_> {
    /// No priorities and one group: first come, first served.
    pub fn flat(parallelism: usize) -> Limits<'static> {
        Limits { parallelism, priority: &[], group: &[], group_limit: &[] }
    }
}

/// Run `run(i)` for nodes `0..n` respecting `edges` (`(a, b)`: a before b).
pub async fn walk<E, F, Fut>(
    n: usize,
    edges: &[(usize, usize)],
    limits: &Limits<'_>,
    cancel: &CancellationToken,
    run: F,
) -> Vec<NodeOutcome<E>>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Result<(), E>>,
{
    let mut waiting_on = vec![0usize; n];
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in edges {
        waiting_on[b] += 1;
        next[a].push(b);
    }
    let group = |i: usize| limits.group.get(i).copied().unwrap_or(0);
    let groups = limits.group_limit.len().max(1);
    let limit = |g: usize| limits.group_limit.get(g).copied().unwrap_or(usize::MAX).max(1);
    // Ready steps per group, highest priority (then lowest index) on top.
    let key = |i: usize| (limits.priority.get(i).copied().unwrap_or(0), std::cmp::Reverse(i));
    type Ready = BinaryHeap<((u64, std::cmp::Reverse<usize>), usize)>;
    let mut ready: Vec<Ready> = (0..groups).map(|_| BinaryHeap::new()).collect();
    let mut in_flight = vec![0usize; groups];
    for i in (0..n).filter(|&i| waiting_on[i] == 0) {
        ready[group(i)].push((key(i), i));
    }
    let mut outcome: Vec<Option<NodeOutcome<E>>> = (0..n).map(|_| None).collect();
    let mut running = FuturesUnordered::new();
    loop {
        while running.len() < limits.parallelism.max(1) && !cancel.is_cancelled() {
            // The best ready step of any group that has room.
            let pick = (0..groups).filter(|&g| in_flight[g] < limit(g)).filter_map(|g| ready[g].peek().map(|top| (top.0, g))).max();
            let Some((_, g)) = pick else { break };
            let Some((_, i)) = ready[g].pop() else { break };
            in_flight[g] += 1;
            let fut = run(i);
            running.push(async move { (i, fut.await) });
        }
        let Some((i, result)) = running.next().await else { break };
        in_flight[group(i)] -= 1;
        match result {
            Ok(()) => {
                outcome[i] = Some(NodeOutcome::Done);
                for &j in &next[i] {
                    waiting_on[j] -= 1;
                    if waiting_on[j] == 0 && outcome[j].is_none() {
                        ready[group(j)].push((key(j), j));
                    }
                }
            }
            Err(e) => {
                outcome[i] = Some(NodeOutcome::Failed(e));
                let mut stack = next[i].clone();
                while let Some(j) = stack.pop() {
                    if outcome[j].is_none() {
                        outcome[j] = Some(NodeOutcome::Skipped { because: i });
                        stack.extend(next[j].iter().copied());
                    }
                }
            }
        }
    }
    outcome.into_iter().map(|o| o.unwrap_or(NodeOutcome::NotStarted)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::time::Duration;

    #[tokio::test]
    async fn starts_nodes_as_soon_as_their_own_deps_finish() {
        // 0 is slow; 1 -> 2 is fast and must not wait for 0.
        let log = Mutex::new(Vec::new());
        let cancel = CancellationToken::new();
        let out = walk(3, &[(1, 2)], &Limits::flat(4), &cancel, |i| {
            let log = &log;
            async move {
                if i == 0 {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                log.lock().unwrap().push(i);
                Ok::<(), ()>(())
            }
        })
        .await;
        assert!(out.iter().all(|o| matches!(o, NodeOutcome::Done)));
        assert_eq!(*log.lock().unwrap(), vec![1, 2, 0]);
    }

    #[tokio::test]
    async fn failure_skips_dependents_only() {
        let cancel = CancellationToken::new();
        let out = walk(4, &[(0, 1), (1, 2)], &Limits::flat(2), &cancel, |i| async move {
            if i == 0 {
                Err("boom")
            } else {
                Ok(())
            }
        })
        .await;
        assert!(matches!(out[0], NodeOutcome::Failed("boom")));
        assert!(matches!(out[1], NodeOutcome::Skipped { because: 0 }));
        assert!(matches!(out[2], NodeOutcome::Skipped { because: 0 }));
        assert!(matches!(out[3], NodeOutcome::Done));
    }

    #[tokio::test]
    async fn cancellation_stops_new_starts() {
        let cancel = CancellationToken::new();
        let out = walk(3, &[(0, 1), (1, 2)], &Limits::flat(1), &cancel, |i| {
            let cancel = cancel.clone();
            async move {
                if i == 0 {
                    cancel.cancel();
                }
                Ok::<(), ()>(())
            }
        })
        .await;
        assert!(matches!(out[0], NodeOutcome::Done));
        assert!(matches!(out[1], NodeOutcome::NotStarted));
    }

    #[tokio::test]
    async fn parallelism_bounds_concurrency() {
        let live = Mutex::new((0usize, 0usize));
        let cancel = CancellationToken::new();
        walk(6, &[], &Limits::flat(2), &cancel, |_| {
            let live = &live;
            async move {
                {
                    let mut l = live.lock().unwrap();
                    l.0 += 1;
                    l.1 = l.1.max(l.0);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
                live.lock().unwrap().0 -= 1;
                Ok::<(), ()>(())
            }
        })
        .await;
        assert_eq!(live.lock().unwrap().1, 2);
    }

    #[tokio::test]
    async fn the_longest_chain_starts_first_and_groups_keep_their_limits() {
        // One slot: 2 heads a longer chain (2 -> 3) than 0 and 1, so it starts first.
        let order = Mutex::new(Vec::new());
        let cancel = CancellationToken::new();
        let limits = Limits { parallelism: 1, priority: &[1, 1, 5, 1], group: &[], group_limit: &[] };
        walk(4, &[(2, 3)], &limits, &cancel, |i| {
            let order = &order;
            async move {
                order.lock().unwrap().push(i);
                Ok::<(), ()>(())
            }
        })
        .await;
        assert_eq!(order.lock().unwrap()[0], 2);

        // Group 1 allows one step at a time, however many slots there are overall.
        let live = Mutex::new((0usize, 0usize));
        let limits = Limits { parallelism: 8, priority: &[], group: &[1, 1, 1, 0], group_limit: &[8, 1] };
        walk(4, &[], &limits, &cancel, |i| {
            let live = &live;
            async move {
                if i < 3 {
                    let mut l = live.lock().unwrap();
                    l.0 += 1;
                    l.1 = l.1.max(l.0);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
                if i < 3 {
                    live.lock().unwrap().0 -= 1;
                }
                Ok::<(), ()>(())
            }
        })
        .await;
        assert_eq!(live.lock().unwrap().1, 1);
    }
}
