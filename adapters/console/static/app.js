// The paycore console: one page, hash routes, DOM built with textContent
// only (no HTML from data). Operators (ADMIN, SUPPORT) see every client;
// a MERCHANT user the same pages limited to its client, plus its
// dashboard and API keys. The server decides what each may do
// (app.Authorize); the page only hides what would be refused.
import { gql, login, logout, refresh, subscribe, GraphQLError } from './gql.js';
import { t, toggleLanguage, language } from './i18n.js';

let user = null;
let stopFeed = null;
const main = document.getElementById('main');

// h builds an element: h('td', {class: 'x', 'data-label': 'y'}, 'text', child…).
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const isOperator = () => user && (user.role === 'ADMIN' || user.role === 'SUPPORT');
const isAdmin = () => user && user.role === 'ADMIN';
const money = (m) => (m ? m.amount + ' ' + m.currency : '');
// Times in Bangladesh time (Asia/Dhaka), written in the console's language.
const when = (s) => (s ? new Date(s).toLocaleString(language() === 'bn' ? 'bn-BD' : 'en-GB',
  { timeZone: 'Asia/Dhaka', dateStyle: 'medium', timeStyle: 'medium' }) : '');

function errorText(e) {
  if (e instanceof GraphQLError) {
    if (e.code === 'FORBIDDEN') return t('forbidden');
    if (e.code === 'NOT_FOUND') return t('notFound');
    if (e.code === 'VALIDATION_FAILED') {
      const f = e.errors[0].extensions.fields || {};
      return Object.entries(f).map(([k, v]) => k + ': ' + v.join(', ')).join('; ');
    }
  }
  return t('error') + ': ' + e.message;
}

function flash(text, kind) { return h('p', { class: 'flash ' + (kind || ''), role: 'status' }, text); }

// table renders rows (objects) with columns [label, fn(row) → node|text].
function table(cols, rows, rowAttrs) {
  return h('table', {},
    h('thead', {}, h('tr', {}, cols.map(([label]) => h('th', {}, label)))),
    h('tbody', {}, rows.map((r) => row(cols, r, rowAttrs))));
}
function row(cols, r, rowAttrs) {
  return h('tr', rowAttrs ? rowAttrs(r) : {}, cols.map(([label, f]) => h('td', { 'data-label': label }, f(r))));
}

function statusBadge(s) { return h('span', { class: 'badge s-' + String(s).toLowerCase() }, s); }
function txnLink(id) { return h('a', { href: '#/payment/' + encodeURIComponent(id), class: 'mono' }, id); }

// ---- navigation

function nav() {
  const n = document.getElementById('nav');
  const who = document.getElementById('who');
  n.replaceChildren();
  who.replaceChildren();
  const lang = h('button', { class: 'link', id: 'lang', onclick: () => { toggleLanguage(); nav(); route(); } }, t('language'));
  if (!user) { who.append(lang); return; }
  const pages = isOperator()
    ? ['feed', 'search', 'clients', 'gateways', 'webhooks', 'reviews', 'jobs', 'audit']
    : ['dashboard', 'feed', 'search', 'webhooks', 'gateways', 'keys'];
  for (const p of pages) n.append(h('a', { href: '#/' + p, id: 'nav-' + p }, t(p)));
  who.append(h('span', { class: 'muted', id: 'whoami' }, user.email + ' · ' + user.role), lang,
    h('button', { class: 'link', id: 'logout', onclick: async () => { await logout(); user = null; location.hash = '#/login'; nav(); route(); } }, t('logout')));
}

// ---- pages

