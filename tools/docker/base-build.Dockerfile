# Build-stage base, equivalent to node:<major>-bookworm-slim but made without pulling:
# a debootstrap'ed Debian 12 minbase rootfs + the official Node binary (.nvmrc) + npm
# (root package.json packageManager). Built and pushed by `shipyard images base`, which
# prepares this context folder: debian-rootfs.tar, node, npm.tgz. Never shipped: only the
# service Dockerfile's build stage runs on it.
FROM scratch
ADD debian-rootfs.tar /
COPY node /usr/local/bin/node
# ADD unpacks the npm package tarball (its files sit under package/).
ADD npm.tgz /usr/local/lib/node_modules/
RUN set -eu; \
    mv /usr/local/lib/node_modules/package /usr/local/lib/node_modules/npm; \
    ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm; \
    ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx; \
    node --version; npm --version
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8
CMD ["node"]
