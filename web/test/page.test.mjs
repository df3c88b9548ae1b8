// The dashboard in a real headless Chromium against a running dev node:
//   MODELCHAIN_WS=ws://127.0.0.1:9944 MLC=$CARGO_TARGET_DIR/release/mlc npm test --prefix web
// It serves web/ itself on a free loopback port, opens the page with ?rpc=$MODELCHAIN_WS, makes a
// prediction with `mlc` and watches it appear. Chromium: Debian's `chromium` (apt-get install -y
// chromium), or the binary named by CHROMIUM. The screenshot goes to $SCREENSHOT (default
// web/test/screenshot.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import puppeteer from 'puppeteer-core';

const WEB = resolve(fileURLToPath(new URL('..', import.meta.url)));
const WS = process.env.MODELCHAIN_WS;
const MLC = process.env.MLC;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOT = resolve(process.env.SCREENSHOT ?? join(WEB, 'test', 'screenshot.png'));
const MDC = 10n ** 12n;
const run = promisify(execFile);

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

let server;
let origin;
let browser;
let profile;

// A static server for web/ (what `python3 -m http.server --directory web` does), on 127.0.0.1.
function serve() {
  return new Promise((resolveListen, reject) => {
    const s = createServer(async (req, res) => {
      try {
        const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
        const file = resolve(WEB, `.${path.endsWith('/') ? `${path}index.html` : path}`);
        if (req.method !== 'GET' || (file !== WEB && !file.startsWith(WEB + sep))) throw Object.assign(new Error(), { code: 'ENOENT' });
        const body = await readFile(file);
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
        res.end(body);
      } catch {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
      }
    });
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolveListen(s));
  });
}

// A loopback port that nothing listens on.
async function closedPort() {
  const s = createNetServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

// A page that records every console error, uncaught exception and failed request.
async function open(rpc) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console.error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  await page.goto(`${origin}/index.html?rpc=${encodeURIComponent(rpc)}`, { waitUntil: 'load' });
  return { page, problems };
}

const text = (page, selector) => page.$eval(selector, (e) => e.textContent.replace(/\s+/g, ' ').trim());
const blockNumber = async (page) => Number((await text(page, '#best')).replace(/[^0-9]/g, '') || 0);

// What the page shows for an amount in Planck (12 decimals, trailing zeros cut).
function mdc(planck) {
  const v = BigInt(planck);
  const frac = (v % MDC).toString().padStart(12, '0').replace(/0+$/, '');
  return `${(v / MDC).toLocaleString('en-US')}${frac ? `.${frac}` : ''} MDC`;
}

async function mlc(...args) {
  const { stdout } = await run(MLC, ['--url', WS, '--json', ...args], { timeout: 150_000 });
  return JSON.parse(stdout);
}

