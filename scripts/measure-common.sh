# Sourced by the measurement scripts (load.sh, faults.sh, bounty-latency.sh): the environment and
# toolchain, and the packages of scripts/test.sh's first cargo invocation, so that a measurement
# rebuilds nothing after the test command (features unify per invocation).
source scripts/env.sh
scripts/setup.sh
node_packages=(-p modelchain-primitives -p modelchain-runtime -p modelchain-node -p pallet-ml-staking -p pallet-ml-models
	-p pallet-ml-predictions -p pallet-ml-bounties)

# Builds node/tests/$1.rs (and the node) without running it: before a network starts, so the
# build does not compete with it.
build_measurement() {
	cargo test --release --locked "${node_packages[@]}" --test "$1" --no-run
}

# Runs the ignored measurement node/tests/$1.rs, its output shown as it comes.
run_measurement() {
	cargo test --release --locked "${node_packages[@]}" --test "$1" -- --ignored --nocapture
}
