// `mlc` (the project's Rust CLI, $MLC: scripts/test.sh sets it to the one it built) against a
// zombienet node, for the js-scripts: every transaction is signed and checked by the same
// client users run.
const { execFile } = require("node:child_process");
const path = require("node:path");
const { sleep } = require("./chain.js");

const MLC = process.env.MLC || "mlc";
const FIXTURES = path.join(__dirname, "../../primitives/nn-import/fixtures");
const DIGITS_BLOB = path.join(__dirname, "../../primitives/nn/fixtures/digits_mlp.bin");

/** Runs `mlc --url <wsUri> --json args…`; its JSON report, or an Error with mlc's message. */
function mlc(wsUri, args, { timeoutMs = 600_000 } = {}) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.MLC_SURI; // every signing call names its --suri
    execFile(MLC, ["--url", wsUri, "--json", ...args], { timeout: timeoutMs, env },
      (error, stdout, stderr) => {
        let report;
        try {
          report = JSON.parse(stdout);
        } catch (_) {
          return reject(new Error(`mlc ${args.join(" ")}: ${error ? error.message : "no JSON"}\n${stderr}`));
        }
        if (error) reject(new Error(`mlc ${args.join(" ")}: ${report.error || stderr}`));
        else resolve(report);
      });
  });
}

/** Polls `mlc bounty status id` until its phase is `phase`. */
async function waitPhase(wsUri, id, phase, timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await mlc(wsUri, ["bounty", "status", String(id)]);
    if (status.phase === phase) return status;
    if (Date.now() > deadline) throw new Error(`bounty ${id} is still ${status.phase}, not ${phase}`);
    await sleep(2000);
  }
}

module.exports = { mlc, waitPhase, FIXTURES, DIGITS_BLOB };
