# syntax=docker/dockerfile:1
#
# weather-api: multi-stage image.
#   docker build -t weather-api .
#   docker run --rm -p 127.0.0.1:3000:3000 -e DATABASE_URL=postgresql://... -e JWT_KEY_ENCRYPTION_KEY=$(openssl rand -base64 32) weather-api
# Without DATABASE_URL the app runs embedded PGlite in /app/data (mount a volume there to keep it).
#
# Node 20.19+, the version the project promises and tests on (package.json "engines"); every
# dependency's declared engines agree with it. Node 22 also works: --build-arg NODE_VERSION=22.
ARG NODE_VERSION=20

# ---- build: all dependencies, compile TypeScript to dist/ ----
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# ---- runtime: production dependencies and dist/ only, as the unprivileged node user ----
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    SCARF_ANALYTICS=false \
    PORT=3000
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Code stays root-owned (read-only for the app); only the embedded database's folder is writable.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
