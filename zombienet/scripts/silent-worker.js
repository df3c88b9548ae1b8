// With worker args[0] (a genesis worker's name, e.g. Dave) down: prediction requests go on,
// one at a time, until the silent worker was drawn for one and missed it. Every request must
// still reach the quorum of 2 with the two other drawn workers. Returns the worker's misses.
const { connect, account, sleep } = require("./chain.js");
const { mlc } = require("./mlc.js");

/** The workers drawn for `request` (made in block `requestedAt`; the draw is in a later block). */
async function drawnFor(api, request, requestedAt) {
  for (let block = requestedAt + 1; block <= requestedAt + 3; block++) {
    const hash = await api.rpc.chain.getBlockHash(block);
    const open = await api.query.mlPredictions.requests.at(hash, request);
    if (open.isSome && open.unwrap().workers.length > 0) return open.unwrap().workers.map((w) => w.toString());
  }
  throw new Error(`request ${request}: no draw within 3 blocks of #${requestedAt}`);
}

async function run(nodeName, networkInfo, args) {
  const { wsUri } = networkInfo.nodesByName[nodeName];
  const stash = account(`//${args[0]}//stash`);
  const api = await connect(networkInfo, nodeName);
  const missed = async () => {
    const record = await api.query.mlStaking.workerRecords(stash);
    return record.isSome ? record.unwrap().missed.toNumber() : 0;
  };
  try {
    const before = await missed();
    for (let i = 0; i < 12; i++) {
      const input = Array.from({ length: 64 }, (_, j) => ((i * 7 + j * 3) % 17) / 16).join(",");
      const answer = await mlc(wsUri, ["--suri", "//Ferdie", "predict", "--model", "0", "--input", input]);
      const status = await mlc(wsUri, ["request", "status", String(answer.request)]);
      if (status.agreeing.length < 2) throw new Error(`request ${answer.request}: ${JSON.stringify(status)}`);
      const drawn = await drawnFor(api, answer.request, answer.requested_at);
      console.log(`request ${answer.request}: drawn ${drawn.length}, ${status.agreeing.length} agreed; ` +
        `${args[0]} ${drawn.includes(stash) ? "drawn" : "not drawn"}`);
      if (!drawn.includes(stash)) continue;
      // The miss is recorded when the answer window closes, after the result.
      for (let wait = 0; wait < 60 && (await missed()) === before; wait++) await sleep(2000);
      return (await missed()) - before;
    }
    return 0;
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };
