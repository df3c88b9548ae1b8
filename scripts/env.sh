# Sourced by the other scripts: one place for the build-cache location.
# Compiled artifacts live outside the clone so every checkout, CI run and session reuses them.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/modelchain/target}"
export CARGO_TERM_PROGRESS_WHEN="${CARGO_TERM_PROGRESS_WHEN:-never}"
# Clippy checks the runtime crates in its own target dir: its check build would otherwise
# replace the test build's artifacts of the runtime (SKIP_WASM_BUILD differs) every run.
export CLIPPY_TARGET_DIR="${CLIPPY_TARGET_DIR:-$HOME/.cache/modelchain/clippy-target}"
# The pallets' benchmark tests build them with `runtime-benchmarks` (and no wasm): a feature set of
# their own, so a target dir of their own, or each run would rebuild the node's dependencies.
export BENCH_TARGET_DIR="${BENCH_TARGET_DIR:-$HOME/.cache/modelchain/bench-target}"
