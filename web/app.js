// ModelChain market dashboard: a read-only view of the chain over @polkadot/api's browser bundles
// (globals set by the <script> tags in index.html; no build step).
const { ApiPromise, WsProvider } = globalThis.polkadotApi;
const { Keyring } = globalThis.polkadotKeyring;

const DEFAULT_RPC = 'ws://127.0.0.1:9944';
const endpoint = new URLSearchParams(location.search).get('rpc') || DEFAULT_RPC;
const MARKET_PALLETS = new Set(['mlModels', 'mlPredictions', 'mlBounties', 'mlStaking']);
const MAX_EVENTS = 60;
const MAX_RESULTS = 50;
const BACKFILL_BLOCKS = 50; // the feed starts with the market events of the last 50 blocks
const PHASES = ['Split', 'Data', 'Submission', 'Reveal', 'Drawing', 'Evaluation', 'Scored', 'Finalized'];

const $ = (id) => document.getElementById(id);
const state = {
  api: null,
  decimals: 12,
  symbol: 'MDC',
  names: new Map(), // address -> dev account name (dev and local chains only)
  best: 0,
  eventsUpTo: 0, // the last block whose events are in the feed
  events: [],
  everConnected: false,
  ready: false,
  refreshing: false,
  pendingHead: null,
  catchUp: Promise.resolve(),
};

// ---------------------------------------------------------------------------------------------
// Formatting. Balances are u128: go through BigInt (Number loses precision above 2^53 Planck,
// i.e. above ~9,007 MDC, and Codec#toNumber() throws there).

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const big = (v) => (typeof v === 'bigint' ? v : BigInt(v.toString()));
const num = (v) => big(v).toLocaleString('en-US');

function mdc(value) {
  let v = big(value);
  const negative = v < 0n;
  if (negative) v = -v;
  const unit = 10n ** BigInt(state.decimals);
  let text = (v / unit).toLocaleString('en-US');
  const frac = v % unit;
  if (frac) text += '.' + frac.toString().padStart(state.decimals, '0').replace(/0+$/, '');
  return `${negative ? '−' : ''}${text} ${esc(state.symbol)}`;
}

function account(id) {
  const address = id.toString();
  const short = `${address.slice(0, 6)}…${address.slice(-4)}`;
  const name = state.names.get(address);
  return name
    ? `<span class="account" title="${esc(address)}"><b>${esc(name)}</b> <span class="muted">${esc(short)}</span></span>`
    : `<span class="account" title="${esc(address)}">${esc(short)}</span>`;
}

const accounts = (list) => (list.length ? list.map(account).join(', ') : '<span class="muted">none</span>');

function blockRef(n) {
  const at = Number(big(n));
  const delta = at - state.best;
  const blocks = (n) => `${n.toLocaleString('en-US')} block${n === 1 ? '' : 's'}`;
  const rel = delta > 0 ? `in ${blocks(delta)}` : delta === 0 ? 'now' : `${blocks(-delta)} ago`;
  return `#${num(at)} <span class="muted">(${rel})</span>`;
}

function bytesText(bytes) {
  if (bytes.length === 0) return '';
  return bytes.isUtf8 ? bytes.toUtf8() : bytes.toHex();
}

function fixed16(v) {
  return (Number(big(v)) / 65536).toLocaleString('en-US', { maximumFractionDigits: 4 });
}

function predictionText(output) {
  if (output.isClass) return `class ${num(output.asClass)}`;
  if (output.isRegression) return `[${output.asRegression.map(fixed16).join(', ')}]`;
  return esc(output.toString());
}

function scoreValue(metric, value) {
  if (value.isNone) return '<span class="bad">fails</span>';
  const v = value.unwrap();
  if (metric.isAccuracy) return `${(Number(big(v)) / 10000).toFixed(2)} %`;
  return fixed16(v); // errors: fixed point with 16 fraction bits
}

function scoreText(metric, score) {
  if (score.isNone) return '<span class="muted">–</span>';
  const s = score.unwrap();
  if (s.isQuorum) return `${scoreValue(metric, s.asQuorum)} <span class="muted">quorum</span>`;
  if (s.isVerified) return `${scoreValue(metric, s.asVerified)} <span class="muted">verified</span>`;
  if (s.isChallenged) return `<span class="warn">challenged</span> <span class="muted">by</span> ${account(s.asChallenged.challenger)}`;
  return '<span class="warn">being computed by the chain</span>';
}

