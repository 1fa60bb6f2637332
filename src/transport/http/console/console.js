/**
 * The lro console: a client of the public HTTP/JSON API and nothing else (the same calls curl makes).
 *
 * - The list is ListOperations with the filters turned into an AIP-160 `filter`, polled every few seconds
 *   (new operations, other clients' changes). The operations shown that are not done are also watched
 *   with `:watch` (Server-Sent Events, read with fetch so that it can send the Authorization header):
 *   at most MAX_WATCHES at a time, since a browser opens only six HTTP/1.1 connections to one server and
 *   the other calls need some; the one in the detail view and those just started or cancelled come first.
 * - With auth on, the first 401 asks for a bearer token, kept in sessionStorage; every later 401 asks again
 *   and the call is retried with the new token.
 * - Everything that comes from the API is written with textContent, never as HTML: labels, messages and
 *   results are user data.
 */
/* global document, window, sessionStorage, fetch, location, history, crypto, TextDecoderStream, AbortController, URLSearchParams, setTimeout, clearTimeout, setInterval */

const POLL_MS = 3000;
const MAX_WATCHES = 4;
const PAGE_SIZE = 50;
const TOKEN_KEY = 'lro.console.token';
const NAME = /^operations\/[A-Za-z0-9._~-]+$/;
const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const CODE_NAMES = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE',
  'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
];

const $ = (id) => document.getElementById(id);

/** Builds an element; text goes in as text only. */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else if (key === 'class') node.className = value;
    else if (key === 'testid') node.dataset.testid = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

const shortKind = (kind) => String(kind ?? '').replace(/^kinds\//, '');
const idOf = (name) => name.slice('operations/'.length);
const opPath = (name) => `v1/operations/${encodeURIComponent(idOf(name))}`;
const quote = (text) => `"${String(text).replace(/[\\"]/g, '\\$&')}"`;
const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });

// ---------------------------------------------------------------------------------------------------------
// The API: fetch with the bearer token, a prompt on 401, the Google error envelope as an exception.

class ApiCallError extends Error {
  constructor(httpStatus, body) {
    const error = body?.error ?? {};
    super(error.message || `HTTP ${httpStatus}`);
    this.httpStatus = httpStatus;
    this.status = error.status || `HTTP ${httpStatus}`;
    this.reason = (error.details ?? []).find((d) => d?.reason)?.reason;
  }
  toString() {
    return `${this.status}: ${this.message}${this.reason ? ` (${this.reason})` : ''}`;
  }
}

let token = sessionStorage.getItem(TOKEN_KEY) ?? '';
let tokenPrompt;

function setToken(value) {
  token = value;
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
  $('change-token').hidden = !value;
  $('forget-token').hidden = !value;
}

/** Shows the token dialog (once, however many calls were refused); resolves when a token was entered. */
function askForToken(why) {
  tokenPrompt ??= new Promise((resolve) => {
    const dialog = $('token-dialog');
    const form = $('token-form');
    $('token-why').textContent = why;
    $('token-input').value = '';
    const onSubmit = (event) => {
      event.preventDefault();
      const value = $('token-input').value.trim().replace(/^bearer\s+/i, '');
      if (!value) return;
      form.removeEventListener('submit', onSubmit);
      dialog.removeEventListener('cancel', onCancel);
      setToken(value);
      dialog.close();
      tokenPrompt = undefined;
      resolve();
    };
    // Escape would leave a console that cannot call anything: keep the dialog.
    const onCancel = (event) => event.preventDefault();
    form.addEventListener('submit', onSubmit);
    dialog.addEventListener('cancel', onCancel);
    if (!dialog.open) dialog.showModal();
    $('token-input').focus();
  });
  return tokenPrompt;
}

async function errorOf(res) {
  let body;
  try {
    body = JSON.parse(await res.text());
  } catch {
    body = undefined;
  }
  return new ApiCallError(res.status, body);
}

/** A fetch of the API that sends the token and, on 401, asks for one and tries again. */
async function request(method, path, { body, signal, accept = 'application/json' } = {}) {
  for (;;) {
    const headers = { accept };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal, cache: 'no-store' });
    if (res.status !== 401) return res;
    const refused = await errorOf(res);
    const sent = Boolean(token);
    await askForToken(sent ? `The token was refused: ${refused.message}` : 'This server needs a bearer token.');
  }
}

