//! Identical work done once: requests for a key that is being worked on join that work, and
//! requests for a key whose result some request still holds share that result.
//!
//! The work runs only while someone waits for it: when every waiter has gone (their clients
//! hung up), it is dropped mid-way, so an abandoned fetch stops and gives its memory back.
//! Results are held only by the requests using them (weakly here), so this is no cache:
//! it only keeps identical requests from each making their own copy at the same time.
//!
//! The lookup answers get the same from their moka cache's `or_try_insert_with`; this is for
//! the image proxy, whose results may be too large to cache in memory at all.
//!
//! [`Refreshes`] is the same for work nobody waits for: the background refresh of a stale
//! answer or image runs once, however many requests are served the stale copy meanwhile.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, Weak};

use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared, WeakShared};

type Work<V, E> = Shared<BoxFuture<'static, Result<Arc<V>, E>>>;

enum Slot<V, E> {
    Running(WeakShared<BoxFuture<'static, Result<Arc<V>, E>>>),
    Done(Weak<V>),
}

impl<V, E> Slot<V, E> {
    fn is_alive(&self) -> bool {
        match self {
            Self::Running(work) => work.upgrade().is_some(),
            Self::Done(value) => value.strong_count() > 0,
        }
    }
}

/// Work and results shared by key.
pub struct SingleFlight<K, V, E> {
    slots: Mutex<HashMap<K, Slot<V, E>>>,
}

impl<K, V, E> Default for SingleFlight<K, V, E> {
    fn default() -> Self {
        Self {
            slots: Mutex::new(HashMap::new()),
        }
    }
}

/// Keys kept before dead ones are swept out.
const SWEEP_AT: usize = 256;

impl<K, V, E> SingleFlight<K, V, E>
where
    K: Hash + Eq + Clone,
    V: Send + Sync + 'static,
    E: Clone + Send + Sync + 'static,
{
    /// The result for `key`: one still held by another request, the work running for it,
    /// or `work()` started now, and whether it was started by this call. Failures are shared
    /// with the requests that waited for them but not kept.
    pub async fn run<F>(&self, key: &K, work: impl FnOnce() -> F) -> (Result<Arc<V>, E>, bool)
    where
        F: Future<Output = Result<Arc<V>, E>> + Send + 'static,
    {
        let running = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            let joined = match slots.get(key) {
                Some(Slot::Done(value)) => match value.upgrade() {
                    Some(value) => return (Ok(value), false),
                    None => None,
                },
                Some(Slot::Running(work)) => work.upgrade(),
                None => None,
            };
            match joined {
                Some(running) => (running, false),
                None => {
                    if slots.len() >= SWEEP_AT {
                        slots.retain(|_, slot| slot.is_alive());
                    }
                    let running: Work<V, E> = work().boxed().shared();
                    if let Some(weak) = running.downgrade() {
                        slots.insert(key.clone(), Slot::Running(weak));
                    }
                    (running, true)
                }
            }
        };
        let (running, started) = running;
        let result = running.clone().await;
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let ours = matches!(
            slots.get(key),
            Some(Slot::Running(work)) if work.upgrade().is_some_and(|w| w.ptr_eq(&running))
        );
        if ours {
            match &result {
                Ok(value) => {
                    slots.insert(key.clone(), Slot::Done(Arc::downgrade(value)));
                }
                Err(_) => {
                    slots.remove(key);
                }
            }
        }
        (result, started)
    }
}

/// Background work by key, at most one running per key; clones share the keys.
pub struct Refreshes<K> {
    running: Arc<Mutex<HashSet<K>>>,
}

impl<K> Default for Refreshes<K> {
    fn default() -> Self {
        Self {
            running: Arc::new(Mutex::new(HashSet::new())),
        }
    }
}

impl<K> Clone for Refreshes<K> {
    fn clone(&self) -> Self {
        Self {
            running: Arc::clone(&self.running),
        }
    }
}