function setHtml(el, html) {
  if (el.dataset.html !== html) {
    el.innerHTML = html;
    el.dataset.html = html;
  }
}

function setStatus(kind, text) {
  const el = $('status');
  el.className = `status ${kind}`;
  el.textContent = text;
}

function showBanner(html, kind = 'error') {
  const el = $('banner');
  el.className = `banner ${kind}`;
  el.innerHTML = html;
  el.hidden = false;
}

const hideBanner = () => { $('banner').hidden = true; };

function unreachable() {
  document.body.classList.add('offline'); // what is shown is from the last block read
  setStatus('down', state.everConnected ? 'Disconnected' : 'Node unreachable');
  showBanner(
    `<b>Cannot reach the ModelChain node at <code>${esc(endpoint)}</code>.</b> ` +
    (state.everConnected ? 'The connection dropped. ' : '') +
    'Is <code>modelchain-node --dev</code> running with its RPC on that address? ' +
    'Choose another node with <code>?rpc=ws://host:port</code>. Retrying every few seconds…');
}

// ---------------------------------------------------------------------------------------------
// Sections.

function renderModels(entries) {
  const rows = entries
    .map(([key, value]) => [key.args[0].toNumber(), value.unwrap()])
    .sort((a, b) => a[0] - b[0])
    .map(([id, m]) => {
      const output = m.output.isClass
        ? `class of ${num(m.outputLen)}`
        : `${num(m.outputLen)} value${m.outputLen.toNumber() === 1 ? '' : 's'}`;
      const description = bytesText(m.metadata);
      return `<tr data-model="${id}" class="${m.retired.isTrue ? 'retired' : ''}">
        <td class="id">${id}</td>
        <td class="desc">${esc(description) || '<span class="muted">no description</span>'}${m.retired.isTrue ? ' <span class="badge bad">retired</span>' : ''}</td>
        <td class="fee amount">${mdc(m.fee)}</td>
        <td>${output}</td>
        <td>${num(m.inputLen)} values</td>
        <td class="amount">${num(m.cost)}</td>
        <td>${account(m.owner)}</td>
        <td class="amount">${num(m.users)}</td>
        <td>#${num(m.registeredAt)}</td>
      </tr>`;
    });
  setHtml($('models-body'), rows.join('') || '<tr><td colspan="9" class="empty">No models registered.</td></tr>');
}

function renderRequests(entries, params) {
  const rows = entries
    .map(([key, value]) => [key.args[0].toBigInt(), value.unwrap()])
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([id, r]) => {
      const answered = r.answers.length + r.commitments.length;
      const deadline = r.deadline.isSome ? blockRef(r.deadline.unwrap()) : '<span class="muted">drawing workers…</span>';
      return `<tr data-request="${id}">
        <td class="id">${id}</td>
        <td>${r.model.toNumber()}</td>
        <td>${account(r.requester)}</td>
        <td>#${num(r.requestedAt)}</td>
        <td>${r.workers.length ? accounts(r.workers) : '<span class="muted">not drawn yet</span>'}</td>
        <td>${answered} of ${r.redundancy.toNumber()} <span class="muted">(quorum ${r.quorum.toNumber()})</span></td>
        <td>${deadline}</td>
        <td class="amount">${mdc(r.held)}</td>
      </tr>`;
    });
  $('open-count').textContent = String(entries.length);
  setHtml($('requests-body'), rows.join('') || '<tr><td colspan="8" class="empty">No open requests.</td></tr>');
  if (params.isSome) {
    const p = params.unwrap();
    $('prediction-params').innerHTML = `${p.redundancy.toNumber()} worker${p.redundancy.toNumber() === 1 ? '' : 's'} per request, quorum ${p.quorum.toNumber()}, worker fee ${mdc(p.workerFee)}`;
  }
}

