# Convenience targets; the scripts are the source of truth (see README).
.PHONY: run test build setup fmt clippy bench-nn

run:
	./scripts/run-dev.sh

test:
	./scripts/test.sh

setup:
	./scripts/setup.sh --test

build:
	. scripts/env.sh && cargo build --release -p modelchain-node

fmt:
	cargo fmt --all

clippy:
	. scripts/env.sh && cargo clippy --release -p modelchain-node -p modelchain-runtime -p modelchain-primitives

bench-nn:
	. scripts/env.sh && cargo bench -p modelchain-nn
