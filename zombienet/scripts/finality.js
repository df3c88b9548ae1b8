// Returns how many blocks the node finalizes in the next args[0] seconds (default 60): finality
// goes on while a validator is down if more than two thirds of the voters remain.
const { connect, finalizedNumber, sleep } = require("./chain.js");

async function run(nodeName, networkInfo, args) {
  const api = await connect(networkInfo, nodeName);
  try {
    const start = await finalizedNumber(api);
    await sleep(1000 * Number(args[0] || 60));
    const end = await finalizedNumber(api);
    console.log(`${nodeName} finalized #${start} -> #${end}`);
    return end - start;
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };
