# The comparison point for `shipyard images benchmark`, never shipped: what a first
# Dockerfile for a monorepo service usually looks like. One stage on the same build base,
# every source file copied, a full `npm ci` (dev dependencies and every workspace included).
# npm-cache/ exists only because installs here run offline; the benchmark subtracts that
# layer from the size, as a naive build would have downloaded instead.
ARG BASE
FROM ${BASE}
WORKDIR /app
COPY npm-cache/ /tmp/npm-cache/
COPY repo/ /app/
RUN npm ci --offline --ignore-scripts --no-audit --no-fund --cache /tmp/npm-cache
ARG APP
ENV APP=${APP} NODE_ENV=production
CMD ["sh", "-c", "exec node apps/$APP/dist/main.js"]
