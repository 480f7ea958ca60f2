# Runtime base, equivalent to gcr.io/distroless/nodejs<major>-debian12: scratch + the Node
# binary + exactly the shared libraries `ldd node` lists + Debian's CA bundle + passwd/group
# with the service user 10001 + a world-writable /tmp. No shell, no package manager.
# The Node binary is the official one (.nvmrc) with its static symbol table and DWARF debug
# info stripped, as Debian strips every packaged binary: 126.6 → 108.5 MB for Node 24.21.
# Its dynamic symbols stay (native addons link against them; Node's own crash backtraces
# print them); the build base keeps the untouched binary, and a label records its sha256.
# Same layout as distroless (node at /nodejs/bin/node, the entrypoint), so the service
# Dockerfile works unchanged on either. Built by `shipyard images base` from the build base.
ARG BUILD_BASE
FROM ${BUILD_BASE} AS collect
RUN set -eu; \
    mkdir -p /out/nodejs/bin /out/etc/ssl/certs /out/tmp; \
    strip --strip-all -o /out/nodejs/bin/node /usr/local/bin/node; \
    for lib in $(ldd /usr/local/bin/node | awk '$2 == "=>" { print $3 } $1 ~ /^\// { print $1 }'); do \
      cp --dereference --parents "$lib" /out/; \
    done; \
    # Debian's bundle from the rootfs, never the build machine's (which may trust a proxy CA).
    cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/ca-certificates.crt; \
    printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
      'app:x:10001:10001:app:/nonexistent:/sbin/nologin' > /out/etc/passwd; \
    printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' 'app:x:10001:' > /out/etc/group; \
    printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' > /out/etc/nsswitch.conf; \
    chmod 1777 /out/tmp; \
    chroot /out /nodejs/bin/node -e 'process.stdout.write(process.version + "\n")'; \
    test "$(chroot /out /nodejs/bin/node --version)" = "$(/usr/local/bin/node --version)"

FROM scratch
COPY --from=collect /out/ /
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
USER 10001:10001
ENTRYPOINT ["/nodejs/bin/node"]