function loginPage() {
  const email = h('input', { type: 'email', id: 'email', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', id: 'password', autocomplete: 'current-password', required: true });
  const msg = h('div');
  const form = h('form', { class: 'card narrow', id: 'login-form', onsubmit: async (ev) => {
    ev.preventDefault();
    msg.replaceChildren();
    try {
      user = await login(email.value, password.value);
      nav();
      location.hash = isOperator() ? '#/feed' : '#/dashboard';
      route();
    } catch (e) {
      msg.append(flash(e.code === 'RATE_LIMITED' ? t('tooMany') : t('badLogin'), 'err'));
    }
  } },
  h('h1', {}, t('loginTitle')),
  h('label', {}, t('email'), email), h('label', {}, t('password'), password),
  h('button', { type: 'submit', id: 'login' }, t('login')), msg);
  main.replaceChildren(form);
}

const PAYMENT_FIELDS = 'transactionId orderId clientId clientName status gateway trxId amount { amount currency } refunded { amount currency } createdAt updatedAt';

function paymentCols() {
  const cols = [
    [t('transaction'), (p) => txnLink(p.transactionId)],
    [t('order'), (p) => p.orderId],
    [t('status'), (p) => statusBadge(p.status)],
    [t('amount'), (p) => money(p.amount)],
    [t('gateway'), (p) => p.gateway || ''],
    [t('updated'), (p) => when(p.updatedAt)],
  ];
  if (isOperator()) cols.splice(2, 0, [t('client'), (p) => p.clientName]);
  return cols;
}

async function feedPage() {
  const state = h('span', { class: 'badge', id: 'feed-state' }, t('reconnecting'));
  const body = h('tbody', { id: 'feed-rows' });
  const cols = paymentCols();
  const rows = new Map();
  const put = (p, top) => {
    const tr = row(cols, p, () => ({ id: 'row-' + p.transactionId, 'data-status': p.status }));
    const old = rows.get(p.transactionId);
    if (old) old.replaceWith(tr);
    else if (top) body.prepend(tr);
    else body.append(tr);
    rows.set(p.transactionId, tr);
    if (old) { tr.classList.add('flash-row'); }
  };
  main.replaceChildren(h('h1', {}, t('feed'), ' ', state),
    h('table', { id: 'feed' }, h('thead', {}, h('tr', {}, cols.map(([l]) => h('th', {}, l)))), body));
  const load = async () => {
    const d = await gql(`{ searchPayments(first: 50) { edges { node { ${PAYMENT_FIELDS} } } } }`);
    body.replaceChildren(); rows.clear();
    d.searchPayments.edges.forEach((e) => put(e.node, false));
  };
  try { await load(); } catch (e) { main.append(flash(errorText(e), 'err')); return; }
  stopFeed = subscribe(`subscription { paymentEvents { type payment { ${PAYMENT_FIELDS} } } }`, {},
    (d) => {
      const ev = d.paymentEvents;
      if (ev.type === 'RESYNC') { load(); return; }
      if (ev.payment) put(ev.payment, true);
    },
    (s) => { state.textContent = t(s); state.className = 'badge ' + (s === 'live' ? 's-success' : 's-pending'); });
}

const STATUSES = ['PENDING', 'PROCESSING', 'SUCCESS', 'FAILED', 'CANCELLED', 'EXPIRED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'DISPUTED'];
const GATEWAYS = ['BKASH', 'NAGAD', 'REDIRECTGW', 'SSLCOMMERZ'];

function select(id, options) {
  return h('select', { id }, h('option', { value: '' }, t('any')), options.map((o) => h('option', { value: o }, o)));
}

async function searchPage() {
  const text = h('input', { id: 's-text', placeholder: t('text') });
  const status = select('s-status', STATUSES);
  const gateway = select('s-gateway', GATEWAYS);
  const client = h('input', { id: 's-client', placeholder: 'cli_…' });
  const min = h('input', { id: 's-min', inputmode: 'decimal' });
  const max = h('input', { id: 's-max', inputmode: 'decimal' });
  const from = h('input', { id: 's-from', type: 'date' });
  const to = h('input', { id: 's-to', type: 'date' });
  const out = h('div', { id: 'results' });
  let after = null;
  const run = async (more) => {
    const f = {};
    if (text.value) f.text = text.value.trim();
    if (status.value) f.status = status.value;
    if (gateway.value) f.gateway = gateway.value;
    if (client.value) f.clientId = client.value.trim();
    if (min.value) f.minAmount = min.value;
    if (max.value) f.maxAmount = max.value;
    if (from.value) f.from = new Date(from.value).toISOString();
    if (to.value) f.to = new Date(to.value).toISOString();
    try {
      const d = await gql(`query($f: PaymentSearchFilter, $a: String) { searchPayments(filter: $f, first: 25, after: $a) {
        edges { node { ${PAYMENT_FIELDS} } } pageInfo { hasNextPage endCursor } } }`, { f, a: more ? after : null });
      const c = d.searchPayments;
      after = c.pageInfo.endCursor;
      const tbl = table(paymentCols(), c.edges.map((e) => e.node));
      if (!more) out.replaceChildren();
      out.append(tbl);
      if (c.pageInfo.hasNextPage) out.append(h('button', { class: 'secondary', onclick: (ev) => { ev.target.remove(); run(true); } }, t('next')));
      if (!c.edges.length && !more) out.replaceChildren(flash(t('noPayments')));
    } catch (e) { out.replaceChildren(flash(errorText(e), 'err')); }
  };
  main.replaceChildren(h('h1', {}, t('search')),
    h('form', { class: 'grid', onsubmit: (ev) => { ev.preventDefault(); run(false); } },
      h('label', {}, t('text'), text), h('label', {}, t('status'), status), h('label', {}, t('gateway'), gateway),
      isOperator() ? h('label', {}, t('client'), client) : null,
      h('label', {}, t('minAmount'), min), h('label', {}, t('maxAmount'), max),
      h('label', {}, t('from'), from), h('label', {}, t('to'), to),
      h('button', { type: 'submit', id: 's-go' }, t('find'))),
    out);
  run(false);
}

async function paymentPage(id) {
  main.replaceChildren(h('p', { class: 'muted' }, '…'));
  let d;
  try {
    d = (await gql(`query($id: ID!) { paymentDetail(transactionId: $id) { payment { ${PAYMENT_FIELDS} }
      timeline { at kind ref status detail } } }`, { id })).paymentDetail;
  } catch (e) { main.replaceChildren(h('h1', {}, id), flash(errorText(e), 'err')); return; }
  const p = d.payment;
  const dl = h('dl', { class: 'facts' },
    [[t('transaction'), p.transactionId], [t('order'), p.orderId], [t('client'), p.clientName + ' (' + p.clientId + ')'],
      [t('status'), statusBadge(p.status)], [t('amount'), money(p.amount)], [t('refunded'), money(p.refunded)],
      [t('gateway'), p.gateway || '—'], [t('trx'), p.trxId || '—'], [t('created'), when(p.createdAt)]]
      .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  const parts = [h('h1', {}, t('transaction'), ' ', h('span', { class: 'mono' }, p.transactionId)), dl];
  if (user.role !== 'SUPPORT' && ['SUCCESS', 'PARTIALLY_REFUNDED'].includes(p.status)) {
    const amount = h('input', { id: 'r-amount', inputmode: 'decimal', placeholder: t('refundAll') });
    const reason = h('input', { id: 'r-reason', required: true });
    const msg = h('div');
    parts.push(h('form', { class: 'card', id: 'refund-form', onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        const r = await gql(`mutation($in: ConsoleRefundInput!) { consoleRefund(input: $in) { refund { id status amount { amount currency } } } }`,
          { in: { transactionId: p.transactionId, amount: amount.value || null, reason: reason.value } });
        msg.replaceChildren(flash(t('refundDone') + ': ' + r.consoleRefund.refund.id + ' ' + money(r.consoleRefund.refund.amount), 'ok'));
      } catch (e) { msg.replaceChildren(flash(errorText(e), 'err')); }
    } }, h('h2', {}, t('refund')), h('label', {}, t('amount'), amount), h('label', {}, t('reason'), reason),
    h('button', { type: 'submit' }, t('refund')), msg));
  }
  parts.push(h('h2', {}, t('timeline')), table([
    [t('at'), (e) => when(e.at)], [t('kind'), (e) => e.kind], [t('status'), (e) => e.status],
    [t('detail'), (e) => e.detail], ['ID', (e) => h('span', { class: 'mono' }, e.ref)]], d.timeline));
  main.replaceChildren(...parts);
}

function secretBox(apiKey, secret, extra) {
  return h('div', { class: 'card secret', id: 'secret' }, h('p', {}, t('secretOnce')),
    h('p', {}, t('apiKey'), ': ', h('code', {}, apiKey)), h('p', {}, 'secret: ', h('code', { id: 'secret-value' }, secret)), extra || null);
}

async function clientsPage() {
  const msg = h('div');
  let list;
  try { list = (await gql('{ clients { id name status webhookURL commissionBps rateLimit language apiKey createdAt } }')).clients; }
  catch (e) { main.replaceChildren(flash(errorText(e), 'err')); return; }
  const act = async (query, vars, after) => {
    try { const d = await gql(query, vars); msg.replaceChildren(after ? after(d) : flash(t('saved'), 'ok')); if (!after) clientsPage(); }
    catch (e) { msg.replaceChildren(flash(errorText(e), 'err')); }
  };
  const cols = [
    ['ID', (c) => h('span', { class: 'mono' }, c.id)], [t('name'), (c) => c.name], [t('status'), (c) => statusBadge(c.status)],
    [t('commission'), (c) => String(c.commissionBps)], [t('rateLimit'), (c) => c.rateLimit ? String(c.rateLimit) : '—'],
    [t('webhookURL'), (c) => c.webhookURL || '—'], [t('apiKey'), (c) => h('span', { class: 'mono' }, c.apiKey || '—')],
  ];
  if (isAdmin()) {
    cols.push(['', (c) => h('div', { class: 'actions' },
      h('button', { class: 'secondary', onclick: () => act(`mutation($c: ID!, $s: ClientStatus) { updateClient(input: {clientId: $c, status: $s}) { status } }`,
        { c: c.id, s: c.status === 'ACTIVE' ? 'SUSPENDED' : 'ACTIVE' }) }, c.status === 'ACTIVE' ? t('suspend') : t('activate')),
      h('button', { class: 'secondary', onclick: () => {
        const bps = prompt(t('commission'), c.commissionBps); if (bps === null) return;
        const rate = prompt(t('rateLimit') + ' (0 = default)', c.rateLimit || 0); if (rate === null) return;
        const hook = prompt(t('webhookURL'), c.webhookURL || ''); if (hook === null) return;
        act(`mutation($in: UpdateClientInput!) { updateClient(input: $in) { id } }`,
          { in: { clientId: c.id, commissionBps: Number(bps), rateLimit: Number(rate), webhookURL: hook } });
      } }, t('save') + '…'),
      h('button', { class: 'secondary', onclick: () => act(`mutation($c: ID) { regenerateClientKeys(clientId: $c) { apiKey secretKey } }`, { c: c.id },
        (d) => secretBox(d.regenerateClientKeys.apiKey, d.regenerateClientKeys.secretKey)) }, t('regenerate')))]);
  }
  const parts = [h('h1', {}, t('clients')), msg, table(cols, list)];
  if (isAdmin()) {
    const name = h('input', { id: 'c-name', required: true });
    const hook = h('input', { id: 'c-hook', type: 'url' });
    const bps = h('input', { id: 'c-bps', type: 'number', min: 0, max: 10000, value: '150' });
    const lang = h('select', { id: 'c-lang' }, h('option', { value: 'en' }, 'en'), h('option', { value: 'bn' }, 'bn'));
    parts.push(h('form', { class: 'card grid', onsubmit: (ev) => { ev.preventDefault();
      act(`mutation($in: CreateClientInput!) { createClient(input: $in) { client { id } apiKey secretKey webhookSecret } }`,
        { in: { name: name.value, webhookURL: hook.value || null, commissionBps: Number(bps.value), language: lang.value } },
        (d) => secretBox(d.createClient.apiKey, d.createClient.secretKey, h('p', {}, 'webhook secret: ', h('code', {}, d.createClient.webhookSecret))));
    } }, h('h2', {}, t('create')), h('label', {}, t('name'), name), h('label', {}, t('webhookURL'), hook),
    h('label', {}, t('commission'), bps), h('label', {}, 'Language', lang), h('button', { type: 'submit' }, t('create'))));
  }
  main.replaceChildren(...parts);
}

// gatewaysPage: each gateway's health and switch; admins enable or disable
// one with a reason (setGatewayEnabled, audited); operators see the SMS
// balance.
async function gatewaysPage(note) {
  let d;
  try {
    d = await gql('{ gatewayHealth { code status successRate p95LatencyMs uptimePercent calls windowHours enabled switch { reason switchedBy switchedAt } } }');
  } catch (e) { main.replaceChildren(flash(errorText(e), 'err')); return; }
  const msg = h('div', {}, note || null);
  const cols = [
    [t('gateway'), (g) => g.code],
    [t('switch'), (g) => h('span', { class: 'badge ' + (g.enabled ? 's-enabled' : 's-disabled'), id: 'gw-state-' + g.code }, g.enabled ? t('enabled') : t('disabled'))],
    [t('health'), (g) => statusBadge(g.status)], [t('successRate'), (g) => g.successRate.toFixed(1)],
    [t('p95'), (g) => String(g.p95LatencyMs)], [t('uptime'), (g) => g.uptimePercent.toFixed(1)], [t('calls'), (g) => String(g.calls)],
    [t('switchReason'), (g) => g.switch.switchedAt
      ? [g.switch.reason || '—', g.switch.switchedBy ? h('div', { class: 'muted' }, g.switch.switchedBy + ' · ' + when(g.switch.switchedAt)) : null]
      : '—'],
  ];
  if (isAdmin()) {
    cols.push(['', (g) => {
      const reason = h('input', { id: 'gw-reason-' + g.code, placeholder: t('reasonOptional'), maxlength: 500, 'aria-label': t('reasonOptional') });
      return h('form', { class: 'actions', id: 'gw-form-' + g.code, onsubmit: async (ev) => {
        ev.preventDefault();
        try {
          await gql('mutation($g: Gateway!, $on: Boolean!, $r: String) { setGatewayEnabled(code: $g, enabled: $on, reason: $r) { enabled } }',
            { g: g.code, on: !g.enabled, r: reason.value || null });
          gatewaysPage(flash((g.enabled ? t('gatewayOff') : t('gatewayOn')) + ': ' + g.code, 'ok'));
        } catch (e) { msg.replaceChildren(flash(errorText(e), 'err')); }
      } }, reason, h('button', { type: 'submit', id: 'gw-toggle-' + g.code, class: g.enabled ? 'secondary' : '' }, g.enabled ? t('disable') : t('enable')));
    }]);
  }
  const parts = [h('h1', {}, t('gateways')), msg, table(cols, d.gatewayHealth, (g) => ({ id: 'gw-' + g.code, 'data-enabled': String(g.enabled) }))];
  if (isOperator()) parts.push(smsBalanceCard());
  main.replaceChildren(...parts);
}

// smsBalanceCard shows the SMS provider's credit, filled in when it answers.
function smsBalanceCard() {
  const value = h('span', { id: 'sms-balance' }, '…');
  gql('{ smsBalance { provider balance { amount currency } } }').then((d) => {
    const b = d.smsBalance;
    value.replaceChildren(b.balance ? money(b.balance) : t('notReported'), ' ', h('span', { class: 'muted' }, '(' + (b.provider || '—') + ')'));
  }).catch((e) => value.replaceChildren(errorText(e)));
  return h('div', { class: 'card' }, h('strong', {}, t('smsBalance')), ': ', value);
}

async function webhooksPage() {
  const msg = h('div');
  try {
    const d = await gql('{ webhookDeliveries(first: 50) { id eventId event clientId transactionId url status createdAt attempts { attempt statusCode } } }');
    main.replaceChildren(h('h1', {}, t('webhooks')), msg, table([
      [t('event'), (w) => w.event], [t('transaction'), (w) => txnLink(w.transactionId)], [t('url'), (w) => w.url],
      [t('status'), (w) => statusBadge(w.status)], [t('attempts'), (w) => w.attempts.map((a) => '#' + a.attempt + ' ' + (a.statusCode || '—')).join(', ')],
      [t('created'), (w) => when(w.createdAt)],
      ['', (w) => h('button', { class: 'secondary', onclick: async () => {
        try { await gql('mutation($e: ID!) { redeliverWebhook(input: {eventId: $e}) { delivery { id status } } }', { e: w.eventId }); msg.replaceChildren(flash(t('redelivered') + ': ' + w.eventId, 'ok')); }
        catch (e) { msg.replaceChildren(flash(errorText(e), 'err')); }
      } }, t('redeliver'))]], d.webhookDeliveries));
  } catch (e) { main.replaceChildren(flash(errorText(e), 'err')); }
}

async function reviewsPage() {
  const msg = h('div');
  try {
    const d = await gql('{ reviewQueue { attemptId transactionId clientId gateway reason detail trxId status amount { amount currency } createdAt } }');
    const list = d.reviewQueue;
    main.replaceChildren(h('h1', {}, t('reviews')), msg, list.length ? table([
      [t('transaction'), (r) => txnLink(r.transactionId)], [t('gateway'), (r) => r.gateway], [t('amount'), (r) => money(r.amount)],
      [t('reasonCol'), (r) => r.reason + (r.detail ? ' — ' + r.detail : '')], [t('trx'), (r) => r.trxId || '—'], [t('created'), (r) => when(r.createdAt)],
      ['', (r) => {
        const note = h('input', { placeholder: t('note'), required: true });
        const decide = async (confirm) => {
          try {
            await gql('mutation($in: DecideReviewInput!) { decideReview(input: $in) { status } }', { in: { attemptId: r.attemptId, confirm, note: note.value } });
            reviewsPage();
          } catch (e) { msg.replaceChildren(flash(errorText(e), 'err')); }
        };
        return h('div', { class: 'actions' }, note, h('button', { onclick: () => decide(true) }, t('confirm')),
          h('button', { class: 'secondary', onclick: () => decide(false) }, t('reject')));
      }]], list) : flash(t('noReviews')));
  } catch (e) { main.replaceChildren(flash(errorText(e), 'err')); }
}

async function jobsPage() {
  try {
    const d = await gql('{ jobCounts { kind state count } }');
    main.replaceChildren(h('h1', {}, t('jobs')), table([[t('kindCol'), (j) => j.kind], [t('state'), (j) => j.state], [t('count'), (j) => String(j.count)]], d.jobCounts));
  } catch (e) { main.replaceChildren(flash(errorText(e), 'err')); }
}

async function auditPage() {
  try {
    const d = await gql('{ auditLog(first: 100) { id actor role action target clientId before after at } }');
    main.replaceChildren(h('h1', {}, t('audit')), table([
      [t('at'), (a) => when(a.at)], [t('actor'), (a) => a.actor + ' (' + a.role + ')'], [t('action'), (a) => a.action],
      [t('target'), (a) => h('span', { class: 'mono' }, a.target)], [t('before'), (a) => h('code', { class: 'json' }, a.before || '—')],
      [t('after'), (a) => h('code', { class: 'json' }, a.after || '—')]], d.auditLog));
  } catch (e) { main.replaceChildren(flash(errorText(e), 'err')); }
}

async function dashboardPage() {
  try {
    const d = await gql(`{ dashboard { totalTransactions totalSuccess totalFailed totalAmount { amount currency }
      totalRefunded { amount currency } commission { amount currency } } clientProfile { id name status } }`);
    const s = d.dashboard;
    const stat = (k, v) => h('div', { class: 'stat' }, h('div', { class: 'muted' }, t(k)), h('div', { class: 'big' }, v));
    main.replaceChildren(h('h1', {}, d.clientProfile.name, ' ', statusBadge(d.clientProfile.status)),
      h('div', { class: 'stats', id: 'stats' }, stat('totalTx', s.totalTransactions), stat('totalSuccess', s.totalSuccess),
        stat('totalFailed', s.totalFailed), stat('totalAmount', money(s.totalAmount)), stat('totalRefunded', money(s.totalRefunded)),
        stat('commissionAmt', money(s.commission))));
  } catch (e) { main.replaceChildren(flash(errorText(e), 'err')); }
}

async function keysPage() {
  const msg = h('div');
  try {
    const d = await gql('{ clientProfile { id apiKey } }');
    main.replaceChildren(h('h1', {}, t('keys')), h('p', {}, t('apiKey'), ': ', h('code', { id: 'current-key' }, d.clientProfile.apiKey || '—')),
      h('button', { id: 'regen', onclick: async () => {
        try {
          const r = await gql('mutation { regenerateClientKeys { apiKey secretKey } }');
          msg.replaceChildren(secretBox(r.regenerateClientKeys.apiKey, r.regenerateClientKeys.secretKey));
        } catch (e) { msg.replaceChildren(flash(errorText(e), 'err')); }
      } }, t('regenerate')), msg);
  } catch (e) { main.replaceChildren(flash(errorText(e), 'err')); }
}

// ---- routing

const pages = { feed: feedPage, search: searchPage, clients: clientsPage, gateways: gatewaysPage, webhooks: webhooksPage,
  reviews: reviewsPage, jobs: jobsPage, audit: auditPage, dashboard: dashboardPage, keys: keysPage };

function route() {
  if (stopFeed) { stopFeed(); stopFeed = null; }
  const [, name, arg] = (location.hash || '#/').split('/');
  document.querySelectorAll('#nav a').forEach((a) => a.classList.toggle('on', a.id === 'nav-' + name));
  if (!user) { loginPage(); return; }
  if (name === 'payment' && arg) { paymentPage(decodeURIComponent(arg)); return; }
  const page = pages[name] || (isOperator() ? feedPage : dashboardPage);
  page();
}

window.addEventListener('hashchange', route);

(async () => {
  user = await refresh(); // a session cookie from before the reload
  nav();
  route();
})();
