#!/usr/bin/env bash
# Faults on the four-validator zombienet network (node/tests/faults.rs): a validator paused with
# SIGSTOP for MODELCHAIN_FAULT_PAUSE_SECS (60) while predictions keep coming, then an evaluator's
# node killed with SIGKILL as a bounty's evaluators are drawn and restarted on its base path
# after MODELCHAIN_FAULT_DOWN_SECS (20). Prints how long finality, the prediction quorum and the
# bounty's scoring took to recover; about ten minutes. docs/RELIABILITY.md has the last run's figures.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/measure-common.sh
build_measurement faults
source scripts/zombienet-up.sh
run_measurement faults