async function api(method, path, body) {
  const res = await request(method, path, { body });
  if (!res.ok) throw await errorOf(res);
  const text = await res.text();
  return text ? JSON.parse(text) : {};
}

// ---------------------------------------------------------------------------------------------------------
// Messages

let messageTimer;
function showMessage(text, kind = 'error') {
  const box = $('message');
  box.textContent = text;
  box.className = `message ${kind}`;
  box.hidden = false;
  clearTimeout(messageTimer);
  if (kind === 'info') messageTimer = setTimeout(() => (box.hidden = true), 4000);
}

function setLive(ok, why) {
  const live = $('live');
  live.textContent = ok ? 'live' : 'offline';
  live.className = `live ${ok ? 'ok' : 'down'}`;
  live.title = ok ? 'operations update live' : why ?? 'the server does not answer';
}

// ---------------------------------------------------------------------------------------------------------
// State: the kinds, the operations listed (in list order) and the latest version seen of each.

const state = {
  kinds: new Map(),
  names: [],
  ops: new Map(),
  limit: PAGE_SIZE,
  more: false,
  filter: '',
  selected: undefined,
  /** Operations started or acted on here, most recent first: they are watched first. */
  touched: [],
};

const timeOf = (op) => Date.parse(op?.metadata?.updateTime ?? '') || 0;

/** Keeps the newer of two versions (a list answer may be older than a watch message already shown). */
function merge(op) {
  const old = state.ops.get(op.name);
  if (old && (old.done || timeOf(old) > timeOf(op)) && !op.done) return old;
  state.ops.set(op.name, op);
  return op;
}

function touch(name) {
  state.touched = [name, ...state.touched.filter((n) => n !== name)].slice(0, MAX_WATCHES);
}

function forget(name) {
  state.ops.delete(name);
  state.names = state.names.filter((n) => n !== name);
  state.touched = state.touched.filter((n) => n !== name);
  if (state.selected === name) closeDetail();
  renderRows();
}

/** What the Cancel button cannot do for this operation, or undefined when it can. */
function cannotCancel(op) {
  const m = op.metadata ?? {};
  const kind = state.kinds.get(m.kind);
  if (m.cancellable === false || kind?.cancellable === false) return `${shortKind(m.kind)} cannot be cancelled: its kind is not cancellable`;
  if (op.done) return m.state === 'CANCELLED' ? 'already cancelled' : `already done (${m.state})`;
  if (m.requestedCancellation) return 'cancellation requested: waiting for the work to stop';
  return undefined;
}

const cannotDelete = (op) => (op.done ? undefined : 'only a done operation can be deleted: cancel it or let it finish');

function errorInfo(op) {
  return (op.error?.details ?? []).find((d) => String(d?.['@type'] ?? '').endsWith('google.rpc.ErrorInfo'));
}

function age(iso) {
  const ms = Date.now() - Date.parse(iso ?? '');
  if (!Number.isFinite(ms)) return '';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86400)} d`;
}

// ---------------------------------------------------------------------------------------------------------
// Rendering. One <tr> per operation, kept across renders (so focus and hover survive the live updates).

const rows = new Map();

function createRow(name) {
  const link = el('a', { href: NAME.test(name) ? `#${name}` : undefined, class: 'op-name', text: idOf(name) });
  const kind = el('td', { class: 'kind' });
  const stateText = el('span', { testid: 'operation-state', class: 'state' });
  // The reason's element exists only while there is one: `error-reason` then names exactly the reasons shown.
  const reason = el('span', { testid: 'error-reason', class: 'reason' });
  const note = el('span', { class: 'note' });
  const bar = el('progress', { testid: 'operation-progress', max: 100, value: 0 });
  const barText = el('span', { class: 'bar-text' });
  const status = el('div', { class: 'status-message' });
  const ageCell = el('td', { class: 'age' });
  const labels = el('td', { class: 'labels' });
  const cancel = el('button', { type: 'button', testid: 'cancel-button', class: 'cancel', text: 'Cancel' });
  const del = el('button', { type: 'button', testid: 'delete-button', class: 'delete', text: 'Delete' });
  cancel.addEventListener('click', () => cancelOperation(name, cancel));
  del.addEventListener('click', () => deleteOperation(name, del));
  const tr = el(
    'tr',
    { testid: 'operation-row', 'data-name': name },
    el('td', {}, link),
    kind,
    el('td', { class: 'state-cell' }, stateText, note),
    el('td', { class: 'progress-cell' }, bar, barText, status),
    ageCell,
    labels,
    el('td', { class: 'actions' }, cancel, del),
  );
  // A click anywhere in the row but on its buttons opens the detail view.
  tr.addEventListener('click', (event) => {
    if (!event.target.closest('button, a') && NAME.test(name)) location.hash = name;
  });
  return { tr, kind, stateText, reason, note, bar, barText, status, ageCell, labels, cancel, del, labelKey: '' };
}

