# The single-node product out of the box:
#   docker build -t aftercare . && docker run -p 8080:8080 -v aftercare-data:/data aftercare
# serves the API on port 8080 with SQLite in the /data volume and the delivery loop embedded.
# The same image runs `worker` (see docker-compose.yml and deploy/kubernetes/).

# Dependencies are compiled in their own layer (cargo-chef): a source change rebuilds only the
# workspace crates, not the ~280 dependencies, as long as Cargo.toml and Cargo.lock stay.
FROM rust:1-bookworm AS chef
RUN cargo install cargo-chef --locked --version ^0.1
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS build
COPY --from=planner /src/recipe.json recipe.json
# libpq is compiled in, with TLS (the shared/postgres-tls feature links the system OpenSSL).
RUN cargo chef cook --release --recipe-path recipe.json --package api --features shared/postgres-tls
COPY . .
RUN cargo build --release --locked -p api -p worker --features shared/postgres-tls \
 && install -m 0755 target/release/api target/release/worker /usr/local/bin/

# Runtime: CA certificates (push providers, SMTP, PostgreSQL TLS) and OpenSSL for libpq. No
# shell tools: the health check is the binary's own `healthcheck` subcommand.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 aftercare \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home aftercare \
 && install -d -o 10001 -g 10001 -m 0750 /data
COPY --from=build /usr/local/bin/api /usr/local/bin/worker /usr/local/bin/
# No DATABASE_URL here: the default `sqlite://aftercare.db` is relative to WORKDIR /data, and a
# deployment that passes DATABASE_URL_FILE (Kubernetes, Docker secrets) must not also inherit a
# DATABASE_URL from the image (setting both is a start-up error).
ENV AFTERCARE_BIND=0.0.0.0:8080
VOLUME ["/data"]
WORKDIR /data
USER 10001:10001
EXPOSE 8080
# Probes /readyz on AFTERCARE_BIND (database, and the embedded delivery loop when it runs).
# A `worker` container overrides it with `worker healthcheck` (docker-compose.yml does).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD ["api", "healthcheck"]
CMD ["api", "serve"]
