# The mail daemon. Build: docker build -t tranche .   Run: see README "Running the daemon".
FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Only the packages here: the bundle is built in the final stage, from the sources (--ignore-scripts
# skips the `prepare` build; no dependency needs an install script).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:20-slim
ENV NODE_ENV=production \
    DATABASE_URL=file:/app/var/tranche.db \
    TRANCHE_MAIL_ROOT=/app/var/mail \
    TRANCHE_HTTP_HOST=0.0.0.0 \
    TRANCHE_HTTP_PORT=9465
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# The Prisma clients are committed (src/db/generated); migrations are applied by the app at start.
COPY package.json package-lock.json ./
COPY bin ./bin
COPY scripts ./scripts
COPY src ./src
COPY prisma ./prisma
COPY templates ./templates
COPY config ./config
# bin/tranche.js runs this compiled bundle (dist/cli/main.js): less memory than tsx on the sources.
RUN node scripts/build.mjs
RUN mkdir -p /app/var && chown -R node:node /app/var
USER node
VOLUME ["/app/var"]
EXPOSE 9465
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:9465/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# --max-semi-space-size, --v8-pool-size: see bin/tranche.js (the same flags as `npm start` and `npx tranche`).
CMD ["node", "--max-semi-space-size=4", "--v8-pool-size=1", "bin/tranche.js", "daemon"]
