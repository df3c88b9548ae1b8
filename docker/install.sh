#!/bin/bash
# Run by both Dockerfiles in the final image, as root: the unprivileged user the node runs as, its
# /data volume, and a check that the binaries start on this base.
set -euo pipefail
useradd --uid 1000 --user-group --home-dir /data --no-create-home --shell /usr/sbin/nologin modelchain
mkdir -p /data
chown modelchain:modelchain /data
chmod 0755 /usr/local/bin/modelchain-node /usr/local/bin/mlc /usr/local/bin/modelchain-healthcheck
/usr/local/bin/modelchain-node --version
/usr/local/bin/mlc --version
