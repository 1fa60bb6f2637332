# lro-server, built in one stage and run from a second that has no dev dependencies, TypeScript or compilers:
# the compiled `dist/src/main.js` (what the `lro-server` bin runs), configured by the LRO_* environment variables.
FROM node:20-bookworm-slim AS build

# better-sqlite3 (the embedded store) compiles from source when no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY protos ./protos
COPY src ./src
# Compile, then drop the dev dependencies; the native module built above stays for the runtime stage.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/protos ./protos
# The `lro` command too, for `docker compose exec lro-1 lro kinds`.
RUN ln -s /app/dist/src/cli/lro.js /usr/local/bin/lro \
 && mkdir -p /app/data && chown node:node /app/data

USER node
# Listen on every interface inside the container; the store defaults to a SQLite file in /app/data.
# On 0.0.0.0 the server refuses to start without authentication: run the image with LRO_AUTH=jwt and
# LRO_JWT_SECRET (or LRO_JWKS), or with LRO_ALLOW_UNAUTHENTICATED=true behind something that authenticates.
ENV LRO_HOST=0.0.0.0 \
    LRO_HTTP_PORT=8080 \
    LRO_GRPC_PORT=50051 \
    LRO_STORE=sqlite:/app/data/lro.sqlite
EXPOSE 8080 50051

# Healthy once the HTTP listener answers (both listeners are bound before the server logs "listening");
# any answer below 500 counts, as /v1/kinds is 401 without a token when auth is on.
HEALTHCHECK --interval=5s --timeout=3s --start-period=20s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.LRO_HTTP_PORT || 8080) + '/v1/kinds').then((r) => process.exit(r.status < 500 ? 0 : 1), () => process.exit(1))"]

# node itself (not npm/npx) receives SIGTERM, so `docker stop` is a graceful shutdown.
CMD ["node", "dist/src/main.js"]
