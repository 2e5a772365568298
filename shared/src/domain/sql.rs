//! How domain values live in `Text` columns, on every backend [`crate::db::DbConn`] can be.
//!
//! Each type gets one generic `ToSql`/`FromSql` pair over any backend that can already store a
//! `str` and load a `String`. That covers `Pg` and `Sqlite` and also the connection's own
//! `MultiBackend`, whose impls for `str`/`String` pick the right backend at run time; a
//! per-backend impl alone would not let a row load through `DbConn`.

/// A stored text that is not a value of its column's type (an unknown code, a zone name the
/// time zone database does not know, malformed JSON).
///
/// Rows are only ever written from parsed values, so this is corrupt data: loading fails with
/// `diesel::result::Error::DeserializationError` holding this error, which the service reports
/// as an internal error. It is never replaced by a default.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("corrupt stored {ty}: {reason}")]
pub struct CorruptValue {
    /// The Rust type the column holds, e.g. `PromptStatus`.
    pub ty: &'static str,
    /// What is wrong, quoting the stored code or name.
    pub reason: String,
}

/// Implements `ToSql<Text, DB>` and `FromSql<Text, DB>` for `$ty`, for every backend `DB`.
///
/// `|$v| $text` borrows the stored text from `$v: &$ty`; `|$raw| $parse` turns the stored
/// `$raw: &str` back into `Result<$ty, String>`, whose error becomes a [`CorruptValue`]. The type
/// itself derives `diesel::expression::AsExpression` and `diesel::deserialize::FromSqlRow` with `sql_type = Text`.
macro_rules! text_sql {
    ($ty:ty, |$v:ident| $text:expr, |$raw:ident| $parse:expr $(,)?) => {
        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $ty
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                let $v = self;
                let text: &'b str = $text;
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(text, out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $ty
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let stored = <String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    DB,
                >>::from_sql(bytes)?;
                let $raw: &str = &stored;
                let parsed: Result<$ty, String> = $parse;
                parsed.map_err(|reason| {
                    Box::new($crate::domain::CorruptValue {
                        ty: stringify!($ty),
                        reason,
                    }) as Box<dyn std::error::Error + Send + Sync>
                })
            }
        }
    };
}
pub(crate) use text_sql;
