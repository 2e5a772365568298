//! The strength rules a new password must meet.

use crate::error::{Error, FieldError};

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 128;

/// A few of the passwords every list of breached passwords starts with.
const COMMON: &[&str] = &[
    "password",
    "password1",
    "password123",
    "1234567890",
    "12345678910",
    "qwertyuiop",
    "iloveyou123",
    "aftercare",
    "microneedling",
    "letmein123",
    "welcome123",
    "qwerty12345",
];

/// Checks the strength rules; `field` names the JSON field in the 422.
pub fn check_strength(field: &str, password: &str, email: Option<&str>) -> Result<(), Error> {
    let mut problems = Vec::new();
    let chars = password.chars().count();
    if chars < MIN_LEN {
        problems.push(format!("must be at least {MIN_LEN} characters"));
    }
    if chars > MAX_LEN {
        problems.push(format!("must be at most {MAX_LEN} characters"));
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) {
        problems.push("is too common".to_owned());
    }
    let distinct = {
        let mut c: Vec<char> = password.chars().collect();
        c.sort_unstable();
        c.dedup();
        c.len()
    };
    if chars >= MIN_LEN && distinct < 4 {
        problems.push("must use at least 4 different characters".to_owned());
    }
    if let Some(local) = email
        .and_then(|e| e.split('@').next())
        .filter(|l| l.len() >= 4)
    {
        if lower.contains(local) {
            problems.push("must not contain your email address".to_owned());
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(
            problems
                .into_iter()
                .map(|m| FieldError::new(field, m))
                .collect(),
        ))
    }
}
