// GraphQL for the console: POST /graphql with the access token, and the
// live feed over graphql-transport-ws. The refresh token never reaches
// this code: it is an HttpOnly cookie, sent with X-Paycore-CSRF only.

let access = null;       // {token, expiresAt}
let refreshTimer = null;
const listeners = new Set(); // called with the new token after each refresh

export class GraphQLError extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join('; '));
    this.errors = errors;
    this.code = errors[0] && errors[0].extensions ? errors[0].extensions.code : '';
  }
}

export function token() { return access ? access.token : null; }
export function onToken(f) { listeners.add(f); return () => listeners.delete(f); }

async function post(query, variables, extraHeaders) {
  const headers = { 'Content-Type': 'application/json', ...extraHeaders };
  if (access) headers.Authorization = 'Bearer ' + access.token;
  const res = await fetch('/graphql', {
    method: 'POST', headers, credentials: 'same-origin',
    body: JSON.stringify({ query, variables: variables || {} }),
  });
  let body;
  try { body = await res.json(); } catch { throw new GraphQLError([{ message: 'HTTP ' + res.status }]); }
  if (body.errors && body.errors.length) throw new GraphQLError(body.errors);
  return body.data;
}

// gql runs a query or mutation; on an expired token it refreshes once.
export async function gql(query, variables) {
  try {
    return await post(query, variables);
  } catch (e) {
    if (e.code === 'UNAUTHENTICATED' && access) {
      if (await refresh()) return post(query, variables);
    }
    throw e;
  }
}

const SESSION = 'accessToken expiresAt user { id email role clientId }';

function keep(payload) {
  access = { token: payload.accessToken, expiresAt: new Date(payload.expiresAt) };
  clearTimeout(refreshTimer);
  const ms = Math.max(5000, access.expiresAt - Date.now() - 60000);
  refreshTimer = setTimeout(refresh, ms);
  listeners.forEach((f) => f(access.token));
  return payload.user;
}

export async function login(email, password) {
  const d = await post(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) { ${SESSION} } }`,
    { e: email, p: password });
  return keep(d.login);
}

// Refreshing across tabs. Every tab shares the one refresh cookie, and the
// server revokes the whole session when a rotated refresh token comes back
// (reuse detection). Two tabs refreshing at once would send the same cookie
// twice, so refreshes are serialized across the browser's tabs with a Web
// Lock: the second tab sends its refresh only after the first tab's
// response has rotated the cookie, so it sends the new one. Better still,
// a tab that obtained a session tells the others (BroadcastChannel), and a
// tab that waited on the lock takes that fresh access token instead of
// rotating again. Without Web Locks (old browsers) refresh works as before,
// one tab at a time being the user's job.
const LOCK = 'paycore-refresh';
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('paycore-session') : null;
let shared = null; // {payload, receivedAt}: the newest session another tab obtained
if (channel) {
  channel.onmessage = (ev) => {
    if (ev.data && ev.data.type === 'session') shared = { payload: ev.data.payload, receivedAt: Date.now() };
    if (ev.data && ev.data.type === 'logout') shared = null;
  };
}

// refresh renews the session from the cookie; the user or null.
export async function refresh() {
  if (!(typeof navigator !== 'undefined' && navigator.locks && navigator.locks.request)) return refreshNow();
  const asked = Date.now();
  return navigator.locks.request(LOCK, async () => {
    // Another tab refreshed while this one waited: use its token (still
    // valid for more than a minute) rather than rotate the cookie again.
    if (shared && shared.receivedAt >= asked && new Date(shared.payload.expiresAt) - Date.now() > 60000) {
      return keep(shared.payload);
    }
    return refreshNow();
  });
}

// refreshNow sends the cookie once: the caller holds the lock (or there is
// none).
async function refreshNow() {
  try {
    const saved = access;
    access = null; // the cookie authenticates, not the old token
    const d = await post(`mutation { refreshSession { ${SESSION} } }`, {}, { 'X-Paycore-CSRF': '1' }).catch((e) => {
      access = saved; throw e;
    });
    if (channel) channel.postMessage({ type: 'session', payload: d.refreshSession });
    return keep(d.refreshSession);
  } catch {
    access = null;
    clearTimeout(refreshTimer);
    return null;
  }
}

export async function logout() {
  try { await post('mutation { logout }', {}, { 'X-Paycore-CSRF': '1' }); } catch { /* the session is ended either way */ }
  if (channel) channel.postMessage({ type: 'logout' });
  shared = null;
  access = null;
  clearTimeout(refreshTimer);
}

// subscribe runs a subscription over graphql-transport-ws, reconnecting
// with backoff (and a fresh token) until the returned stop is called.
// onData gets each payload's data; onState 'live' | 'reconnecting'.
export function subscribe(query, variables, onData, onState) {
  let ws = null;
  let stopped = false;
  let backoff = 500;
  let timer = null;
  const connect = () => {
    if (stopped) return;
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql';
    ws = new WebSocket(url, 'graphql-transport-ws');
    ws.onopen = () => ws.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: 'Bearer ' + token() } }));
    ws.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      switch (msg.type) {
        case 'connection_ack':
          backoff = 500;
          ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
          onState && onState('live');
          break;
        case 'ping': ws.send(JSON.stringify({ type: 'pong' })); break;
        case 'next': if (msg.payload && msg.payload.data) onData(msg.payload.data); break;
        case 'error': console.warn('subscription error', msg.payload); break;
        case 'complete': ws.close(1000); break;
      }
    };
    ws.onclose = async (ev) => {
      if (stopped) return;
      onState && onState('reconnecting');
      if (ev.code === 4403 || ev.code === 4401) {
        // The token expired or was refused: renew before trying again.
        if (!(await refresh())) { onState && onState('ended'); return; }
      }
      timer = setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 15000);
    };
  };
  connect();
  return () => { stopped = true; clearTimeout(timer); if (ws) ws.close(1000); };
}
