// The voters' pages end to end in headless Chromium (scripts/browser-test.sh runs it):
// three vote-servers on loopback with --http-addr, an irv election with voting codes made by
// `register --voter-codes`, then, through a FOLLOWER's web port:
//   1. voter 1 opens the code sheet's link (/vote#e=..&c=..) at 390x844, ranks by tapping,
//      confirms, gets the receipt and saves it (the downloaded file is checked too);
//   2. voter 2 opens the link at 1280x800; the leader is SIGKILLed after the page loaded and
//      before the ballot is sent; the ballot (ranked by numbering) must still get a receipt;
//   3. voter 3's page loses its own server (SIGKILL) before the ballot is sent: the page says it
//      is still trying, the server is restarted, and the same request then gets a receipt;
//   4. `close`; the verify page finds both receipts (pasted and uploaded) "in the record";
//      the results page says what `close` said, with the IRV rounds; the observer page lists
//      the members and the election's turnout.
// Screenshots go to $VOTE_ARTIFACTS (default build/artifacts/browser). Prints
// `page-weight-bytes /vote N` and `first-contentful-paint-ms /vote N`. Exits 1 on the first
// failure with what failed; the servers are always killed and the temporary directory removed.
//
// Environment: CHROMIUM (default /usr/bin/chromium), VOTE_BIN_DIR (default build/bin),
// VOTE_BROWSER_MODULES (the node_modules holding puppeteer-core; default
// .cache/browser/node_modules), VOTE_ARTIFACTS.
import {spawn, execFile} from 'node:child_process';
import {createRequire} from 'node:module';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = process.env.VOTE_BIN_DIR || path.join(root, 'build/bin');
const modules = process.env.VOTE_BROWSER_MODULES || path.join(root, '.cache/browser/node_modules');
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
const artifacts = process.env.VOTE_ARTIFACTS || path.join(root, 'build/artifacts/browser');
const puppeteer = createRequire(path.join(modules, 'noop.js'))('puppeteer-core');

const election = 'board-2026';
const candidates = ['Ann', 'Bob', 'Cy', 'Dée'];  // one name outside ASCII: bytes ≠ characters
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vote-browser-'));
const servers = [];  // {n, port, http, proc, log}
let browser = null;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const step = (s) => console.log(`-- ${s}`);

class Failure extends Error {}
function check(ok, what) {
  if (!ok) throw new Failure(what);
}

// A port free for TCP (and for UDP when `udp`) on 127.0.0.1, in 20000..30000.
async function freePort(udp, taken) {
  for (;;) {
    const p = 20000 + Math.floor(Math.random() * 10000);
    if (taken.has(p)) continue;
    const tcpFree = await new Promise((r) => {
      const s = net.createServer().once('error', () => r(false)).listen(p, '127.0.0.1', () => s.close(() => r(true)));
    });
    const udpFree = !udp || await new Promise((r) => {
      const s = dgram.createSocket('udp4').once('error', () => r(false));
      s.bind(p, '127.0.0.1', () => s.close(() => r(true)));
    });
    if (tcpFree && udpFree) {
      taken.add(p);
      return p;
    }
  }
}

// Runs one of the command-line clients; resolves to {code, out, err}.
function run(name, args, timeoutMs = 30000) {
  return new Promise((resolve) => {
    execFile(path.join(bin, name), args, {timeout: timeoutMs}, (e, out, err) =>
      resolve({code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out, err}));
  });
}

// Starts (or restarts, with its data directory) server `s`; its output goes to s.log.
function launch(s) {
  const out = fs.openSync(s.log, 'a');
  s.exited = s.killed = undefined;
  const proc = spawn(path.join(bin, 'vote-server'), s.args, {stdio: ['ignore', out, out]});
  s.gone = new Promise((resolve) => proc.on('exit', (code, signal) => {
    if (s.proc === proc) s.exited = {code, signal};
    resolve();
  }));
  s.proc = proc;
  fs.closeSync(out);
}

async function startCluster() {
  const taken = new Set();
  const discovery = await freePort(true, taken);
  const cluster = 'browser-' + process.pid;
  for (let n = 1; n <= 3; n++) {
    const s = {n, port: await freePort(false, taken), http: await freePort(false, taken)};
    s.log = path.join(tmp, `s${n}.log`);
    s.args = [
      '--id', String(n), '--host', '127.0.0.1', '--broadcast', '127.255.255.255',
      '--port', String(s.port), '--discovery-port', String(discovery),
      '--http-addr', `127.0.0.1:${s.http}`, '--data-dir', path.join(tmp, `s${n}`),
      '--cluster', cluster, '--bootstrap-expect', '3', '--log-level', 'info'];
    launch(s);
    servers.push(s);
  }
}

