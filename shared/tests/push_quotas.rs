//! The shared send-permit row (`shared::db::quotas`) on both backends: a window grants its
//! capacity once across reservations, windows never move back, and a 429 pause grants nothing
//! until it ends and is only ever lengthened.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use shared::db::quotas::{pause, paused_until, reserve};
use shared::db::{Backend, Db, DbConn, migrate};
use shared::testing::TestDatabase;

fn each_backend(check: impl Fn(&mut DbConn)) {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(t) = TestDatabase::new(backend) else {
            continue;
        };
        let db = Db::connect(&t.url, 1).unwrap();
        let mut conn = db.get().unwrap();
        migrate::run_pending(&mut conn).unwrap();
        check(&mut conn);
    }
}

#[test]
fn a_window_grants_its_capacity_once_and_never_moves_back() {
    each_backend(|c| {
        let t0 = shared::time::now();
        let w0 = t0 - Duration::seconds(1);
        let w1 = t0;
        let g = |c: &mut DbConn, want, window| reserve(c, "fcm:p", want, 10, window, t0).unwrap();
        assert_eq!(g(c, 4, w0).granted, 4);
        assert_eq!(g(c, 4, w0).granted, 4);
        assert_eq!(g(c, 4, w0).granted, 2, "only what is left");
        assert_eq!(g(c, 4, w0).granted, 0, "spent");
        let next = g(c, 25, w1);
        assert_eq!(
            (next.granted, next.window_start),
            (10, w1),
            "capped by capacity"
        );
        // A lagging clock still asks for w0: it gets the later window, already spent.
        let late = g(c, 1, w0);
        assert_eq!((late.granted, late.window_start), (0, w1));
        assert_eq!(
            reserve(c, "fcm:other", 3, 10, w0, t0).unwrap().granted,
            3,
            "per key"
        );
    });
}

#[test]
fn a_pause_grants_nothing_until_it_ends_and_only_lengthens() {
    each_backend(|c| {
        let t0 = shared::time::now();
        assert_eq!(paused_until(c, "fcm:p").unwrap(), None);
        let until = t0 + Duration::seconds(30);
        assert_eq!(pause(c, "fcm:p", until, t0).unwrap(), until);
        assert_eq!(
            pause(c, "fcm:p", t0 + Duration::seconds(5), t0).unwrap(),
            until,
            "a shorter Retry-After keeps the longer pause"
        );
        assert_eq!(paused_until(c, "fcm:p").unwrap(), Some(until));
        let during = reserve(c, "fcm:p", 5, 10, t0, t0).unwrap();
        assert_eq!((during.granted, during.paused_until), (0, Some(until)));
        let after = until + Duration::seconds(1);
        assert_eq!(reserve(c, "fcm:p", 5, 10, after, after).unwrap().granted, 5);
    });
}

#[test]
fn a_clock_far_ahead_cannot_stall_the_others() {
    each_backend(|c| {
        let t0 = shared::time::now();
        // A worker whose clock runs an hour ahead opens its window and sets a pause.
        let ahead = t0 + Duration::hours(1);
        assert_eq!(reserve(c, "fcm:p", 4, 10, ahead, ahead).unwrap().granted, 4);
        let bogus = ahead + Duration::seconds(60);
        assert_eq!(pause(c, "fcm:p", bogus, ahead).unwrap(), bogus);
        // A worker on time is neither held to that window nor to that pause.
        let g = reserve(c, "fcm:p", 4, 10, t0, t0).unwrap();
        assert_eq!((g.granted, g.window_start, g.paused_until), (4, t0, None));
        // A pause it sets itself replaces a bogus one rather than keeping it.
        pause(c, "fcm:p", bogus, ahead).unwrap();
        let mine = t0 + Duration::seconds(30);
        assert_eq!(pause(c, "fcm:p", mine, t0).unwrap(), mine);
    });
}
