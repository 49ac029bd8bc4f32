# syntax=docker/dockerfile:1
# One image for both services; docker-compose.yml builds it once and picks the entry point.
# The current Node LTS, the same major as .nvmrc (docker-files.spec.ts keeps them equal); package.json's
# engines say which others are supported, and docs/development.md#node-versions why.
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS build
# No install-time telemetry: @scarf/scarf (pulled in by swagger-ui-dist and the AsyncAPI parser's
# spectral packages) reports each install from a postinstall script unless switched off (package.json's
# scarfSettings does it too); DO_NOT_TRACK is the cross-vendor switch; npm's update check calls home.
ENV SCARF_ANALYTICS=false \
    DO_NOT_TRACK=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# --omit=optional too: optional peers of runtime packages (@nestjs/platform-express, gRPC) are only
# used by the benchmark and tests; nothing the apps load is optional.
RUN npm run build && npm prune --omit=dev --omit=optional --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
USER node
EXPOSE 3000 3001
# Health for a plain `docker run` too: ready when the app this container runs answers /health/ready,
# the producer on PORT (3000) or the consumer on CONSUMER_PORT (3001); only one of them listens here.
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "Promise.any([process.env.PORT||3000,process.env.CONSUMER_PORT||3001].map(p=>fetch('http://127.0.0.1:'+p+'/health/ready',{signal:AbortSignal.timeout(2000)}).then(r=>r.ok||Promise.reject(r.status)))).then(()=>process.exit(0),()=>process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/producer.js"]
