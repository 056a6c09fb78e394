# The ispo container image: ispo built from this checkout, on Debian slim
# with git and the OpenSSH client (ispo fetches catalogs with the system's
# git), run as a non-root user. For CI jobs on GitLab, Azure Pipelines,
# Bitbucket Pipelines or Jenkins (`image:`), and for people without Rust:
#
#   docker build --build-arg ISPO_BUILD_COMMIT="$(git rev-parse --short=12 HEAD)" -t ispo .
#   docker run --rm -v "$PWD:/work" ispo check
#
# Linted by hadolint in .ci/run (the image itself cannot be built there:
# that machine has no container registry).

# The builder's toolchain: the lock file needs Rust 1.88 or newer.
ARG RUST_IMAGE=rust:1.94-slim-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${RUST_IMAGE} AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
COPY catalog ./catalog
# `ispo --version` names this commit (the build context has no .git).
ARG ISPO_BUILD_COMMIT=unknown
# libgit2 and zlib are compiled in (the slim image has a C compiler and no
# pkg-config), so the runtime image needs neither.
RUN cargo build --release --locked --bin ispo \
    && install -m 0755 target/release/ispo /usr/local/bin/ispo

FROM ${RUNTIME_IMAGE}
LABEL org.opencontainers.image.title="ispo" \
      org.opencontainers.image.description="Assemble company-specific InnerSource kits from a shared catalog, and keep them up to date" \
      org.opencontainers.image.licenses="Apache-2.0"
# Debian's current git and OpenSSH client (bookworm keeps only the latest
# point release, so a pinned version would stop building).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates git openssh-client \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/bin/ispo /usr/local/bin/ispo
RUN useradd --create-home --uid 10001 --user-group ispo \
    && git config --system --add safe.directory /work
USER 10001:10001
WORKDIR /work
ENTRYPOINT ["ispo"]
CMD ["--help"]
