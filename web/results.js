// results.js: the results page (/results, /results#e=ELECTION). While the election is open:
// its state and turnout (the `election` read, every 5 s); once closed: the result from the
// public record (docs/record.md), as `vote-admin results` prints it: the winner sentence of
// `close`, the tallies as an SVG bar chart, the rounds (irv, stv, star), the pairwise and
// strongest-path matrices (schulze), and the record to save.
// Ids for tests: #election #show #status; #summary[data-state] #summary-title #facts #turnout
//   (svg.chart); #result #winner #tallies (svg.chart, g[data-candidate]) #rounds (table, tr per
//   round) #pairwise (tables) #record-download.
'use strict';
(() => {
  const {h, $, say} = V;
  let shown = 0;  // bumped for each election shown: an older refresh loop stops

  const stvUnits = (u) => Math.floor(u / 100000) + '.' + String(u % 100000).padStart(5, '0');
  const quoted = (names) => names.map((n, i) =>
    (i === 0 ? '' : i + 1 === names.length ? ' and ' : ', ') + '\'' + n + '\'').join('');

  // Horizontal bars: rows [{name, value, text, win}], the longest bar for `max`.
  function chart(rows, max, label) {
    const line = 46, svg = h('svg:svg', {class: 'chart', width: '100%', height: rows.length * line,
      role: 'img', 'aria-label': label + ': ' + rows.map((r) => r.name + ' ' + r.text).join(', ')});
    rows.forEach((r, i) => {
      const y = i * line, w = max > 0 ? (100 * r.value) / max : 0;
      svg.append(h('svg:g', {'data-candidate': r.name},
        h('svg:text', {x: 0, y: y + 16, text: r.name + (r.win ? ' ✓' : '')}),
        h('svg:text', {x: '100%', y: y + 16, 'text-anchor': 'end', text: r.text}),
        h('svg:rect', {class: 'track', x: 0, y: y + 22, width: '100%', height: 14, rx: 3}),
        h('svg:rect', {class: 'bar' + (r.win ? ' win' : ''), x: 0, y: y + 22, width: (r.value > 0 ? Math.max(w, 0.5) : 0) + '%', height: 14, rx: 3})));
    });
    return svg;
  }

  const percent = (part, whole) => (whole ? (100 * part / whole).toFixed(1) : '0.0') + '%';
  const turnoutText = (e) => e.votes_cast + ' of ' + e.eligible_voters + ' authorized voters voted.';

  function facts(e) {
    const state = {
      registering: 'not open yet: its roll is still being registered',
      scheduled: 'opens at ' + V.when(e.opens_at_ms),
      open: 'open' + (e.closes_at_ms ? ' until ' + V.when(e.closes_at_ms) : '') +
        (e.close_when_all_voted ? ' (or until everyone has voted)' : ''),
      closed: 'closed at ' + V.when(e.closed_at_ms),
    }[e.state] || e.state;
    const rows = [['State', state], ['Counting', e.method + (e.method === 'stv' ? ', ' + e.seats + ' seats' : '')],
      ['Candidates', e.candidates.join(', ')], ['Turnout', turnoutText(e)]];
    $('facts').replaceChildren(...rows.flatMap(([k, v]) => [h('dt', {text: k}), h('dd', {text: v})]));
    $('turnout').replaceChildren(chart([{name: 'Voted', value: e.votes_cast,
      text: e.votes_cast + ' of ' + e.eligible_voters + ' (' + percent(e.votes_cast, e.eligible_voters) + ')'}],
    e.eligible_voters, 'Turnout'));
  }

  // The sentence of `close` (election_result.cpp close_message).
  function winnerSentence(id, res, settings) {
    const m = 'Election ' + id + ' ended';
    if (settings.method === 'stv' && !res.tie) {
      return m + '. Elected (' + res.winners.length + ' of ' + settings.seats + ' seats): ' + res.winners.join(', ') + '.';
    }
    if (!res.tie) return m + '. The winner is ' + res.winner + '.';
    const t = m + ' in a tie between ' + quoted(res.tied);
    return res.winner ? t + '; tie-break ' + settings.tie_break + ': the winner is ' + res.winner + '.'
      : t + ' (tie-break: none, no winner).';
  }

  let tables = 0;
  function table(caption, head, rows) {
    const id = 't' + ++tables;
    const cell = (c, i) => h(i ? 'td' : 'th', {scope: i ? null : 'row', class: i ? 'num' : null, text: c});
    return [h('h3', {id, text: caption}), h('div', {class: 'scroll'}, h('table', {'aria-labelledby': id},
      h('thead', {}, h('tr', {}, head.map((c, i) => h('th', {scope: 'col', class: i ? 'num' : null, text: c})))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map(cell))))))];
  }

  // What a round decided, as `vote-admin results` notes it (output.cpp round_notes).
  function notes(r, units) {
    const out = [];
    if (r.elected.length) out.push('elected ' + r.elected.join(', '));
    if (r.transferred && r.transferred.length) out.push('transferred the surplus of ' + r.transferred.join(', '));
    if (r.eliminated.length) out.push('eliminated ' + r.eliminated.join(', '));
    if (r.exhausted) out.push('exhausted ' + units(r.exhausted));
    if ((r.tied && r.tied.length) || r.tie_note) {
      out.push('tie' + (r.tied && r.tied.length ? ' (' + r.tied.join(', ') + ')' : '') + (r.tie_note ? ': ' + r.tie_note : ''));
    }
    return out.join('; ');
  }

  function showRecord(text) {
    const rec = JSON.parse(text), res = rec.result, s = rec.settings || {method: 'plurality'};
    const method = s.method, names = rec.candidates, winners = res.winners || (res.winner ? [res.winner] : []);
    $('winner').textContent = winnerSentence(rec.election_id, res, s);
    const unit = {plurality: 'votes', approval: 'approvals', score: 'total score', star: 'total score'}[method] || 'first preferences';
    const max = Math.max(0, ...names.map((c) => res.tallies[c]));
    $('tallies').replaceChildren(h('h3', {text: 'Tallies (' + unit + ')'}), chart(names.map((c) => ({
      name: c, value: res.tallies[c], win: winners.includes(c),
      text: res.tallies[c] + (unit === 'total score' ? '' : ' (' + percent(res.tallies[c], res.votes_cast) + ')')})), max, 'Tallies'));
    const count = res.count || {};
    const units = method === 'stv' ? stvUnits : String;
    const rounds = count.rounds || [];
    $('rounds').replaceChildren(...(rounds.length ? [
      ...table('Rounds' + (method === 'stv' ? ' (votes; quota ' + stvUnits(count.quota) + ')' : ''), ['round', ...names],
        rounds.map((r, k) => [k + 1, ...r.totals.map(units)])),
      h('ol', {class: 'notes'}, rounds.map((r, k) => h('li', {text: 'Round ' + (k + 1) + ': ' + (notes(r, units) || 'no decision') + '.'})))] : []),
    ...(method === 'stv' ? [h('p', {text: 'Elected: ' + (winners.length ? winners.join(', ') : 'nobody')})] : []));
    const matrix = (caption, m) => table(caption, ['', ...names],
      m.map((row, i) => [names[i], ...row.map((v, j) => (i === j ? '-' : v))]));
    $('pairwise').replaceChildren(...(count.pairwise && count.pairwise.length ? [
      ...matrix('Pairwise preferences (ballots ranking the row above the column)', count.pairwise),
      ...matrix('Strongest paths (row to column)', count.strongest)] : []));
    V.downloadLink($('record-download'), 'record-' + rec.election_id.replace(/[^\w.-]+/g, '_') + '.json', text, 'application/json');
    $('result').hidden = false;
  }

  async function show(id, mine, first) {
    const a = await V.call({type: 'election', election_id: id}, {within: 15000});
    if (mine !== shown) return;
    if (!a.ok) {
      $('summary').hidden = $('result').hidden = true;
      return say(a.error.message, 'bad');
    }
    const e = a.election;
    $('summary').dataset.state = e.state;
    $('summary-title').textContent = 'Election ' + e.election_id;
    facts(e);
    $('summary').hidden = false;
    if (e.state !== 'closed') {
      if (first) say('The result is published when the election closes. Turnout is updated every 5 seconds.');
      setTimeout(() => show(id, mine, false), 5000);
      return;
    }
    say('Fetching the record…', 'busy');
    const got = await V.record(id, (n, total) => say('Fetching the record: ' + Math.round(n / 1024) + ' of ' + Math.round(total / 1024) + ' KiB…', 'busy'));
    if (mine !== shown) return;
    if (!got.ok) return say(got.error.message, 'bad');
    try {
      showRecord(got.text);
      say('');
    } catch (err) {
      say('Error: the record could not be read.', 'bad');
    }
  }

  function start(ev) {
    if (ev) ev.preventDefault();
    const id = $('election').value.trim();
    if (!id) return say('Type the election\'s name.', 'bad');
    history.replaceState(null, '', location.pathname + '#e=' + encodeURIComponent(id));
    $('result').hidden = true;
    say('Looking up the election…', 'busy');
    show(id, ++shown, true);
  }

  $('results-form').addEventListener('submit', start);
  const p = V.params();
  if (p.e) {
    $('election').value = p.e;
    start();
  }
})();
