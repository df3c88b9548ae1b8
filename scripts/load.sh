#!/usr/bin/env bash
# Prediction latency and throughput under load, and plain transfers per block for comparison
# (node/tests/load.rs; its doc comment lists the phases and the MODELCHAIN_LOAD_* knobs).
#   scripts/load.sh              a dev node of its own (`--chain dev-fast`, R = 1, Q = 1) with 63 more
#                                workers whose keys it holds, about 15 minutes
#   scripts/load.sh --zombienet  the four-validator zombienet network (R = 3, Q = 2), about 25 minutes;
#                                its four workers hold 85 requests: MODELCHAIN_LOAD_WORKERS=64 adds workers
#                                (keys in alice's node) to reach a block's seats, 341 requests
# Prints Markdown tables; docs/PERFORMANCE.md has the figures of the last run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/measure-common.sh
build_measurement load

if [[ "${1:-}" == "--zombienet" ]]; then
	# The floods park their later nonces in the pool's future queue, a tenth of the pool.
	export MODELCHAIN_POOL_LIMIT=200000 MODELCHAIN_POOL_KBYTES=1000000
	source scripts/zombienet-up.sh
fi
run_measurement load
