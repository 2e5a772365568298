//! One-time codes (invitations and password resets), stored hashed.
