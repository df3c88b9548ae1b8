// A bounty scored by the network's evaluators (3 drawn of the 4 workers, quorum 2), through
// `mlc`: Ferdie posts the digits test set, Bob submits the digits model and reveals it, the
// evaluators' off-chain workers score it. Returns 1 when Bob's model ranks first with a quorum
// score.
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { mlc, waitPhase, FIXTURES, DIGITS_BLOB } = require("./mlc.js");

async function run(nodeName, networkInfo) {
  const { wsUri } = networkInfo.nodesByName[nodeName];
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "mlc-state-"));
  const created = await mlc(wsUri, [
    "--suri", "//Ferdie", "bounty", "create",
    "--data", path.join(FIXTURES, "digits_test_x.npy"), "--labels", path.join(FIXTURES, "digits_test_y.npy"),
    "--input-scale", "0.0625", "--input-zero-point", "-128", "--chunks", "4", "--test-chunks", "2",
    "--reward", "100", "--trainer-stake", "10", "--max-model-cost", "10000", "--min-score", "500000",
    "--period", "5", "--metadata", "digits on zombienet", "--state", state,
  ]);
  const id = String(created.bounty);
  await waitPhase(wsUri, id, "Submission");
  await mlc(wsUri, ["--suri", "//Bob", "bounty", "submit", id, "--model", DIGITS_BLOB, "--state", state]);
  await waitPhase(wsUri, id, "Reveal");
  await mlc(wsUri, ["--suri", "//Ferdie", "bounty", "reveal", id, "--state", state]);
  await mlc(wsUri, ["--suri", "//Bob", "bounty", "reveal", id, "--state", state]);
  const scored = await waitPhase(wsUri, id, "Scored");
  const bob = scored.submissions.find((s) => s.submission === 0);
  console.log(`bounty ${id}: ${JSON.stringify(bob)}`);
  await waitPhase(wsUri, id, "Finalized");
  return bob.rank === 0 && String(bob.score).includes("(quorum)") ? 1 : 0;
}

module.exports = { run };
