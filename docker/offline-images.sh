#!/usr/bin/env bash
# Makes the base images the Dockerfiles take as build arguments when no container registry is
# reachable (as on the project's CI machines): Debian bookworm from the Debian mirror with
# mmdebstrap, imported into the engine.
#   docker/offline-images.sh base      -> localhost/modelchain-base:bookworm    (BASE_IMAGE)
#   docker/offline-images.sh builder   -> localhost/modelchain-builder:bookworm (BUILDER_IMAGE:
#                                         the base plus build-essential, git and this machine's
#                                         rustup with the toolchain rust-toolchain.toml pins)
# The base's tarball is cached in $MODELCHAIN_IMAGE_CACHE (default ~/.cache/modelchain/images).
# Needs root (mmdebstrap, the engine), ENGINE=podman (default) or docker, and the Debian mirror.
set -euo pipefail
cd "$(dirname "$0")/.."
engine="${ENGINE:-podman}"
cache="${MODELCHAIN_IMAGE_CACHE:-$HOME/.cache/modelchain/images}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
mkdir -p "$cache"

case "${1:-base}" in
base)
	tar="$cache/base-bookworm.tar"
	if [[ ! -s "$tar" ]]; then
		mmdebstrap --quiet --format=tar --variant=minbase --include=ca-certificates bookworm "$tar.part" "$mirror"
		mv "$tar.part" "$tar"
	fi
	"$engine" import --quiet "$tar" localhost/modelchain-base:bookworm
	;;
builder)
	toolchain=$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)-x86_64-unknown-linux-gnu
	src=$(readlink -f "${RUSTUP_HOME:-$HOME/.rustup}/toolchains/$toolchain")
	rustup_bin=$(command -v rustup)
	[[ -d "$src" ]] || {
		echo "error: toolchain $toolchain is not installed here (scripts/setup.sh installs it)" >&2
		exit 1
	}
	tar="$cache/builder-bookworm.tar"
	# The toolchain and rustup are copied in (rustup cannot be fetched here); cargo, rustc and the
	# other proxies are links to rustup, as rustup-init makes them. The builder downloads crates,
	# so it trusts the certificate authorities this machine added (an egress proxy's, say).
	mmdebstrap --quiet --format=tar --variant=minbase --include=ca-certificates,build-essential,git,curl,pkg-config \
		--customize-hook="mkdir -p \"\$1/usr/local/rustup/toolchains\" \"\$1/usr/local/cargo/bin\"" \
		--customize-hook="cp -a '$src' \"\$1/usr/local/rustup/toolchains/$toolchain\"" \
		--customize-hook="cp '$rustup_bin' \"\$1/usr/local/cargo/bin/rustup\"" \
		--customize-hook="for p in cargo rustc rustdoc rustfmt cargo-fmt cargo-clippy clippy-driver; do ln -s rustup \"\$1/usr/local/cargo/bin/\$p\"; done" \
		--customize-hook="cp /usr/local/share/ca-certificates/*.crt \"\$1/usr/local/share/ca-certificates/\" 2>/dev/null; chroot \"\$1\" update-ca-certificates >/dev/null" \
		--customize-hook="printf 'version = \"12\"\ndefault_toolchain = \"$toolchain\"\nprofile = \"minimal\"\nauto_self_update = \"disable\"\n' > \"\$1/usr/local/rustup/settings.toml\"" \
		bookworm "$tar.part" "$mirror"
	mv "$tar.part" "$tar"
	# The same environment as the official rust images.
	"$engine" import --quiet \
		--change 'ENV RUSTUP_HOME=/usr/local/rustup' --change 'ENV CARGO_HOME=/usr/local/cargo' \
		--change 'ENV PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		"$tar" localhost/modelchain-builder:bookworm
	;;
*)
	echo "usage: $0 base|builder" >&2
	exit 2
	;;
esac
