/**
 * The management page's script (bundled into ../client-source.ts by
 * scripts/build-ui-client.mjs and served as /ui/assets/host.js): it follows
 * the host's event stream (/api/v1/events, read with fetch and a stream
 * reader so that it can send a token) and swaps in the live part
 * (`/ui?fragment=live`) on each event, announcing what happened; it runs
 * load, upgrade, reload, unload (after a confirmation) and "check and
 * upgrade all" through the management API with the admin token as
 * `Authorization: Bearer`. The token lives in the password field and this
 * module only: never in a cookie, storage or URL. Refusals (also of a
 * change sent without a token) show the API's message.
 */

const root = document.querySelector<HTMLElement>('#host');
const tokenField = document.querySelector<HTMLInputElement>('#token');
const statusLine = document.querySelector<HTMLElement>('#status');
const eventsStatus = document.querySelector<HTMLElement>('#events-status');
const confirmBox = document.querySelector<HTMLElement>('#confirm');
const confirmText = document.querySelector<HTMLElement>('#confirm-text');
const updates = document.querySelector<HTMLElement>('#updates');
const readsNeedToken = root?.dataset.reads === 'token';

/** The largest event record read from the stream; a longer one ends the stream (it reconnects). */
const MAX_RECORD = 64 * 1024;

function token(): string {
  return tokenField?.value.trim() ?? '';
}

function authHeaders(): Record<string, string> {
  return token() === '' ? {} : { authorization: `Bearer ${token()}` };
}

function show(text: string, kind: 'ok' | 'error' | '' = ''): void {
  if (!statusLine) return;
  statusLine.textContent = text;
  statusLine.className = `status ${kind}`;
}

/** The API's message of a refusal, or a sentence with the status. */
async function refusal(response: Response): Promise<string> {
  const body = (await response.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
  return body?.error?.message ?? `The host answered ${response.status} ${response.statusText}.`;
}

let refreshing: Promise<void> | undefined;
let again = false;

/** Swaps in the server's current live part; calls that arrive during one run it once more after. */
async function refresh(): Promise<void> {
  if (refreshing) {
    again = true;
    return refreshing;
  }
  refreshing = (async () => {
    do {
      again = false;
      const response = await fetch('/ui?fragment=live', { headers: { accept: 'text/html', ...authHeaders() }, cache: 'no-store' });
      const live = document.querySelector<HTMLElement>('#live');
      if (!response.ok) {
        // With protected reads a refused token leaves nothing listed: the notice says why.
        const notice = Object.assign(document.createElement('p'), { className: 'notice', textContent: await refusal(response) });
        if (live && readsNeedToken) live.replaceChildren(notice);
        else show(notice.textContent ?? '', 'error');
        return;
      }
      if (live) live.outerHTML = await response.text();
    } while (again);
  })().finally(() => {
    refreshing = undefined;
  });
  return refreshing;
}

/** The fields of the host's events that the status line tells (event-data.ts on the server). */
interface EventData {
  name?: string;
  version?: string;
  from?: string;
  to?: string;
  phase?: string;
  plugin?: { name: string; version: string };
  error?: { message?: string };
  upgraded?: unknown[];
  failed?: unknown[];
}

/** What "check and upgrade all" answers. */
interface UpgradeReport {
  upgraded: Array<{ name: string; from: string; to: string }>;
  failed: Array<{ name: string; error: { message: string } }>;
}

/** What upgrading or reloading one plugin answers. */
interface SwapAnswer {
  from: string;
  to: string;
}

/** One line about an event of the host, for the live status line. */
function describe(event: string, data: EventData): string {
  const plugin = data.plugin?.name ?? data.name ?? '';
  const version = data.plugin?.version ?? data.version ?? '';
  switch (event) {
    case 'loaded':
      return `${plugin}@${version} loaded.`;
    case 'upgraded':
      return `${data.name} upgraded from ${data.from} to ${data.to}.`;
    case 'unloaded':
      return `${plugin}@${version} unloaded.`;
    case 'retired':
      return `${plugin}@${version} retired.`;
    case 'error':
      return `${plugin} failed to ${data.phase}: ${data.error?.message ?? ''}`;
    case 'checked':
      return `Update check: ${data.upgraded?.length ?? 0} upgraded, ${data.failed?.length ?? 0} failed.`;
    default:
      return '';
  }
}

let stream: AbortController | undefined;
let lastEventId = '';

/** Follows /api/v1/events until it ends, then reconnects (from the last event seen) after its `retry:`. */
async function follow(): Promise<void> {
  stream?.abort();
  const controller = new AbortController();
  stream = controller;
  let retryMs = 1000;
  try {
    const headers: Record<string, string> = { accept: 'text/event-stream', ...authHeaders() };
    if (lastEventId !== '') headers['last-event-id'] = lastEventId;
    const response = await fetch('/api/v1/events', { headers, signal: controller.signal, cache: 'no-store' });
    if (!response.ok || !response.body) {
      if (eventsStatus) eventsStatus.textContent = `Live updates are off: ${await refusal(response)}`;
      // Too many streams open: try again when the service says; a refused token waits for another one.
      if (response.status === 503 && stream === controller) setTimeout(() => void follow(), 5000);
      return;
    }
    if (eventsStatus) eventsStatus.textContent = 'Live updates on.';
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const record = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const parsed = parseRecord(record);
        if (parsed.retry !== undefined) retryMs = parsed.retry;
        if (parsed.event !== undefined) handle(parsed.event, parsed.data);
        end = buffer.indexOf('\n\n');
      }
      if (buffer.length > MAX_RECORD) break;
    }
  } catch (error) {
    if ((error as Error).name === 'AbortError') return;
  }
  if (stream === controller) setTimeout(() => void follow(), retryMs);
}

