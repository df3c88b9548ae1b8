// polkadot.js compatibility: what polkadot.js apps does on connect, then a fee estimate and a
// signed transfer, and a prediction. The suite (this file, metadata.test.mjs, market.test.mjs)
// runs against a running dev node:
//   MODELCHAIN_WS=ws://127.0.0.1:9944 npm test --prefix tests/polkadot-js
// The Rust end-to-end suite (`node/tests/dev_node.rs`) starts a node, uses it, then runs the suite.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, dev, submit, eventNames, waitForEvents, MDC } from './lib.mjs';

let api;
const alice = dev('//Alice');
const charlie = dev('//Charlie');
const dave = dev('//Dave');

before(async () => { api = await connect(); });

after(async () => {
  await api?.disconnect();
});

test('metadata lists the ModelChain pallets and is V14 or newer', () => {
  assert.ok(api.runtimeMetadata.version >= 14, `metadata v${api.runtimeMetadata.version}`);
  const pallets = api.runtimeMetadata.asLatest.pallets.map((p) => p.name.toString());
  for (const name of ['System', 'Balances', 'TransactionPayment', 'Treasury', 'Sudo', 'Utility', 'Preimage',
    'MlStaking', 'MlModels', 'MlPredictions', 'MlBounties']) {
    assert.ok(pallets.includes(name), `${name} in ${pallets}`);
  }
  assert.equal(typeof api.tx.balances.transferKeepAlive, 'function');
  assert.equal(typeof api.tx.preimage.notePreimage, 'function');
  assert.equal(typeof api.tx.mlBounties.createBounty, 'function');
  assert.equal(api.runtimeVersion.specName.toString(), 'modelchain');
});

test('chain properties describe ModelCoin', async () => {
  const props = await api.rpc.system.properties();
  assert.deepEqual(props.tokenSymbol.unwrap().map((s) => s.toString()), ['MDC']);
  assert.deepEqual(props.tokenDecimals.unwrap().map((d) => d.toNumber()), [12]);
  assert.equal(props.ss58Format.unwrap().toNumber(), 42);
  assert.deepEqual(api.registry.chainTokens, ['MDC']);
  assert.deepEqual(api.registry.chainDecimals, [12]);
  assert.equal(api.consts.balances.existentialDeposit.toBigInt(), MDC / 1000n);
});

// The Rust suite ran a bounty on this node before (bounty 0: Eve's digits model won, Ferdie's weak
// one did not qualify); polkadot.js reads its leaderboard through the runtime API it decorates from
// the metadata (Developer -> Runtime calls in apps).
test('a bounty leaderboard is readable through the mlBountiesApi runtime API', async () => {
  const board = await api.call.mlBountiesApi.leaderboard(0);
  assert.ok(board.isSome, 'bounty 0 exists');
  const leaderboard = board.unwrap();
  assert.equal(leaderboard.phase.toString(), 'Finalized');
  const entries = leaderboard.submissions;
  assert.equal(entries.length, 2, JSON.stringify(leaderboard.toJSON()));
  const winner = entries.find((e) => e.rank.isSome);
  assert.equal(winner.rank.unwrap().toNumber(), 0, 'rank 0 is the best');
  assert.equal(winner.trainer.toString(), dev('//Eve').address);
  assert.ok(winner.revealed.isTrue);
  assert.ok(winner.score.unwrap().isQuorum, winner.score.toString());
  assert.ok((await api.call.mlBountiesApi.leaderboard(999)).isNone);
});

test('balances are readable', async () => {
  const { data } = await api.query.system.account(alice.address);
  assert.ok(data.free.toBigInt() > 1000n * MDC, `Alice has ${data.free.toHuman()}`);
});

