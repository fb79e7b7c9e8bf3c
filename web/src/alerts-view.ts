/**
 * What the alerts panel shows (alerts-panel.ts drives it): the alerts with their state and
 * their webhooks' health, the form that makes one, and the latest notifications with each
 * delivery's fate. Names, queries, URLs, errors and log lines came from users and senders:
 * everything goes in as text through h() (dom.ts).
 */
import {
  describeRule,
  type AlertInput,
  type AlertView,
  type DeliveryView,
  type NotificationView,
  type WebhookView,
} from '../../core/alerts/wire.js';
import { h } from './dom.js';

const time = (iso: string) => new Date(iso).toLocaleString();

/** The input PUT needs to change one thing of an alert as served. */
export function inputOf(a: AlertView, change: Partial<AlertInput> = {}): AlertInput {
  return {
    name: a.name,
    query: a.query,
    rule: a.rule,
    min_interval: a.min_interval,
    webhooks: a.webhooks.map((w) => ({ url: w.url, format: w.format })),
    enabled: a.enabled,
    ...change,
  };
}

function hookView(w: WebhookView): HTMLElement {
  const health =
    w.last_error !== null
      ? h('span', { class: 'bad', text: `failing: ${w.last_error}` })
      : w.last_delivered_at !== null
        ? h('span', { class: 'muted', text: `delivered ${time(w.last_delivered_at)}` })
        : h('span', { class: 'muted', text: 'nothing sent yet' });
  const queue = [
    w.pending > 0 ? `${w.pending} pending` : '',
    w.failed > 0 ? `${w.failed} given up` : '',
  ].filter(Boolean);
  return h(
    'li',
    { attrs: { 'data-url': w.url } },
    h('span', { class: 'al-format', text: w.format }),
    ' ',
    h('span', { class: 'al-url', text: w.url }),
    ' ',
    health,
    queue.length > 0 && h('span', { class: 'bad', text: ` (${queue.join(', ')})` }),
  );
}

export function alertView(a: AlertView): HTMLElement {
  const state =
    a.state === 'firing'
      ? `firing${a.since ? ` since ${time(a.since)}` : ''}`
      : a.state === 'off'
        ? 'off'
        : 'ok';
  const button = (action: string, text: string, title: string) =>
    h('button', { class: 'mini', text, title, attrs: { type: 'button', 'data-action': action } });
  return h(
    'div',
    { class: 'al-item', attrs: { 'data-id': a.id, 'data-state': a.state } },
    h(
      'div',
      { class: 'al-head' },
      h('span', { class: `al-state ${a.state}`, text: state }),
      h('span', { class: 'al-name', text: a.name }),
    ),
    h(
      'div',
      { class: 'al-what' },
      describeRule(a.rule),
      a.query.trim() !== '' && ' of ',
      a.query.trim() !== '' && h('code', { text: a.query }),
      h('span', { class: 'muted', text: ` · at most every ${a.min_interval}` }),
    ),
    a.webhooks.length > 0
      ? h('ul', { class: 'al-hooks' }, ...a.webhooks.map(hookView))
      : h('div', { class: 'muted', text: 'No webhook: notifications show here only.' }),
    h(
      'div',
      { class: 'al-actions' },
      button('test', 'Test', 'Send a test notification to its webhooks'),
      button('toggle', a.enabled ? 'Disable' : 'Enable', 'Switch it off or on'),
      button('delete', 'Delete', 'Delete it with its notifications'),
    ),
  );
}

function deliveryText(d: DeliveryView): string {
  const target = `${d.format} ${new URL(d.url, location.href).host}`;
  if (d.state === 'delivered')
    return `${target}: delivered${d.attempts > 1 ? ` after ${d.attempts} attempts` : ''}`;
  if (d.state === 'failed')
    return `${target}: given up after ${d.attempts} attempts (${d.last_error ?? '?'})`;
  if (d.attempts === 0) return `${target}: sending`;
  return `${target}: retrying (${d.attempts} attempt${d.attempts === 1 ? '' : 's'}: ${d.last_error ?? '?'})${d.next_attempt_at ? `, next ${time(d.next_attempt_at)}` : ''}`;
}

export function notificationView(n: NotificationView): HTMLElement {
  const samples = n.samples.map(
    (s) =>
      `${s.received_at.slice(11, 19)} ${s.container_name ?? '-'}: ${s.message.split('\n', 1)[0]}`,
  );
  return h(
    'div',
    { class: 'al-note', attrs: { 'data-id': n.id, 'data-kind': n.kind } },
    h(
      'div',
      { class: 'al-head' },
      h('span', { class: `al-kind ${n.kind}`, text: n.kind }),
      h('span', { class: 'al-name', text: n.alert_name }),
      h('span', { class: 'muted', text: time(n.created_at) }),
    ),
    h('div', { class: 'al-text', text: n.text }),
    samples.length > 0 && h('pre', { class: 'al-samples', text: samples.join('\n') }),
    ...n.deliveries.map((d) => h('div', { class: `al-deliv ${d.state}`, text: deliveryText(d) })),
  );
}

