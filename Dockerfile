# syntax=docker/dockerfile:1
#
# getimages as a static musl binary on an empty image, for Fly.io Machines that
# start on a request and stop themselves when idle: a small image pulls and
# starts fast. Build: docker build -t getimages .   Run: docker run -p 8080:8080 getimages

# --- chef: the toolchain, the musl target and cargo-chef, shared by the next two stages.
FROM rust:1-bookworm AS chef
ARG TARGET=x86_64-unknown-linux-musl
# A pinned cargo-chef: a new release can change the recipe format or its flags.
ARG CARGO_CHEF_VERSION=0.1.78
# musl-tools gives musl-gcc, for the crates that compile C from source with cc: ring (under
# rustls), libwebp (libwebp-sys) and libjpeg-turbo (mozjpeg-sys). nasm assembles
# libjpeg-turbo's SIMD code; without it mozjpeg-sys builds, warns, and decodes far slower.
RUN rustup target add "$TARGET" \
 && apt-get update \
 && apt-get install -y --no-install-recommends musl-tools nasm \
 && rm -rf /var/lib/apt/lists/* \
 && cargo install cargo-chef --locked --version "$CARGO_CHEF_VERSION"
WORKDIR /app

# --- planner: reduce the project to its manifests (recipe.json). The recipe only
# changes when dependencies do, so the next stage's dependency layer stays cached.
FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

# --- builder: build the dependencies alone (cached), then our code.
FROM chef AS builder
ARG TARGET=x86_64-unknown-linux-musl
COPY --from=planner /app/recipe.json recipe.json
RUN cargo chef cook --release --locked --target "$TARGET" --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked --target "$TARGET" --bin getimages \
 && cp "target/$TARGET/release/getimages" /getimages \
 && mkdir /cache

# --- runtime: nothing but the static binary (15.9 MiB with libwebp and libjpeg-turbo:
# 16,669,032 bytes, 6.0 MiB gzipped; the image barely more) and
# an empty /cache for the disk cache (mount a Fly volume there to keep it across starts).
# No CA bundle: outgoing HTTPS uses reqwest with rustls and the compiled-in
# webpki-roots, so there is no /etc/ssl to ship. No shell and no curl either, so no
# HEALTHCHECK here: Fly checks GET /healthz from outside (see fly.toml).
FROM scratch
COPY --from=builder /getimages /getimages
COPY --from=builder --chown=65532:65532 /cache /cache
# A numeric user works without /etc/passwd; 65532 is the usual "nonroot".
USER 65532:65532
EXPOSE 8080
# The binary allocates with musl's own malloc, which gives memory back to the system as it
# is freed: docs/memory.md has the figures that chose it.
ENV PORT=8080 GETIMAGES_HOST=0.0.0.0 GETIMAGES_CACHE_DIR=/cache
# Exec form: no shell in between, so the stop signal (SIGTERM) reaches the server itself.
ENTRYPOINT ["/getimages"]