function setDisabled(button, why) {
  button.disabled = why !== undefined;
  if (why === undefined) button.removeAttribute('title');
  else button.title = why;
}

function renderRow(op) {
  let row = rows.get(op.name);
  if (!row) rows.set(op.name, (row = createRow(op.name)));
  const m = op.metadata ?? {};
  row.tr.classList.toggle('selected', state.selected === op.name);
  row.kind.textContent = shortKind(m.kind);
  row.stateText.textContent = m.state ?? '';
  row.stateText.className = `state state-${m.state ?? 'UNKNOWN'}`;
  const reason = errorInfo(op)?.reason;
  row.reason.textContent = reason ?? '';
  if (reason) row.note.before(row.reason);
  else row.reason.remove();
  row.note.textContent = !op.done && m.requestedCancellation ? 'cancel requested' : '';
  const percent = Math.max(0, Math.min(100, Number(m.progressPercent) || 0));
  row.bar.value = percent;
  row.bar.setAttribute('value', String(percent));
  row.bar.setAttribute('aria-valuenow', String(percent));
  row.bar.textContent = `${percent}%`;
  row.barText.textContent = `${percent}%`;
  row.status.textContent = m.statusMessage ?? '';
  row.ageCell.textContent = age(m.createTime);
  row.ageCell.title = m.createTime ?? '';
  const labels = Object.entries(m.labels ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  const labelKey = JSON.stringify(labels);
  if (labelKey !== row.labelKey) {
    row.labelKey = labelKey;
    row.labels.replaceChildren(
      ...labels.map(([k, v]) => {
        const chip = el('button', { type: 'button', class: 'chip', title: 'filter by this label', text: `${k}=${v}` });
        chip.addEventListener('click', () => {
          $('filter-label').value = `${k}=${v}`;
          applyFilters();
        });
        return chip;
      }),
    );
  }
  setDisabled(row.cancel, cannotCancel(op));
  setDisabled(row.del, cannotDelete(op));
}

function renderRows() {
  const body = $('rows');
  const shown = new Set();
  for (const name of state.names) {
    const op = state.ops.get(name);
    if (!op) continue;
    renderRow(op);
    shown.add(name);
    body.append(rows.get(name).tr); // moves it into list order
  }
  for (const [name, row] of rows) {
    if (!shown.has(name)) {
      row.tr.remove();
      rows.delete(name);
    }
  }
  $('empty').hidden = shown.size > 0;
  $('more').hidden = !state.more;
}

function renderAges() {
  for (const [name, row] of rows) row.ageCell.textContent = age(state.ops.get(name)?.metadata?.createTime);
}

function field(dl, term, value) {
  if (value === undefined || value === null || value === '') return;
  dl.append(el('dt', { text: term }), el('dd', { text: value }));
}

const pretty = (value) => JSON.stringify(value, null, 2);

function renderDetail() {
  const name = state.selected;
  const op = name && state.ops.get(name);
  $('detail').hidden = !name;
  if (!name) return;
  $('detail-name').textContent = name;
  const body = $('detail-body');
  if (!op) {
    body.replaceChildren(el('p', { class: 'hint', text: 'loading…' }));
    return;
  }
  const m = op.metadata ?? {};
  const dl = el('dl');
  field(dl, 'Kind', m.kind);
  field(dl, 'State', `${m.state}${!op.done && m.requestedCancellation ? ' (cancellation requested)' : ''}`);
  field(dl, 'Progress', `${m.progressPercent ?? 0}%${m.statusMessage ? ` — ${m.statusMessage}` : ''}`);
  field(dl, 'Created', m.createTime);
  field(dl, 'Started', m.startTime);
  field(dl, 'Updated', m.updateTime);
  field(dl, 'Ended', m.endTime);
  field(dl, 'Attempt', m.attempt);
  field(dl, 'Cancellable', m.cancellable === false ? 'no' : 'yes');
  field(dl, 'Cancel requested', m.requestedCancellation ? 'yes' : 'no');
  const labels = Object.entries(m.labels ?? {});
  if (labels.length) field(dl, 'Labels', labels.map(([k, v]) => `${k}=${v}`).join(', '));
  const parts = [dl];
  if (op.response) {
    const { '@type': _type, ...rest } = op.response;
    parts.push(el('h3', { text: 'Result' }), el('pre', { class: 'result', testid: 'detail-result', text: pretty(rest.value ?? rest) }));
  }
  if (op.error) {
    const info = errorInfo(op);
    const errorList = el('dl', { class: 'error' });
    field(errorList, 'Code', `${op.error.code} ${CODE_NAMES[op.error.code] ?? ''}`.trim());
    field(errorList, 'Message', op.error.message);
    field(errorList, 'Reason', info?.reason);
    for (const [k, v] of Object.entries(info?.metadata ?? {})) field(errorList, k, v);
    parts.push(el('h3', { text: 'Error' }), errorList);
    const others = (op.error.details ?? []).filter((d) => d !== info);
    if (others.length) parts.push(el('pre', { text: pretty(others) }));
  }
  parts.push(el('details', {}, el('summary', { text: 'JSON' }), el('pre', { text: pretty(op) })));
  body.replaceChildren(...parts);
}

// ---------------------------------------------------------------------------------------------------------
// Live updates: `:watch` streams (Server-Sent Events read from a fetch body).

/** Yields `{ event, data }` for each SSE event of a response body; comment lines are skipped. */
async function* serverSentEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n?/g, '\n');
      let end;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message';
        const data = [];
        for (const line of block.split('\n')) {
          if (line === '' || line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const key = colon === -1 ? line : line.slice(0, colon);
          const val = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (key === 'event') event = val;
          else if (key === 'data') data.push(val);
        }
        if (data.length) yield { event, data: data.join('\n') };
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

const watches = new Map();

function applyUpdate(op) {
  const kept = merge(op);
  if (kept !== op) return;
  if (rows.has(op.name)) renderRow(op);
  if (state.selected === op.name) renderDetail();
}

function watch(name) {
  const controller = new AbortController();
  watches.set(name, controller);
  void (async () => {
    let delay = 500;
    while (!controller.signal.aborted) {
      try {
        const res = await request('GET', `${opPath(name)}:watch`, { signal: controller.signal, accept: 'text/event-stream' });
        if (!res.ok) throw await errorOf(res);
        for await (const { event, data } of serverSentEvents(res.body)) {
          if (event === 'operation') {
            applyUpdate(JSON.parse(data));
            delay = 500;
          } else if (event === 'error') {
            throw new ApiCallError(0, JSON.parse(data));
          }
        }
      } catch (err) {
        if (controller.signal.aborted) break;
        if (err instanceof ApiCallError && err.status === 'NOT_FOUND') {
          forget(name); // deleted (or purged) meanwhile
          break;
        }
      }
      // The stream ended: done, or the server went away (then retry, with backoff).
      if (state.ops.get(name)?.done !== false) break;
      await sleep(delay, controller.signal);
      delay = Math.min(delay * 2, 10_000);
    }
    if (watches.get(name) === controller) {
      watches.delete(name);
      reconcileWatches(); // a slot is free: watch the next one
    }
  })();
}

/** Watches the operations that matter most and are not done, MAX_WATCHES at most. */
function reconcileWatches() {
  const wanted = [];
  const want = (name) => {
    const op = name && state.ops.get(name);
    if (op && !op.done && wanted.length < MAX_WATCHES && !wanted.includes(name)) wanted.push(name);
  };
  want(state.selected);
  state.touched.forEach(want);
  state.names.forEach(want);
  for (const [name, controller] of watches) {
    if (!wanted.includes(name)) {
      watches.delete(name);
      controller.abort();
    }
  }
  for (const name of wanted) if (!watches.has(name)) watch(name);
}

// ---------------------------------------------------------------------------------------------------------
// The list, its filters, and polling.

/** The form's filters as the AIP-160 filter ListOperations takes; throws on a label that is not key=value. */
function buildFilter({ state: wantedState, kind, label }) {
  const parts = [];
  if (wantedState === 'active') parts.push('done = false');
  else if (wantedState) parts.push(`metadata.state = ${quote(wantedState)}`);
  if (kind) parts.push(`metadata.kind = ${quote(kind)}`);
  for (const entry of label.split(',').map((s) => s.trim()).filter(Boolean)) {
    const match = /^([^=!\s]+)\s*(!=|=)\s*(.*)$/.exec(entry);
    if (!match || !LABEL_KEY.test(match[1])) throw new Error(`label filter: "${entry}" is not key=value (keys: a-z, 0-9, _ and -)`);
    parts.push(`metadata.labels.${match[1]} ${match[2]} ${quote(match[3])}`);
  }
  return parts.join(' AND ');
}

function filterInputs() {
  return { state: $('filter-state').value, kind: $('filter-kind').value, label: $('filter-label').value };
}

let listSeq = 0;
async function refreshList() {
  const seq = ++listSeq;
  const query = new URLSearchParams({ pageSize: String(state.limit) });
  if (state.filter) query.set('filter', state.filter);
  const page = await api('GET', `v1/operations?${query}`);
  if (seq !== listSeq) return; // a newer list call (another filter) answers for the screen
  const ops = page.operations ?? [];
  state.names = ops.map((op) => merge(op).name);
  state.more = Boolean(page.nextPageToken);
  // Forget what is neither listed nor selected.
  const keep = new Set([...state.names, state.selected]);
  for (const name of state.ops.keys()) if (!keep.has(name)) state.ops.delete(name);
  renderRows();
  renderDetail();
  reconcileWatches();
  setLive(true);
}

async function applyFilters() {
  let filter;
  try {
    filter = buildFilter(filterInputs());
  } catch (err) {
    showMessage(err.message);
    return;
  }
  state.filter = filter;
  state.limit = PAGE_SIZE;
  $('filter-text').textContent = filter || '(none)';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filterInputs())) if (value) params.set(key, value);
  history.replaceState(null, '', `${location.pathname}${params.size ? `?${params}` : ''}${location.hash}`);
  await refreshList().catch((err) => showMessage(`List: ${err}`));
}

