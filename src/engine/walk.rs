//! Walking a DAG of steps with bounded concurrency: a step starts as soon as its own
//! predecessors are done (not level by level); a failure skips everything downstream
//! of it while other branches go on; cancellation stops new starts and lets running
//! steps finish.

use std::collections::VecDeque;
use std::future::Future;

use futures::stream::FuturesUnordered;
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

#[derive(Debug)]
pub enum Outcome<E> {
    Done,
    Failed(E),
    /// Not run because this predecessor (directly or not) failed.
    Skipped {
        because: usize,
    },
    /// Not run because the walk was cancelled.
    NotStarted,
}

/// Run `run(i)` for nodes `0..n` respecting `edges` (`(a, b)`: a before b).
pub async fn walk<E, F, Fut>(n: usize, edges: &[(usize, usize)], parallelism: usize, cancel: &CancellationToken, run: F) -> Vec<Outcome<E>>
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
    let mut outcome: Vec<Option<Outcome<E>>> = (0..n).map(|_| None).collect();
    let mut ready: VecDeque<usize> = (0..n).filter(|&i| waiting_on[i] == 0).collect();
    let mut running = FuturesUnordered::new();
    loop {
        while running.len() < parallelism.max(1) && !cancel.is_cancelled() {
            let Some(i) = ready.pop_front() else { break };
            let fut = run(i);
            running.push(async move { (i, fut.await) });
        }
        let Some((i, result)) = running.next().await else { break };
        match result {
            Ok(()) => {
                outcome[i] = Some(Outcome::Done);
                for &j in &next[i] {
                    waiting_on[j] -= 1;
                    if waiting_on[j] == 0 && outcome[j].is_none() {
                        ready.push_back(j);
                    }
                }
            }
            Err(e) => {
                outcome[i] = Some(Outcome::Failed(e));
                let mut stack = next[i].clone();
                while let Some(j) = stack.pop() {
                    if outcome[j].is_none() {
                        outcome[j] = Some(Outcome::Skipped { because: i });
                        stack.extend(next[j].iter().copied());
                    }
                }
            }
        }
    }
    outcome.into_iter().map(|o| o.unwrap_or(Outcome::NotStarted)).collect()
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
        let out = walk(3, &[(1, 2)], 4, &cancel, |i| {
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
        assert!(out.iter().all(|o| matches!(o, Outcome::Done)));
        assert_eq!(*log.lock().unwrap(), vec![1, 2, 0]);
    }

    #[tokio::test]
    async fn failure_skips_dependents_only() {
        let cancel = CancellationToken::new();
        let out = walk(4, &[(0, 1), (1, 2)], 2, &cancel, |i| async move {
            if i == 0 {
                Err("boom")
            } else {
                Ok(())
            }
        })
        .await;
        assert!(matches!(out[0], Outcome::Failed("boom")));
        assert!(matches!(out[1], Outcome::Skipped { because: 0 }));
        assert!(matches!(out[2], Outcome::Skipped { because: 0 }));
        assert!(matches!(out[3], Outcome::Done));
    }

    #[tokio::test]
    async fn cancellation_stops_new_starts() {
        let cancel = CancellationToken::new();
        let out = walk(3, &[(0, 1), (1, 2)], 1, &cancel, |i| {
            let cancel = cancel.clone();
            async move {
                if i == 0 {
                    cancel.cancel();
                }
                Ok::<(), ()>(())
            }
        })
        .await;
        assert!(matches!(out[0], Outcome::Done));
        assert!(matches!(out[1], Outcome::NotStarted));
    }

    #[tokio::test]
    async fn parallelism_bounds_concurrency() {
        let live = Mutex::new((0usize, 0usize));
        let cancel = CancellationToken::new();
        walk(6, &[], 2, &cancel, |_| {
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
}
