# logharbor image: one role per container (serve, collector or api), foreground, non-root.
# Build stage: dev dependencies to compile TypeScript and the web bundle.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Scripts wait until the sources are there (`prepare` compiles them).
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm rebuild && npm run build && npm prune --omit=dev

# Runtime stage: compiled code and production dependencies only.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    LOGHARBOR_HTTP_ADDR=0.0.0.0:8080 \
    LOGHARBOR_FORWARD_ADDR=0.0.0.0:24224 \
    LOGHARBOR_SYSLOG_UDP_ADDR=0.0.0.0:5514 \
    LOGHARBOR_SYSLOG_TCP_ADDR=0.0.0.0:5514 \
    LOGHARBOR_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/migrations ./migrations
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080 24224 24224/udp 5514 5514/udp
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.LOGHARBOR_HTTP_ADDR||'0:8080').split(':').pop()+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/logharbor.js"]
CMD ["serve"]
