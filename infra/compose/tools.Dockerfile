# The repository with its npm workspaces installed, for the parts of the compose demo that run
# from source: the key generator (dev/token.ts), the edge under `wrangler dev` and the client.
# Debian-based on purpose: workerd (inside wrangler) needs glibc, so an Alpine image cannot run it.
FROM node:22-bookworm-slim

RUN mkdir -p /repo /keys && chown node:node /repo /keys
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
RUN npm ci --no-audit --no-fund

COPY --chown=node:node . .

ENV WRANGLER_SEND_METRICS=false \
    CLOUDFLARE_CF_FETCH_ENABLED=false