before(async () => {
  assert.ok(WS, 'set MODELCHAIN_WS to a running dev node, e.g. ws://127.0.0.1:9944');
  assert.ok(MLC && existsSync(MLC), `set MLC to the mlc binary (got ${MLC})`);
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM`);
  assert.ok(existsSync(join(WEB, 'node_modules/@polkadot/api/bundle-polkadot-api.js')), 'run npm ci in web/ first');
  server = await serve();
  origin = `http://127.0.0.1:${server.address().port}`;
  profile = mkdtempSync(join(tmpdir(), 'modelchain-web-chromium-'));
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`],
  });
});

after(async () => {
  await browser?.close();
  await new Promise((r) => (server ? server.close(r) : r()));
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('the dashboard follows the chain and shows a prediction as it is answered', { timeout: 180_000 }, async () => {
  const { page, problems } = await open(WS);

  // Connected: live best and finalized block numbers that advance.
  await page.waitForFunction(() => document.querySelector('#status').textContent === 'Connected', { timeout: 30_000 });
  await page.waitForFunction(() => /#\d/.test(document.querySelector('#best').textContent), { timeout: 30_000 });
  const first = await blockNumber(page);
  await page.waitForFunction((n) => Number(document.querySelector('#best').textContent.replace(/[^0-9]/g, '')) > n,
    { timeout: 30_000 }, first);
  assert.ok(await blockNumber(page) > first);
  await page.waitForFunction(() => /#\d/.test(document.querySelector('#finalized').textContent), { timeout: 30_000 });
  assert.match(await text(page, '#chain'), /MDC, 12 decimals/);

  // The genesis digits model, with the fee the chain holds for it.
  const model = await mlc('model', 'show', '0');
  await page.waitForSelector('tr[data-model="0"]', { timeout: 30_000 });
  assert.equal(await text(page, 'tr[data-model="0"] .fee'), mdc(model.fee));
  assert.match(await text(page, 'tr[data-model="0"]'), /digits-mlp/);

  // A prediction: seen while it is open, then with its result, in the table and the event feed.
  const seenOpen = new Set();
  let done = false;
  const watch = (async () => {
    while (!done) {
      for (const id of await page.$$eval('tr[data-request]', (rows) => rows.map((r) => r.dataset.request))) seenOpen.add(id);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  const input = Array.from({ length: 64 }, (_, i) => (((i * 7) % 17) / 16).toFixed(4)).join(',');
  let prediction;
  try {
    prediction = await mlc('--suri', '//Eve', 'predict', '--model', '0', '--input', input);
  } finally {
    done = true;
    await watch;
  }
  const id = String(prediction.request);
  assert.equal(typeof prediction.class, 'number', JSON.stringify(prediction));
  assert.ok(seenOpen.has(id), `request ${id} was listed as open (saw ${[...seenOpen]})`);

  const row = `tr[data-result="${id}"]`;
  await page.waitForSelector(row, { timeout: 30_000 });
  assert.equal(await text(page, `${row} .output`), `class ${prediction.class}`);
  assert.match(await text(page, row), /Eve/);
  const ready = `li[data-event="mlPredictions.PredictionReady"][data-id="${id}"]`;
  await page.waitForSelector(ready, { timeout: 30_000 });
  assert.match(await text(page, ready), new RegExp(`class ${prediction.class}\\b`));
  await page.waitForFunction((sel) => !document.querySelector(sel), { timeout: 30_000 }, `tr[data-request="${id}"]`);

  // Workers: the dev chain's worker with its stake, and bounties (if any) with a phase.
  assert.match(await text(page, '#workers-body'), /Alice\/\/stash.*MDC/);
  const bounties = await page.$$('article.bounty');
  for (const b of bounties) assert.match(await b.$eval('.badge.phase', (e) => e.textContent), /^[A-Z][a-z]+$/);

  assert.equal(await page.$eval('#banner', (e) => e.hidden), true, await text(page, '#banner'));
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('an unreachable node is reported on the page', { timeout: 60_000 }, async () => {
  const rpc = `ws://127.0.0.1:${await closedPort()}`;
  const { page, problems } = await open(rpc);
  await page.waitForFunction(() => !document.querySelector('#banner').hidden, { timeout: 20_000 });
  assert.equal(await text(page, '#status'), 'Node unreachable');
  const banner = await text(page, '#banner');
  assert.match(banner, /Cannot reach the ModelChain node/);
  assert.ok(banner.includes(rpc), banner);
  // Chromium itself logs each failed WebSocket connection as a console error; nothing else may fail.
  assert.deepEqual(problems.filter((p) => !/WebSocket|API-WS|disconnected from/.test(p)), []);
  await page.close();
});

// Model descriptions are whatever their owners wrote: the page shows them as text, never as markup.
test('a hostile model description is shown as text, not run', { timeout: 120_000 }, async () => {
  const hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>"\'&';
  const blob = join(WEB, '..', 'primitives', 'nn', 'fixtures', 'digits_mlp.bin');
  const registered = await mlc('--suri', '//Ferdie', 'model', 'register', '--blob', blob, '--fee', '0.01', '--metadata', hostile);
  const id = String(registered.model);
  assert.match(id, /^\d+$/, JSON.stringify(registered));

  const { page, problems } = await open(WS);
  const row = `tr[data-model="${id}"]`;
  await page.waitForSelector(row, { timeout: 30_000 });
  assert.equal(await text(page, `${row} .desc`), hostile);
  assert.equal(await page.$$eval(`${row} img, ${row} script`, (els) => els.length), 0, 'no element made from the description');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  // An <img src=x> would have asked the server for /x.
  assert.deepEqual(problems, []);
  await page.close();
});
