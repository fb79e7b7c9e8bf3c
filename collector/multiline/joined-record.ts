/**
 * The record a joined message is stored as: the first line's record (time, receivedAt,
 * container, stream, tag, attrs...) with the lines' text joined by "\n" and
 * `attrs.multiline_parts` = how many lines. Severity: the first line's; if it has none,
 * the most severe a later line states (a JSON or logfmt line inside the message, a
 * syslog PRI); never one guessed from the text (a stack trace is not an error level by
 * itself: logharbor takes levels from what the lines say, docs/architecture.md "The record").
 */
import type { Attrs, LogRecord } from '../../core/record.js';
import type { MultilineKind } from './machine.js';

export interface JoinMarks {
  kind: MultilineKind;
  /** 1, 2, ... when a message was cut into pieces at maxLines/maxBytes; 0 otherwise. */
  piece: number;
  /** Closed by a memory bound rather than by its stream: later lines may be in another record. */
  forced: boolean;
}

export function joinedRecord(lines: readonly LogRecord[], marks: JoinMarks): LogRecord {
  const first = lines[0]!;
  let message = first.message;
  let severity = first.severity;
  let lossy = first.attrs?.raw_base64 !== undefined;
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    message += '\n' + l.message;
    if (first.severity === null && l.severity !== null)
      severity = severity === null ? l.severity : Math.min(severity, l.severity);
    if (l.attrs?.raw_base64 !== undefined) lossy = true;
  }
  const { raw_base64: _firstRaw, ...rest } = first.attrs ?? {};
  const attrs: Attrs = { ...rest, multiline_parts: lines.length, multiline_kind: marks.kind };
  if (marks.piece > 0) attrs.multiline_piece = marks.piece;
  if (marks.forced) attrs.multiline_forced = true;
  // A line that was not valid UTF-8 keeps its bytes (as the normalizer does): the joined
  // bytes are every line's own bytes with "\n" between.
  if (lossy) attrs.raw_base64 = joinedRaw(lines).toString('base64');
  return { ...first, message, severity, attrs };
}

function joinedRaw(lines: readonly LogRecord[]): Buffer {
  const parts: Buffer[] = [];
  lines.forEach((l, i) => {
    if (i > 0) parts.push(NEWLINE);
    const raw = l.attrs?.raw_base64;
    parts.push(
      typeof raw === 'string' ? Buffer.from(raw, 'base64') : Buffer.from(l.message, 'utf8'),
    );
  });
  return Buffer.concat(parts);
}

const NEWLINE = Buffer.from('\n');