const tail = (file) => fs.readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
const live = () => servers.filter((s) => !s.exited && !s.killed);

// The server that every live server names as leader, once all of them agree and it says role
// leader itself (and, when `healthy`, sees every voter reachable).
async function waitForLeader(deadlineMs, want, healthy) {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const views = await Promise.all(live().map((s) =>
      run('vote-status', ['--server', `127.0.0.1:${s.port}`, '--json', '--timeout', '2'], 5000)));
    const json = views.map((v) => {
      try {
        return JSON.parse(v.out);
      } catch (e) {
        return {};
      }
    });
    const leaders = json.map((j) => j.leader && j.leader.endpoint);
    const leader = servers.find((s) => `127.0.0.1:${s.port}` === leaders[0]);
    const own = leader && json[live().indexOf(leader)];
    const self = own && own.members && own.members.find((m) => m.id === own.self);
    if (leader && leaders.every((l) => l === leaders[0]) && leaders.length >= want && self &&
        self.role === 'leader' && (!healthy || own.health === 'ok')) {
      return leader;
    }
    const dead = servers.filter((s) => s.exited && !s.killed);
    check(!dead.length, dead.map((s) => `vote-server ${s.n} exited (${JSON.stringify(s.exited)}):\n${tail(s.log)}`).join('\n'));
    if (Date.now() > deadline) throw new Failure(`no agreed leader after ${deadlineMs} ms: ${JSON.stringify(leaders)}`);
    await sleep(250);
  }
}

async function registerElection(leader) {
  const codes = path.join(tmp, 'codes.csv');
  const r = await run('register', ['--id', election, '--candidates', ...candidates, '--method', 'irv',
    '--authorized-users', 'v1', 'v2', 'v3', 'v4', '--voter-codes', codes, '--server', `127.0.0.1:${leader.port}`]);
  check(r.code === 0, `register exit ${r.code}: ${r.err}${r.out}`);
  const rows = fs.readFileSync(codes, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  return Object.fromEntries(rows.map(([voter, code]) => [voter, code]));
}

// Bytes of every asset the page fetched (the document, scripts, style, icon; not the API), and
// its first contentful paint.
async function measure(page, name) {
  const m = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const files = performance.getEntriesByType('resource').filter((e) => !e.name.includes('/api/'));
    const fcp = performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint');
    return {bytes: nav.decodedBodySize + files.reduce((n, e) => n + e.decodedBodySize, 0),
      files: files.map((e) => new URL(e.name).pathname), fcp: fcp ? fcp.startTime : -1};
  });
  console.log(`page-weight-bytes ${name} ${m.bytes}`);
  console.log(`first-contentful-paint-ms ${name} ${Math.round(m.fcp)}`);
  return m;
}

async function newPage(width, height) {
  const page = await browser.newPage();
  await page.setViewport({width, height});
  page.on('pageerror', (e) => page.problems.push('page error: ' + e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') {
      const text = m.text();
      if (/Content.Security.Policy|Refused to/i.test(text)) page.problems.push('CSP: ' + text);
      else console.log(`   (console ${m.type()}: ${text})`);
    }
  });
  page.problems = [];
  const dl = await page.createCDPSession();
  await dl.send('Browser.setDownloadBehavior', {behavior: 'allow', downloadPath: path.join(tmp, 'downloads')});
  return page;
}

const shot = (page, name) => page.screenshot({path: path.join(artifacts, name + '.png'), fullPage: true});
const text = (page, sel) => page.$eval(sel, (e) => e.textContent.trim());
const waitStep = (page, s, timeout = 15000) => page.waitForSelector(`body[data-step=${s}]`, {timeout});

async function waitForFile(dir, deadlineMs) {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const done = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => !f.endsWith('.crdownload')) : [];
    if (done.length) return path.join(dir, done[0]);
    if (Date.now() > deadline) throw new Failure('the receipt download did not arrive in ' + dir);
    await sleep(100);
  }
}

