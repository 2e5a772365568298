//! Login sessions and their rotating refresh tokens.
