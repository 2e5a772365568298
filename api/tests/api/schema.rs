//! Both migration sets must produce the same tables, columns (name, type, nullability) and
//! indexes, or the one diesel schema would mean different things on each backend.

use std::collections::BTreeSet;

use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::Text;
use shared::db::{Backend, Db, DbConn, migrate};
use shared::testing::TestDatabase;

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    a: String,
    #[diesel(sql_type = Text)]
    b: String,
    #[diesel(sql_type = Text)]
    c: String,
    #[diesel(sql_type = Text)]
    d: String,
}

/// Types compared by meaning: what each backend calls the same storage class.
fn normalise(ty: &str) -> &'static str {
    match ty.to_ascii_lowercase().as_str() {
        "text" => "text",
        "integer" | "int" | "int4" | "bigint" | "int8" => "integer",
        "real" | "double precision" | "float8" => "real",
        "boolean" | "bool" => "boolean",
        "timestamp" | "timestamp without time zone" => "timestamp",
        _ => "OTHER",
    }
}

fn columns(conn: &mut DbConn) -> BTreeSet<(String, String, String, String)> {
    let rows: Vec<Row> = match conn {
        DbConn::Pg(pg) => sql_query(
            "SELECT table_name::text AS a, column_name::text AS b, data_type::text AS c, \
             is_nullable::text AS d FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'",
        )
        .load(pg)
        .unwrap(),
        DbConn::Sqlite(lite) => sql_query(
            "SELECT m.name AS a, p.name AS b, p.type AS c, \
             CASE WHEN p.\"notnull\" = 1 OR p.pk > 0 THEN 'NO' ELSE 'YES' END AS d \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
             AND m.name <> '__diesel_schema_migrations'",
        )
        .load(lite)
        .unwrap(),
    };
    rows.into_iter()
        .map(|r| (r.a, r.b, normalise(&r.c).to_owned(), r.d))
        .collect()
}

fn indexes(conn: &mut DbConn) -> BTreeSet<String> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let rows: Vec<Name> = match conn {
        DbConn::Pg(pg) => sql_query(
            "SELECT indexname::text AS name FROM pg_indexes WHERE schemaname = 'public' \
             AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key'",
        )
        .load(pg)
        .unwrap(),
        DbConn::Sqlite(lite) => sql_query(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%'",
        )
        .load(lite)
        .unwrap(),
    };
    rows.into_iter().map(|r| r.name).collect()
}

#[tokio::test]
async fn both_backends_have_the_same_schema() {
    let Some(pg_db) = TestDatabase::new(Backend::Postgres) else {
        return;
    };
    let lite_db = TestDatabase::new(Backend::Sqlite).unwrap();
    let mut found = Vec::new();
    for t in [&pg_db, &lite_db] {
        let db = Db::connect(&t.url, 1).unwrap();
        let mut conn = db.get().unwrap();
        assert!(migrate::run_pending(&mut conn).unwrap() > 0);
        assert!(migrate::is_up_to_date(&mut conn).unwrap());
        found.push((columns(&mut conn), indexes(&mut conn)));
    }
    let (pg, lite) = (&found[0], &found[1]);
    assert!(
        pg.0.len() > 100,
        "expected the whole product's schema, got {} columns",
        pg.0.len()
    );
    assert!(
        !pg.0.iter().any(|c| c.2 == "OTHER"),
        "unexpected column type: {:?}",
        pg.0
    );
    let only_pg: Vec<_> = pg.0.difference(&lite.0).collect();
    let only_lite: Vec<_> = lite.0.difference(&pg.0).collect();
    assert!(
        only_pg.is_empty() && only_lite.is_empty(),
        "PostgreSQL only: {only_pg:?}\nSQLite only: {only_lite:?}"
    );
    assert_eq!(pg.1, lite.1, "indexes differ");
    assert!(pg.1.contains("prompts_pending"));
}

#[tokio::test]
async fn migrations_are_idempotent() {
    let t = TestDatabase::new(Backend::Sqlite).unwrap();
    let db = Db::connect(&t.url, 1).unwrap();
    let mut conn = db.get().unwrap();
    assert!(migrate::run_pending(&mut conn).unwrap() > 0);
    assert_eq!(migrate::run_pending(&mut conn).unwrap(), 0);
}
