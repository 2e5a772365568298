//! Secrets read from files: `DATABASE_URL_FILE`, `AFTERCARE_JWT_SECRET_FILE`,
//! `AFTERCARE_SMTP_PASSWORD_FILE`, `AFTERCARE_VAPID_PRIVATE_KEY_FILE` and
//! `AFTERCARE_SMS_AUTH_TOKEN_FILE` name a file (a Docker secret under `/run/secrets`, a
//! Kubernetes Secret volume) whose content stands in for the plain variable. The `_FILE`
//! convention is the one the official Docker images use (e.g. `POSTGRES_PASSWORD_FILE`).

use std::collections::HashMap;

use super::ConfigError;
use super::settings::FROM_FILE;

/// Largest secret file read: a URL or key is far smaller; anything bigger is a wrong path.
const MAX_SECRET_BYTES: u64 = 64 * 1024;

/// The variables with every `_FILE` setting replaced by its file's content under the plain
/// name. One trailing line break is dropped (`echo secret > file` writes one).
///
/// # Errors
/// Names the `_FILE` setting when the plain form is set too (which one would win is a
/// guess nobody should have to make), when the file cannot be read, is empty or is too big.
/// The message carries the path, never the content.
pub(super) fn resolve(
    map: &HashMap<String, String>,
) -> Result<HashMap<String, String>, ConfigError> {
    let mut out = map.clone();
    let set = |name: &str| map.get(name).is_some_and(|v| !v.trim().is_empty());
    for (plain, file) in FROM_FILE {
        let error = |message: String| ConfigError {
            name: file.name.to_owned(),
            message,
        };
        out.remove(file.name);
        if !set(file.name) {
            continue;
        }
        if set(plain.name) {
            return Err(error(format!(
                "set either {} or {}, not both",
                plain.name, file.name
            )));
        }
        let path = map.get(file.name).map(|p| p.trim()).unwrap_or_default();
        let content = read(path).map_err(|e| error(format!("cannot read {path:?}: {e}")))?;
        let content = content
            .strip_suffix('\n')
            .map(|c| c.strip_suffix('\r').unwrap_or(c))
            .unwrap_or(&content);
        if content.trim().is_empty() {
            return Err(error(format!("{path:?} is empty")));
        }
        out.insert(plain.name.to_owned(), content.to_owned());
    }
    Ok(out)
}

fn read(path: &str) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a file".to_owned());
    }
    if meta.len() > MAX_SECRET_BYTES {
        return Err(format!("larger than {MAX_SECRET_BYTES} bytes"));
    }
    // The error of a non-UTF-8 file says so without quoting any of it.
    std::fs::read_to_string(path).map_err(|e| e.to_string())
}
