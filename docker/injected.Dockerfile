# ModelChain node image from binaries built outside (as polkadot-sdk's "injected" images): no
# compiler, no network needed. The build context is a folder holding `bin/modelchain-node`,
# `bin/mlc`, `healthcheck.sh` and `install.sh`; docker/build-injected.sh stages it from
# $CARGO_TARGET_DIR/release and runs the build:
#
#   docker/build-injected.sh                                   (docker, debian:bookworm-slim)
#   ENGINE=podman BASE_IMAGE=localhost/modelchain-base:bookworm docker/build-injected.sh
#
# The binaries link glibc 2.36 or older: BASE_IMAGE is any Debian bookworm or newer.
ARG BASE_IMAGE=docker.io/library/debian:bookworm-slim
FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="modelchain-node" \
	org.opencontainers.image.description="ModelChain: a Substrate chain for a machine-learning market (node and mlc client)"
COPY bin/modelchain-node bin/mlc /usr/local/bin/
COPY healthcheck.sh /usr/local/bin/modelchain-healthcheck
COPY install.sh /tmp/install.sh
RUN /tmp/install.sh && rm /tmp/install.sh
# By uid, so runtimes that check runAsNonRoot can tell it is not root (install.sh makes 1000 `modelchain`).
USER 1000:1000
WORKDIR /data
# p2p, RPC (WebSocket and HTTP), Prometheus.
EXPOSE 30333 9944 9615
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=10s --start-period=60s --retries=3 CMD ["/usr/local/bin/modelchain-healthcheck"]
ENTRYPOINT ["/usr/local/bin/modelchain-node"]
# A dev chain kept in /data, its RPC reachable from outside the container but only the safe methods
# (no author_insertKey, no system_addReservedPeer...): publish 9944 on 127.0.0.1 only.
CMD ["--dev", "--base-path", "/data", "--rpc-external", "--rpc-methods", "safe", "--rpc-cors", "all", "--prometheus-external"]
