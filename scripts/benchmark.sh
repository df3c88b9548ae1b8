#!/usr/bin/env bash
# Regenerates the weights of the ModelChain market pallets on this machine:
#   ./scripts/benchmark.sh                                      # all four market pallets
#   ./scripts/benchmark.sh pallet_ml_staking                    # one pallet
#   STEPS=10 REPEAT=5 ./scripts/benchmark.sh pallet_ml_models   # a quick look
# The node has no `benchmark` subcommand; the runtime is benchmarked by `frame-omni-bencher`, the
# standalone runner of our polkadot-sdk release:
#   1. installs frame-omni-bencher $OMNI_BENCHER_VERSION into ~/.cache/modelchain/tools (once, unless
#      that exact version is there; built in ~/.cache/modelchain/tools-target, not in $CARGO_TARGET_DIR);
#   2. builds the runtime with `runtime-benchmarks` (a separate feature set: the first build is long,
#      and it replaces the wasm in $CARGO_TARGET_DIR/release/wbuild, so the next `run-dev.sh` or
#      `test.sh` rebuilds the ordinary wasm and relinks the node);
#   3. runs `frame-omni-bencher v1 benchmark pallet` against the runtime's `development` genesis
#      preset and writes each pallet's `src/weights.rs` through `scripts/weight-template.hbs`.
# STEPS and REPEAT (default 50 and 20) can be lowered for a quick look (the committed weights say
# what they used).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

# The frame-omni-bencher release of polkadot-sdk 2609.2.0 (the umbrella in Cargo.toml): it is built on
# frame-benchmarking-cli 64.0.0, the version in our Cargo.lock, so the template sees the same data.
OMNI_BENCHER_VERSION=0.28.0
TOOLS_ROOT="$HOME/.cache/modelchain/tools"
TOOLS_TARGET="$HOME/.cache/modelchain/tools-target"
BENCHER="$TOOLS_ROOT/bin/frame-omni-bencher"

STEPS="${STEPS:-50}"
REPEAT="${REPEAT:-20}"
declare -A DIRS=(
	[pallet_ml_staking]=pallets/staking
	[pallet_ml_models]=pallets/models
	[pallet_ml_predictions]=pallets/predictions
	[pallet_ml_bounties]=pallets/bounties
)
PALLETS=("$@")
if [ ${#PALLETS[@]} -eq 0 ]; then
	PALLETS=(pallet_ml_staking pallet_ml_models pallet_ml_predictions pallet_ml_bounties)
fi
# Check the names before the long builds.
for pallet in "${PALLETS[@]}"; do
	if [ -z "${DIRS[$pallet]:-}" ]; then
		echo "error: unknown pallet $pallet (one of ${!DIRS[*]})" >&2
		exit 1
	fi
done

scripts/setup.sh --bench

if [ "$("$BENCHER" --version 2>/dev/null || true)" != "frame-omni-bencher $OMNI_BENCHER_VERSION" ]; then
	echo "benchmark: installing frame-omni-bencher $OMNI_BENCHER_VERSION into $TOOLS_ROOT"
	toolchain="$(sed -n 's/^channel = "\(.*\)"$/\1/p' rust-toolchain.toml)"
	mkdir -p "$TOOLS_ROOT"
	# Outside the clone, so this workspace's .cargo/config.toml (the wasm builder's workspace hint)
	# does not apply; with the pinned toolchain and the crate's own Cargo.lock. SKIP_WASM_BUILD: the
	# only wasm inside is frame-benchmarking-cli's test runtime for `benchmark storage`, which
	# frame-omni-bencher does not offer.
	(
		cd "$TOOLS_ROOT"
		RUSTUP_TOOLCHAIN="$toolchain" CARGO_TARGET_DIR="$TOOLS_TARGET" SKIP_WASM_BUILD=1 \
			cargo install --locked --version "$OMNI_BENCHER_VERSION" frame-omni-bencher --root "$TOOLS_ROOT"
	)
fi

env -u SKIP_WASM_BUILD cargo build --release --locked -p modelchain-runtime --features runtime-benchmarks
# A copy, so an ordinary build started meanwhile cannot swap the wasm under a long run.
RUNTIME="$CARGO_TARGET_DIR/benchmarks/modelchain_runtime.compact.compressed.wasm"
mkdir -p "$(dirname "$RUNTIME")"
cp "$CARGO_TARGET_DIR/release/wbuild/modelchain-runtime/modelchain_runtime.compact.compressed.wasm" "$RUNTIME"

# Through PATH, so the weight files' "Executed Command" starts with `frame-omni-bencher`, not a home path.
export PATH="$TOOLS_ROOT/bin:$PATH"
for pallet in "${PALLETS[@]}"; do
	# The runtime imports the native engine's host functions (modelchain-nn-host), which only
	# off-chain workers call: the bencher does not know them, and need not.
	frame-omni-bencher v1 benchmark pallet \
		--allow-missing-host-functions \
		--runtime "$RUNTIME" \
		--genesis-builder=runtime --genesis-builder-preset=development \
		--pallet "$pallet" --extrinsic '*' \
		--steps "$STEPS" --repeat "$REPEAT" \
		--output "${DIRS[$pallet]}/src/weights.rs" \
		--template scripts/weight-template.hbs
done
