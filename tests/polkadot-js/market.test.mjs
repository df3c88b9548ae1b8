// The market through polkadot.js, as a user of apps would use it: estimate the fee, sign, submit,
// and read back what changed. A bond, a model registration (its blob noted in pallet-preimage) and
// a prediction it answers, and a bounty with its leaderboard. Every fee paid is at most its estimate
// and every hold moves by exactly what the pallet documents.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { u8aConcat, u8aToHex, stringToU8a } from '@polkadot/util';
import { blake2AsU8a, randomAsU8a } from '@polkadot/util-crypto';
import { connect, dev, submit, eventNames, waitForEvents, balancesAt, viewFunctions, callView, MDC } from './lib.mjs';

let api;
before(async () => { api = await connect(); });
after(async () => { await api?.disconnect(); });

/// Submits, checks the dispatch succeeded and that the fee paid is at most the estimate (the
/// estimate is the benchmarked worst case; calls that did less refund the difference); returns
/// the block, its parent, the events and the fee.
async function submitOk(tx, signer) {
  const estimate = (await tx.paymentInfo(signer)).partialFee.toBigInt();
  const { blockHash, events, dispatchError, fee } = await submit(api, tx, signer);
  assert.equal(dispatchError, undefined, dispatchError && JSON.stringify(api.registry.findMetaError(dispatchError.asModule)));
  assert.ok(estimate > 0n && fee <= estimate, `${tx.method.section}.${tx.method.method}: paid ${fee}, estimated ${estimate}`);
  const parentHash = (await api.rpc.chain.getHeader(blockHash)).parentHash;
  return { blockHash, parentHash, events, fee };
}

const eventOf = (events, kind) => events.find(({ event }) => kind.is(event))?.event;

test('a bond is held on the stash and recorded in its ledger', async () => {
  const stash = dev('//Bob//stash');
  const amount = 25n * MDC + 3n;
  // `bond` the first time, `bondExtra` after (the suite may run again on the same chain).
  const already = (await api.query.mlStaking.ledger(stash.address)).unwrapOr(null)?.active.toBigInt() ?? 0n;
  const tx = already === 0n ? api.tx.mlStaking.bond(amount) : api.tx.mlStaking.bondExtra(amount);
  const { blockHash, parentHash, events, fee } = await submitOk(tx, stash);
  const bonded = eventOf(events, api.events.mlStaking.Bonded);
  assert.ok(bonded, eventNames(events));
  assert.equal(bonded.data.who.toString(), stash.address);
  assert.equal(bonded.data.amount.toBigInt(), amount);

  const before = await balancesAt(api, parentHash, stash.address);
  const after = await balancesAt(api, blockHash, stash.address);
  assert.equal(before.free - after.free, amount + fee);
  assert.equal((after.holds['MlStaking.Staking'] ?? 0n) - (before.holds['MlStaking.Staking'] ?? 0n), amount);
  const ledger = (await (await api.at(blockHash)).query.mlStaking.ledger(stash.address)).unwrap();
  assert.equal(ledger.active.toBigInt(), already + amount);
  // A bond alone is not a worker: registering needs the worker bond (1,000 MDC) and a key.
  assert.ok((await api.query.mlStaking.workers(stash.address)).isNone);
});

test('a model registered from a noted preimage answers a prediction like the genesis model', async () => {
  const owner = dev('//Dave');
  const blob = readFileSync(new URL('../../primitives/nn/fixtures/digits_mlp.bin', import.meta.url));
  const blobHash = blake2AsU8a(blob, 256);
  // The genesis model's blob: the chain already requests it (model 0 uses it), so noting it
  // again is free (pallet-preimage takes no fee or deposit for a requested preimage).
  const noted = await submitOk(api.tx.preimage.notePreimage(u8aToHex(blob)), owner);
  assert.equal(noted.fee, 0n);
  assert.ok((await api.query.preimage.requestStatusFor(blobHash)).unwrap().isRequested, 'the blob is on chain, requested');

  const metadata = 'digits-mlp again, registered through polkadot.js';
  const fee = MDC / 50n;
  const { blockHash, parentHash, events } = await submitOk(api.tx.mlModels.registerModel(blobHash, metadata, fee), owner);
  const registered = eventOf(events, api.events.mlModels.ModelRegistered);
  assert.ok(registered, eventNames(events));
  const id = registered.data.model.toNumber();
  assert.ok(id > 0, 'model 0 is the genesis model');
  assert.equal(u8aToHex(registered.data.blobHash), u8aToHex(blobHash));

  const info = (await api.query.mlModels.models(id)).unwrap();
  assert.equal(info.owner.toString(), owner.address);
  assert.equal(info.fee.toBigInt(), fee);
  assert.equal(info.inputLen.toNumber(), 64);
  assert.equal(info.outputLen.toNumber(), 10);
  const view = await callView(api, viewFunctions(api)['MlModels.model'], id);
  assert.deepEqual(view.unwrap().toJSON(), info.toJSON(), 'the view function reads the same model');
  // Deposit: ModelDeposit + MetadataDepositPerByte per metadata byte.
  const before = await balancesAt(api, parentHash, owner.address);
  const after = await balancesAt(api, blockHash, owner.address);
  const deposit = api.consts.mlModels.modelDeposit.toBigInt()
    + api.consts.mlModels.metadataDepositPerByte.toBigInt() * BigInt(stringToU8a(metadata).length);
  assert.equal((after.holds['MlModels.ModelDeposit'] ?? 0n) - (before.holds['MlModels.ModelDeposit'] ?? 0n), deposit);

  // The same blob answers the same input the same way, whoever registered it.
  const input = Array.from({ length: 64 }, (_, i) => ((i * 7 + 3) % 17) - 128);
  const answers = [];
  for (const model of [0, id]) {
    const requester = dev('//Eve');
    const { events: requested } = await submitOk(api.tx.mlPredictions.requestPrediction(model, input, MDC / 10n), requester);
    const request = eventOf(requested, api.events.mlPredictions.PredictionRequested).data.request.toBigInt();
    const { events: ready } = await waitForEvents(api, (evs) => evs.some(({ event }) =>
      api.events.mlPredictions.PredictionReady.is(event) && event.data.request.toBigInt() === request));
    const readyEvent = ready.find(({ event }) => api.events.mlPredictions.PredictionReady.is(event)
      && event.data.request.toBigInt() === request).event;
    assert.equal(readyEvent.data.model.toNumber(), model);
    answers.push(readyEvent.data.output.toJSON());
    const result = (await api.query.mlPredictions.results(request)).unwrap();
    assert.deepEqual(result.output.toJSON(), readyEvent.data.output.toJSON(), 'the stored result is the event');
  }
  assert.deepEqual(answers[1], answers[0], JSON.stringify(answers));
});