function renderResults(entries) {
  const all = entries
    .map(([key, value]) => [key.args[0].toBigInt(), value.unwrap()])
    .sort((a, b) => (a[0] > b[0] ? -1 : 1));
  const rows = all.slice(0, MAX_RESULTS).map(([id, r]) => `<tr data-result="${id}">
      <td class="id">${id}</td>
      <td>${r.model.toNumber()}</td>
      <td class="output"><b>${predictionText(r.output)}</b></td>
      <td>${account(r.requester)}</td>
      <td>${accounts(r.agreeing)}${r.dissenting.length ? ` <span class="bad">${r.dissenting.length} dissenting</span>` : ''}</td>
      <td>#${num(r.finalizedAt)}</td>
      <td>${r.challenged.isTrue ? '<span class="warn">yes</span>' : 'no'}</td>
    </tr>`);
  if (all.length > MAX_RESULTS) rows.push(`<tr><td colspan="7" class="empty">and ${all.length - MAX_RESULTS} older results</td></tr>`);
  setHtml($('results-body'), rows.join('') || '<tr><td colspan="7" class="empty">No results yet.</td></tr>');
}

function phaseSteps(phase) {
  if (phase === 'Cancelled') return '<span class="badge bad">Cancelled</span>';
  const current = PHASES.indexOf(phase);
  return `<ol class="phases">${PHASES.map((p, i) =>
    `<li class="${i < current ? 'done' : i === current ? 'current' : ''}">${p}</li>`).join('')}</ol>`;
}