let pollTimer;
function schedulePoll() {
  clearTimeout(pollTimer);
  pollTimer = setTimeout(async () => {
    if (!document.hidden) {
      try {
        await refreshList();
      } catch (err) {
        setLive(false, String(err));
      }
    }
    schedulePoll();
  }, POLL_MS);
}

// ---------------------------------------------------------------------------------------------------------
// Actions

async function refreshOne(name) {
  try {
    applyUpdate(await api('GET', opPath(name)));
  } catch (err) {
    if (err instanceof ApiCallError && err.status === 'NOT_FOUND') forget(name);
    else throw err;
  }
}

async function cancelOperation(name, button) {
  button.disabled = true;
  try {
    await api('POST', `${opPath(name)}:cancel`, {});
    touch(name);
    await refreshOne(name);
    reconcileWatches();
  } catch (err) {
    showMessage(`Cancel ${name}: ${err}`);
    const op = state.ops.get(name);
    if (op) renderRow(op);
  }
}

async function deleteOperation(name, button) {
  button.disabled = true;
  try {
    await api('DELETE', opPath(name));
    forget(name);
    showMessage(`Deleted ${name}.`, 'info');
  } catch (err) {
    showMessage(`Delete ${name}: ${err}`);
    const op = state.ops.get(name);
    if (op) renderRow(op);
  }
}

