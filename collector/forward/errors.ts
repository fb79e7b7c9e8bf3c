/**
 * Decode errors of the forward protocol, classed as Vector's fluent source does:
 *
 *   fatal: true   the byte stream can no longer be trusted (bad framing, a request that is
 *                 not `[tag, ...]`): close the connection, ack nothing more.
 *   fatal: false  one well-framed request is unusable as a whole (corrupt gzip, over the
 *                 decompressed-size or event-count limit): drop that request (no ack), the
 *                 connection stays in sync and may go on.
 *
 * A single bad event is not an error at all: it is listed in `ForwardRequest.skipped`, as
 * Fluentd's in_forward skips invalid events.
 */
import { Errors, LogharborError, type ErrorDef } from '../../core/errors.js';

export class ForwardDecodeError extends LogharborError {
  readonly fatal: boolean;

  constructor(message: string, fatal: boolean, defn: ErrorDef = Errors.FORWARD_DECODE) {
    super(defn, message);
    this.name = 'ForwardDecodeError';
    this.fatal = fatal;
  }
}

/** A request (frame) larger than `maxFrameBytes`: always fatal, the stream cannot resync. */
export function frameTooLarge(limit: number): ForwardDecodeError {
  return new ForwardDecodeError(
    `request exceeds ${limit} bytes`,
    true,
    Errors.FORWARD_FRAME_TOO_LARGE,
  );
}
