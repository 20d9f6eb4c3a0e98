// vote.js: the voting page (/vote; /vote#e=ELECTION&c=CODE fills the form in and shows the
// ballot; the code is then taken out of the address).
// Ids and attributes for tests:
//   body[data-step]  start | ballot | confirm | sending | done: where the voter is
//   #election #code #voter (#voter-row is shown for an election with voter ids) #load
//   #ballot-form #ballot-title #ballot (its fieldset) #review
//   plurality: input[type=radio][data-candidate]   approval: input[type=checkbox][data-candidate]
//   irv, schulze, stv: #mode-tap #mode-number (radios); #tap button.tap[data-candidate]
//     (aria-pressed, tapping again takes it out) #rank-order (li per name, in order) #undo #clear;
//     #numbers select[data-candidate] (value "" or 1..n)
//   score, star: select[data-candidate] (0..max_score)
//   #confirm #confirm-summary #cast #change; #status (class busy while sending, bad on refusal)
//   #receipt #receipt-message #tracker (grouped in fours) #receipt-json #receipt-download
// The vote request is made once when the voter casts it; every retry (no answer, or an answer
// whose outcome may be unknown) sends it again unchanged, same request_id and nonce, so it
// counts at most once (docs/protocol.md "Error codes").
'use strict';
(() => {
  const {h, $, say} = V;
  const SCORED = ['score', 'star'];
  let election = null;  // the `election` read of the election on screen
  let ballot = null;    // the ballot reviewed: {candidate} | {approve} | {rank} | {scores}
  let request = null;   // the vote being sent; null until cast, and after a refusal
  let order = [];       // ranked: the names tapped, first choice first

  function step(name) {
    document.body.dataset.step = name;
    $('start').hidden = !['start', 'ballot'].includes(name);
    $('ballot-form').hidden = name !== 'ballot';
    $('confirm').hidden = !['confirm', 'sending'].includes(name);
    $('receipt').hidden = name !== 'done';
    $('cast').disabled = $('change').disabled = name === 'sending';
  }

  // Who votes: {code} or {voter}, or a sentence saying what is missing.
  function credential() {
    if (election.voters === 'ids') {
      const voter = $('voter').value.trim();
      return voter ? {voter} : 'Type your voter id.';
    }
    const code = $('code').value.toUpperCase().replace(/[-\s]/g, '');
    if (code.length === 16 && [...code].every((c) => V.ALPHABET.includes(c))) return {code};
    return 'Error: a voting code is 16 characters of ' + V.ALPHABET + ' (dashes and spaces are ignored).';
  }

  // The sentences the server gives a vote in an election that is not open (state-machine.md).
  function notOpen(e) {
    const id = e.election_id;
    if (e.state === 'closed') return 'Error: Election ' + id + ' is closed.';
    if (e.state === 'registering') return 'Error: Election ' + id + ' is not open yet: its roll is still being registered.';
    if (e.state === 'scheduled') return 'Error: Election ' + id + ' opens at ' + V.when(e.opens_at_ms) + '.';
    return '';
  }

  async function load(ev) {
    ev.preventDefault();
    const id = $('election').value.trim();
    if (!id) return say('Type the election\'s name.', 'bad');
    say('Looking up the election…', 'busy');
    const a = await V.call({type: 'election', election_id: id}, {within: 15000,
      onRetry: () => say('Still trying to reach the servers…', 'busy')});
    if (!a.ok) return say(a.error.message, 'bad');
    election = a.election;
    $('voter-row').hidden = election.voters !== 'ids';
    $('code-row').hidden = election.voters === 'ids';
    const who = credential();
    if (typeof who === 'string') {
      say(who, 'bad');
      return (election.voters === 'ids' ? $('voter') : $('code')).focus();
    }
    const closed = notOpen(election);
    if (closed) {
      say(closed, 'bad');
      if (election.state === 'closed') {
        $('status').append(' ', h('a', {href: '/results#e=' + encodeURIComponent(id), text: 'See the result'}));
      }
      return;
    }
    say('');
    showBallot();
  }

  function showBallot() {
    const e = election, n = e.candidates.length;
    request = null;
    order = [];
    $('ballot-title').textContent = 'Election ' + e.election_id;
    const seats = e.method === 'stv' ? ' ' + e.seats + (e.seats === 1 ? ' seat' : ' seats') + ' to fill.' : '';
    $('ballot-help').textContent = {
      plurality: 'Choose one candidate.',
      approval: 'Tick every candidate you approve of: one, several or all.',
      score: 'Give each candidate a score from 0 (worst) to ' + e.max_score + ' (best).',
      star: 'Give each candidate a score from 0 (worst) to ' + e.max_score + ' (best). The two best-scored go to a runoff.',
    }[e.method] || 'Rank the candidates: your first choice first. You may leave out those you do not want to rank.' + seats;
    let body;
    if (e.method === 'plurality' || e.method === 'approval') {
      const type = e.method === 'plurality' ? 'radio' : 'checkbox';
      body = e.candidates.map((c, i) => h('label', {class: 'choice', for: 'c' + i},
        h('input', {type, id: 'c' + i, name: 'choice', value: c, 'data-candidate': c}), c));
    } else if (SCORED.includes(e.method)) {
      body = e.candidates.map((c, i) => h('div', {class: 'row'},
        h('label', {for: 's' + i, text: c}),
        h('select', {id: 's' + i, 'data-candidate': c},
          Array.from({length: e.max_score + 1}, (_, s) => h('option', {value: s, text: s})))));
    } else {
      body = rankedBallot(e.candidates, n);
    }
    const legend = {plurality: 'Your choice', approval: 'Candidates you approve of'}[e.method] ||
      (SCORED.includes(e.method) ? 'Your scores' : 'Your ranking');
    $('ballot').replaceChildren(h('fieldset', {}, h('legend', {text: legend}), body));
    step('ballot');
    $('ballot-title').focus();
  }

  // Ranking two ways: tapping in order (a list shows it; undo, clear) or numbering each one.
  function rankedBallot(cands, n) {
    const radio = (id, value, text, checked) => h('label', {class: 'choice', for: id},
      h('input', {type: 'radio', name: 'mode', id, value, checked, onchange: switchMode}), text);
    const tap = h('div', {id: 'tap'},
      h('p', {class: 'help', text: 'Tap your first choice, then your second, and so on. Tap a ranked candidate again to take it out.'}),
      h('ul', {class: 'plain'}, cands.map((c) => h('li', {},
        h('button', {type: 'button', class: 'tap', 'data-candidate': c, 'aria-pressed': 'false', onclick: () => toggle(c)},
          h('span', {text: c}), h('span', {class: 'badge', 'aria-hidden': 'true'}))))),
      h('h3', {id: 'order-title', text: 'Your order'}),
      h('p', {id: 'rank-empty', class: 'muted', text: 'Nobody ranked yet.'}),
      h('ol', {id: 'rank-order', class: 'order', 'aria-labelledby': 'order-title', 'aria-live': 'polite'}),
      h('button', {type: 'button', id: 'undo', class: 'secondary', text: 'Undo', onclick: () => { order.pop(); renderTap(); }}),
      h('button', {type: 'button', id: 'clear', class: 'secondary', text: 'Clear', onclick: () => { order = []; renderTap(); }}));
    const numbers = h('div', {id: 'numbers', hidden: true},
      h('p', {class: 'help', text: 'Give your first choice 1, your second 2, and so on. Leave "not ranked" for those you do not rank.'}),
      cands.map((c, i) => h('div', {class: 'row'}, h('label', {for: 'n' + i, text: c}),
        h('select', {id: 'n' + i, 'data-candidate': c}, h('option', {value: '', text: 'not ranked'}),
          Array.from({length: n}, (_, k) => h('option', {value: k + 1, text: k + 1}))))));
    const modes = h('fieldset', {class: 'modes'}, h('legend', {text: 'How to rank'}),
      radio('mode-tap', 'tap', 'Tap in order', true), radio('mode-number', 'number', 'Number them', false));
    setTimeout(renderTap);
    return [modes, tap, numbers];
  }

  function toggle(c) {
    const i = order.indexOf(c);
    if (i >= 0) order.splice(i, 1); else order.push(c);
    renderTap();
  }

  function renderTap() {
    for (const b of document.querySelectorAll('#tap .tap')) {
      const k = order.indexOf(b.dataset.candidate);
      b.setAttribute('aria-pressed', k >= 0);
      b.lastChild.textContent = k >= 0 ? k + 1 : '';
      b.setAttribute('aria-label', b.dataset.candidate + (k >= 0 ? ', ranked ' + (k + 1) : ', not ranked'));
    }
    $('rank-order').replaceChildren(...order.map((c) => h('li', {text: c})));
    $('rank-empty').hidden = order.length > 0;
  }

  // The numbered ranking as names in order, or a sentence saying what is wrong.
  function numbered() {
    const picks = [...document.querySelectorAll('#numbers select')].filter((s) => s.value)
      .map((s) => [Number(s.value), s.dataset.candidate]).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < picks.length; i++) {
      if (picks[i][0] === picks[i - 1][0]) return 'Give each number to one candidate only: ' + picks[i][0] + ' is given twice.';
    }
    return picks.map((p) => p[1]);
  }

  function switchMode() {
    const toNumbers = $('mode-number').checked;
    if (toNumbers) {
      for (const s of document.querySelectorAll('#numbers select')) {
        const k = order.indexOf(s.dataset.candidate);
        s.value = k >= 0 ? k + 1 : '';
      }
    } else {
      const got = numbered();
      if (typeof got === 'string') {
        $('mode-number').checked = true;
        return say(got, 'bad');
      }
      order = got;
      renderTap();
    }
    say('');
    $('tap').hidden = toNumbers;
    $('numbers').hidden = !toNumbers;
  }

  // The ballot as the server takes it and as the receipt records it (docs/record.md "Format 2").
  function readBallot() {
    const e = election;
    const picked = [...document.querySelectorAll('#ballot input[data-candidate]:checked')].map((i) => i.dataset.candidate);
    if (e.method === 'plurality') return picked.length ? {candidate: picked[0]} : 'Choose a candidate.';
    if (e.method === 'approval') return picked.length ? {approve: picked.sort(V.byteOrder)} : 'Tick at least one candidate.';
    if (SCORED.includes(e.method)) {
      const scores = {};
      for (const s of document.querySelectorAll('#ballot select[data-candidate]')) scores[s.dataset.candidate] = Number(s.value);
      return {scores};
    }
    const rank = $('mode-number').checked ? numbered() : order.slice();
    if (typeof rank === 'string') return rank;
    return rank.length ? {rank} : 'Rank at least one candidate.';
  }

  function summary(b) {
    if (b.candidate !== undefined) return [h('p', {text: 'You vote for ' + b.candidate + '.'})];
    if (b.approve) return [h('p', {text: 'You approve of: ' + b.approve.join(', ') + '.'})];
    if (b.scores) {
      return [h('table', {}, h('thead', {}, h('tr', {}, h('th', {scope: 'col', text: 'candidate'}), h('th', {scope: 'col', text: 'your score'}))),
        h('tbody', {}, election.candidates.map((c) => h('tr', {}, h('td', {text: c}), h('td', {text: b.scores[c]})))))];
    }
    const left = election.candidates.filter((c) => !b.rank.includes(c));
    return [h('p', {text: 'Your ranking:'}), h('ol', {class: 'order'}, b.rank.map((c) => h('li', {text: c}))),
      left.length ? h('p', {class: 'muted', text: 'Not ranked: ' + left.join(', ') + '.'}) : null];
  }

  function review(ev) {
    ev.preventDefault();
    const b = readBallot();
    if (typeof b === 'string') return say(b, 'bad');
    if (request && V.canonical(b) !== V.canonical(ballot)) request = null;
    ballot = b;
    say('');
    $('confirm-summary').replaceChildren(h('p', {text: 'Election ' + election.election_id}), ...summary(b));
    $('cast').textContent = 'Cast my vote';
    step('confirm');
    $('confirm-title').focus();
  }

  async function cast() {
    if (!request) {
      const who = credential();
      if (typeof who === 'string') return say(who, 'bad');
      request = Object.assign({type: 'vote', request_id: V.randomHex(16), election_id: election.election_id,
        nonce: V.randomHex(16)}, who, ballot);
    }
    const sent = request;
    step('sending');
    say('Sending your vote…', 'busy');
    const a = await V.call(sent, {within: 30000, onRetry: (attempt, answer) => say('Still trying (attempt ' +
      (attempt + 1) + '): ' + (answer ? answer.error.message.replace(/\.$/, '') : 'no answer from the server') +
      '. Your vote is sent again unchanged, so it can count only once.', 'busy')});
    if (a.ok) return done(sent, a);
    if (a.unknown) {
      step('confirm');
      say(a.error.message.replace(/\.$/, '') + '; the outcome is unknown: the vote may or may not have been counted. ' +
        'Trying again is safe: it sends the same vote.', 'bad');
      $('cast').textContent = 'Try again';
    } else {
      request = null;  // refused: nothing changed; the voter may fix the code or the ballot
      step('ballot');
      say(a.error.message, 'bad');
      $('status').scrollIntoView({block: 'nearest'});
    }
  }

  function done(sent, a) {
    const e = sent.election_id;
    $('receipt-message').textContent = a.message;
    if (!a.tracker) {
      say('The server sent no tracker for this answer (a retry of a vote recorded earlier); no receipt was written.', 'bad');
      $('tracker').textContent = '—';
      $('receipt-download').hidden = true;
    } else {
      const receipt = {ballot, election_id: e, format: 'vote-receipt/1', nonce: sent.nonce, tracker: a.tracker};
      const text = V.canonical(receipt) + '\n';
      $('tracker').textContent = V.group(a.tracker);
      $('receipt-json').textContent = text;
      V.downloadLink($('receipt-download'), 'vote-receipt-' + e.replace(/[^\w.-]+/g, '_') + '.json', text, 'application/json');
      const mine = V.tracker(e, sent.nonce, ballot);
      if (mine !== a.tracker) {
        say('Warning: the tracker the server sent (' + V.group(a.tracker) + ') does not match your ballot (' +
          V.group(mine) + '). Keep this receipt and tell the organisers.', 'bad');
      } else {
        say('Your vote has been recorded.', 'ok');
      }
    }
    $('verify-link').href = '/verify#e=' + encodeURIComponent(e);
    step('done');
    $('receipt-title').focus();
  }

  $('start').addEventListener('submit', load);
  $('ballot-form').addEventListener('submit', review);
  $('cast').addEventListener('click', cast);
  $('change').addEventListener('click', () => { step('ballot'); say(''); });
  $('election').addEventListener('input', () => { if (document.body.dataset.step !== 'start') step('start'); });
  $('code').addEventListener('input', () => { request = null; });
  $('voter').addEventListener('input', () => { request = null; });

  step('start');
  const p = V.params();
  if (p.e) $('election').value = p.e;
  if (p.c) {
    $('code').value = p.c;
    history.replaceState(null, '', location.pathname + (p.e ? '#e=' + encodeURIComponent(p.e) : ''));
  }
  if (p.e && p.c) $('load').click();
})();
