//! `Db::run` on both backends: callers waiting for a connection are served in arrival order, and
//! a caller that waits longer than the connection wait gets `Unavailable` instead of hanging.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::sync::{Arc, Mutex, mpsc};
use std::task::{Context, Waker};
use std::time::{Duration, Instant};

use shared::db::{Backend, Db};
use shared::error::Error;
use shared::testing::TestDatabase;

/// A one-connection pool on each reachable backend (the database stays alive with it).
fn one_connection_pools() -> Vec<(TestDatabase, Db)> {
    [Backend::Sqlite, Backend::Postgres]
        .into_iter()
        .filter_map(TestDatabase::new)
        .map(|t| {
            let db = Db::connect(&t.url, 1).unwrap();
            (t, db)
        })
        .collect()
}

/// Takes the only connection until the returned sender is dropped or sent to.
async fn hold_the_connection(db: &Db) -> (mpsc::Sender<()>, tokio::task::JoinHandle<()>) {
    let (release, held) = mpsc::channel::<()>();
    let (taken_tx, taken) = tokio::sync::oneshot::channel();
    let holder = db.clone();
    let task = tokio::spawn(async move {
        holder
            .run(move |_| {
                let _ = taken_tx.send(());
                let _ = held.recv();
                Ok(())
            })
            .await
            .unwrap();
    });
    taken.await.unwrap();
    (release, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_callers_get_the_connection_in_arrival_order() {
    for (_t, db) in one_connection_pools() {
        let (release, holder) = hold_the_connection(&db).await;
        let served = Arc::new(Mutex::new(Vec::new()));
        // Each caller is polled once, so it is queued, before the next one is made.
        let mut waiting = Vec::new();
        for i in 0..6 {
            let served = served.clone();
            let mut call = Box::pin(db.run(move |_| {
                served.lock().unwrap().push(i);
                Ok(())
            }));
            let queued = call.as_mut().poll(&mut Context::from_waker(Waker::noop()));
            assert!(queued.is_pending(), "served while the connection is held");
            waiting.push(call);
        }
        release.send(()).unwrap();
        holder.await.unwrap();
        for call in waiting {
            call.await.unwrap();
        }
        assert_eq!(*served.lock().unwrap(), vec![0, 1, 2, 3, 4, 5]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_waits_too_long_is_told_the_database_is_unavailable() {
    for (_t, db) in one_connection_pools() {
        let db = db.with_connection_wait(Duration::from_millis(300));
        let (release, holder) = hold_the_connection(&db).await;
        let started = Instant::now();
        let err = db.run(|_| Ok(())).await.unwrap_err();
        let waited = started.elapsed();
        assert!(matches!(err, Error::Unavailable(_)), "{err:?}");
        assert!(waited >= Duration::from_millis(300), "{waited:?}");
        assert!(waited < Duration::from_secs(5), "bounded: {waited:?}");
        release.send(()).unwrap();
        holder.await.unwrap();
        db.run(|_| Ok(()))
            .await
            .expect("served once the connection is back");
    }
}
