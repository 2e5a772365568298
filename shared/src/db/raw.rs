//! Raw statements whose SQL differs between the backends (`FOR UPDATE SKIP LOCKED`,
//! `GREATEST` against `max`, `$1` against `?1`) but whose values do not: the values are listed
//! once as [`Param`]s and bound in order on whichever backend the connection is.

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};
use diesel::sqlite::Sqlite;
use diesel::{QueryResult, QueryableByName, RunQueryDsl, sql_query};

use super::DbConn;

/// One bound value, in the statement's parameter order (`$1`/`?1` first).
#[derive(Debug, Clone, Copy)]
pub enum Param<'a> {
    Text(&'a str),
    Timestamp(NaiveDateTime),
    BigInt(i64),
    /// Text or SQL NULL.
    OptText(Option<&'a str>),
    /// A 32-bit integer or SQL NULL (PostgreSQL: write `CAST($n AS INTEGER)` where a `VALUES`
    /// list needs its column typed).
    OptInt(Option<i32>),
}

/// The same statement in each backend's dialect.
#[derive(Debug, Clone, Copy)]
pub struct Sql<'s> {
    /// PostgreSQL, parameters `$1`, `$2`, …
    pub pg: &'s str,
    /// SQLite, parameters `?1`, `?2`, …
    pub sqlite: &'s str,
}

impl<'s> Sql<'s> {
    /// A statement built for the connection's own dialect (with [`placeholder`]), used as is.
    pub fn built(sql: &'s str) -> Self {
        Self {
            pg: sql,
            sqlite: sql,
        }
    }
}

/// The `i`th (1-based) parameter placeholder in the connection's dialect: `$i` on PostgreSQL,
/// `?i` on SQLite. For statements whose length depends on the data, built once per call.
pub fn placeholder(conn: &DbConn, i: usize) -> String {
    match conn {
        DbConn::Pg(_) => format!("${i}"),
        DbConn::Sqlite(_) => format!("?{i}"),
    }
}

/// A boxed `sql_query` for `$backend` with every value of `$params` bound.
macro_rules! bound {
    ($sql:expr, $backend:ty, $params:expr) => {{
        let mut q = sql_query($sql).into_boxed::<$backend>();
        for p in $params {
            q = match *p {
                Param::Text(v) => q.bind::<Text, _>(v),
                Param::Timestamp(v) => q.bind::<Timestamp, _>(v),
                Param::BigInt(v) => q.bind::<BigInt, _>(v),
                Param::OptText(v) => q.bind::<Nullable<Text>, _>(v),
                Param::OptInt(v) => q.bind::<Nullable<Integer>, _>(v),
            };
        }
        q
    }};
}

/// Runs `sql` with `params` and loads every row it returns.
///
/// # Errors
/// The database's.
pub fn load<T>(conn: &mut DbConn, sql: Sql<'_>, params: &[Param<'_>]) -> QueryResult<Vec<T>>
where
    T: QueryableByName<Pg> + QueryableByName<Sqlite> + 'static,
{
    match conn {
        DbConn::Pg(pg) => bound!(sql.pg, Pg, params).load(pg),
        DbConn::Sqlite(lite) => bound!(sql.sqlite, Sqlite, params).load(lite),
    }
}

/// Runs `sql` with `params` and loads the one row it returns.
///
/// # Errors
/// `NotFound` when it returns none; the database's.
pub fn get_result<T>(conn: &mut DbConn, sql: Sql<'_>, params: &[Param<'_>]) -> QueryResult<T>
where
    T: QueryableByName<Pg> + QueryableByName<Sqlite> + 'static,
{
    load(conn, sql, params)?
        .into_iter()
        .next()
        .ok_or(diesel::result::Error::NotFound)
}
