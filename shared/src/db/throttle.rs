//! Failed-login counters shared by every API replica.
