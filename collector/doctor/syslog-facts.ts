/**
 * Traits of a syslog sender, read from one parsed message and the bytes of its header
 * (RFC 5424 section 6, RFC 3164 section 4.1). Pure and O(1): only the header is read.
 *
 * Docker's syslog driver (collector/syslog/docker.ts) sends, by `syslog-format`:
 *
 *   unset        <PRI>Jan _2 15:04:05 TAG[PID]: MSG              no hostname, year, zone, fraction
 *   rfc3164      <PRI>Jan _2 15:04:05 HOST TAG[PID]: MSG         no year, zone, fraction
 *   rfc5424      <PRI>1 2006-01-02T15:04:05Z07:00 HOST TAG ...   no fraction
 *   rfc5424micro <PRI>1 2006-01-02T15:04:05.000000Z07:00 HOST ...  everything
 *
 * and TAG is the `tag` log-opt, by default {{.ID}} (12 hex digits).
 */
import { dockerFields } from '../syslog/docker.js';
import type { SyslogMessage } from '../syslog/message.js';
import {
  clip,
  type Facts,
  type SenderIdentity,
  type TraitValue,
} from '../../core/doctor/traits.js';

const SP = 0x20;
const DAEMON = 3;
const PID = /^[0-9]+$/;

export interface TimeShape {
  present: boolean;
  year: boolean;
  fraction: boolean;
  zone: boolean;
}

const NO_TIME: TimeShape = { present: false, year: false, fraction: false, zone: false };

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

function tokenEnd(buf: Uint8Array, pos: number): number {
  let i = pos;
  while (i < buf.length && buf[i] !== SP && buf[i] !== 0x0a) i++;
  return i;
}

/** An RFC 3339 timestamp token buf[start, end) (RFC 5424 section 6.2.3; rsyslog's BSD header). */
function rfc3339Shape(buf: Uint8Array, start: number, end: number): TimeShape {
  const t = start + 10;
  let fraction = false;
  let zone = false;
  for (let i = t; i < end; i++) {
    const c = buf[i];
    if (c === 0x2e) fraction = true;
    if (c === 0x5a || c === 0x7a || c === 0x2b || c === 0x2d) zone = true;
  }
  return { present: true, year: true, fraction, zone };
}

/** RFC 3164's "Mmm dd hh:mm:ss", with the variants readBsdTimestamp accepts (a year, a fraction). */
function bsdShape(buf: Uint8Array, start: number): TimeShape {
  let i = start + 4;
  if (buf[i] === SP) i++;
  while (isDigit(buf[i])) i++;
  i++; // the space after the day
  let year = false;
  if (buf[i + 4] === SP && isDigit(buf[i]) && isDigit(buf[i + 3])) {
    year = true;
    i += 5;
  }
  return { present: true, year, fraction: buf[i + 8] === 0x2e, zone: false };
}

/** Where the header's timestamp is and what it holds; `format` as the parser decided. */
export function syslogTimeShape(frame: Uint8Array, m: Pick<SyslogMessage, 'format'>): TimeShape {
  if (m.format === 'unknown' || frame[0] !== 0x3c) return NO_TIME;
  let i = 1;
  while (i < 5 && isDigit(frame[i])) i++;
  if (frame[i] !== 0x3e) return NO_TIME;
  i++;
  if (m.format === 'rfc5424') {
    i = tokenEnd(frame, i) + 1; // VERSION
    if (frame[i] === 0x2d) return NO_TIME; // NILVALUE
    return rfc3339Shape(frame, i, tokenEnd(frame, i));
  }
  if (frame[i] === SP) i++;
  return isDigit(frame[i]) ? rfc3339Shape(frame, i, tokenEnd(frame, i)) : bsdShape(frame, i);
}

/**
 * Whether the message has the shape of Docker's syslog driver: a container ID in the tag
 * (dockerFields), or, when the `tag` log-opt left the ID out, RFC 3164's "TAG[PID]:" with
 * a numeric PID and the daemon facility Docker uses by default.
 */
export function looksLikeDocker(m: SyslogMessage): boolean {
  if (dockerFields(m) !== null) return true;
  return (
    m.format === 'rfc3164' &&
    m.facility === DAEMON &&
    m.procId !== null &&
    PID.test(m.procId) &&
    m.appName !== null
  );
}

/** Traits of one syslog message. */
export function syslogFacts(frame: Uint8Array, m: SyslogMessage): Facts {
  const shape = syslogTimeShape(frame, m);
  const docker = looksLikeDocker(m);
  const fields = docker ? dockerFields(m) : null;
  let containerTag: TraitValue<'container_tag'> | undefined;
  if (docker)
    containerTag = fields?.containerId ? (fields.containerName ? 'id-name' : 'id') : 'none';
  return {
    format: m.format,
    hostname: m.hostname !== null ? 'yes' : 'no',
    time: !shape.present ? 'none' : shape.fraction ? 'fraction' : 'seconds',
    year: shape.present ? (shape.year ? 'yes' : 'no') : undefined,
    zone: shape.present ? (shape.zone ? 'yes' : 'no') : undefined,
    docker: docker ? 'yes' : 'no',
    container_tag: containerTag,
  };
}

/** Who sent the message (computed once per sender and flush window). */
export function syslogSender(m: SyslogMessage): SenderIdentity {
  const fields = dockerFields(m);
  const containerId = clip(fields?.containerId ?? null);
  const containerName = clip(fields?.containerName ?? null);
  const tag = clip(m.appName);
  const host = clip(m.hostname);
  let sender: string;
  if (containerName) sender = `container:${containerName}`;
  else if (containerId) sender = `id:${containerId}`;
  else if (tag) sender = `app:${tag}${host ? `@${host}` : ''}`;
  else if (host) sender = `host:${host}`;
  else sender = 'unknown';
  return { source: 'syslog', sender, containerId, containerName, tag, host };
}