// Casts the ballot on a page at the confirm step and returns the receipt shown.
async function castAndReadReceipt(page, who, timeout, click = true) {
  if (click) await page.click('#cast');
  try {
    await waitStep(page, 'done', timeout);
  } catch (e) {
    throw new Failure(`${who}: no receipt within ${timeout} ms; status: ${await text(page, '#status')}`);
  }
  const receipt = JSON.parse(await text(page, '#receipt-json'));
  const shown = await text(page, '#tracker');
  check(receipt.format === 'vote-receipt/1' && receipt.election_id === election, `${who}: receipt ${JSON.stringify(receipt)}`);
  check(/^[2-9A-HJ-NP-Z]{20}$/.test(receipt.tracker), `${who}: tracker ${receipt.tracker}`);
  check(shown === receipt.tracker.replace(/(.{4})(?=.)/g, '$1-'), `${who}: tracker shown ${shown}, receipt ${receipt.tracker}`);
  const status = await text(page, '#status');
  check(!status.startsWith('Warning'), `${who}: ${status}`);
  return receipt;
}

async function main() {
  fs.mkdirSync(artifacts, {recursive: true});
  step(`starting 3 servers in ${tmp}`);
  await startCluster();
  let leader = await waitForLeader(30000, 3, true);
  const follower = servers.find((s) => s !== leader);
  const site = `http://127.0.0.1:${follower.http}`;
  step(`leader: server ${leader.n}; pages from follower ${follower.n} at ${site}`);
  const codes = await registerElection(leader);
  browser = await puppeteer.launch({executablePath: chromium, headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--no-first-run'], protocolTimeout: 30000});
  const link = (voter) => `${site}/vote#e=${encodeURIComponent(election)}&c=${codes[voter]}`;

  step('voter 1: phone, tap to rank');
  const p1 = await newPage(390, 844);
  await p1.goto(link('v1'), {waitUntil: 'load'});
  await waitStep(p1, 'ballot');
  const weight = await measure(p1, '/vote');
  check(!p1.url().includes('c='), 'the code stays in the address: ' + p1.url());
  await shot(p1, 'vote-ballot-390');
  for (const c of ['Bob', 'Dée', 'Cy']) await p1.click(`#tap button[data-candidate="${c}"]`);
  await p1.click('#undo');
  await p1.click('#tap button[data-candidate="Ann"]');
  const order = await p1.$$eval('#rank-order li', (l) => l.map((x) => x.textContent));
  check(JSON.stringify(order) === JSON.stringify(['Bob', 'Dée', 'Ann']), 'tapped order ' + order);
  await p1.click('#review');
  await waitStep(p1, 'confirm');
  await shot(p1, 'vote-confirm-390');
  const r1 = await castAndReadReceipt(p1, 'voter 1', 30000);
  check(JSON.stringify(r1.ballot) === '{"rank":["Bob","Dée","Ann"]}', 'voter 1 ballot ' + JSON.stringify(r1.ballot));
  await shot(p1, 'vote-receipt-390');
  await p1.click('#receipt-download');
  const saved = await waitForFile(path.join(tmp, 'downloads'), 10000);
  check(fs.readFileSync(saved, 'utf8').trim() === JSON.stringify(r1), 'the saved receipt differs from the one shown');

  step('voter 2: desktop; the leader is killed before the ballot is sent');
  const p2 = await newPage(1280, 800);
  await p2.goto(link('v2'), {waitUntil: 'load'});
  await waitStep(p2, 'ballot');
  await measure(p2, '/vote@1280');  // a warm browser: the first page also paid for its start
  await shot(p2, 'vote-ballot-1280');
  await p2.click('#mode-number');
  await p2.select('#numbers select[data-candidate="Ann"]', '1');
  await p2.select('#numbers select[data-candidate="Cy"]', '2');
  await p2.click('#review');
  await waitStep(p2, 'confirm');
  step(`SIGKILL leader server ${leader.n}`);
  leader.killed = true;
  leader.proc.kill('SIGKILL');
  const t0 = Date.now();
  const r2 = await castAndReadReceipt(p2, 'voter 2 (leader killed)', 45000);
  console.log(`vote-after-leader-kill-ms ${Date.now() - t0}`);
  check(JSON.stringify(r2.ballot) === '{"rank":["Ann","Cy"]}', 'voter 2 ballot ' + JSON.stringify(r2.ballot));
  await shot(p2, 'vote-receipt-1280');

  step('voter 3: the page\'s own server is killed before the ballot is sent, then restarted');
  await p1.bringToFront();
  await p1.goto(link('v3'), {waitUntil: 'load'});
  await waitStep(p1, 'ballot');
  await p1.click('#tap button[data-candidate="Cy"]');
  await p1.click('#review');
  await waitStep(p1, 'confirm');
  follower.killed = true;
  follower.proc.kill('SIGKILL');
  await p1.click('#cast');
  await p1.waitForFunction(() => document.getElementById('status').textContent.startsWith('Still trying'), {timeout: 10000});
  await shot(p1, 'vote-still-trying-390');
  await follower.gone;  // its port and data directory are free again
  launch(follower);
  const r3 = await castAndReadReceipt(p1, 'voter 3 (server restarted)', 45000, false);
  check(JSON.stringify(r3.ballot) === '{"rank":["Cy"]}', 'voter 3 ballot ' + JSON.stringify(r3.ballot));

  step('close');
  leader = await waitForLeader(30000, 2, false);
  const closed = await run('close', ['--id', election, '--json', '--server', `127.0.0.1:${leader.port}`]);
  check(closed.code === 0, `close exit ${closed.code}: ${closed.err}${closed.out}`);
  const result = JSON.parse(closed.out);

  step('verify: voter 1 pastes, voter 2 uploads');
  await p1.bringToFront();  // a background tab gets no animation frames: clicks would hang
  await p1.goto(`${site}/verify#e=${encodeURIComponent(election)}`, {waitUntil: 'load'});
  await p1.$eval('#receipt-text', (t, v) => { t.value = v; }, JSON.stringify(r1));
  await p1.click('#check');
  await p1.waitForSelector('#outcome:not([hidden])', {timeout: 15000});
  check(await p1.$eval('#outcome', (o) => o.dataset.verdict) === 'pass', 'voter 1: ' + await text(p1, '#outcome'));
  check((await text(p1, '#verdict')).includes('in the record'), 'voter 1 verdict: ' + await text(p1, '#verdict'));
  await shot(p1, 'verify-390');
  const file2 = path.join(tmp, 'receipt-2.json');
  fs.writeFileSync(file2, JSON.stringify(r2) + '\n');
  await p2.bringToFront();
  await p2.goto(`${site}/verify`, {waitUntil: 'load'});
  await (await p2.$('#receipt-file')).uploadFile(file2);
  await p2.waitForSelector('#outcome:not([hidden])', {timeout: 15000});
  check(await p2.$eval('#outcome', (o) => o.dataset.verdict) === 'pass', 'voter 2: ' + await text(p2, '#outcome'));

  step('results');
  for (const [page, size] of [[p1, 390], [p2, 1280]]) {
    await page.bringToFront();
    await page.goto(`${site}/results#e=${encodeURIComponent(election)}`, {waitUntil: 'load'});
    await page.waitForSelector('#result:not([hidden])', {timeout: 15000});
    const said = await text(page, '#winner');
    check(said === result.message, `results page says "${said}", close said "${result.message}"`);
    const rounds = await page.$$eval('#rounds tbody tr', (l) => l.length);
    check(rounds === result.count.rounds.length && rounds > 0, `results page shows ${rounds} rounds, close ${result.count.rounds.length}`);
    check(await page.$$eval('#tallies svg g[data-candidate]', (l) => l.length) === candidates.length, 'tally bars');
    await shot(page, `results-${size}`);
  }
  await measure(p1, '/results');

  step('observer');
  await p1.bringToFront();
  await p1.goto(`${site}/observer#e=${encodeURIComponent(election)}`, {waitUntil: 'load'});
  await p1.waitForFunction(() => document.querySelectorAll('#members tbody tr').length >= 3 &&
    document.querySelector('#turnout').dataset.state === 'closed', {timeout: 15000});
  check((await text(p1, '#leader')).startsWith('leader: node '), 'observer: ' + await text(p1, '#leader'));
  check((await text(p1, '#turnout')).includes('3 of 4 authorized voters voted'), 'observer turnout: ' + await text(p1, '#turnout'));
  await shot(p1, 'observer-390');
  await p2.bringToFront();
  await p2.goto(`${site}/observer`, {waitUntil: 'load'});
  await p2.waitForSelector('#members tbody tr', {timeout: 15000});
  await shot(p2, 'observer-1280');

  for (const p of [p1, p2]) check(p.problems.length === 0, p.problems.join('\n'));
  check(weight.files.includes('/common.js') && weight.files.includes('/app.css'), 'assets fetched: ' + weight.files);
  console.log(`screenshots: ${artifacts}`);
}

async function cleanup() {
  if (browser) await browser.close().catch(() => {});
  for (const s of servers) if (!s.exited) s.proc.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.gone));
  fs.rmSync(tmp, {recursive: true, force: true});
}

process.on('SIGINT', async () => { await cleanup(); process.exit(130); });
try {
  await main();
  await cleanup();
  console.log('browser test: passed');
} catch (e) {
  console.error(`browser test FAILED: ${e instanceof Failure ? e.message : e.stack}`);
  for (const s of servers) console.error(`---- server ${s.n} log (tail) ----\n${tail(s.log)}`);
  await cleanup();
  process.exit(1);
}
