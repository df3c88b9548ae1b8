// The number of Aura authorities at the node's best block.
const { connect } = require("./chain.js");

async function run(nodeName, networkInfo) {
  const api = await connect(networkInfo, nodeName);
  try {
    return (await api.query.aura.authorities()).length;
  } finally {
    await api.disconnect();
  }
}

module.exports = { run };
