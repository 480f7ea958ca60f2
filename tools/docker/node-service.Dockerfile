# The one Dockerfile every Node service is built from. Nothing in it names a service: the
# build context is a folder `shipyard images build <app>` prepares (never the repository
# root), holding only that app's pruned manifest, its dependency tarballs and its built files:
#   manifest/  package.json, pruned package-lock.json, workspace_modules/*/package.json
#   npm/       prune-node-modules.cjs, and cache/ (dependency tarballs, offline install) or
#              extra-ca.pem (online install)
#   payload/   dist/ of the app and workspace_modules/*/dist of the libraries it imports
#
# Base images are arguments. The defaults are the public images, so this file works as is
# on a hosted agent; SHIPYARD_BASE_REGISTRY points both at a mirror (local registry, ACR).
ARG BUILD_BASE=node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d
ARG RUNTIME_BASE=gcr.io/distroless/nodejs24-debian12:nonroot@sha256:14d42e2511532589a7c7e01a753667a74fcc96266e137e8125006b87b0c32d0a

# ---- build stage: installs the production dependencies --------------------------------
FROM ${BUILD_BASE} AS deps
WORKDIR /srv
# Dependencies change less often than code: manifest and tarballs first, so a source change
# reuses the `npm ci` layer.
COPY npm/ /tmp/npm/
COPY manifest/ /srv/
# npm/cache present: install from it with no network. Otherwise install from the registry,
# trusting npm/extra-ca.pem when given; that CA exists in this stage only, and nothing
# under /tmp is copied to the runtime stage. Install scripts never run. Then
# npm/prune-node-modules.cjs removes what Node never loads: TypeScript sources and
# declarations, source maps, docs, published .npmrc files, and build folders only bundlers
# or browsers use (see that script).
RUN set -eu; \
    if [ -s /tmp/npm/extra-ca.pem ]; then export NODE_EXTRA_CA_CERTS=/tmp/npm/extra-ca.pem; fi; \
    if [ -d /tmp/npm/cache ]; then mode=--offline; cache=/tmp/npm/cache; else mode=--prefer-online; cache=/tmp/npm-download; fi; \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund --no-update-notifier "$mode" --cache "$cache"; \
    node /tmp/npm/prune-node-modules.cjs node_modules; \
    rm -rf /tmp/npm /tmp/npm-download /root/.npm

# ---- runtime stage: Node, the service, its production dependencies ----------------------
FROM ${RUNTIME_BASE}
ENV NODE_ENV=production
# The runtime bases run as a non-root user, and BuildKit creates a WORKDIR as the current user:
# root here keeps /srv itself root-owned (the legacy builder always made it so).
USER 0:0
WORKDIR /srv
# Owned by root and not writable by the service user: the code cannot be changed at run
# time, and nothing needs a writable root filesystem (run with --read-only; /tmp if needed).
# Dependencies first, built files last: a code change rebuilds and ships only the small
# last layer, the dependency layer stays cached here and already pulled on the nodes.
COPY --from=deps /srv/ /srv/
COPY payload/ /srv/
# Numeric ids, so Kubernetes runAsNonRoot can verify them without an /etc/passwd lookup.
USER 10001:10001
EXPOSE 8080
# Node is PID 1 and handles SIGTERM itself (service-kit drains, then exits 0).
ENTRYPOINT ["/nodejs/bin/node"]
# The one place Node's arguments are defined. Telemetry is preloaded before the script so
# its instrumentation sees http/express/undici load (libs/telemetry/README.md); it stays off
# (SDK not even loaded) until APPLICATIONINSIGHTS_CONNECTION_STRING is set.
CMD ["--require", "@shipyard/telemetry/preload", "dist/main.js"]

# Last, so that a new revision or date only changes image metadata, never a cached layer.
ARG OCI_SOURCE
ARG OCI_REVISION
ARG OCI_CREATED
ARG OCI_VERSION
ARG OCI_TITLE
ARG RUNTIME_BASE
LABEL org.opencontainers.image.source="${OCI_SOURCE}" \
      org.opencontainers.image.base.name="${RUNTIME_BASE}" \
      org.opencontainers.image.revision="${OCI_REVISION}" \
      org.opencontainers.image.created="${OCI_CREATED}" \
      org.opencontainers.image.version="${OCI_VERSION}" \
      org.opencontainers.image.title="${OCI_TITLE}"
# Application Insights reports this as the application version (ai.application.ver).
ENV SERVICE_VERSION="${OCI_REVISION}"
