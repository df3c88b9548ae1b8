#!/usr/bin/env bash
# Measures how long bounty scoring takes on a real dev node: blocks and seconds from the close of
# the reveal phase to final scores, for 1, 10 and 32 (the most a bounty takes) submissions of the
# digits model on 1,000 and 10,000 test samples, scored by the node's own off-chain worker. Prints
# a Markdown table (node/tests/bounty_latency.rs; about fifteen minutes of 6-second blocks).
# MODELCHAIN_BOUNTY_ROWS="1x1000,32x10000" measures only those rows; MODELCHAIN_OFFCHAIN_ENGINE=runtime
# scores in the runtime's wasm engine (`--offchain-engine runtime`) instead of the native one.
#   scripts/bounty-latency.sh --zombienet   the same rows on the four-validator network (three
#                                           evaluators, quorum 2; the nodes' timings stay in their logs).
#                                           The fast runtime refuses 32 x 10,000 (MaxEvaluationCost):
#                                           MODELCHAIN_CHAIN=local runs the production periods instead.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/measure-common.sh
build_measurement bounty_latency
if [[ "${1:-}" == "--zombienet" ]]; then
	source scripts/zombienet-up.sh
fi
run_measurement bounty_latency