// What `mlBounties.createBounty` commits per chunk: blake2_256(tag ++ blob hash ++ salt), the
// SCALE encoding of the pallet's `(b"modelchain/bounties/chunk", blob_hash, salt)`.
const chunkCommitment = (blobHash, salt) => blake2AsU8a(u8aConcat(stringToU8a('modelchain/bounties/chunk'), blobHash, salt), 256);

test('a bounty created through polkadot.js escrows its reward and shows on the leaderboard', async () => {
  const requester = dev('//Charlie');
  const terms = {
    inputLen: 64, output: { Classes: 10 }, metric: 'Accuracy', minScore: 500_000,
    reward: 100n * MDC, trainerStake: 10n * MDC, evaluationFee: 0n,
    testChunks: 2, validationChunks: 0, maxChunkSamples: 1_000, maxModelCost: 10_000, maxSubmissions: 4,
    dataPeriod: 20, submissionPeriod: 20, revealPeriod: 20, challengePeriod: 10, payout: 'WinnerTakesAll',
  };
  // The least evaluation fee the chain accepts for these terms (a view function, like apps's
  // Runtime calls page), so evaluators are paid for their work.
  const fns = viewFunctions(api);
  const minFee = await callView(api, fns['MlBounties.min_evaluation_fee'], terms);
  assert.ok(minFee.isSome, 'the terms are valid');
  terms.evaluationFee = minFee.unwrap().toBigInt();
  assert.ok(terms.evaluationFee > 0n);

  const chunks = Array.from({ length: 3 }, () => chunkCommitment(randomAsU8a(32), randomAsU8a(32)));
  const metadata = 'digits through polkadot.js';
  const { blockHash, parentHash, events } = await submitOk(api.tx.mlBounties.createBounty(metadata, terms, chunks), requester);
  const created = eventOf(events, api.events.mlBounties.BountyCreated);
  assert.ok(created, eventNames(events));
  const bounty = created.data.bounty.toNumber();

  const before = await balancesAt(api, parentHash, requester.address);
  const after = await balancesAt(api, blockHash, requester.address);
  const held = (reason) => (after.holds[reason] ?? 0n) - (before.holds[reason] ?? 0n);
  assert.equal(held('MlBounties.Escrow'), terms.reward + terms.evaluationFee);
  assert.equal(held('MlBounties.RequesterDeposit'),
    api.consts.mlBounties.bountyDeposit.toBigInt() + 3n * api.consts.mlBounties.chunkDeposit.toBigInt());

  // The next block draws the secret test set from randomness the request could not know.
  const { events: drawn } = await waitForEvents(api, (evs) => evs.some(({ event }) =>
    api.events.mlBounties.SplitDrawn.is(event) && event.data.bounty.toNumber() === bounty));
  const split = drawn.find(({ event }) => api.events.mlBounties.SplitDrawn.is(event)).event;
  assert.equal(split.data.test.length, 2, split.toString());

  const board = (await callView(api, fns['MlBounties.leaderboard'], bounty)).unwrap();
  assert.equal(board.phase.toString(), 'Data', 'waiting for the requester to reveal the training chunk');
  assert.equal(board.submissions.length, 0);
  assert.ok(board.deadline.toNumber() > (await api.rpc.chain.getHeader()).number.toNumber());
  // apps's Runtime calls page reads the same through the runtime API.
  assert.deepEqual((await api.call.mlBountiesApi.leaderboard(bounty)).unwrap().toJSON(), board.toJSON());
});
