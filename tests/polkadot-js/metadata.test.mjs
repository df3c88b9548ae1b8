// What polkadot.js apps decodes and shows for the market pallets: every call, event, error,
// storage item, constant and view function documented; every storage item, block, extrinsic and
// event of the chain so far decodes; a failed call's error found with its docs; every view
// function callable. Runs after the Rust suite used the node (predictions, a bounty, a model).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, dev, submit, MARKET_PALLETS, MDC, viewFunctions, callView } from './lib.mjs';

let api;
before(async () => { api = await connect(); });
after(async () => { await api?.disconnect(); });

const lower = (name) => name.charAt(0).toLowerCase() + name.slice(1);
const docsOf = (meta) => meta.docs.map((d) => d.toString()).join(' ').trim();

test('metadata is V16 (view functions) and names every market pallet', () => {
  assert.equal(api.runtimeMetadata.version, 16, 'polkadot.js picks the newest metadata the runtime offers');
  const names = api.runtimeMetadata.asLatest.pallets.map((p) => p.name.toString());
  for (const pallet of MARKET_PALLETS) assert.ok(names.includes(pallet), `${pallet} in ${names}`);
});

test('every call, event, error, storage item, constant and view function is documented', () => {
  const undocumented = [];
  const counts = {};
  const check = (what, meta) => { if (!docsOf(meta)) undocumented.push(what); };
  for (const pallet of MARKET_PALLETS) {
    const section = lower(pallet);
    const c = (counts[pallet] = { calls: 0, events: 0, errors: 0, storage: 0, constants: 0 });
    for (const [name, tx] of Object.entries(api.tx[section])) {
      check(`call ${section}.${name}`, tx.meta);
      // What the extrinsics page does to draw a call's form: a default value for every argument.
      for (const arg of tx.meta.args) {
        assert.doesNotThrow(() => api.registry.createType(arg.type.toString()), `${section}.${name}(${arg.name}: ${arg.type})`);
      }
      c.calls += 1;
    }
    for (const [name, event] of Object.entries(api.events[section])) { check(`event ${section}.${name}`, event.meta); c.events += 1; }
    for (const [name, error] of Object.entries(api.errors[section])) { check(`error ${section}.${name}`, error.meta); c.errors += 1; }
    for (const [name, entry] of Object.entries(api.query[section])) { check(`storage ${section}.${name}`, entry.creator.meta); c.storage += 1; }
    for (const [name, constant] of Object.entries(api.consts[section])) {
      check(`constant ${section}.${name}`, constant.meta);
      assert.ok(constant.toHuman() !== undefined, `${section}.${name} decodes`);
      c.constants += 1;
    }
  }
  for (const [name, fn] of Object.entries(viewFunctions(api))) check(`view function ${name}`, fn);
  assert.deepEqual(undocumented, []);
  // A pallet that lost its metadata (a missing #[pallet::call], say) would pass the loop above.
  for (const [pallet, c] of Object.entries(counts)) {
    for (const [kind, n] of Object.entries(c)) assert.ok(n > 0, `${pallet} has no ${kind}`);
  }
  assert.ok(counts.MlBounties.calls >= 10 && counts.MlPredictions.calls >= 4, JSON.stringify(counts));
});

test('constants decode to the documented values', () => {
  assert.equal(api.consts.mlStaking.minWorkerBond.toBigInt(), 1000n * MDC);
  assert.equal(api.consts.mlModels.modelDeposit.toBigInt(), MDC);
  assert.equal(api.consts.mlStaking.challengeDeposit.toBigInt(), 10n * MDC);
  assert.equal(api.consts.mlBounties.bountyDeposit.toBigInt(), 10n * MDC);
});

test('every storage item of the market pallets decodes', async () => {
  const sizes = {};
  for (const pallet of MARKET_PALLETS) {
    const section = lower(pallet);
    for (const [name, entry] of Object.entries(api.query[section])) {
      if (entry.creator.meta.type.isPlain) {
        const value = await entry();
        assert.doesNotThrow(() => value.toJSON(), `${section}.${name}`);
        sizes[`${section}.${name}`] = 1;
      } else {
        const entries = await entry.entries();
        for (const [key, value] of entries) {
          assert.doesNotThrow(() => key.toHuman(), `${section}.${name} key`);
          assert.doesNotThrow(() => value.toJSON(), `${section}.${name} value`);
        }
        sizes[`${section}.${name}`] = entries.length;
      }
    }
  }
  // What the chain holds at least: Alice's stash bonded and working, the genesis model, the
  // predictions and the bounty the Rust suite made.
  for (const item of ['mlStaking.ledger', 'mlStaking.workers', 'mlModels.models', 'mlPredictions.results', 'mlBounties.bounties']) {
    assert.ok(sizes[item] >= 1, `${item}: ${sizes[item]} entries`);
  }
  const [stash, ledger] = (await api.query.mlStaking.ledger.entries())
    .find(([key]) => key.args[0].toString() === dev('//Alice//stash').address);
  assert.ok(ledger.isSome, stash.toHuman());
  assert.ok(ledger.unwrap().active.toBigInt() >= 10_000n * MDC, ledger.toString());
});

