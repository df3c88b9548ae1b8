#!/bin/bash
# The image's HEALTHCHECK: asks the node's RPC server for `/health/readiness` (200 once the node
# serves RPC and, on a network, has peers and is not major-syncing; polkadot-sdk's own endpoint).
# Plain bash (/dev/tcp), so the image needs no curl and works on any Debian base.
set -euo pipefail
port="${MODELCHAIN_RPC_PORT:-9944}"
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /health/readiness HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
read -r -t 5 _ status _ <&3
[[ "$status" == 200 ]]
