# Tally's container image: built with the official Swift image, run on a slim Debian with only
# SQLite's library, as an unprivileged user, the database on a volume.
#
#   docker build --build-arg TALLY_BUILD_COMMIT=$(git rev-parse --short=12 HEAD) -t tally .
#   docker run -p 8080:8080 -v tally-data:/var/lib/tally tally serve --demo
#
# scripts/package builds the same release binary the same way and runs it the way this image
# does (an empty directory, an unprivileged user, no toolchain), so CI checks it without Docker.
ARG SWIFT_IMAGE=swift:6.3-bookworm

FROM ${SWIFT_IMAGE} AS build
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        libsqlite3-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The manifest and pinned versions first, so that a source change does not fetch them again.
COPY Package.swift Package.resolved ./
RUN swift package resolve
COPY . .
# The image has no .git: the commit comes in as a build argument (tally --version shows it).
ARG TALLY_BUILD_COMMIT=unknown
ENV TALLY_BUILD_COMMIT=${TALLY_BUILD_COMMIT}
RUN swift build -c release --product tally --static-swift-stdlib \
    && install -m 0755 "$(swift build -c release --show-bin-path)/tally" /usr/local/bin/tally

FROM debian:bookworm-slim
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        libsqlite3-0 ca-certificates curl tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/tally --create-home --shell /usr/sbin/nologin tally
COPY --from=build /usr/local/bin/tally /usr/local/bin/tally
USER tally
WORKDIR /var/lib/tally
VOLUME ["/var/lib/tally"]
ENV TALLY_DATABASE=/var/lib/tally/tally.sqlite \
    TALLY_HOST=0.0.0.0 \
    TALLY_PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/readyz >/dev/null || exit 1
# tally serve stops on SIGTERM: it stops accepting, answers what is in flight, commits what is
# queued, and exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/tally"]
CMD ["serve"]
