// Run on a restarted node: returns 1 once its finalized head has reached the one node args[0]
// (default alice) had finalized when the script started.
const { connect, finalizedNumber, sleep } = require("./chain.js");

async function run(nodeName, networkInfo, args) {
  const reference = await connect(networkInfo, args[0] || "alice");
  const target = await finalizedNumber(reference);
  await reference.disconnect();
  const api = await connect(networkInfo, nodeName);
  try {
    for (;;) {
      const now = await finalizedNumber(api);
      if (now >= target) {
        console.log(`${nodeName} finalized #${now} (target #${target})`);
        return 1;
      }
      await sleep(1000);
    }
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };
