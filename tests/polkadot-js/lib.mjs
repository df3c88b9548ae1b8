// What every file of the suite shares: the connection, dev keys, and a signed submission that
// resolves with the block it landed in, its events and the fee it paid.
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { u8aConcat, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';

export const WS = process.env.MODELCHAIN_WS ?? 'ws://127.0.0.1:9944';
export const MDC = 10n ** 12n;
/// The ModelChain pallets, as polkadot.js names their sections.
export const MARKET_PALLETS = ['MlStaking', 'MlModels', 'MlPredictions', 'MlBounties'];

export async function connect() {
  await cryptoWaitReady();
  // No reconnect loop: a node that is not up is a failure, not something to wait for.
  const provider = new WsProvider(WS, false);
  await provider.connect();
  return ApiPromise.create({ provider, throwOnConnect: true, noInitWarn: true });
}

const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
/// A dev key pair (`//Alice`, `//Bob//stash`, ...).
export const dev = (uri) => keyring.addFromUri(uri);

/// Signs and submits `tx` as `signer` and waits for its block. Resolves with the block hash, the
/// extrinsic's events and the fee it paid (`TransactionFeePaid`); a failed dispatch resolves too,
/// with `dispatchError` set, as polkadot.js apps shows it.
export function submit(api, tx, signer) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, ({ status, events, dispatchError }) => {
      if (status.isInBlock) {
        const paid = events.find(({ event }) => api.events.transactionPayment.TransactionFeePaid.is(event));
        const fee = paid ? paid.event.data.actualFee.toBigInt() + paid.event.data.tip.toBigInt() : undefined;
        resolve({ blockHash: status.asInBlock, events, dispatchError, fee });
      }
      if (status.isDropped || status.isInvalid || status.isUsurped) reject(new Error(status.type));
    }).catch(reject);
  });
}

/// `section.Method` of every event, for assertion messages.
export const eventNames = (events) => events.map(({ event }) => `${event.section}.${event.method}`).join(',');

/// Resolves with the first new block (number, hash and events) for which `found(events, header)`
/// is true; `found` sees every new block until then.
export function waitForEvents(api, found, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    let unsub;
    let done = false;
    const timer = setTimeout(() => { done = true; unsub?.(); reject(new Error(`no such event within ${timeoutMs} ms`)); }, timeoutMs);
    api.rpc.chain.subscribeNewHeads(async (header) => {
      const events = await (await api.at(header.hash)).query.system.events();
      if (!done && found(events, header)) {
        done = true;
        clearTimeout(timer);
        unsub?.();
        resolve({ number: header.number.toNumber(), hash: header.hash, events });
      }
    }).then((u) => { unsub = u; if (done) u(); }).catch(reject);
  });
}

/// The account's free balance and its holds (reason as `Pallet.Reason` -> amount) at a block.
export async function balancesAt(api, blockHash, address) {
  const at = await api.at(blockHash);
  const account = await at.query.system.account(address);
  const holds = {};
  for (const hold of await at.query.balances.holds(address)) {
    // RuntimeHoldReason: the pallet's variant, holding the pallet's own reason enum.
    holds[`${hold.id.type}.${hold.id.value.type}`] = hold.amount.toBigInt();
  }
  return { free: account.data.free.toBigInt(), reserved: account.data.reserved.toBigInt(), holds };
}

/// The view functions of the runtime's pallets, from the metadata (V16), by `pallet.function`
/// name: what polkadot.js apps offers under Developer -> Runtime calls ->
/// runtimeViewFunction.executeViewFunction.
export function viewFunctions(api) {
  const found = {};
  for (const pallet of api.runtimeMetadata.asLatest.pallets) {
    for (const fn of pallet.viewFunctions ?? []) {
      found[`${pallet.name}.${fn.name}`] = fn;
    }
  }
  return found;
}

/// Calls a view function with its arguments (in order) and decodes its output with the
/// metadata's types.
export async function callView(api, fn, ...args) {
  const input = u8aConcat(...fn.inputs.map((param, i) =>
    api.registry.createTypeUnsafe(api.registry.createLookupType(param.type), [args[i]]).toU8a()));
  // As hex: polkadot.js reads a Uint8Array given for `Bytes` as already length-prefixed.
  const result = await api.call.runtimeViewFunction.executeViewFunction(
    { prefix: fn.id.slice(0, 16), suffix: fn.id.slice(16) }, u8aToHex(input));
  if (result.isErr) throw new Error(`${fn.name.toString()}: ${result.asErr.toString()}`);
  return api.registry.createTypeUnsafe(api.registry.createLookupType(fn.output), [result.asOk.toU8a(true)]);
}
