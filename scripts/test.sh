#!/usr/bin/env bash
# Runs every test: unit, pallet, runtime, engine, and end to end against a real dev node
# (Rust and polkadot.js). Everything builds in the release profile, like the node you run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh --test

npm ci --prefix tests/polkadot-js --no-audit --no-fund --loglevel=error
npm ci --prefix zombienet --no-audit --no-fund --loglevel=error

# One style for the whole workspace (rustfmt.toml at the root).
cargo fmt --all --check

# Two cargo invocations on purpose: features unify across the packages of one invocation, and
# the engine's dev-dependencies (wasmtime, criterion, proptest) must not change the feature set
# the node is built with, or `run-dev.sh` and this script would each rebuild the whole node.
cargo test --release --locked -p modelchain-primitives -p modelchain-runtime -p modelchain-node \
	-p pallet-ml-staking -p pallet-ml-models -p pallet-ml-predictions -p pallet-ml-bounties
# The client (`mlc`, on subxt) with the engine: its end-to-end test runs the node the first
# invocation built (target/release/modelchain-node).
cargo test --release --locked -p modelchain-nn -p modelchain-nn-import -p modelchain-client

# A network: four validators on `--chain local-fast`, started by zombienet (native provider, the
# binaries built above), through `zombienet/network.zndsl`. Its logs stay in $zn_dir.
zn_dir=$(mktemp -d -t modelchain-zombienet.XXXXXX)
echo "zombienet: logs in $zn_dir"
(cd zombienet && MODELCHAIN_NODE="$CARGO_TARGET_DIR/release/modelchain-node" MLC="$CARGO_TARGET_DIR/release/mlc" \
	./node_modules/.bin/zombienet -p native -l text -d "$zn_dir" -f test network.zndsl)

# The lint wall for runtime code ([workspace.lints] in Cargo.toml), with and without the
# benchmarks, warnings denied.
runtime_crates=(-p modelchain-primitives -p modelchain-runtime -p pallet-ml-staking -p pallet-ml-models -p pallet-ml-predictions
	-p pallet-ml-bounties)
for features in "" "--features=runtime-benchmarks"; do
	# shellcheck disable=SC2086 # $features is one word or none
	CARGO_TARGET_DIR="$CLIPPY_TARGET_DIR" SKIP_WASM_BUILD=1 \
		cargo clippy --release --locked "${runtime_crates[@]}" --all-targets $features -- -D warnings
done