impl<K> Refreshes<K>
where
    K: Hash + Eq + Send + 'static,
{
    /// Spawns `work` for `key`, unless work for `key` is running already (then `work` is
    /// dropped unstarted). Returns whether it was spawned.
    pub fn spawn<F>(&self, key: K, work: F) -> bool
    where
        K: Clone,
        F: Future<Output = ()> + Send + 'static,
    {
        if !lock(&self.running).insert(key.clone()) {
            return false;
        }
        let running = Running {
            keys: Arc::clone(&self.running),
            key,
        };
        tokio::spawn(async move {
            // Dropped when the work ends, or is dropped with the runtime: the key is free.
            let _running = running;
            work.await;
        });
        true
    }
}

/// A key's place in [`Refreshes`], given up when dropped.
struct Running<K: Hash + Eq> {
    keys: Arc<Mutex<HashSet<K>>>,
    key: K,
}

impl<K: Hash + Eq> Drop for Running<K> {
    fn drop(&mut self) {
        lock(&self.keys).remove(&self.key);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    type Flight = SingleFlight<&'static str, String, String>;

    #[tokio::test]
    async fn identical_requests_at_once_share_one_run() {
        let flight = Arc::new(Flight::default());
        let runs = Arc::new(AtomicUsize::new(0));
        let asks = (0..50).map(|_| {
            let (flight, runs) = (flight.clone(), runs.clone());
            async move {
                flight
                    .run(&"key", || async move {
                        runs.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok(Arc::new("value".to_owned()))
                    })
                    .await
            }
        });
        let answers = futures_util::future::join_all(asks).await;
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(answers.iter().filter(|(_, started)| *started).count(), 1);
        assert!(
            answers
                .iter()
                .all(|(a, _)| a.as_deref() == Ok(&"value".to_owned()))
        );
    }

    #[tokio::test]
    async fn a_held_result_is_shared_and_a_released_one_is_made_again() {
        let flight = Flight::default();
        let runs = AtomicUsize::new(0);
        let make = || {
            runs.fetch_add(1, Ordering::SeqCst);
            async { Ok(Arc::new("value".to_owned())) }
        };
        let held = flight.run(&"key", make).await.0.unwrap();
        let again = flight.run(&"key", make).await.0.unwrap();
        assert!(Arc::ptr_eq(&held, &again));
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        drop((held, again));
        flight.run(&"key", make).await.0.unwrap();
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn work_nobody_waits_for_any_more_is_dropped() {
        struct Dropped(Arc<AtomicUsize>);
        impl Drop for Dropped {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let flight = Flight::default();
        let dropped = Arc::new(AtomicUsize::new(0));
        let guard = Dropped(dropped.clone());
        let waiting = flight.run(&"key", || async move {
            let _guard = guard;
            std::future::pending::<()>().await;
            Ok(Arc::new(String::new()))
        });
        let gave_up = tokio::time::timeout(Duration::from_millis(20), waiting).await;
        assert!(gave_up.is_err());
        assert_eq!(dropped.load(Ordering::SeqCst), 1, "the work was dropped");
        let fresh = flight
            .run(&"key", || async { Ok(Arc::new("new".to_owned())) })
            .await;
        assert_eq!(fresh.0.as_deref(), Ok(&"new".to_owned()));
    }

    #[tokio::test]
    async fn a_refresh_runs_once_until_it_ends() {
        let refreshes = Refreshes::default();
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let (done, ended) = tokio::sync::oneshot::channel();
        assert!(refreshes.spawn("key", async move {
            let _ = released.await;
            let _ = done.send(());
        }));
        for _ in 0..20 {
            assert!(!refreshes.spawn("key", async { unreachable!("a second refresh ran") }));
        }
        assert!(refreshes.spawn("other", async {}));
        release.send(()).unwrap();
        ended.await.unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while lock(&refreshes.running).contains("key") {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the key was never freed"
            );
            tokio::task::yield_now().await;
        }
        assert!(refreshes.spawn("key", async {}));
    }

    #[tokio::test]
    async fn a_failure_is_not_kept() {
        let flight = Flight::default();
        let failed = flight
            .run(&"key", || async { Err("down".to_owned()) })
            .await;
        assert_eq!(failed.0, Err("down".to_owned()));
        let next = flight
            .run(&"key", || async { Ok(Arc::new("up".to_owned())) })
            .await;
        assert_eq!(next.0.as_deref(), Ok(&"up".to_owned()));
    }
}
