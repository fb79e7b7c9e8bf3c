/**
 * The driver doctor's panel (issue 7, item 6): per sender, what to improve in its logging
 * setup with the exact lines to paste, from GET /api/doctor. Names and tags came off the
 * wire: everything goes into the page through h() as text.
 */
import type { DoctorReport, DoctorSender, Finding, Fix } from '../../core/doctor/report.js';
import { h } from './dom.js';
import { formatInt } from './format.js';

export type Copier = (text: string) => Promise<void>;

/** A block of text to paste, with a button that copies it. */
function pasteBlock(label: string, text: string, copy: Copier | null): HTMLElement {
  const button =
    copy &&
    h('button', {
      class: 'dr-copy',
      text: 'Copy',
      attrs: { type: 'button', title: `Copy ${label}` },
    });
  button?.addEventListener('click', () => {
    copy!(text).then(
      () => (button.textContent = 'Copied'),
      () => (button.textContent = 'Select and copy'),
    );
  });
  return h(
    'div',
    { class: 'dr-paste', attrs: { 'data-kind': label } },
    h('div', { class: 'dr-paste-head' }, h('span', { text: label }), button),
    h('pre', {}, h('code', { text })),
  );
}

/** A Compose block and a daemon.json: the whole driver configuration, shown once per sender. */
function configView(fix: Fix, title: string, copy: Copier | null, withRun: boolean): HTMLElement {
  return h(
    'div',
    { class: 'dr-all' },
    h('div', { class: 'dr-all-title', text: title }),
    withRun && pasteBlock('docker run', fix.docker_run, copy),
    h(
      'div',
      { class: 'dr-config' },
      pasteBlock('compose', fix.compose, copy),
      pasteBlock('daemon.json', fix.daemon_json, copy),
    ),
  );
}

/** One finding: what, why, and the flags (or another client's setting) that fix it. */
function findingView(f: Finding, docker: boolean, copy: Copier | null): HTMLElement {
  // A sender that is not Docker is most likely one of the other clients: those lines first.
  const clients = docker ? [] : f.fix.clients.map((c) => pasteBlock(c.label, c.line, copy));
  return h(
    'div',
    { class: `dr-finding ${f.severity}`, attrs: { 'data-id': f.id } },
    h(
      'div',
      { class: 'dr-title' },
      h('span', { class: 'dr-sev', text: f.severity }),
      h('span', { text: f.title }),
    ),
    h('p', { class: 'dr-why', text: f.why }),
    ...clients,
    // A finding for other clients only (no Docker option: forward-no-ack) has no such block.
    f.fix.docker_run !== '' &&
      pasteBlock(
        clients.length > 0 ? 'docker run (from Docker)' : 'docker run',
        f.fix.docker_run,
        copy,
      ),
  );
}

function senderView(s: DoctorSender, copy: Copier | null): HTMLElement {
  const facts = [
    s.source,
    s.docker ? 'Docker' : 'not Docker',
    `${formatInt(s.events)} event${s.events === 1 ? '' : 's'}`,
    `last seen ${s.last_seen.slice(0, 19).replace('T', ' ')} UTC`,
  ].join(' · ');
  const several = s.findings.length > 1;
  return h(
    'section',
    { class: 'dr-sender', attrs: { 'data-sender': s.sender } },
    h(
      'h3',
      {},
      h('span', { class: 'dr-name', text: s.label }),
      h('span', { class: 'muted', text: facts }),
    ),
    ...s.findings.map((f) => findingView(f, s.docker, copy)),
    s.docker &&
      s.fix &&
      configView(
        s.fix,
        several ? 'With every change above' : 'With the change above',
        copy,
        several,
      ),
  );
}

/** The whole panel body; `copy` is null where the clipboard is not available. */
export function doctorView(r: DoctorReport, copy: Copier | null): HTMLElement {
  const withFindings = r.senders.filter((s) => s.findings.length > 0);
  const fine = r.senders.filter((s) => s.findings.length === 0);
  const count = withFindings.reduce((n, s) => n + s.findings.length, 0);
  const summary =
    r.senders.length === 0
      ? 'No sender seen yet: send some lines to logharbor and look again.'
      : `${r.senders.length} sender${r.senders.length === 1 ? '' : 's'} seen since ` +
        `${r.since.slice(0, 16).replace('T', ' ')} UTC, ` +
        `${count} finding${count === 1 ? '' : 's'}.`;
  return h(
    'div',
    { class: 'doctor' },
    h('p', { class: 'muted', text: summary }),
    ...withFindings.map((s) => senderView(s, copy)),
    fine.length > 0 &&
      h('p', {
        class: 'dr-fine',
        text: `Nothing to improve: ${fine.map((s) => s.label).join(', ')}`,
      }),
    r.general.length > 0 &&
      h(
        'section',
        { class: 'dr-general' },
        h('h3', { text: 'For every Docker container' }),
        ...r.general.flatMap((f) => [
          findingView(f, true, copy),
          configView(f.fix, 'As a whole configuration', copy, false),
        ]),
      ),
  );
}
