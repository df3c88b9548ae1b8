#!/usr/bin/env bash
# Packs the node and mlc that cargo built ($CARGO_TARGET_DIR/release) into an image with
# docker/injected.Dockerfile, no compiler in the image. Settings (environment):
#   ENGINE      docker (default) or podman
#   BASE_IMAGE  the Debian image to build on (default docker.io/library/debian:bookworm-slim)
#   TAG         the image name (default modelchain-node:latest)
# Extra arguments go to `$ENGINE build` (e.g. --runtime runc for podman here).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
engine="${ENGINE:-docker}"
base="${BASE_IMAGE:-docker.io/library/debian:bookworm-slim}"
tag="${TAG:-modelchain-node:latest}"
release="$CARGO_TARGET_DIR/release"
for bin in modelchain-node mlc; do
	[[ -x "$release/$bin" ]] || {
		echo "error: $release/$bin is missing: build it first (cargo build --release -p modelchain-node -p modelchain-client)" >&2
		exit 1
	}
done
context=$(mktemp -d -t modelchain-image.XXXXXX)
trap 'rm -rf "$context"' EXIT
mkdir "$context/bin"
cp "$release/modelchain-node" "$release/mlc" "$context/bin/"
cp docker/healthcheck.sh docker/install.sh "$context/"
"$engine" build "$@" --build-arg "BASE_IMAGE=$base" -f docker/injected.Dockerfile -t "$tag" "$context"
