#!/usr/bin/env bash
# Builds the node and starts the dev chain: Alice authors and finalizes, RPC on
# ws://127.0.0.1:9944, state in a temporary directory. Extra arguments go to the node.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh
cargo build --release -p modelchain-node
exec "$CARGO_TARGET_DIR/release/modelchain-node" --dev "$@"