function parseLabels(text) {
  const labels = {};
  for (const entry of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new Error(`labels: "${entry}" is not key=value`);
    labels[entry.slice(0, eq).trim()] = entry.slice(eq + 1).trim();
  }
  return labels;
}

function requestId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function startOperation(event) {
  event.preventDefault();
  const errorBox = $('start-error');
  errorBox.hidden = true;
  const kind = $('start-kind').value;
  let input;
  let labels;
  try {
    input = JSON.parse($('start-input').value.trim() || '{}');
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new Error('the input must be a JSON object, e.g. {"seconds": 5}');
    labels = parseLabels($('start-labels').value);
  } catch (err) {
    errorBox.textContent = err instanceof SyntaxError ? `the input is not valid JSON: ${err.message}` : err.message;
    errorBox.hidden = false;
    return;
  }
  const submit = $('start-submit');
  submit.disabled = true;
  try {
    // A request id makes the start idempotent (AIP-155), should this call be retried.
    const op = await api('POST', `v1/kinds/${encodeURIComponent(shortKind(kind))}:start`, { input, labels, requestId: requestId() });
    merge(op);
    if (!state.names.includes(op.name)) state.names.unshift(op.name);
    touch(op.name);
    renderRows();
    location.hash = op.name; // opens it in the detail view
    reconcileWatches();
  } catch (err) {
    errorBox.textContent = String(err);
    errorBox.hidden = false;
  } finally {
    submit.disabled = false;
  }
}