export interface AlertForm {
  el: HTMLFormElement;
  /** The input the form describes, or an error naming the field. */
  read(): AlertInput | string;
  error(text: string | null, queryColumn?: number | null): void;
  reset(query: string): void;
}

function field(label: string, input: HTMLElement, cls = ''): HTMLElement {
  return h('label', { class: `al-field ${cls}` }, h('span', { text: label }), input);
}

export function alertForm(query: string): AlertForm {
  const input = (name: string, attrs: Record<string, string> = {}) =>
    h('input', { attrs: { name, spellcheck: 'false', autocomplete: 'off', ...attrs } });
  const name = input('name', { required: '', maxlength: '200', placeholder: 'what to call it' });
  const q = input('query', { placeholder: 'query (empty: every line)' });
  const kind = h(
    'select',
    { attrs: { name: 'kind' } },
    h('option', { text: 'any match', attrs: { value: 'any' } }),
    h('option', { text: 'more than N matches within', attrs: { value: 'threshold' } }),
    h('option', { text: 'no line from a container for', attrs: { value: 'absence' } }),
  );
  const moreThan = input('more_than', { type: 'number', min: '0', value: '10', size: '6' });
  const within = input('within', { value: '5m', size: '5' });
  const container = input('container', { placeholder: 'container name' });
  const forAge = input('for', { value: '10m', size: '5' });
  const interval = input('min_interval', { value: '1m', size: '5' });
  const url = input('url', {
    type: 'url',
    placeholder: 'https://hooks.slack.com/services/… (optional)',
  });
  const format = h(
    'select',
    { attrs: { name: 'format' } },
    h('option', { text: 'JSON', attrs: { value: 'json' } }),
    h('option', { text: 'Slack', attrs: { value: 'slack' } }),
  );
  const err = h('p', { class: 'al-error bad hidden', attrs: { role: 'alert' } });
  const threshold = h(
    'span',
    { class: 'al-rule', attrs: { 'data-kind': 'threshold' } },
    field('N', moreThan),
    field('within', within),
  );
  const absence = h(
    'span',
    { class: 'al-rule', attrs: { 'data-kind': 'absence' } },
    field('container', container),
    field('for', forAge),
  );
  const showRule = () => {
    threshold.classList.toggle('hidden', kind.value !== 'threshold');
    absence.classList.toggle('hidden', kind.value !== 'absence');
    q.disabled = kind.value === 'absence';
  };
  kind.addEventListener('change', showRule);
  const el = h(
    'form',
    { class: 'al-form', attrs: { autocomplete: 'off' } },
    h('h3', { text: 'New alert' }),
    h('div', { class: 'al-row' }, field('Name', name), field('Query', q, 'wide')),
    h(
      'div',
      { class: 'al-row' },
      field('Rule', kind),
      threshold,
      absence,
      field('At most every', interval),
    ),
    h('div', { class: 'al-row' }, field('Webhook', url, 'wide'), field('Format', format)),
    h('button', { class: 'primary', text: 'Create alert', attrs: { type: 'submit' } }),
    err,
  );
  const form: AlertForm = {
    el,
    read() {
      if (name.value.trim() === '') return 'Give the alert a name.';
      const rule: AlertInput['rule'] =
        kind.value === 'threshold'
          ? { kind: 'threshold', more_than: Number(moreThan.value), within: within.value.trim() }
          : kind.value === 'absence'
            ? { kind: 'absence', container: container.value.trim(), for: forAge.value.trim() }
            : { kind: 'any' };
      return {
        name: name.value.trim(),
        query: kind.value === 'absence' ? '' : q.value,
        rule,
        min_interval: interval.value.trim(),
        webhooks:
          url.value.trim() === ''
            ? []
            : [{ url: url.value.trim(), format: format.value === 'slack' ? 'slack' : 'json' }],
        enabled: true,
      };
    },
    error(text, column) {
      err.textContent = text ?? '';
      err.classList.toggle('hidden', text === null);
      if (column != null && column >= 1) {
        q.focus();
        q.setSelectionRange(column - 1, q.value.length);
      }
    },
    reset(query) {
      name.value = '';
      q.value = query;
      form.error(null);
    },
  };
  form.reset(query);
  showRule();
  return form;
}