test('paymentInfo estimates a fee and a signed transfer pays exactly amount plus fee', async () => {
  const amount = 7n * MDC + 11n;
  const tx = api.tx.balances.transferKeepAlive(dave.address, amount);
  const info = await tx.paymentInfo(alice);
  const estimate = info.partialFee.toBigInt();
  assert.ok(estimate > 0n && estimate < MDC / 1000n, `estimated fee ${estimate}`);

  const { blockHash, events, dispatchError, fee } = await submit(api, tx, alice);
  assert.equal(dispatchError, undefined, String(dispatchError));
  assert.ok(eventNames(events).split(',').includes('system.ExtrinsicSuccess'), eventNames(events));
  assert.ok(fee !== undefined, eventNames(events));
  // The estimate is computed from the same weight and length, so it is exact here.
  assert.equal(fee, estimate);

  const header = await api.rpc.chain.getHeader(blockHash);
  const before = await api.at(header.parentHash);
  const after = await api.at(blockHash);
  const aliceBefore = (await before.query.system.account(alice.address)).data.free.toBigInt();
  const aliceAfter = (await after.query.system.account(alice.address)).data.free.toBigInt();
  const daveBefore = (await before.query.system.account(dave.address)).data.free.toBigInt();
  const daveAfter = (await after.query.system.account(dave.address)).data.free.toBigInt();
  assert.equal(aliceBefore - aliceAfter, amount + fee);
  assert.equal(daveAfter - daveBefore, amount);
});

// What a user does in polkadot.js apps: ask the genesis digits model for a prediction, then wait
// for the dev node's own off-chain worker (Alice's worker key) to answer it.
test('a prediction requested through polkadot.js is drawn in the next block and answered', async () => {
  const extensions = api.registry.signedExtensions;
  for (const name of ['CheckPredictionAnswers', 'CheckScoreSubmissions']) assert.ok(extensions.includes(name), extensions.join(','));
  const model = await api.query.mlModels.models(0);
  assert.ok(model.isSome, 'model 0 is registered at genesis');
  // An 8x8 image, pixels 0..=16 sent as pixel - 128.
  const input = Array.from({ length: 64 }, (_, i) => ((i * 5 + 1) % 17) - 128);
  const maxFee = 20n * (MDC / 1000n);
  const tx = api.tx.mlPredictions.requestPrediction(0, input, maxFee);
  const { blockHash, events, dispatchError } = await submit(api, tx, charlie);
  assert.equal(dispatchError, undefined, String(dispatchError));
  const requested = events.find(({ event }) => api.events.mlPredictions.PredictionRequested.is(event));
  assert.ok(requested, eventNames(events));
  const id = requested.event.data.request.toBigInt();
  const requestedAt = (await api.rpc.chain.getHeader(blockHash)).number.toNumber();

  // Watch new blocks: the workers are drawn in the next block (WorkersAssigned), then answer
  // (PredictionReady).
  const aliceStash = dev('//Alice//stash');
  let assignedAt;
  let assignedWorkers;
  const { number: readyAt } = await waitForEvents(api, (blockEvents, header) => {
    const assigned = blockEvents.find(({ event }) =>
      api.events.mlPredictions.WorkersAssigned.is(event) && event.data.request.toBigInt() === id);
    if (assigned) {
      assignedWorkers = assigned.event.data.workers.map((w) => w.toString());
      assignedAt = header.number.toNumber();
    }
    return blockEvents.some(({ event }) =>
      api.events.mlPredictions.PredictionReady.is(event) && event.data.request.toBigInt() === id);
  });
  assert.equal(assignedAt, requestedAt + 1, 'workers drawn in the block after the request');
  // The worker is Alice's stash; her node signs with the worker key //Alice.
  assert.deepEqual(assignedWorkers, [aliceStash.address]);
  // Drawn in the next block and answered in the one after; one block of slack for an off-chain
  // worker transaction that misses its block.
  assert.ok(readyAt <= requestedAt + 3, `requested at #${requestedAt}, ready at #${readyAt}`);

  const result = await api.query.mlPredictions.results(id);
  assert.ok(result.isSome, 'the result is stored');
  const output = result.unwrap().output;
  assert.ok(output.isClass, output.toString());
  assert.ok(output.asClass.toNumber() < 10, output.toString());
});