function select(name) {
  state.selected = name;
  for (const [n, row] of rows) row.tr.classList.toggle('selected', n === name);
  renderDetail();
  if (name) {
    refreshOne(name).catch((err) => showMessage(`Get ${name}: ${err}`));
    reconcileWatches();
  }
}

function closeDetail() {
  history.replaceState(null, '', `${location.pathname}${location.search}`);
  select(undefined);
}

function selectFromHash() {
  const name = decodeURIComponent(location.hash.slice(1));
  select(NAME.test(name) ? name : undefined);
}

// ---------------------------------------------------------------------------------------------------------
// Kinds, and start-up

function kindAbout(kind) {
  if (!kind) return '';
  const facts = [kind.cancellable ? 'cancellable' : 'cannot be cancelled'];
  if (kind.timeout) facts.push(`timeout ${kind.timeout}`);
  if (kind.maxAttempts) facts.push(`at most ${kind.maxAttempts} attempts`);
  return `${kind.description ? `${kind.description} — ` : ''}${facts.join(', ')}`;
}

async function loadKinds() {
  const { kinds = [] } = await api('GET', 'v1/kinds');
  state.kinds = new Map(kinds.map((k) => [k.name, k]));
  const startKind = $('start-kind');
  const filterKind = $('filter-kind');
  const chosen = filterKind.value || new URLSearchParams(location.search).get('kind') || '';
  startKind.replaceChildren(...kinds.map((k) => el('option', { value: k.name, text: shortKind(k.name) })));
  filterKind.replaceChildren(el('option', { value: '', text: 'any' }), ...kinds.map((k) => el('option', { value: k.name, text: shortKind(k.name) })));
  filterKind.value = chosen;
  $('start-kind-about').textContent = kindAbout(state.kinds.get(startKind.value));
}

function restoreFilters() {
  const params = new URLSearchParams(location.search);
  $('filter-state').value = params.get('state') ?? '';
  $('filter-label').value = params.get('label') ?? '';
  // The kind option exists once the kinds are loaded (loadKinds reads the parameter too).
}

async function main() {
  setToken(token);
  restoreFilters();
  $('start-form').addEventListener('submit', startOperation);
  $('start-kind').addEventListener('change', () => ($('start-kind-about').textContent = kindAbout(state.kinds.get($('start-kind').value))));
  $('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    void applyFilters();
  });
  $('filter-state').addEventListener('change', () => void applyFilters());
  $('filter-kind').addEventListener('change', () => void applyFilters());
  $('filter-clear').addEventListener('click', () => {
    $('filters').reset();
    void applyFilters();
  });
  $('more').addEventListener('click', () => {
    state.limit = Math.min(1000, state.limit + PAGE_SIZE);
    refreshList().catch((err) => showMessage(`List: ${err}`));
  });
  $('detail-close').addEventListener('click', closeDetail);
  $('change-token').addEventListener('click', () =>
    askForToken('Enter another token.')
      .then(() => Promise.all([loadKinds(), refreshList()]))
      .catch((err) => showMessage(String(err))),
  );
  $('forget-token').addEventListener('click', () => {
    setToken('');
    window.location.reload();
  });
  $('message').addEventListener('click', () => ($('message').hidden = true));
  window.addEventListener('hashchange', selectFromHash);
  setInterval(renderAges, 1000);

  try {
    await loadKinds();
  } catch (err) {
    showMessage(`Kinds: ${err}`);
  }
  await applyFilters();
  selectFromHash();
  schedulePoll();
}

void main();
