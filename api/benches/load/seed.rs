//! The clinic under load: patients written through the use cases, signed in over HTTP.

use std::sync::Arc;

use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::Text;
use shared::db::Db;
use shared::protocol::Protocol;
use shared::testing::fixtures;

pub struct Clinic {
    /// Every patient's sign-in email (password `fixtures::FIXTURE_PASSWORD`).
    pub emails: Vec<String>,
    /// Every patient's id, in the order of `emails`.
    pub ids: Vec<shared::domain::PatientId>,
}

/// One clinic of `patients`, as the console bench seeds it (`benches/common/clinic.rs`).
pub async fn clinic(db: &Db, patients: usize) -> Clinic {
    let protocol = shared::care::Protocols::new(Arc::new(Protocol::builtin().unwrap()));
    let seeded = crate::common::clinic(db, &protocol, patients).await;
    let (ids, emails) = seeded.patients.into_iter().unzip();
    Clinic { emails, ids }
}

/// Opens a web app session for every patient (`shared::care::auth::app::open`, what signing in
/// to `/app/` ends with, without argon2's cost a thousand times over); returns the session
/// cookies (`aftercare_app=<secret>`) in the order of `ids`.
pub async fn app_sessions(db: &Db, ids: &[shared::domain::PatientId]) -> Vec<String> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let secret = shared::care::auth::app::open(db, &id.as_user(), None)
            .await
            .unwrap();
        out.push(format!(
            "{}={secret}",
            api::app_web::session::SESSION_COOKIE
        ));
    }
    out
}

/// Signs every patient in through `POST /v1/auth/login`, two at a time (argon2 is the cost);
/// returns their access tokens in the order of `emails`.
pub async fn sign_in(base: &str, emails: &[String]) -> Vec<String> {
    let client = reqwest::Client::new();
    let mut tokens = vec![String::new(); emails.len()];
    let mut tasks = tokio::task::JoinSet::new();
    for lane in 0..2 {
        let (client, base) = (client.clone(), base.to_owned());
        let mine: Vec<(usize, String)> = emails
            .iter()
            .cloned()
            .enumerate()
            .filter(|(i, _)| i % 2 == lane)
            .collect();
        tasks.spawn(async move {
            let mut out = Vec::new();
            for (i, email) in mine {
                let res = client
                    .post(format!("{base}/v1/auth/login"))
                    .json(&serde_json::json!({
                        "email": email,
                        "password": fixtures::FIXTURE_PASSWORD,
                    }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status().as_u16(), 200, "login failed");
                let body: serde_json::Value = res.json().await.unwrap();
                out.push((i, body["access_token"].as_str().unwrap().to_owned()));
            }
            out
        });
    }
    while let Some(done) = tasks.join_next().await {
        for (i, token) in done.unwrap() {
            tokens[i] = token;
        }
    }
    tokens
}

/// A patient's values as the API binds them: user id, login session, current treatment, clinic.
#[derive(Debug, Clone, QueryableByName)]
pub struct Keys {
    #[diesel(sql_type = Text)]
    pub uid: String,
    #[diesel(sql_type = Text)]
    pub sid: String,
    #[diesel(sql_type = Text)]
    pub tid: String,
    #[diesel(sql_type = Text)]
    pub cid: String,
}

impl Keys {
    /// The pgbench variable each of this patient's values becomes.
    pub fn variables(&self) -> [(&str, &'static str); 4] {
        [
            (&self.uid, "uid"),
            (&self.sid, "sid"),
            (&self.tid, "tid"),
            (&self.cid, "cid"),
        ]
    }
}

/// `bench_keys (n, uid, sid, tid, cid)`: every signed-in patient numbered from 1, so pgbench
/// can pick one at random with a primary-key lookup. Returned in the order of the sign-ins'
/// sessions (the first row is the first signed-in patient's).
pub fn bench_keys(db: &Db) -> Vec<Keys> {
    let mut conn = db.get().unwrap();
    sql_query(
        "CREATE TABLE bench_keys AS SELECT (row_number() OVER (ORDER BY s.created_at, s.id))::int \
         AS n, s.user_id AS uid, s.id AS sid, t.id AS tid, p.clinic_id AS cid FROM sessions s \
         JOIN patient_profiles p ON p.user_id = s.user_id \
         JOIN treatments t ON t.patient_id = s.user_id",
    )
    .execute(&mut conn)
    .unwrap();
    sql_query("ALTER TABLE bench_keys ADD PRIMARY KEY (n)")
        .execute(&mut conn)
        .unwrap();
    sql_query("ANALYZE").execute(&mut conn).unwrap();
    sql_query("SELECT uid, sid, tid, cid FROM bench_keys ORDER BY n")
        .load(&mut conn)
        .unwrap()
}

/// The `sub` claim (user id) of an access token.
pub fn subject(token: &str) -> String {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&json).unwrap();
    claims["sub"].as_str().unwrap().to_owned()
}
