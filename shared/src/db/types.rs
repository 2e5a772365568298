//! Column types that have no domain meaning of their own. Domain values (codes, time zones, ids)
//! map to their `Text` columns in [`crate::domain`]; this module re-exports the error they share.

use std::any::type_name;
use std::ops::Deref;

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Text;
use diesel::sqlite::Sqlite;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::MultiBackend;
pub use crate::domain::CorruptValue;

/// A list stored as JSON text in a `Text` column, e.g. `treatments.areas` as `["face","neck"]`.
///
/// Elements are written with their serde form (a code enum's code). Text that is not a JSON
/// array of `T` loads as a [`CorruptValue`] quoting serde's reason (which names the offending
/// element and position); the whole text is not quoted, as these lists can be health data.
#[derive(Debug, Clone, PartialEq, Eq, Hash, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct JsonList<T>(pub Vec<T>);

// Not derived: the derive would ask for `T: Default`, which an empty list does not need.
impl<T> Default for JsonList<T> {
    fn default() -> Self {
        JsonList(Vec::new())
    }
}

impl<T> JsonList<T> {
    pub fn into_vec(self) -> Vec<T> {
        self.0
    }
}

impl<T> Deref for JsonList<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T> From<Vec<T>> for JsonList<T> {
    fn from(v: Vec<T>) -> Self {
        JsonList(v)
    }
}

impl<T> FromIterator<T> for JsonList<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        JsonList(iter.into_iter().collect())
    }
}

impl<T: Serialize> JsonList<T> {
    /// The stored text.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(&self.0)
    }
}

impl<T: DeserializeOwned> JsonList<T> {
    /// Parses stored text; see the type's documentation for the error.
    pub fn from_json(text: &str) -> Result<Self, CorruptValue> {
        serde_json::from_str(text)
            .map(JsonList)
            .map_err(|e| CorruptValue {
                ty: type_name::<Self>(),
                reason: format!("not a JSON list: {e}"),
            })
    }
}

// Unlike the domain types, the stored text is made on the fly and cannot be lent to a backend
// that keeps a borrow, so each backend gets its own impl: PostgreSQL copies the bytes, SQLite
// takes the owned string, and the connection's `MultiBackend` defers to whichever of the two
// runs the query.
impl<T: Serialize + std::fmt::Debug> ToSql<Text, Pg> for JsonList<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        use std::io::Write;
        out.write_all(self.to_json()?.as_bytes())?;
        Ok(IsNull::No)
    }
}

impl<T: Serialize + std::fmt::Debug> ToSql<Text, Sqlite> for JsonList<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.to_json()?);
        Ok(IsNull::No)
    }
}

impl<T> ToSql<Text, MultiBackend> for JsonList<T>
where
    T: Serialize + std::fmt::Debug + Send + Sync + 'static,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((Text, self));
        Ok(IsNull::No)
    }
}

impl<T, DB> FromSql<Text, DB> for JsonList<T>
where
    T: DeserializeOwned,
    DB: diesel::backend::Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let text = String::from_sql(bytes)?;
        Ok(Self::from_json(&text)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Area;

    #[test]
    fn stores_codes_as_a_json_array() {
        let areas: JsonList<Area> = vec![Area::Face, Area::Neck].into();
        assert_eq!(areas.to_json().unwrap(), r#"["face","neck"]"#);
        assert_eq!(
            JsonList::<Area>::from_json(r#"["face","neck"]"#).unwrap(),
            areas
        );
        assert_eq!(JsonList::<Area>::from_json("[]").unwrap().len(), 0);
    }

    #[test]
    fn corrupt_text_names_what_is_wrong() {
        let err = JsonList::<Area>::from_json(r#"["face","elbow"]"#).unwrap_err();
        assert!(err.reason.contains("elbow"), "{err}");
        assert!(JsonList::<Area>::from_json("face").is_err());
        assert!(JsonList::<Area>::from_json(r#"{"face":1}"#).is_err());
    }
}
