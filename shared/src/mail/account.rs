//! Account emails (invitations, password resets) in the user's locale.
