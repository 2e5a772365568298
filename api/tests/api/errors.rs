//! Bad input gets a clear problem document, never a 5xx.

use crate::both_backends;
use crate::helpers::problem;

both_backends! {
    async fn unknown_routes_are_problem_404(app) {
        problem(app.get("/v1/nowhere", None).await, 404).await;
    }
}
