#!/usr/bin/env bash
# Regenerates the weights of the ModelChain pallets on this machine:
#   ./scripts/benchmark.sh                      # all three market pallets
#   ./scripts/benchmark.sh pallet_ml_staking    # one pallet
# Builds the node with `runtime-benchmarks` (a separate feature set: the first build is long, and
# the next `run-dev.sh`/`test.sh` relinks the ordinary node), then runs `benchmark pallet` against
# the runtime's `development` preset and writes each pallet's `src/weights.rs`.
# STEPS and REPEAT can be lowered for a quick look (the committed weights say what they used).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

STEPS="${STEPS:-50}"
REPEAT="${REPEAT:-20}"
declare -A DIRS=(
	[pallet_ml_staking]=pallets/staking
	[pallet_ml_models]=pallets/models
	[pallet_ml_predictions]=pallets/predictions
)
PALLETS=("$@")
if [ ${#PALLETS[@]} -eq 0 ]; then
	PALLETS=(pallet_ml_staking pallet_ml_models pallet_ml_predictions)
fi

cargo build --release --locked -p modelchain-node --features runtime-benchmarks
NODE="$CARGO_TARGET_DIR/release/modelchain-node"

for pallet in "${PALLETS[@]}"; do
	dir="${DIRS[$pallet]:?unknown pallet $pallet (one of ${!DIRS[*]})}"
	"$NODE" benchmark pallet \
		--runtime "$CARGO_TARGET_DIR/release/wbuild/modelchain-runtime/modelchain_runtime.compact.compressed.wasm" \
		--genesis-builder=runtime --genesis-builder-preset=development \
		--pallet "$pallet" --extrinsic '*' \
		--steps "$STEPS" --repeat "$REPEAT" \
		--output "$dir/src/weights.rs" \
		--template scripts/weight-template.hbs
done
