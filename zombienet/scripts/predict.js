// Asks the genesis digits model (model 0) for held-out samples and waits for each final result.
// args: [requesters…] (secret URIs, one request each, sent together). Returns the smallest
// number of workers that agreed on a result: at least the quorum (2) if every request settled.
// Also checks each answer is the class the digits test set expects of this model.
const fs = require("node:fs");
const path = require("node:path");
const { mlc, FIXTURES } = require("./mlc.js");

/** Sample `i` of the digits test set: its 64 pixels / 16 (the model's real inputs). */
function sample(i) {
  const lines = fs.readFileSync(path.join(FIXTURES, "digits_test_head.csv"), "utf8").trim().split("\n");
  const row = lines[1 + i].split(",").map(Number);
  return row.slice(0, 64).map((p) => p / 16);
}

async function run(nodeName, networkInfo, args) {
  const { wsUri } = networkInfo.nodesByName[nodeName];
  const requesters = args.length ? args : ["//Eve"];
  const answers = await Promise.all(requesters.map((suri, i) =>
    mlc(wsUri, ["--suri", suri, "predict", "--model", "0", "--input", sample(i).join(",")])));
  let least = Infinity;
  for (const answer of answers) {
    const status = await mlc(wsUri, ["request", "status", String(answer.request)]);
    if (status.class !== answer.class) throw new Error(`request ${answer.request}: ${JSON.stringify(status)}`);
    least = Math.min(least, status.agreeing.length);
    console.log(`request ${answer.request}: class ${answer.class}, ${status.agreeing.length} workers agreed, ` +
      `blocks ${answer.requested_at} -> ${answer.answered_at}`);
  }
  return least;
}

module.exports = { run };
