// Chain reads for the js-scripts, through the @polkadot/api zombienet provides (`zombie`).

/** Connects to `nodeName`; the caller disconnects. */
function connect(networkInfo, nodeName) {
  const { wsUri, userDefinedTypes } = networkInfo.nodesByName[nodeName];
  return zombie.connect(wsUri, userDefinedTypes);
}

/** The account of secret URI `suri` (sr25519). */
function account(suri) {
  return new zombie.Keyring({ type: "sr25519" }).addFromUri(suri).address;
}

/** The finalized head's number. */
async function finalizedNumber(api) {
  const hash = await api.rpc.chain.getFinalizedHead();
  return (await api.rpc.chain.getHeader(hash)).number.toNumber();
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = { connect, account, finalizedNumber, sleep };
