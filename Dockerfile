# Builds both binaries; libpq is compiled in, with TLS (postgres-tls feature).
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p api -p worker --features shared/postgres-tls \
 && cp target/release/api target/release/worker /usr/local/bin/

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl libssl3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 aftercare
COPY --from=build /usr/local/bin/api /usr/local/bin/worker /usr/local/bin/
USER aftercare
EXPOSE 8080
CMD ["api", "serve"]
