//! Apple Push Notification service, provider API over HTTP/2.
