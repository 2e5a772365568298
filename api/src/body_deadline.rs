//! A request body must arrive within `AFTERCARE_BODY_TIMEOUT_SECS` of its request's head, or the
//! request is answered 408 Request Timeout (RFC 9110 §15.5.9) and the connection closed.
//!
//! actix bounds the time to receive a request's head (`client_request_timeout`), not its body:
//! a client that sends a `Content-Length` and then stalls would otherwise hold a connection and
//! a worker's extractor forever. [`bound`] wraps the body's stream with a deadline for the
//! whole body (not per chunk, so trickling a byte at a time does not extend it); whichever
//! extractor was reading it fails, and the middleware answers 408 in its place.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{HttpMessage, ResponseError, web};
use futures_core::Stream;
use tokio::time::Sleep;

use crate::error::Refusal;
use crate::state::AppState;

/// The middleware (`from_fn`). Requests without a body pass untouched.
pub async fn bound(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let has_body = req.headers().contains_key(TRANSFER_ENCODING)
        || req
            .headers()
            .get(CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    let limit = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.config.body_timeout_secs);
    let (true, Some(limit)) = (has_body, limit) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let refusal = |limit: u64| {
        Refusal::new(
            StatusCode::REQUEST_TIMEOUT,
            "Request Timeout",
            format!("The request body did not arrive within {limit} seconds."),
        )
    };
    // A small body of known length is read whole before any handler runs: a handler that
    // answers without reading it (a 401, a 404) then leaves nothing unread on the connection,
    // which can carry the client's next request instead of being closed under it.
    let length = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(length) = length.filter(|n| *n <= READ_AHEAD) {
        let mut payload = req.take_payload();
        let read = async {
            let mut body = web::BytesMut::with_capacity(length);
            while let Some(chunk) =
                std::future::poll_fn(|cx| Pin::new(&mut payload).poll_next(cx)).await
            {
                body.extend_from_slice(&chunk?);
            }
            Ok::<_, PayloadError>(body.freeze())
        };
        match tokio::time::timeout(Duration::from_secs(limit), read).await {
            Ok(Ok(body)) => {
                req.set_payload(Payload::from(body));
                return next
                    .call(req)
                    .await
                    .map(ServiceResponse::map_into_boxed_body);
            }
            Ok(Err(_)) => {
                let unreadable = Refusal::new(
                    StatusCode::BAD_REQUEST,
                    "Bad Request",
                    "The request body could not be read.",
                );
                return Ok(req.into_response(closing(unreadable.error_response())));
            }
            Err(_) => return Ok(req.into_response(closing(refusal(limit).error_response()))),
        }
    }
    let expired = Rc::new(Cell::new(false));
    let body = Deadline {
        inner: req.take_payload(),
        timer: Box::pin(tokio::time::sleep(Duration::from_secs(limit))),
        expired: expired.clone(),
    };
    let body: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(body);
    req.set_payload(Payload::from(body));
    let answered = next.call(req).await;
    if !expired.get() {
        return answered.map(ServiceResponse::map_into_boxed_body);
    }
    let refusal = refusal(limit);
    let resp = closing(refusal.error_response());
    match answered {
        Ok(answered) => Ok(answered.into_response(resp)),
        // An error from further in is answered with the same closing 408.
        Err(_) => Err(actix_web::error::InternalError::from_response(refusal, resp).into()),
    }
}

/// Bodies up to this many bytes (the JSON bodies' limit) are read ahead of the handler.
const READ_AHEAD: usize = crate::extractors_config::JSON_LIMIT;

/// `resp` on a connection that is then closed: the rest of the body may still come, so the
/// connection cannot carry another request.
fn closing(mut resp: actix_web::HttpResponse) -> actix_web::HttpResponse {
    resp.head_mut()
        .set_connection_type(actix_web::http::ConnectionType::Close);
    resp
}

/// The request's body stream, ended with an error once `timer` fires.
struct Deadline {
    inner: Payload,
    timer: Pin<Box<Sleep>>,
    expired: Rc<Cell<bool>>,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.expired.get() {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        match self.timer.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => {
                self.expired.set(true);
                let late = std::io::Error::new(std::io::ErrorKind::TimedOut, "body too slow");
                Poll::Ready(Some(Err(PayloadError::Io(late))))
            }
        }
    }
}
