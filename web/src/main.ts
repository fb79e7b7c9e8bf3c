/**
 * Entry point: the browser's fetch, WebSocket, timers and storage handed to the App,
 * and the theme switch (kept in local storage; the first visit follows the system).
 */
import { ApiClient, storageTokenStore } from './api.js';
import { AlertsClient } from './alerts-api.js';
import { AlertsUi } from './alerts-panel.js';
import { App } from './app.js';
import { byId } from './dom.js';
import type { Clock, SocketFactory } from './tail-stream.js';
import { askToken } from './token-dialog.js';

const THEME_KEY = 'logharbor.theme';

const browserSocket: SocketFactory = (url, handlers) => {
  const ws = new WebSocket(url);
  ws.onopen = () => handlers.open();
  ws.onmessage = (e) => {
    if (typeof e.data === 'string') handlers.message(e.data);
  };
  ws.onclose = () => handlers.close();
  return ws;
};

const browserClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => window.setTimeout(fn, ms),
  clearTimeout: (handle) => window.clearTimeout(handle),
};

/** localStorage, or a stand-in when the browser refuses it (privacy modes). */
function storage(): Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> {
  try {
    const s = window.localStorage;
    s.getItem(THEME_KEY);
    return s;
  } catch {
    const m = new Map<string, string>();
    return {
      getItem: (k) => m.get(k) ?? null,
      setItem: (k, v) => void m.set(k, v),
      removeItem: (k) => void m.delete(k),
    };
  }
}

function setupTheme(store: Pick<Storage, 'getItem' | 'setItem'>): void {
  const root = document.documentElement;
  const saved = store.getItem(THEME_KEY);
  const light = saved
    ? saved === 'light'
    : window.matchMedia('(prefers-color-scheme: light)').matches;
  root.dataset.theme = light ? 'light' : 'dark';
  byId('theme-btn', HTMLButtonElement).addEventListener('click', () => {
    const next = root.dataset.theme === 'light' ? 'dark' : 'light';
    root.dataset.theme = next;
    store.setItem(THEME_KEY, next);
  });
}

function main(): void {
  const store = storage();
  setupTheme(store);
  const tokens = storageTokenStore(store);
  const api = new ApiClient({
    fetch: (input, init) => window.fetch(input, init),
    tokens,
    askToken,
  });
  new App({ api, socket: browserSocket, clock: browserClock, storage: store }).start();
  const alerts = new AlertsClient({
    fetch: (input, init) => window.fetch(input, init),
    token: () => tokens.get(),
    requestToken: (reason) => api.requestToken(reason),
  });
  new AlertsUi({ client: alerts, clock: browserClock, storage: store }).start();
}

main();