/** The fields of one SSE record. */
function parseRecord(record: string): { event?: string; data: string; retry?: number } {
  const result: { event?: string; data: string; retry?: number } = { data: '' };
  for (const line of record.split('\n')) {
    const colon = line.indexOf(':');
    if (colon === 0) continue;
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') result.event = value;
    else if (field === 'data') result.data += value;
    else if (field === 'id') lastEventId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) result.retry = Number(value);
  }
  return result;
}

function handle(event: string, data: string): void {
  let parsed: EventData = {};
  try {
    parsed = JSON.parse(data) as EventData;
  } catch {
    return;
  }
  const line = describe(event, parsed);
  if (line !== '' && eventsStatus) eventsStatus.textContent = line;
  void refresh();
}

/** A change through the API with the admin token; resolves to the answer's JSON, or undefined after showing a refusal. */
async function change<T>(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<T | undefined> {
  show('Working…');
  const headers: Record<string, string> = authHeaders();
  if (body !== undefined) headers['content-type'] = 'application/json';
  try {
    const response = await fetch(`/api/v1${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    if (!response.ok) {
      show(await refusal(response), 'error');
      if (response.status === 401) tokenField?.focus();
      return undefined;
    }
    return (await response.json()) as T;
  } catch (error) {
    show(`The host did not answer: ${(error as Error).message}`, 'error');
    return undefined;
  }
}

function pluginPath(name: string): string {
  return `/plugins/${encodeURIComponent(name)}`;
}

/** Shows what "check and upgrade all" moved and what failed. */
function showUpdates(report: {
  upgraded: Array<{ name: string; from: string; to: string }>;
  failed: Array<{ name: string; error: { message: string } }>;
}): void {
  if (!updates) return;
  updates.replaceChildren();
  const list = document.createElement('ul');
  for (const entry of report.upgraded) list.append(Object.assign(document.createElement('li'), { textContent: `${entry.name}: ${entry.from} → ${entry.to}` }));
  for (const entry of report.failed)
    list.append(Object.assign(document.createElement('li'), { className: 'bad', textContent: `${entry.name} failed: ${entry.error.message}` }));
  if (list.childElementCount > 0) updates.append(list);
  updates.hidden = list.childElementCount === 0;
}

let pendingUnload: string | undefined;

async function act(button: HTMLButtonElement): Promise<void> {
  const action = button.dataset.action;
  const name = button.dataset.plugin ?? '';
  if (action === 'upgrade') {
    const result = await change<SwapAnswer>('POST', `${pluginPath(name)}/upgrade`);
    if (result)
      show(result.from === result.to ? `${name} is at its newest version, ${result.to}.` : `${name} upgraded from ${result.from} to ${result.to}.`, 'ok');
  } else if (action === 'reload') {
    const result = await change<SwapAnswer>('POST', `${pluginPath(name)}/reload`);
    if (result) show(`${name} reloaded: ${result.from} → ${result.to}.`, 'ok');
  } else if (action === 'unload') {
    // Without a token there is nothing to confirm: the API's refusal says what is missing.
    if (token() === '') return void change('DELETE', pluginPath(name));
    pendingUnload = name;
    if (confirmText) confirmText.textContent = `Unload ${name}? Its routes stop answering.`;
    if (confirmBox) confirmBox.hidden = false;
    confirmBox?.querySelector<HTMLButtonElement>('[data-action=confirm]')?.focus();
    return;
  } else if (action === 'cancel') {
    pendingUnload = undefined;
    if (confirmBox) confirmBox.hidden = true;
    show('Cancelled.');
  } else if (action === 'confirm' && pendingUnload !== undefined) {
    const chosen = pendingUnload;
    pendingUnload = undefined;
    if (confirmBox) confirmBox.hidden = true;
    const result = await change<{ unloaded: { name: string; version: string } }>('DELETE', pluginPath(chosen));
    if (result) show(`${result.unloaded.name}@${result.unloaded.version} unloaded.`, 'ok');
  } else if (action === 'upgrade-all') {
    const report = await change<UpgradeReport>('POST', '/upgrade');
    if (report) {
      showUpdates(report);
      show(`Checked: ${report.upgraded.length} upgraded, ${report.failed.length} failed.`, report.failed.length > 0 ? 'error' : 'ok');
    }
  }
  await refresh();
}

function start(): void {
  if (!root) return;
  document.addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
    if (button) void act(button);
  });
  document.querySelector<HTMLFormElement>('#load-form')?.addEventListener('submit', async (event) => {
    event.preventDefault();
    const field = document.querySelector<HTMLInputElement>('#load-spec');
    const spec = field?.value.trim() ?? '';
    if (spec === '') return;
    const result = await change<{ name: string; version: string }>('POST', '/plugins', { spec });
    if (result) {
      show(`${result.name}@${result.version} loaded.`, 'ok');
      if (field) field.value = '';
    }
    await refresh();
  });
  // With protected reads, a token typed in lists the plugins and opens the stream with it.
  tokenField?.addEventListener('change', () => {
    if (!readsNeedToken) return;
    void refresh();
    void follow();
  });
  if (!readsNeedToken) void follow();
}

start();
