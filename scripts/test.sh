#!/usr/bin/env bash
# Runs every test: unit, pallet, runtime, engine, and end to end against a real dev node
# (Rust and polkadot.js). Everything builds in the release profile, like the node you run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh --test

npm ci --prefix tests/polkadot-js --no-audit --no-fund --loglevel=error
npm ci --prefix zombienet --no-audit --no-fund --loglevel=error
npm ci --prefix web --no-audit --no-fund --loglevel=error

# One style for the whole workspace (rustfmt.toml at the root).
cargo fmt --all --check

# Two cargo invocations on purpose: features unify across the packages of one invocation, and
# the engine's dev-dependencies (wasmtime, criterion, proptest) must not change the feature set
# the node is built with, or `run-dev.sh` and this script would each rebuild the whole node.
cargo test --release --locked -p modelchain-primitives -p modelchain-runtime -p modelchain-node \
	-p pallet-ml-staking -p pallet-ml-models -p pallet-ml-predictions -p pallet-ml-bounties
# The client (`mlc`, on subxt) with the engine: its end-to-end test runs the node the first
# invocation built (target/release/modelchain-node).
cargo test --release --locked -p modelchain-nn -p modelchain-nn-host -p modelchain-nn-import -p modelchain-client

# The benchmarks' own tests (`impl_benchmark_test_suite!`): every benchmark of the four market
# pallets runs once against its pallet's mock, so one whose setup no longer reaches the worst case
# it asserts fails here, not hours into `scripts/benchmark.sh` (or, worse, measures a cheaper path).
CARGO_TARGET_DIR="$BENCH_TARGET_DIR" SKIP_WASM_BUILD=1 cargo test --release --locked --features runtime-benchmarks \
	-p pallet-ml-staking -p pallet-ml-models -p pallet-ml-predictions -p pallet-ml-bounties

# A network: four validators on `--chain local-fast`, started by zombienet (native provider, the
# binaries built above), through `zombienet/network.zndsl`. Its logs stay in $zn_dir.
zn_dir=$(mktemp -d -t modelchain-zombienet.XXXXXX)
echo "zombienet: logs in $zn_dir"
(cd zombienet && MODELCHAIN_NODE="$CARGO_TARGET_DIR/release/modelchain-node" MLC="$CARGO_TARGET_DIR/release/mlc" \
	./node_modules/.bin/zombienet -p native -l text -d "$zn_dir" -f test network.zndsl)

# The web page in headless Chromium against a dev node of its own (it makes a prediction with mlc).
ws_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$CARGO_TARGET_DIR/release/modelchain-node" --dev --tmp --rpc-port "$ws_port" --no-prometheus --no-telemetry \
	--no-mdns --listen-addr /ip4/127.0.0.1/tcp/0 2>/dev/null &
web_node=$!
trap 'kill $web_node 2>/dev/null || true' EXIT
# The page's first connection must find the node (a refused one is a console error).
for _ in $(seq 120); do
	(exec 3<>"/dev/tcp/127.0.0.1/$ws_port") 2>/dev/null && break
	sleep 0.5
done
MODELCHAIN_WS="ws://127.0.0.1:$ws_port" MLC="$CARGO_TARGET_DIR/release/mlc" npm test --prefix web
kill $web_node
wait $web_node 2>/dev/null || true
trap - EXIT

# The container images (docker/): hadolint, the injected image built and run with podman (healthy,
# producing blocks, safe RPC only, its chain kept in the volume), and compose.yml's four validators.
docker/test.sh

# The lint wall for runtime code ([workspace.lints] in Cargo.toml), with and without the
# benchmarks, warnings denied.
runtime_crates=(-p modelchain-primitives -p modelchain-nn-host -p modelchain-runtime -p pallet-ml-staking -p pallet-ml-models
	-p pallet-ml-predictions -p pallet-ml-bounties)
for features in "" "--features=runtime-benchmarks"; do
	# shellcheck disable=SC2086 # $features is one word or none
	CARGO_TARGET_DIR="$CLIPPY_TARGET_DIR" SKIP_WASM_BUILD=1 \
		cargo clippy --release --locked "${runtime_crates[@]}" --all-targets $features -- -D warnings
done
