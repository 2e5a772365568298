//! The patient web app in a real browser (issue 27, "Tests").

mod harness;