test('every block, extrinsic and event so far decodes', async () => {
  const head = (await api.rpc.chain.getHeader()).number.toNumber();
  const calls = new Set();
  const events = new Set();
  for (let n = 1; n <= head; n++) {
    const hash = await api.rpc.chain.getBlockHash(n);
    const { block } = await api.rpc.chain.getBlock(hash);
    for (const ext of block.extrinsics) {
      // toHuman decodes the signature and every transaction extension (ModelChain's own included).
      assert.doesNotThrow(() => ext.toHuman(), `#${n} ${ext.method.section}.${ext.method.method}`);
      calls.add(`${ext.method.section}.${ext.method.method}`);
    }
    for (const { event } of await (await api.at(hash)).query.system.events()) {
      assert.doesNotThrow(() => event.toHuman(), `#${n} ${event.section}.${event.method}`);
      events.add(`${event.section}.${event.method}`);
    }
  }
  // The Rust suite's prediction and bounty are on chain: signed by users and by the node's own
  // off-chain worker (CheckPredictionAnswers, CheckScoreSubmissions).
  for (const call of ['mlPredictions.requestPrediction', 'mlPredictions.submitPredictions', 'mlBounties.createBounty',
    'mlBounties.revealChunk', 'mlBounties.submit', 'mlBounties.revealModel', 'mlBounties.submitScores']) {
    assert.ok(calls.has(call), `${call} in ${[...calls]}`);
  }
  for (const event of ['mlPredictions.PredictionRequested', 'mlPredictions.WorkersAssigned', 'mlPredictions.PredictionReady',
    'mlBounties.BountyCreated', 'mlBounties.BountyFinalized', 'mlModels.ModelRegistered']) {
    assert.ok(events.has(event), `${event} in ${[...events]}`);
  }
});

test('a failed call pays its fee and its error is found in the metadata with its docs', async () => {
  // Bob does not own model 0 (Alice does).
  const tx = api.tx.mlModels.setFee(0, MDC);
  const estimate = (await tx.paymentInfo(dev('//Bob'))).partialFee.toBigInt();
  const { dispatchError, fee } = await submit(api, tx, dev('//Bob'));
  assert.ok(dispatchError?.isModule, String(dispatchError));
  const { section, name, docs } = api.registry.findMetaError(dispatchError.asModule);
  assert.equal(`${section}.${name}`, 'mlModels.NotOwner');
  assert.ok(docs.join(' ').length > 20, docs.join(' '));
  assert.equal(fee, estimate, 'the estimate is the fee');
  assert.equal((await api.query.mlModels.models(0)).unwrap().fee.toBigInt(), MDC / 100n, 'the fee did not change');
});

test('every view function is callable and decodes', async () => {
  const fns = viewFunctions(api);
  const aliceStash = dev('//Alice//stash').address;
  assert.deepEqual(Object.keys(fns).sort(), [
    'MlBounties.evaluation_of', 'MlBounties.leaderboard', 'MlBounties.min_evaluation_fee',
    'MlModels.model',
    'MlPredictions.assignments', 'MlPredictions.request', 'MlPredictions.result', 'MlPredictions.worker_load',
    'MlStaking.pending_slash', 'MlStaking.stash_of_key',
  ]);

  const model = await callView(api, fns['MlModels.model'], 0);
  assert.equal(model.unwrap().owner.toString(), dev('//Alice').address);
  assert.ok((await callView(api, fns['MlModels.model'], 1_000_000)).isNone);

  assert.equal((await callView(api, fns['MlStaking.stash_of_key'], dev('//Alice').address)).unwrap().toString(), aliceStash);
  assert.ok((await callView(api, fns['MlStaking.stash_of_key'], dev('//Ferdie').address)).isNone);
  assert.ok((await callView(api, fns['MlStaking.pending_slash'], aliceStash)).isNone, 'the honest worker owes nothing');

  // The Rust suite's first prediction (request 0): its result may be pruned only after a day.
  const result = await callView(api, fns['MlPredictions.result'], 0);
  assert.ok(result.isSome, 'request 0 has a result');
  assert.deepEqual(result.unwrap().toJSON(), (await api.query.mlPredictions.results(0)).unwrap().toJSON());
  assert.ok((await callView(api, fns['MlPredictions.request'], 1_000_000)).isNone);
  const assignments = await callView(api, fns['MlPredictions.assignments'], aliceStash);
  assert.ok(Array.isArray(assignments.toJSON()));
  const load = await callView(api, fns['MlPredictions.worker_load'], aliceStash);
  assert.equal(load.length, 2, load.toString());

  const board = await callView(api, fns['MlBounties.leaderboard'], 0);
  assert.deepEqual(board.toJSON(), (await api.call.mlBountiesApi.leaderboard(0)).toJSON(), 'view function = runtime API');
  assert.equal(board.unwrap().phase.toString(), 'Finalized');
  assert.ok((await callView(api, fns['MlBounties.evaluation_of'], aliceStash)).isNone, 'no evaluation running');
});
