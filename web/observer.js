// observer.js: the cluster page (/observer): the answering server's cluster_status every 2 s,
// shown as `vote-status` prints it (cluster_output.cpp: leader line, members, health, failure
// tolerance; only the leader knows who is reachable), and the live turnout of one election
// (the `election` read).
// Ids for tests: #status #leader #view #health[data-health=ok|degraded|unknown|no_quorum|
//   no_leader] #tolerance #members (tbody tr[data-node][data-role]) #election #watch
//   #turnout[data-state] (its text: "N of M authorized voters voted.").
'use strict';
(() => {
  const {h, $, say} = V;
  const UNREACHABLE_AFTER_MS = 1000;  // vote-status --unreachable-after-ms default
  let watched = '';

  const nodes = (ids) => (ids.length === 1 ? 'node ' : 'nodes ') + ids.join(', ');

  function health(v) {
    const leads = v.leader && String(v.leader.id) === String(v.self);
    const reachable = (m) => String(m.id) === String(v.self) ||
      (leads ? m.last_contact_ms !== null && m.last_contact_ms <= UNREACHABLE_AFTER_MS : null);
    const voters = v.members.filter((m) => m.voter), quorum = Math.floor(voters.length / 2) + 1;
    const down = voters.filter((m) => reachable(m) === false), up = voters.length - down.length;
    if (!v.leader) return {verdict: 'no_leader', reason: 'node ' + v.self + ' knows none', reachable};
    if (!leads) {
      return {verdict: 'unknown', reachable, tolerance: 'voters ' + voters.length + ', quorum ' + quorum + ': which voters are reachable is known only by the leader',
        reason: 'node ' + v.self + ' is not the leader; only the leader knows which members are reachable (ask node ' + v.leader.id + ' at ' + v.leader.endpoint + ')'};
    }
    const tolerance = 'voters ' + voters.length + ', reachable ' + up + ', quorum ' + quorum + ': ' +
      (up < quorum ? 'no quorum: ' + (quorum - up) + ' more voter(s) must be reachable' : 'can lose ' + (up - quorum) + ' more server(s)');
    if (up < quorum) {
      return {verdict: 'no_quorum', reachable, tolerance,
        reason: up + ' of ' + voters.length + ' voters reachable, ' + quorum + ' needed; ' + nodes(down.map((m) => m.id)) + ' unreachable'};
    }
    if (down.length) {
      const m = down[0], silence = m.last_contact_ms === null ? 'no contact since node ' + v.leader.id + ' took the lead'
        : 'no contact for ' + m.last_contact_ms + ' ms, more than ' + UNREACHABLE_AFTER_MS + ' ms';
      return {verdict: 'degraded', reachable, tolerance,
        reason: nodes(down.map((x) => x.id)) + ' unreachable (' + silence + '); can lose ' + (up - quorum) + ' more server(s)'};
    }
    return {verdict: 'ok', reachable, tolerance};
  }

  function render(v) {
    $('leader').textContent = v.leader ? 'leader: node ' + v.leader.id + ' at ' + v.leader.endpoint : 'leader: none known to node ' + v.self;
    $('view').textContent = 'cluster ' + (v.cluster_uuid || '(no uuid yet)') + ': epoch ' + v.epoch + ', commit_index ' +
      v.commit_index + ', applied_index ' + v.applied_index + ' (as seen by node ' + v.self + ')';
    const hl = health(v), leads = v.leader && String(v.leader.id) === String(v.self);
    $('health').dataset.health = hl.verdict;
    $('health').textContent = 'health: ' + (hl.verdict === 'ok' ? 'ok' : hl.verdict.replace('_', ' ') + ': ' + hl.reason);
    $('health').className = hl.verdict === 'ok' ? 'verdict-ok' : hl.verdict === 'unknown' ? '' : 'verdict-bad';
    $('tolerance').textContent = hl.tolerance || '';
    $('members').tBodies[0].replaceChildren(...v.members.map((m) => {
      const mine = String(m.id) === String(v.self), role = hl.reachable(m) === false ? 'unreachable' : m.role;
      return h('tr', {'data-node': m.id, 'data-role': role},
        [m.id, m.endpoint || '-', role, m.voter ? 'yes' : 'no', leads || mine ? m.match_index : '-', leads ? m.lag : '-',
          m.last_contact_ms === null ? '-' : m.last_contact_ms + ' ms'].map((c, i) => h(i ? 'td' : 'th', {text: c, scope: i ? null : 'row'})));
    }));
  }

  async function poll() {
    const a = await V.call({type: 'cluster_status'}, {within: 1500});
    if (a.ok) {
      render(a.cluster);
      say('');
    } else {
      say((a.error && a.error.message) || 'Error: no answer from the server.', 'bad');
    }
    if (watched) {
      const e = await V.call({type: 'election', election_id: watched}, {within: 1500});
      const t = $('turnout');
      if (e.ok) {
        const x = e.election;
        t.dataset.state = x.state;
        t.replaceChildren(h('p', {text: 'Election ' + x.election_id + ' (' + x.state + '): ' + x.votes_cast + ' of ' +
          x.eligible_voters + ' authorized voters voted.'}));
      } else {
        t.dataset.state = 'error';
        t.replaceChildren(h('p', {class: 'verdict-bad', text: e.error.message}));
      }
    }
    setTimeout(poll, 2000);
  }

  $('watch-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    watched = $('election').value.trim();
    history.replaceState(null, '', location.pathname + (watched ? '#e=' + encodeURIComponent(watched) : ''));
    $('turnout').replaceChildren(h('p', {class: 'muted', text: watched ? 'Watching ' + watched + '…' : ''}));
  });
  const p = V.params();
  if (p.e) $('election').value = watched = p.e;
  poll();
})();
