#!/usr/bin/env bash
# The container images, checked for real with podman (run by scripts/test.sh after cargo built the
# binaries; needs root, podman, runc, mmdebstrap, podman-compose and hadolint, which
# `scripts/setup.sh --test` installs):
#  1. hadolint passes every Dockerfile;
#  2. the injected image builds on a Debian base made with mmdebstrap (no registry needed);
#  3. its default command (a dev chain in /data) runs as uid 1000, becomes healthy, produces and
#     finalizes blocks, refuses unsafe RPC methods, and keeps its chain in the volume across a restart;
#  4. compose.yml's four validators connect and finalize.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

# This machine's podman: crun cannot start containers here, and the default file limits exceed
# the hard limits the sandbox grants.
run_opts=(--ulimit nofile=10000:10000 --ulimit nproc=4096:4096)
podman=(podman --runtime runc)
tag=localhost/modelchain-node:test
name=modelchain-test-$$
volume=$name-data

# pip puts hadolint beside the python3 that installed it, which may not be on PATH yet.
hadolint=$(command -v hadolint || echo "$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/hadolint")
"$hadolint" docker/Dockerfile docker/injected.Dockerfile
echo "docker: hadolint passes both Dockerfiles"

docker/offline-images.sh base >/dev/null
# --format docker: the OCI image format has no HEALTHCHECK, and podman would drop it.
ENGINE=podman BASE_IMAGE=localhost/modelchain-base:bookworm TAG=$tag \
	docker/build-injected.sh --quiet --format docker --runtime runc "${run_opts[@]}" >/dev/null
echo "docker: built $tag"

cleanup() {
	local status=$?
	if ((status != 0)); then
		# What the nodes said, for the failure's diagnosis.
		for c in $("${podman[@]}" ps -a --format '{{.Names}}' | grep modelchain-test); do
			echo "--- $c (last lines)"
			"${podman[@]}" logs --tail 20 "$c" 2>&1
		done >&2
	fi
	"${podman[@]}" rm -f "$name" >/dev/null 2>&1 || true
	"${podman[@]}" volume rm -f "$volume" >/dev/null 2>&1 || true
	MODELCHAIN_IMAGE=$tag podman-compose --podman-args "--runtime runc" -p modelchain-test -f docker/compose.yml \
		down -v >/dev/null 2>&1 || true
}
trap cleanup EXIT

# A JSON-RPC call over HTTP; prints the result as JSON.
rpc() {
	local port=$1 method=$2 params=${3:-[]}
	curl -sS --max-time 10 -H 'Content-Type: application/json' \
		-d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$method\",\"params\":$params}" "http://127.0.0.1:$port" |
		python3 -c 'import json, sys; r = json.load(sys.stdin); print(json.dumps(r.get("result", r.get("error"))))'
}
# Block number of the best (chain_getHeader) or finalized head.
best() { rpc "$1" chain_getHeader | python3 -c 'import json, sys; print(int(json.load(sys.stdin)["number"], 16))'; }
finalized() {
	local hash
	hash=$(rpc "$1" chain_getFinalizedHead)
	rpc "$1" chain_getHeader "[$hash]" | python3 -c 'import json, sys; print(int(json.load(sys.stdin)["number"], 16))'
}
# wait_for SECONDS COMMAND...: retries COMMAND every 2 s until it succeeds.
wait_for() {
	local until=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		if ((SECONDS > until)); then
			echo "error: timed out waiting for: $*" >&2
			return 1
		fi
		sleep 2
	done
}
at_least() { (($($1 "$2") >= $3)); }

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Without systemd podman cannot schedule the health check (it says so on stderr): the test runs it.
"${podman[@]}" run -d --name "$name" "${run_opts[@]}" -p "127.0.0.1:$port:9944" -v "$volume:/data" "$tag" \
	>/dev/null 2> >(grep -v 'systemd' >&2)

# The healthcheck as the engine runs it (podman here has no systemd timer to schedule it).
wait_for 120 "${podman[@]}" healthcheck run "$name"
status=$("${podman[@]}" inspect --format '{{.State.Health.Status}}' "$name")
[[ "$status" == healthy ]] || {
	echo "error: health is $status" >&2
	exit 1
}
uid=$("${podman[@]}" exec "$name" id -u)
[[ "$uid" == 1000 ]] || {
	echo "error: the node runs as uid $uid" >&2
	exit 1
}
wait_for 90 at_least best "$port" 3
wait_for 90 at_least finalized "$port" 2
echo "docker: the container is healthy, runs as uid $uid, best #$(best "$port"), finalized #$(finalized "$port")"

# Safe RPC methods only: key rotation and insertion (with valid parameters: they are checked
# first) are refused as unsafe.
bob=0x8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48
for call in 'author_rotateKeys []' "author_insertKey [\"mlwk\",\"//Bob\",\"$bob\"]"; do
	answer=$(rpc "$port" ${call% *} "${call#* }")
	[[ "$answer" == *'"code": -32601'*unsafe* ]] || {
		echo "error: ${call% *} answered $answer (expected: unsafe to be called externally)" >&2
		exit 1
	}
done
echo "docker: unsafe RPC methods are refused"

# mlc in the image talks to the node beside it: the genesis digits model is listed.
models=$("${podman[@]}" exec "$name" mlc --json model list)
[[ "$models" == *digits-mlp* ]] || {
	echo "error: mlc model list in the container printed $models" >&2
	exit 1
}
echo "docker: mlc in the image lists the genesis model"

# The chain lives in the volume: after a restart the node has the same finalized block (a new
# dev chain would have other blocks: other timestamps) and goes on from there.
before=$(finalized "$port")
hash=$(rpc "$port" chain_getBlockHash "[$before]")
"${podman[@]}" restart "$name" >/dev/null 2> >(grep -v 'systemd' >&2)
wait_for 120 "${podman[@]}" healthcheck run "$name"
after=$(rpc "$port" chain_getBlockHash "[$before]")
[[ "$after" == "$hash" ]] || {
	echo "error: after a restart block #$before is $after, it was $hash" >&2
	exit 1
}
wait_for 90 at_least best "$port" $((before + 2))
echo "docker: restarted with finalized #$before ($hash) kept, still producing"
"${podman[@]}" rm -f "$name" >/dev/null

# compose.yml as written, with the image built above (its fixed ports, 9944-9947 and 9615-9618).
# podman-compose is chatty (and probes each volume before making it): its output goes to a log.
compose_log=$(mktemp -t modelchain-compose.XXXXXX)
MODELCHAIN_IMAGE=$tag podman-compose --podman-args "--runtime runc" -p modelchain-test -f docker/compose.yml up -d \
	>"$compose_log" 2>&1 || {
	cat "$compose_log" >&2
	exit 1
}
peers() { rpc "$1" system_health | python3 -c 'import json, sys; print(json.load(sys.stdin)["peers"])'; }
for p in 9944 9945 9946 9947; do wait_for 120 at_least peers "$p" 3; done
wait_for 120 at_least finalized 9947 3
echo "docker: compose's four validators are connected; Dave's node has finalized #$(finalized 9947)"
