// The liveness penalty of genesis worker args[0] (e.g. Dave), once applied: returns the share
// of its genesis bond it lost, in basis points (MissedAnswerSlash: 100 = 1 %), after checking
// it is still a registered worker (a miss or two does not chill) with nothing else pending.
const { connect, account, sleep } = require("./chain.js");

const GENESIS_BOND = 10_000n * 10n ** 12n;

async function run(nodeName, networkInfo, args) {
  const stash = account(`//${args[0]}//stash`);
  const api = await connect(networkInfo, nodeName);
  try {
    for (;;) {
      const pending = await api.query.mlStaking.unappliedSlashes(stash);
      const ledger = (await api.query.mlStaking.ledger(stash)).unwrap();
      const active = BigInt(ledger.active.toString());
      if (pending.isNone && active < GENESIS_BOND) {
        const registered = (await api.query.mlStaking.workers(stash)).isSome;
        if (!registered) throw new Error(`${args[0]} was chilled`);
        const lost = GENESIS_BOND - active;
        console.log(`${args[0]} lost ${lost} of ${GENESIS_BOND} and is still a worker`);
        return Number((lost * 10_000n) / GENESIS_BOND);
      }
      await sleep(2000);
    }
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };
