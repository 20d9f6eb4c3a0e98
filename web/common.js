// common.js: what every page shares (docs/web.md "Pages" and "The API"):
//   V.call(request, opts)   POST /api/v1/request; an answer worth retrying (no answer, or code
//                           timeout/internal/no_quorum/unavailable/not_leader) is sent again,
//                           the SAME request, with backoff until opts.within ms (default 30 s);
//                           opts.onRetry(attempt, answer) runs before each new try. Resolves to
//                           the server's answer, or {ok:false,unknown,error}: unknown when a try may have been applied.
//   V.record(e, onProgress) the closed election's record text, fetched in chunks by byte offset.
//   V.sha256(bytes), V.utf8(s), V.base32(bytes, n), V.canonical(value), V.tracker(e, nonce, b),
//   V.group(tracker), V.hex(bytes), V.randomHex(16), V.params() (the #fragment), V.h(...) (DOM).
// No cookies, no storage. crypto.subtle is missing on plain http to a LAN address, hence the
// SHA-256 below; crypto.getRandomValues is there in every context.
'use strict';
const V = (() => {
  const ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
  const enc = new TextEncoder();
  const utf8 = (s) => enc.encode(s);

  // SHA-256 (FIPS 180-4); the constants are the fractions of the primes' square and cube roots.
  const K = [], H0 = [];
  for (let n = 2, c = 0; c < 64; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) if (n % d === 0) { prime = false; break; }
    if (!prime) continue;
    if (c < 8) H0[c] = ((Math.sqrt(n) % 1) * 2 ** 32) | 0;
    K[c++] = ((Math.cbrt(n) % 1) * 2 ** 32) | 0;
  }
  const ror = (x, n) => (x >>> n) | (x << (32 - n));
  function sha256(bytes) {
    const len = bytes.length, total = ((len + 72) >> 6) << 6;
    const m = new Uint8Array(total);
    m.set(bytes);
    m[len] = 0x80;
    const dv = new DataView(m.buffer);
    dv.setUint32(total - 8, Math.floor(len / 2 ** 29));
    dv.setUint32(total - 4, (len << 3) >>> 0);
    const H = H0.slice(), w = new Int32Array(64);
    for (let o = 0; o < total; o += 64) {
      for (let i = 0; i < 16; i++) w[i] = dv.getInt32(o + 4 * i);
      for (let i = 16; i < 64; i++) {
        const x = w[i - 15], y = w[i - 2];
        w[i] = ((ror(x, 7) ^ ror(x, 18) ^ (x >>> 3)) + w[i - 16] +
                (ror(y, 17) ^ ror(y, 19) ^ (y >>> 10)) + w[i - 7]) | 0;
      }
      let [a, b, c, d, e, f, g, h] = H;
      for (let i = 0; i < 64; i++) {
        const t1 = (h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
        const t2 = ((ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      [a, b, c, d, e, f, g, h].forEach((v, i) => { H[i] = (H[i] + v) | 0; });
    }
    const out = new Uint8Array(32), ov = new DataView(out.buffer);
    H.forEach((v, i) => ov.setInt32(4 * i, v));
    return out;
  }

  // Big-endian 5-bit groups, most significant first (docs/record.md "The code alphabet").
  function base32(bytes, n) {
    let out = '', acc = 0, bits = 0;
    for (const b of bytes) {
      acc = ((acc & 0xff) << 8) | b;
      bits += 8;
      while (bits >= 5 && out.length < n) out += ALPHABET[(acc >>> (bits -= 5)) & 31];
    }
    return out;
  }
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  const randomHex = (n) => hex(crypto.getRandomValues(new Uint8Array(n)));

  // Order by UTF-8 bytes (= by code points), as the records and canonical ballots sort.
  function byteOrder(a, b) {
    const x = utf8(a), y = utf8(b);
    for (let i = 0; i < x.length && i < y.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  }
  // Canonical JSON: keys sorted by bytes, no whitespace, JSON.stringify's escapes (those of
  // nlohmann's dump(): \" \\ \b \f \n \r \t, other controls as lowercase \u00xx).
  function canonical(v) {
    if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
    if (v && typeof v === 'object') {
      return '{' + Object.keys(v).sort(byteOrder)
        .map((k) => JSON.stringify(k) + ':' + canonical(v[k])).join(',') + '}';
    }
    return JSON.stringify(v);
  }
  const tracker = (e, nonce, ballot) =>
    base32(sha256(utf8('vote-tracker/1\n' + e + '\n' + nonce + '\n' + canonical(ballot))), 20);
  const group = (t) => t.replace(/(.{4})(?=.)/g, '$1-');

  // Node ids above 2^53 (data directories older than issue 11) stay exact as text.
  const bigIds = (text) => text.replace(/"(id|self|leader_id|node_id)":(\d{16,})/g, '"$1":"$2"');
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  // One POST; throws on a network error, a timeout or an answer that is not the API's JSON.
  async function post(request) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 15000);
    try {
      const r = await fetch('/api/v1/request', {
        method: 'POST', headers: {'Content-Type': 'application/json'}, cache: 'no-store',
        body: JSON.stringify(request), signal: abort.signal,
      });
      const answer = JSON.parse(bigIds(await r.text()));
      if (typeof answer !== 'object' || typeof answer.ok !== 'boolean') throw new Error('shape');
      answer.retryAfter = Number(r.headers.get('Retry-After')) || 0;
      return answer;
    } finally {
      clearTimeout(timer);
    }
  }

  // Worth sending again: the outcome may be unknown (the first three, docs/protocol.md "Error
  // codes") or nothing was done and a later try may get through (the last two; also 429).
  const MAYBE_APPLIED = ['timeout', 'internal', 'no_quorum'];
  const RETRY = MAYBE_APPLIED.concat(['unavailable', 'not_leader']);
  async function call(request, opts = {}) {
    const deadline = Date.now() + (opts.within || 30000);
    let delay = 300, last = null, maybe = false;
    for (let attempt = 1; ; attempt++) {
      let answer = null;
      try {
        answer = await post(request);
      } catch (e) {
        answer = null;
        maybe = true;  // the request may have reached the server
      }
      const code = answer && answer.error && answer.error.code;
      if (answer && (answer.ok || !RETRY.includes(code))) return answer;
      if (answer) last = answer;
      maybe = maybe || MAYBE_APPLIED.includes(code);
      const wait = Math.max(delay, (answer ? answer.retryAfter : 0) * 1000);
      if (Date.now() + wait > deadline) {
        const error = last ? last.error : {code: 'timeout', message: 'Error: no answer from the server.'};
        // unknown: some try may have been applied; else every answer said nothing was done.
        return {ok: false, unknown: maybe, request_id: request.request_id || '', error};
      }
      if (opts.onRetry) opts.onRetry(attempt, answer);
      await sleep(wait);
      delay = Math.min(delay * 2, 4000);
    }
  }

  // The closed election's canonical record: chunks from each byte offset until total_bytes
  // (docs/record.md "Fetching the record"). Resolves to {ok:true,text} or a refusal.
  async function record(election, onProgress) {
    const parts = [];
    let offset = 0, total = -1;
    do {
      const a = await call({type: 'record', election_id: election, offset}, {within: 15000});
      if (!a.ok) return a;
      const r = a.record, n = utf8(r.data).length;
      if (r.offset !== offset || (total >= 0 && r.total_bytes !== total) || (!n && offset < r.total_bytes)) {
        return {ok: false, error: {code: 'internal', message: 'Error: the server sent a broken chunk of the record.'}};
      }
      total = r.total_bytes;
      parts.push(r.data);
      offset += n;
      if (onProgress) onProgress(offset, total);
    } while (offset < total);
    return {ok: true, text: parts.join('')};
  }

  // The #fragment as a map: #e=board&c=K7QF-... (URI-encoded values).
  function params() {
    const out = {};
    for (const part of location.hash.slice(1).split('&')) {
      const eq = part.indexOf('=');
      if (eq <= 0) continue;
      try {
        out[part.slice(0, eq)] = decodeURIComponent(part.slice(eq + 1));
      } catch (e) { /* a malformed value is ignored */ }
    }
    return out;
  }

  // h('p', {class: 'x', text: 'hi', onclick: f, 'data-a': 1}, child...): an element.
  function h(tag, props, ...kids) {
    const svg = tag.startsWith('svg:');
    const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
                   : document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (const kid of kids.flat()) {
      if (kid !== null && kid !== undefined && kid !== false) el.append(kid);
    }
    return el;
  }
  const $ = (id) => document.getElementById(id);

  // The page's status line (role=status, aria-live): a message and whether it is bad news.
  function say(text, kind) {
    const s = $('status');
    s.textContent = text || '';
    s.className = 'status' + (kind ? ' ' + kind : '');
  }

  // A file the browser saves: a link with a blob: URL (no server round trip, no storage).
  function downloadLink(link, name, text, type) {
    if (link.href && link.href.startsWith('blob:')) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(new Blob([text], {type}));
    link.download = name;
  }

  // A new #fragment (a link to another election or code) starts the page afresh.
  addEventListener('hashchange', () => location.reload());

  const when = (ms) => (ms ? new Date(ms).toISOString().replace('.000Z', 'Z') : '');

  return {ALPHABET, utf8, sha256, base32, hex, randomHex, byteOrder, canonical, tracker, group,
          call, record, params, h, $, say, downloadLink, when, sleep};
})();
