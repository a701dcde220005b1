# syntax=docker/dockerfile:1
# The sentiment service (REST API + web UI) with the bundled model baked in.
#   docker build -t imdb-sentiment .
#   docker run --rm -p 127.0.0.1:8080:8080 -v sentiment-data:/data imdb-sentiment
# Two stages: `deps` installs production dependencies (with the compiler better-sqlite3 may need),
# `runtime` holds only node_modules, the sources and the models, and runs as the unprivileged `node` user.

ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
# Toolchain for better-sqlite3's native addon when no prebuilt binary matches the platform. Build-stage
# only, so Debian's current versions are fine (not pinned).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Install scripts stay off (as package.json "allowScripts" says: onnxruntime-node's would download GPU
# binaries); better-sqlite3 is the one native addon the service needs, so it alone is built.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 \
 && npm cache clean --force

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    SENTIMENT_HOME=/data
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --chown=root:root package.json package-lock.json tsconfig.json ./
COPY --chown=root:root bin ./bin
COPY --chown=root:root src ./src
COPY --chown=root:root web ./web
COPY --chown=root:root packages ./packages
# The bundled model (and its evaluation report): `sentiment serve` fails at start-up without it.
COPY --chown=root:root models ./models
# The application is read-only for the service user; only /data (feedback database) is writable.
RUN mkdir -p /data && chown node:node /data \
 && test -f models/default.sentiment
VOLUME ["/data"]
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node handles SIGTERM itself: in-flight requests finish, then the process exits 0.
STOPSIGNAL SIGTERM
CMD ["node", "bin/sentiment.mjs", "serve"]