function renderBounties(bounties) {
  const cards = bounties.map(({ id, bounty: b, board }) => {
    const t = b.terms;
    const phase = board ? board.phase.type : b.phase.type;
    const deadline = board ? board.deadline : b.deadline;
    const ended = phase === 'Finalized' || phase === 'Cancelled';
    const minScore = t.metric.isAccuracy
      ? `at least ${(t.minScore.toNumber() / 10000).toFixed(2)} %`
      : `at most ${fixed16(t.minScore)}`;
    const entries = board ? [...board.submissions] : [];
    entries.sort((x, y) => {
      const rx = x.rank.isSome ? x.rank.unwrap().toNumber() : Infinity;
      const ry = y.rank.isSome ? y.rank.unwrap().toNumber() : Infinity;
      return rx - ry || x.submission.toNumber() - y.submission.toNumber();
    });
    const rows = entries.map((e) => `<tr data-submission="${e.submission.toNumber()}" class="${e.rank.isSome && e.rank.unwrap().toNumber() === 0 ? 'winner' : ''}">
        <td class="id">${e.rank.isSome ? `#${e.rank.unwrap().toNumber() + 1}` : '<span class="muted">–</span>'}</td>
        <td>${e.submission.toNumber()}</td>
        <td>${account(e.trainer)}</td>
        <td>#${num(e.committedAt)}</td>
        <td>${e.revealed.isTrue ? 'yes' : '<span class="muted">no</span>'}</td>
        <td class="score">${scoreText(t.metric, e.score)}</td>
      </tr>`).join('');
    const title = bytesText(b.metadata);
    return `<article class="bounty" data-bounty="${id}">
      <div class="bounty-head">
        <h3>Bounty ${id}${title ? ` — ${esc(title)}` : ''}</h3>
        <span class="badge phase ${esc(phase.toLowerCase())}">${esc(phase)}</span>
      </div>
      ${phaseSteps(phase)}
      <dl class="terms">
        <div><dt>${ended ? 'kept until' : `${esc(phase.toLowerCase())} ends`}</dt><dd class="deadline">${blockRef(deadline)}</dd></div>
        <div><dt>reward</dt><dd>${mdc(t.reward)}</dd></div>
        <div><dt>metric</dt><dd>${esc(t.metric.type)}, ${minScore} to win</dd></div>
        <div><dt>trainer stake</dt><dd>${mdc(t.trainerStake)}</dd></div>
        <div><dt>output</dt><dd>${t.output.isClasses ? `${num(t.output.asClasses)} classes` : `${num(t.output.asRegression)} values`} from ${num(t.inputLen)} inputs</dd></div>
        <div><dt>test set</dt><dd>${b.testSamples.toNumber() ? `${num(b.testSamples)} samples` : 'secret until revealed'} <span class="muted">(${num(t.testChunks)} of ${num(b.chunks)} chunks)</span></dd></div>
        <div><dt>requester</dt><dd>${account(b.requester)}</dd></div>
        <div><dt>submissions</dt><dd>${num(b.submissions)} of at most ${num(t.maxSubmissions)}</dd></div>
      </dl>
      <div class="table-wrap"><table class="leaderboard">
        <thead><tr><th>rank</th><th>submission</th><th>trainer</th><th>committed</th><th>revealed</th><th>score</th></tr></thead>
        <tbody>${rows || '<tr><td colspan="6" class="empty">No submissions yet.</td></tr>'}</tbody>
      </table></div>
    </article>`;
  });
  setHtml($('bounties-body'), cards.join('') || '<p class="empty">No bounties.</p>');
}

function renderWorkers(rows, totalStaked) {
  $('worker-count').textContent = String(rows.filter((r) => r.worker).length);
  $('total-staked').innerHTML = mdc(totalStaked);
  const html = rows.map(({ stash, key, worker, ledger, record, slash }) => {
    let status = '<span class="muted">bonded, not a worker</span>';
    if (worker) {
      const from = worker.drawableFrom.toNumber();
      status = from > state.best
        ? `<span class="warn">worker</span> <span class="muted">drawable ${blockRef(from)}</span>`
        : '<span class="good">worker</span>';
    }
    const unbonding = ledger ? ledger.unbonding.reduce((sum, c) => sum + c.value.toBigInt(), 0n) : 0n;
    const nextUnlock = ledger && ledger.unbonding.length ? ` <span class="muted">from ${blockRef(ledger.unbonding[0].unlockAt)}</span>` : '';
    const pending = slash
      ? `<span class="bad">${mdc(slash.amount)}</span> <span class="muted">applies ${blockRef(slash.applyAt)}, ${slash.reports.toNumber()} report${slash.reports.toNumber() === 1 ? '' : 's'}</span>`
      : '<span class="muted">none</span>';
    return `<tr data-worker="${esc(stash)}">
      <td>${account(stash)}${key ? `<div class="muted small">key ${account(key)}</div>` : ''}</td>
      <td>${status}</td>
      <td class="amount">${ledger ? mdc(ledger.active) : '–'}</td>
      <td class="amount">${unbonding ? mdc(unbonding) + nextUnlock : '–'}</td>
      <td class="amount">${record ? num(record.tasksDone) : 0}</td>
      <td class="amount">${record ? num(record.agreed) : 0}</td>
      <td class="amount">${record ? num(record.disagreed) : 0}</td>
      <td class="amount">${record ? num(record.missed) : 0}${record && record.consecutiveMissed.toNumber() ? ` <span class="warn">(${record.consecutiveMissed.toNumber()} in a row)</span>` : ''}</td>
      <td class="amount">${record ? num(record.offences) : 0}</td>
      <td class="amount">${record ? mdc(record.totalSlashed) : mdc(0n)}</td>
      <td>${pending}</td>
    </tr>`;
  });
  setHtml($('workers-body'), html.join('') || '<tr><td colspan="11" class="empty">No bonded accounts.</td></tr>');
}

// One value of an event: accounts by name, balances in MDC, predictions as classes or values;
// vectors and tuples element by element.
function valueText(value, typeName) {
  const raw = value.toRawType();
  if (raw === 'AccountId' || raw === 'AccountId32') return account(value);
  if (raw === 'u128' && /Balance/.test(typeName)) return mdc(value);
  if (raw === 'u32' && /BlockNumber/.test(typeName)) return `#${num(value)}`;
  if (raw === 'H256') return `<code title="${esc(value.toHex())}">${esc(value.toHex().slice(0, 10))}…</code>`;
  if (typeName.startsWith('Prediction') || raw.includes('"Regression":"Vec<i32>"')) return `<b>${predictionText(value)}</b>`;
  if (Array.isArray(value)) {
    const inner = value.map((v) => valueText(v, typeName)).join(', ');
    return raw.startsWith('(') ? `(${inner})` : `[${inner}]`;
  }
  return esc(JSON.stringify(value.toHuman()).replace(/^"|"$/g, ''));
}

// One market event as text: its fields by name.
function eventText(event) {
  const fields = event.meta.fields;
  return event.data.map((value, i) => {
    const name = fields[i]?.name.isSome ? fields[i].name.unwrap().toString() : String(i);
    const typeName = fields[i]?.typeName.isSome ? fields[i].typeName.unwrap().toString() : '';
    let text;
    try {
      text = valueText(value, typeName);
    } catch {
      text = esc(value.toString());
    }
    return `<span class="field"><span class="muted">${esc(name)}</span> ${text}</span>`;
  }).join(' ');
}

function addEvents(blockNumber, records) {
  const items = [];
  for (const { event } of records) {
    if (!MARKET_PALLETS.has(event.section)) continue;
    const first = event.data[0];
    items.unshift({
      block: blockNumber,
      key: `${event.section}.${event.method}`,
      id: first !== undefined ? first.toString() : '',
      html: eventText(event),
    });
  }
  state.events.unshift(...items);
  state.events.length = Math.min(state.events.length, MAX_EVENTS);
}

function renderEvents() {
  const items = state.events.map((e) => `<li data-event="${esc(e.key)}" data-id="${esc(e.id)}">
      <span class="block">#${num(e.block)}</span>
      <span class="name ${e.key.endsWith('Ready') || e.key.endsWith('Finalized') ? 'good' : /Failed|Slash|Offence|Forfeited|Defaulted/.test(e.key) ? 'bad' : ''}">${esc(e.key)}</span>
      ${e.html}
    </li>`);
  setHtml($('events-body'), items.join('') ||
    `<li class="empty">No market events in the blocks since #${num(Math.max(1, state.eventsUpTo - BACKFILL_BLOCKS + 1))}.</li>`);
}

// ---------------------------------------------------------------------------------------------
// Reading the chain.

async function readState(at) {
  const { api } = state;
  const q = at.query;
  const [models, requests, results, params, bounties, workers, ledgers, slashes, totalStaked] = await Promise.all([
    q.mlModels.models.entries(),
    q.mlPredictions.requests.entries(),
    q.mlPredictions.results.entries(),
    q.mlPredictions.params(),
    q.mlBounties.bounties.entries(),
    q.mlStaking.workers.entries(),
    q.mlStaking.ledger.entries(),
    q.mlStaking.unappliedSlashes.entries(),
    q.mlStaking.totalStaked(),
  ]);
  // Bounties through the runtime API: phase, deadline and the ranked leaderboard.
  const call = at.call?.mlBountiesApi ? at.call : api.call;
  const bountyRows = await Promise.all(bounties
    .map(([key, value]) => [key.args[0].toNumber(), value.unwrap()])
    .sort((a, b) => b[0] - a[0])
    .map(async ([id, bounty]) => {
      const board = await call.mlBountiesApi.leaderboard(id);
      return { id, bounty, board: board.isSome ? board.unwrap() : null };
    }));
  // Workers: every registered worker and every bonded account, with record and pending slash.
  const byStash = new Map();
  const row = (stash) => {
    const k = stash.toString();
    if (!byStash.has(k)) byStash.set(k, { stash: k });
    return byStash.get(k);
  };
  for (const [key, value] of workers) row(key.args[0]).worker = value.unwrap();
  for (const [key, value] of ledgers) row(key.args[0]).ledger = value.unwrap();
  for (const [key, value] of slashes) row(key.args[0]).slash = value.unwrap();
  const stashes = [...byStash.keys()];
  const [records, keys] = await Promise.all([
    stashes.length ? q.mlStaking.workerRecords.multi(stashes) : [],
    stashes.length ? q.mlStaking.workerKeys.multi(stashes) : [],
  ]);
  stashes.forEach((s, i) => {
    const r = byStash.get(s);
    if (records[i].isSome) r.record = records[i].unwrap();
    if (keys[i].isSome) r.key = keys[i].unwrap().toString();
  });
  const workerRows = [...byStash.values()].sort((a, b) =>
    (b.worker ? 1 : 0) - (a.worker ? 1 : 0) ||
    Number((b.ledger?.active.toBigInt() ?? 0n) - (a.ledger?.active.toBigInt() ?? 0n)));
  return { models, requests, results, params, bountyRows, workerRows, totalStaked };
}

// The feed: the market events of every block up to `number`, in order, none skipped.
async function catchUpEvents(number) {
  const { api } = state;
  // At most the last BACKFILL_BLOCKS blocks (at the start, or after a long disconnection).
  const from = Math.max(state.eventsUpTo + 1, number - BACKFILL_BLOCKS + 1, 1);
  for (let n = from; n <= number; n++) {
    const hash = await api.rpc.chain.getBlockHash(n);
    const records = await api.query.system.events.at(hash);
    addEvents(n, records);
    state.eventsUpTo = n;
  }
  renderEvents();
}

async function refresh(header) {
  const { api } = state;
  const at = await api.at(header.hash);
  const data = await readState(at);
  renderModels(data.models);
  renderRequests(data.requests, data.params);
  renderResults(data.results);
  renderBounties(data.bountyRows);
  renderWorkers(data.workerRows, data.totalStaked);
  document.body.dataset.refreshedAt = String(header.number.toNumber());
}

// Best heads can come faster than a refresh: keep at most one running and one (the newest) waiting.
async function onBestHead(header) {
  state.best = header.number.toNumber();
  $('best').textContent = `#${num(state.best)}`;
  state.catchUp = state.catchUp.then(() => catchUpEvents(state.best)).catch(readFailed);
  state.pendingHead = header;
  if (state.refreshing) return;
  state.refreshing = true;
  try {
    while (state.pendingHead) {
      const next = state.pendingHead;
      state.pendingHead = null;
      await refresh(next);
      if ($('banner').classList.contains('read-error')) hideBanner();
    }
  } catch (error) {
    readFailed(error);
  } finally {
    state.refreshing = false;
  }
}

function readFailed(error) {
  // A dropped connection is reported by the provider's events; anything else is shown as it is.
  if (!state.api?.isConnected) return;
  showBanner(`<b>Could not read the chain:</b> ${esc(error?.message ?? error)}`, 'error read-error');
}

async function devNames(api) {
  const type = await api.rpc.system.chainType();
  if (!type.isDevelopment && !type.isLocal) return;
  const keyring = new Keyring({ type: 'sr25519', ss58Format: api.registry.chainSS58 ?? 42 });
  for (const name of ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie']) {
    state.names.set(keyring.addFromUri(`//${name}`).address, name);
    state.names.set(keyring.addFromUri(`//${name}//stash`).address, `${name}//stash`);
  }
}

async function start(api) {
  state.decimals = api.registry.chainDecimals[0] ?? 12;
  state.symbol = api.registry.chainTokens[0] ?? 'UNIT';
  const [chain, version] = [await api.rpc.system.chain(), api.runtimeVersion];
  $('chain').textContent = `${chain} · ${version.specName} v${version.specVersion} · ${state.symbol}, ${state.decimals} decimals`;
  await devNames(api);
  await api.rpc.chain.subscribeFinalizedHeads((header) => {
    $('finalized').textContent = `#${num(header.number)}`;
  });
  await api.rpc.chain.subscribeNewHeads((header) => { onBestHead(header); });
}

function connect() {
  $('endpoint').textContent = endpoint;
  let provider;
  try {
    provider = new WsProvider(endpoint, 3000); // reconnects every 3 s
  } catch (error) {
    setStatus('down', 'Bad node address');
    showBanner(`<b>Cannot use <code>${esc(endpoint)}</code>:</b> ${esc(error.message)}. Give a WebSocket address, e.g. <code>?rpc=${esc(DEFAULT_RPC)}</code>.`);
    return;
  }
  // Until the first connection, the node is "unreachable" once the provider reports an error,
  // or after a few seconds without a connection.
  const slow = setTimeout(() => { if (!state.everConnected) unreachable(); }, 4000);
  const api = new ApiPromise({ provider, noInitWarn: true });
  state.api = api;
  api.isReadyOrError.catch(() => {}); // errors are shown from the events below
  api.on('connected', () => {
    clearTimeout(slow);
    state.everConnected = true;
    document.body.classList.remove('offline');
    hideBanner();
    setStatus(state.ready ? 'up' : 'connecting', state.ready ? 'Connected' : 'Connected, loading metadata…');
  });
  api.on('disconnected', unreachable);
  api.on('error', (error) => {
    if (!api.isConnected) unreachable();
    else showBanner(`<b>Node error:</b> ${esc(error?.message ?? error)}`);
  });
  api.on('ready', () => {
    state.ready = true;
    setStatus('up', 'Connected');
    start(api).catch((error) => showBanner(`<b>Could not start:</b> ${esc(error.message)}`));
  });
}

connect();
