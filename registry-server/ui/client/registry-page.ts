/**
 * The registry pages' script (bundled into ../client-source.ts by
 * scripts/build-ui-client.mjs and served as /assets/registry.js): results
 * that follow the typing in the search box, copy buttons, and the owner's
 * actions on a plugin page. The token lives in a variable of this module
 * only: never in a cookie, storage or URL. Every page works without it
 * except copying and the owner's actions.
 */

const search = document.querySelector<HTMLInputElement>('#q');
const results = () => document.querySelector<HTMLElement>('#results');

/** Results follow the typing: the server renders the list (`?fragment=results`) and it replaces the current one. */
function liveSearch(): void {
  if (!search || !results()) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let controller: AbortController | undefined;
  const filters = document.querySelector<HTMLFormElement>('#filters');
  const refresh = async () => {
    const params = new URLSearchParams(filters ? (new FormData(filters) as unknown as Record<string, string>) : {});
    params.set('q', search.value.trim());
    for (const [key, value] of [...params]) if (value === '' || (key === 'sort' && value === 'name')) params.delete(key);
    const query = params.toString();
    controller?.abort();
    controller = new AbortController();
    try {
      const response = await fetch(`/?${query}${query ? '&' : ''}fragment=results`, { signal: controller.signal, headers: { accept: 'text/html' } });
      if (!response.ok) return;
      const current = results();
      if (current) current.outerHTML = await response.text();
      history.replaceState(null, '', query ? `/?${query}` : '/');
      const hidden = filters?.querySelector<HTMLInputElement>('input[name=q]');
      if (hidden) hidden.value = search.value.trim();
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    }
  };
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 150);
  });
}

/** Copy buttons: `data-copy` names the element whose text is copied. */
function copyButtons(): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-copy]')) {
    button.addEventListener('click', async () => {
      const source = document.getElementById(button.dataset.copy ?? '');
      if (!source) return;
      try {
        await navigator.clipboard.writeText(source.textContent ?? '');
        button.textContent = 'Copied';
      } catch {
        button.textContent = 'Copy failed';
      }
      setTimeout(() => (button.textContent = 'Copy'), 2000);
    });
  }
}

/** What the owner asked for, waiting for confirmation. */
interface PendingAction {
  method: 'POST' | 'DELETE' | 'PUT';
  url: string;
  body?: string;
  done: string;
}

/** Yank, restore and move a dist-tag, each confirmed first; refusals show the API's message. */
function ownerActions(): void {
  const panel = document.querySelector<HTMLElement>('#owner');
  if (!panel) return;
  const name = panel.dataset.plugin ?? '';
  const encoded = encodeURIComponent(name);
  const token = panel.querySelector<HTMLInputElement>('#owner-token');
  const status = panel.querySelector<HTMLElement>('#owner-status');
  const confirmBox = panel.querySelector<HTMLElement>('#owner-confirm');
  const confirmText = panel.querySelector<HTMLElement>('#owner-confirm-text');
  let pending: PendingAction | undefined;
  const show = (text: string, kind: 'ok' | 'error' | '') => {
    if (!status) return;
    status.textContent = text;
    status.className = `status ${kind}`;
  };
  const ask = (action: PendingAction, question: string) => {
    if (!token?.value) {
      show('Enter a token first.', 'error');
      token?.focus();
      return;
    }
    pending = action;
    if (confirmText) confirmText.textContent = question;
    if (confirmBox) confirmBox.hidden = false;
    confirmBox?.querySelector<HTMLButtonElement>('[data-action=confirm]')?.focus();
  };
  panel.addEventListener('click', async (event) => {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
    if (!button) return;
    const action = button.dataset.action;
    const version = panel.querySelector<HTMLSelectElement>('#owner-version')?.value ?? '';
    if (action === 'yank' || action === 'unyank') {
      const url = `/v1/plugins/${encoded}/${encodeURIComponent(version)}/yank`;
      ask(
        { method: action === 'yank' ? 'POST' : 'DELETE', url, done: `${name}@${version} ${action === 'yank' ? 'yanked' : 'restored'}.` },
        `${action === 'yank' ? 'Yank' : 'Restore'} ${name}@${version}?`,
      );
    } else if (action === 'tag') {
      const tag = panel.querySelector<HTMLInputElement>('#owner-tag')?.value.trim() ?? '';
      const target = panel.querySelector<HTMLSelectElement>('#owner-tag-version')?.value ?? '';
      const url = `/v1/plugins/${encoded}/dist-tags/${encodeURIComponent(tag)}`;
      ask({ method: 'PUT', url, body: JSON.stringify({ version: target }), done: `${tag} now points to ${target}.` }, `Point ${name}@${tag} to ${target}?`);
    } else if (action === 'cancel') {
      pending = undefined;
      if (confirmBox) confirmBox.hidden = true;
      show('Cancelled.', '');
    } else if (action === 'confirm' && pending) {
      const chosen = pending;
      pending = undefined;
      if (confirmBox) confirmBox.hidden = true;
      show('Working…', '');
      const headers: Record<string, string> = { authorization: `Bearer ${token?.value ?? ''}` };
      if (chosen.body) headers['content-type'] = 'application/json';
      const response = await fetch(chosen.url, { method: chosen.method, headers, ...(chosen.body ? { body: chosen.body } : {}) });
      if (!response.ok) {
        const failure = (await response.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
        show(failure?.error?.message ?? `The registry answered ${response.status}.`, 'error');
        return;
      }
      await refreshVersions();
      show(chosen.done, 'ok');
    }
  });
}

/** Replaces the versions table with the server's current one. */
async function refreshVersions(): Promise<void> {
  const url = new URL(location.href);
  url.searchParams.set('fragment', 'versions');
  const response = await fetch(url, { headers: { accept: 'text/html' }, cache: 'no-store' });
  const table = document.querySelector<HTMLElement>('#versions-table');
  if (response.ok && table) table.outerHTML = await response.text();
}

liveSearch();
copyButtons();
ownerActions();
