# The parts of the compose demo that run from source: the key generator (dev/token.ts), the edge
# under `wrangler dev` and the client. Build context: the repository root (see /.dockerignore).
# Debian-based on purpose: workerd (inside wrangler) needs glibc, so an Alpine image cannot run it.
# The base is the unwrapper image's, pinned by digest (see infra/unwrapper.Dockerfile).
ARG NODE_IMAGE=node:22.23.3-bookworm-slim@sha256:43ac6c60b8f89723f746e8a92ce91abd5017e627ce1ddfe4238355d3a30b772c
FROM ${NODE_IMAGE}

RUN mkdir -p /repo /keys /opt/wrangler && chown node:node /repo /keys /opt/wrangler
WORKDIR /repo
USER node

# Manifests first, so editing source does not reinstall dependencies.
COPY --chown=node:node package.json package-lock.json ./
COPY --chown=node:node protocol/package.json protocol/
COPY --chown=node:node kit/package.json kit/
COPY --chown=node:node lumberjack/package.json lumberjack/
COPY --chown=node:node edge-worker/package.json edge-worker/
COPY --chown=node:node unwrapper/package.json unwrapper/
COPY --chown=node:node client/package.json client/
COPY --chown=node:node tests/package.json tests/
# Runtime dependencies only, from the lockfile. Left out with the dev dependencies: the compiler,
# the linters, the test libraries, miniflare, and the `node` package, a second Node that the
# development install brings and that this image, whose Node runs everything, does not need.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
# wrangler is the one development tool the demo runs (`wrangler dev` is its edge). It goes into
# its own prefix, at the version the lockfile pins, so it does not bring the rest of the dev tree.
RUN npm install --prefix /opt/wrangler --omit=dev --no-audit --no-fund \
      "wrangler@$(node -p "require('./package-lock.json').packages['node_modules/wrangler'].version")" \
  && npm cache clean --force
ENV PATH=/opt/wrangler/node_modules/.bin:$PATH \
    WRANGLER_SEND_METRICS=false \
    CLOUDFLARE_CF_FETCH_ENABLED=false

COPY --chown=node:node . .
