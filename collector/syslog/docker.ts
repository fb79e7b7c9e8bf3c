/**
 * What a syslog message says about the Docker container that wrote it.
 *
 * Docker's syslog driver (moby daemon/logger/syslog, srslog formatters) sends, for every
 * syslog-format:
 *
 *   unset        <PRI>Jan _2 15:04:05 TAG[PID]: MSG                 (no hostname)
 *   rfc3164      <PRI>Jan _2 15:04:05 HOST TAG[PID]: MSG
 *   rfc5424      <PRI>1 2006-01-02T15:04:05Z07:00 HOST TAG PID TAG - MSG
 *   rfc5424micro <PRI>1 2006-01-02T15:04:05.000000Z07:00 HOST TAG PID TAG - MSG
 *
 * PID is dockerd's, the same for every container. TAG is the `tag` log option, by default
 * "{{.ID}}" (12 hex digits). Severity is info (6) for stdout and err (3) for stderr,
 * whatever the line says: it is the stream, not a level (record.ts takes the level from
 * the line instead). The facility is daemon (3) unless `syslog-facility` says otherwise.
 * No labels, env or stream field is ever sent.
 *
 * Heuristics (all documented in tests):
 *  - A TAG segment (split on '/') of exactly 12 or 64 lowercase hex digits is the
 *    container ID ({{.ID}}, {{.FullID}}).
 *  - The segment just before that ID is the container name when it is a valid Docker
 *    name ([a-zA-Z0-9][a-zA-Z0-9_.-]*), so "{{.Name}}/{{.ID}}" and
 *    "{{.ImageName}}/{{.Name}}/{{.ID}}" map; "{{.ImageName}}/{{.ID}}" with an untagged
 *    image name ("nginx/<id>") would wrongly give the image as the name. A tag without
 *    an ID ("{{.Name}}") gives no name: nothing tells it apart from any program's tag.
 *  - The message is Docker's when its TAG holds an ID and it has Docker's shape (RFC 3164
 *    "TAG[PID]:" with a numeric PID, or RFC 5424 with APP-NAME = MSGID and a numeric
 *    PROCID), or, without an ID in the tag, when it is RFC 5424 with that shape and the
 *    daemon facility. Only then is the stream read from the severity.
 */
import type { SyslogMessage } from './message.js';

export interface DockerSyslogFields {
  /** Docker's tag as the user configured it. */
  tag: string;
  /** 12 or 64 hex digits, as the tag carried it. */
  containerId: string | null;
  /** Without Docker's leading slash. */
  containerName: string | null;
  stream: 'stdout' | 'stderr' | null;
}

const DAEMON = 3;
const SEVERITY_INFO = 6;
const SEVERITY_ERR = 3;

const ID = /^(?:[0-9a-f]{12}|[0-9a-f]{64})$/;
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const PID = /^[0-9]+$/;

function dockerShape(m: SyslogMessage): boolean {
  if (m.appName === null || m.procId === null || !PID.test(m.procId)) return false;
  if (m.format === 'rfc3164') return true;
  return m.format === 'rfc5424' && m.msgId === m.appName;
}

/** The Docker fields of a message, or null when it does not look like Docker's. */
export function dockerFields(m: SyslogMessage): DockerSyslogFields | null {
  const tag = m.appName;
  if (tag === null || !dockerShape(m)) return null;
  const segments = tag.split('/');
  let idIndex = -1;
  for (let i = segments.length - 1; i >= 0; i--) {
    if (ID.test(segments[i] ?? '')) {
      idIndex = i;
      break;
    }
  }
  if (idIndex < 0 && !(m.format === 'rfc5424' && m.facility === DAEMON)) return null;
  const before = idIndex > 0 ? segments[idIndex - 1] : undefined;
  return {
    tag,
    containerId: idIndex >= 0 ? (segments[idIndex] ?? null) : null,
    containerName: before !== undefined && NAME.test(before) ? before : null,
    stream: m.severity === SEVERITY_INFO ? 'stdout' : m.severity === SEVERITY_ERR ? 'stderr' : null,
  };
}
