# Sourced by the other scripts: one place for the build-cache location.
# Compiled artifacts live outside the clone so every checkout, CI run and session reuses them.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/modelchain/target}"
export CARGO_TERM_PROGRESS_WHEN="${CARGO_TERM_PROGRESS_WHEN:-never}"
