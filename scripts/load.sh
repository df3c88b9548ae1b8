#!/usr/bin/env bash
# Prediction latency and throughput under load, and plain transfers per block for comparison
# (node/tests/load.rs; its doc comment lists the phases and the MODELCHAIN_LOAD_* knobs).
#   scripts/load.sh              a dev node of its own (R = 1, Q = 1), about 15 minutes
#   scripts/load.sh --zombienet  the four-validator zombienet network (R = 3, Q = 2), about 25 minutes
# Prints Markdown tables; docs/PERFORMANCE.md has the figures of the last run.
# Same packages as scripts/test.sh's first cargo invocation, so nothing is rebuilt after it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh
packages=(-p modelchain-primitives -p modelchain-runtime -p modelchain-node -p pallet-ml-staking -p pallet-ml-models
	-p pallet-ml-predictions -p pallet-ml-bounties)
# Built before the network starts, so the build does not compete with it.
cargo test --release --locked "${packages[@]}" --test load --no-run

if [[ "${1:-}" == "--zombienet" ]]; then
	# The floods park their later nonces in the pool's future queue, a tenth of the pool.
	export MODELCHAIN_POOL_LIMIT=200000 MODELCHAIN_POOL_KBYTES=1000000
	source scripts/zombienet-up.sh
fi
cargo test --release --locked "${packages[@]}" --test load -- --ignored --nocapture
