/**
 * What a notification says: one payload, decided once and stored with the notification
 * (alert_notifications.payload), sent to each webhook in its format:
 *
 *   json   the payload itself plus `notification_id` (the same on every retry, so a
 *          receiver can drop a repeat: delivery is at least once)
 *   slack  `{"text": ...}`, the text and up to five sample lines (Slack's incoming
 *          webhooks, and Mattermost, Rocket.Chat, Discord's /slack endpoint)
 *
 * Log text is untrusted: in Slack's text `&`, `<` and `>` are escaped (api.slack.com,
 * "Formatting text for app surfaces": a line saying `<!channel>` must not page anyone).
 */
import { formatDurationMs, humanDuration } from '../../core/alerts/duration.js';
import {
  describeRule,
  type NotificationKind,
  type RuleView,
  type WebhookFormat,
} from '../../core/alerts/wire.js';
import type { Decision, Sample } from './rules.js';
import { ruleView, type StoredAlert } from './spec.js';

export interface AlertPayload {
  kind: NotificationKind;
  alert: { id: string; name: string; query: string; rule: RuleView };
  /** One line for people: what happened. */
  text: string;
  /** When it was decided (RFC 3339). */
  at: string;
  count: number | null;
  samples: Sample[];
  /** The episode's start (threshold and absence). */
  since: string | null;
  /** absence: the container's last line before the silence (null: never seen). */
  last_seen: string | null;
  /** Earlier episodes not notified under the rate limit (`min_interval`). */
  suppressed: number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 'es'}`;

function matchesOf(a: StoredAlert): string {
  return a.query.trim() === '' ? 'of every line' : `of ${a.query}`;
}

function textOf(a: StoredAlert, d: Decision): string {
  const head = `logharbor alert "${a.name}"`;
  const r = a.rule;
  let body: string;
  if (r.kind === 'any') {
    body = `${plural(d.count ?? 0, 'match')} ${matchesOf(a)}`;
  } else if (r.kind === 'threshold') {
    const within = formatDurationMs(r.withinMs);
    body =
      d.kind === 'firing'
        ? `FIRING: ${plural(d.count ?? 0, 'match')} ${matchesOf(a)} within ${within} (more than ${r.moreThan})`
        : `RESOLVED: ${r.moreThan} or fewer matches within ${within} again, after ${humanDuration(d.at - (d.since ?? d.at))} (${plural(d.count ?? 0, 'match')} in all)`;
  } else {
    body =
      d.kind === 'firing'
        ? `FIRING: no line from container ${r.container} for ${formatDurationMs(r.forMs)} (${d.lastSeen === null ? 'never seen' : `last line ${iso(d.lastSeen)}`})`
        : `RESOLVED: container ${r.container} logs again after ${humanDuration(d.at - (d.lastSeen ?? d.since ?? d.at))} of silence`;
  }
  const more =
    d.suppressed > 0
      ? ` (${d.suppressed} earlier episode${d.suppressed === 1 ? '' : 's'} not notified: min_interval)`
      : '';
  return `${head} ${body}${more}`;
}

function alertPart(a: StoredAlert): AlertPayload['alert'] {
  return { id: a.id, name: a.name, query: a.query, rule: ruleView(a.rule) };
}

export function payloadOf(a: StoredAlert, d: Decision): AlertPayload {
  return {
    kind: d.kind,
    alert: alertPart(a),
    text: textOf(a, d),
    at: new Date(d.at).toISOString(),
    count: d.count,
    samples: d.samples,
    since: iso(d.since),
    last_seen: iso(d.lastSeen),
    suppressed: d.suppressed,
  };
}

/** What "test" sends: the alert as it is, and no matches. */
export function testPayload(a: StoredAlert, now: number): AlertPayload {
  return {
    kind: 'test',
    alert: alertPart(a),
    text: `logharbor alert "${a.name}": test notification (${describeRule(ruleView(a.rule))}${a.query.trim() === '' ? '' : ` of ${a.query}`})`,
    at: new Date(now).toISOString(),
    count: null,
    samples: [],
    since: null,
    last_seen: null,
    suppressed: 0,
  };
}

const slackEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A sample as one line: time, container, message (first line of it). */
export function sampleLine(s: Sample): string {
  const time = s.received_at.slice(11, 19);
  const msg = s.message.split('\n', 1)[0]!;
  return `${time} ${s.container_name ?? '-'}: ${msg}`;
}

/** The body a webhook of `format` receives for notification `id`. */
export function webhookBody(format: WebhookFormat, id: string, p: AlertPayload): string {
  if (format === 'json') return JSON.stringify({ notification_id: id, ...p });
  let text = slackEscape(p.text);
  if (p.samples.length > 0) {
    // A sample's own ``` would end the block early.
    const lines = p.samples.map((s) => slackEscape(sampleLine(s)).replace(/`{3,}/g, "'''"));
    text += `\n\`\`\`\n${lines.join('\n')}\n\`\`\``;
  }
  return JSON.stringify({ text });
}
