# Sourced by the measurement scripts (load.sh --zombienet, faults.sh): spawns the four-validator
# network of zombienet/network.toml in the background with the node built in $CARGO_TARGET_DIR,
# waits until every node is up, and exports
#   MODELCHAIN_ZOMBIE_DIR  zombienet's directory (zombie.json, each node's log and base path)
#   MODELCHAIN_LOAD_PORT   alice's RPC port
# The network (and any node a measurement restarted) is stopped when the sourcing script exits.
# Extra environment (e.g. MODELCHAIN_POOL_LIMIT) reaches network.toml's template.
npm ci --prefix zombienet --no-audit --no-fund --loglevel=error
MODELCHAIN_ZOMBIE_DIR=$(mktemp -d -t modelchain-zombienet.XXXXXX)
export MODELCHAIN_ZOMBIE_DIR
echo "zombienet: logs in $MODELCHAIN_ZOMBIE_DIR"
(cd zombienet && MODELCHAIN_NODE="$CARGO_TARGET_DIR/release/modelchain-node" \
	exec ./node_modules/.bin/zombienet -p native -l text -d "$MODELCHAIN_ZOMBIE_DIR" -f spawn network.toml \
	>"$MODELCHAIN_ZOMBIE_DIR/spawn.log" 2>&1) &
zombienet_pid=$!
# Nodes a measurement restarted are not zombienet's children: stop every process started with a
# base path in the network's directory too.
trap 'kill $zombienet_pid 2>/dev/null || true; sleep 2; pkill -KILL -f -- "$MODELCHAIN_ZOMBIE_DIR" 2>/dev/null || true' EXIT
# zombienet writes zombie.json once every node is up.
for _ in $(seq 600); do
	[[ -s "$MODELCHAIN_ZOMBIE_DIR/zombie.json" ]] && break
	kill -0 $zombienet_pid 2>/dev/null || { cat "$MODELCHAIN_ZOMBIE_DIR/spawn.log"; exit 1; }
	sleep 1
done
[[ -s "$MODELCHAIN_ZOMBIE_DIR/zombie.json" ]] || { echo "zombienet: the network never came up"; exit 1; }
MODELCHAIN_LOAD_PORT=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["nodesByName"]["alice"]["wsUri"].rsplit(":", 1)[1].strip("/"))' \
	"$MODELCHAIN_ZOMBIE_DIR/zombie.json")
export MODELCHAIN_LOAD_PORT
echo "zombienet: alice's RPC on port $MODELCHAIN_LOAD_PORT"
