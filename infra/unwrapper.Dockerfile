# syntax=docker/dockerfile:1
# beats-gate unwrapper image. Build from the repository root (the context .dockerignore is the
# root one):
#   docker build -f infra/unwrapper.Dockerfile -t beats-gate-unwrapper:0.1.0 .
#
# No build step: Node 22 (22.18 or later) runs the TypeScript sources directly by type stripping,
# exactly as in development and tests, so what was tested is what runs. The first stage installs
# only the unwrapper's production dependencies; the final stage holds those, the sources of the
# four workspaces involved, and nothing else (no npm cache, no dev tooling, no tests).
#
# The base is the official Node image pinned by digest, so a rebuild gets the same bytes; the tag
# only says which version the digest is. Any image with Node >= 22.18 and npm in /usr/local, and a
# `node` user (uid 1000), can stand in: tests/container-unwrapper.test.ts passes one built from
# Debian's mirror and Node's npm package, as image registries cannot be reached there.
ARG NODE_IMAGE=node:22.23.3-bookworm-slim@sha256:43ac6c60b8f89723f746e8a92ce91abd5017e627ce1ddfe4238355d3a30b772c

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# Every workspace manifest, because npm ci checks the lockfile against all of them.
COPY package.json package-lock.json ./
COPY protocol/package.json protocol/
COPY kit/package.json kit/
COPY lumberjack/package.json lumberjack/
COPY edge-worker/package.json edge-worker/
COPY unwrapper/package.json unwrapper/
COPY client/package.json client/
COPY tests/package.json tests/
# --ignore-scripts: none of the unwrapper's runtime dependencies needs an install script.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspace @beats-gate/unwrapper \
  && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    BEATS_GATE_UNWRAPPER_LISTEN=0.0.0.0:8080 \
    BEATS_GATE_UNWRAPPER_ADMIN_LISTEN=0.0.0.0:9090
WORKDIR /app
# node_modules/@beats-gate/* are symlinks to the workspace folders copied below; Node resolves
# them to /app/<workspace>/src, outside node_modules, where type stripping applies.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY protocol/package.json protocol/
COPY protocol/src protocol/src
COPY kit/package.json kit/
COPY kit/src kit/src
COPY lumberjack/package.json lumberjack/
COPY lumberjack/src lumberjack/src
COPY unwrapper/package.json unwrapper/
COPY unwrapper/src unwrapper/src
COPY unwrapper/bin unwrapper/bin
# Read-only for the service: everything belongs to root, the process runs as `node` (uid 1000).
USER node
EXPOSE 8080 9090
# SIGTERM starts the drain (not ready, 503 for new upgrades, grace period, 1001, exit 0).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["node", "unwrapper/bin/healthcheck.ts"]
ENTRYPOINT ["node", "unwrapper/bin/beats-gate-unwrapper.ts"]
