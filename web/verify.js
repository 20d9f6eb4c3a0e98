// verify.js: the receipt check (/verify, /verify#e=ELECTION): is my ballot in the record, as cast?
// The checks of `vote-verify --receipt` (docs/record.md "How vote-verify checks"), in the page:
// the receipt's tracker recomputes from its nonce and ballot; the record (fetched in chunks) has
// a digest that matches its bytes and holds that tracker with that ballot and nonce.
// Ids for tests: #receipt-file (upload) #receipt-text (paste) #check; #status;
//   #outcome[data-verdict=pass|fail] #verdict (the sentence) #checks (li[data-check][data-passed])
//   #results-link.
'use strict';
(() => {
  const {h, $, say} = V;
  const hint = V.params().e;

  // The receipt's members, or a sentence saying why it is not one (vote-verify's wording).
  function parse(text) {
    let r;
    try {
      r = JSON.parse(text);
    } catch (e) {
      return 'not a JSON object';
    }
    if (!r || typeof r !== 'object' || Array.isArray(r)) return 'not a JSON object';
    for (const k of Object.keys(r)) {
      if (!['ballot', 'election_id', 'format', 'nonce', 'tracker'].includes(k)) return 'unknown member \'' + k.slice(0, 64) + '\'';
    }
    if (r.format !== 'vote-receipt/1') return 'member \'format\' must be "vote-receipt/1"';
    if (typeof r.election_id !== 'string') return 'member \'election_id\' must be a string';
    const b = r.ballot, keys = b && typeof b === 'object' ? Object.keys(b) : [];
    const v = keys.length === 1 ? b[keys[0]] : undefined;
    const names = (x) => Array.isArray(x) && x.every((n) => typeof n === 'string');
    const ok = (keys[0] === 'candidate' && typeof v === 'string') ||
      ((keys[0] === 'approve' || keys[0] === 'rank') && names(v)) ||
      (keys[0] === 'scores' && v && typeof v === 'object' && !Array.isArray(v) &&
        Object.values(v).every((s) => Number.isInteger(s) && s >= 0));
    if (!ok) return 'member \'ballot\' must be {"candidate": string}, {"approve": [string]}, {"rank": [string]} or {"scores": {string: integer}}';
    if (typeof r.nonce !== 'string' || !/^[0-9a-f]{32}$/.test(r.nonce)) return 'member \'nonce\' must be 32 lowercase hex characters';
    const t = typeof r.tracker === 'string' ? r.tracker.replace(/[-\s]/g, '').toUpperCase() : '';
    if (t.length !== 20 || ![...t].every((c) => V.ALPHABET.includes(c))) return 'member \'tracker\' must be 20 symbols';
    r.tracker = t;
    return r;
  }

  function show(passed, verdict, checks, election) {
    $('verdict').textContent = verdict;
    $('verdict').className = passed ? 'verdict-ok' : 'verdict-bad';
    $('outcome').dataset.verdict = passed ? 'pass' : 'fail';
    $('checks').replaceChildren(...checks.map(([name, ok, detail]) =>
      h('li', {'data-check': name, 'data-passed': ok}, h('strong', {text: (ok ? 'passed ' : 'FAILED ') + name + ': '}), detail)));
    $('results-link').hidden = !election;
    if (election) $('results-link').href = '/results#e=' + encodeURIComponent(election);
    $('outcome').hidden = false;
    $('verdict').focus();
  }

  async function check(ev) {
    ev.preventDefault();
    $('outcome').hidden = true;
    const r = parse($('receipt-text').value.trim());
    if (typeof r === 'string') return say('This is not a receipt: ' + r + '.', 'bad');
    const checks = [];
    const ballot = V.canonical(r.ballot), shown = V.group(r.tracker);
    const mine = V.tracker(r.election_id, r.nonce, r.ballot);
    if (mine !== r.tracker) {
      checks.push(['receipt', false, 'the receipt\'s tracker ' + shown + ' does not match its nonce and ballot ' + ballot + ' (they give ' + V.group(mine) + ')']);
      say('');
      return show(false, 'No: this receipt is not consistent.', checks, r.election_id);
    }
    if (hint && hint !== r.election_id) {
      checks.push(['receipt', false, 'the receipt is for election ' + r.election_id + ', the record for ' + hint]);
      say('');
      return show(false, 'No: this receipt is for another election.', checks, hint);
    }
    say('Fetching the record of election ' + r.election_id + '…', 'busy');
    const got = await V.record(r.election_id, (n, total) =>
      say('Fetching the record: ' + Math.round(n / 1024) + ' of ' + Math.round(total / 1024) + ' KiB…', 'busy'));
    if (!got.ok) return say(got.error.message, 'bad');
    say('');
    let rec;
    try {
      rec = JSON.parse(got.text);
    } catch (e) {
      checks.push(['parse', false, 'the record is not JSON']);
      return show(false, 'No: the server sent a broken record.', checks, r.election_id);
    }
    const body = got.text.replace(/,"digest":"[0-9a-f]{64}"/, '');
    const digestOk = V.hex(V.sha256(V.utf8(body))) === rec.digest;
    checks.push(['digest', digestOk, digestOk ? 'the record\'s digest matches its content' : 'the record\'s digest does not match its content']);
    const line = (rec.ballots || []).find((b) => b.tracker === r.tracker);
    let detail;
    if (rec.election_id !== r.election_id) detail = 'the receipt is for election ' + r.election_id + ', the record for ' + rec.election_id;
    else if (!line) detail = 'tracker ' + shown + ' is not in the record';
    else if (V.canonical(line.ballot) !== ballot) detail = 'the record holds tracker ' + shown + ' with ballot ' + V.canonical(line.ballot) + ', the receipt says ' + ballot;
    else if (line.nonce !== r.nonce) detail = 'the record holds tracker ' + shown + ' with another nonce';
    const found = !detail;
    checks.push(['receipt', found, detail || 'tracker ' + shown + ' is in the record with ballot ' + ballot]);
    const passed = found && digestOk;
    show(passed, passed ? 'Yes: your ballot is in the record, as you cast it.'
      : found ? 'Your ballot is in the record, but the record is damaged.' : 'No: your ballot is not in the record as your receipt says.',
    checks, r.election_id);
  }

  $('receipt-file').addEventListener('change', async () => {
    const f = $('receipt-file').files[0];
    if (!f) return;
    if (f.size > 65536) return say('This is not a receipt: a receipt is at most 64 KiB.', 'bad');
    $('receipt-text').value = await f.text();
    $('check').click();
  });
  $('verify-form').addEventListener('submit', check);
})();
