/**
 * Asks for the API token when the server answers 401 (issue 5, point 7). A modal
 * <dialog> with a password field; resolves with the token, or null when dismissed.
 */
import { h } from './dom.js';

export function askToken(reason: string): Promise<string | null> {
  const input = h('input', {
    attrs: {
      type: 'password',
      autocomplete: 'current-password',
      required: '',
      'aria-label': 'API token',
    },
  });
  const save = h('button', {
    class: 'primary',
    text: 'Save token',
    attrs: { type: 'submit', value: 'save' },
  });
  const cancel = h('button', { text: 'Cancel', attrs: { type: 'button' } });
  const form = h(
    'form',
    { attrs: { method: 'dialog' } },
    h('h2', { text: 'API token needed' }),
    h('p', { text: reason }),
    h('p', {
      class: 'muted',
      text: 'The token (LOGHARBOR_API_TOKEN) is kept in this browser only, in local storage.',
    }),
    input,
    h('div', { class: 'dlg-actions' }, cancel, save),
  );
  const dlg = h('dialog', { class: 'token-dlg' }, form);
  document.body.append(dlg);
  return new Promise((resolve) => {
    let result: string | null = null;
    form.addEventListener('submit', () => {
      result = input.value.trim() || null;
    });
    cancel.addEventListener('click', () => dlg.close());
    dlg.addEventListener('close', () => {
      dlg.remove();
      resolve(result);
    });
    dlg.showModal();
    input.focus();
  });
}
