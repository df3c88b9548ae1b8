// The README's polkadot.js apps walkthrough, as written: what each step says the user sees, and
// its JavaScript snippet run the way apps's Developer -> JavaScript page runs it (an async
// function given `api`, `keyring` and `console`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Keyring } from '@polkadot/keyring';
import { connect, dev, waitForEvents, MARKET_PALLETS } from './lib.mjs';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const MARKER = '<!-- tests/polkadot-js/readme.test.mjs runs this snippet as written -->';

let api;
before(async () => { api = await connect(); });
after(async () => { await api?.disconnect(); });

/// The ```js block after the marker, without the list item's indentation.
function snippet() {
  const at = README.indexOf(MARKER);
  assert.ok(at >= 0, 'the README marks its apps snippet');
  const block = README.slice(at).match(/```js\n([\s\S]*?)\n\s*```/);
  assert.ok(block, 'a js block follows the marker');
  return block[1].split('\n').map((line) => line.replace(/^ {3}/, '')).join('\n');
}

test('steps 1-3 and 7: the chain, the pallets, model 0 and the leaderboard call are where the README says', async () => {
  assert.equal((await api.rpc.system.chain()).toString(), 'ModelChain Development');
  assert.ok(README.includes('*ModelChain Development*'));
  const names = api.runtimeMetadata.asLatest.pallets.map((p) => p.name.toString());
  for (const pallet of MARKET_PALLETS) assert.ok(names.includes(pallet));
  const model = (await api.query.mlModels.models(0)).unwrap();
  assert.equal(model.owner.toString(), dev('//Alice').address);
  assert.equal(model.fee.toString(), '10000000000');
  assert.equal(model.inputLen.toNumber(), 64);
  assert.equal(model.outputLen.toNumber(), 10);
  assert.ok(api.consts.mlStaking.minWorkerBond && api.consts.mlPredictions.maxAssignmentsPerWorker);
  assert.equal(typeof api.call.mlBountiesApi.leaderboard, 'function');
  assert.equal(typeof api.query.mlPredictions.results, 'function');
});

test('steps 4-6: the snippet requests a prediction and the digit comes back as class 0', { timeout: 120_000 }, async () => {
  const lines = [];
  const console = { log: (...args) => lines.push(args.join(' ')) };
  // What apps hands the page's code (its keyring is @polkadot/ui-keyring, which has the same
  // createFromUri).
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  await new AsyncFunction('api', 'keyring', 'console', snippet())(api, keyring, console);

  const deadline = Date.now() + 60_000;
  while (!lines.some((l) => l.startsWith('mlPredictions.PredictionRequested'))) {
    assert.ok(Date.now() < deadline, `no PredictionRequested printed: ${lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.match(lines[0], /^fee estimate \d/);
  const requested = JSON.parse(lines.find((l) => l.startsWith('mlPredictions.PredictionRequested')).split(' ').slice(1).join(' '));
  const id = BigInt(requested.request.replaceAll(',', ''));

  const { events } = await waitForEvents(api, (evs) => evs.some(({ event }) =>
    api.events.mlPredictions.PredictionReady.is(event) && event.data.request.toBigInt() === id));
  const ready = events.find(({ event }) => api.events.mlPredictions.PredictionReady.is(event)).event;
  assert.deepEqual(ready.data.output.toJSON(), { class: 0 }, 'the image is a zero');
  assert.ok(README.includes('`output: { Class: 0 }`'));
  const result = (await api.query.mlPredictions.results(id)).unwrap();
  assert.equal(result.output.asClass.toNumber(), 0);
});
