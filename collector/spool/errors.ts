/**
 * Errors of the spool. Each carries a stable `code`; they are not in core/errors.ts because they
 * never reach an HTTP client: a listener that gets SpoolFullError pauses or drops, and the
 * telemetry module reports the rest.
 */

/** Why appends are refused: over `maxBytes`, no room on the device for the next segment, or a
 * failed write or sync being retried. */
export type FullReason = 'bytes' | 'disk' | 'error';

/** An append refused because the spool is full (see FullReason); wait for 'space'. */
export class SpoolFullError extends Error {
  readonly code = 'LH_SPOOL_FULL';
  constructor(
    readonly reason: FullReason,
    detail: string,
  ) {
    super(`spool full (${reason}): ${detail}`);
    this.name = 'SpoolFullError';
  }
}

/** An append after close(), or a durable promise still pending when close() gave up. */
export class SpoolClosedError extends Error {
  readonly code = 'LH_SPOOL_CLOSED';
  constructor(detail = 'spool is closed') {
    super(detail);
    this.name = 'SpoolClosedError';
  }
}

/** A payload that cannot fit in one segment: the caller must split it or refuse it. */
export class SpoolRecordTooLargeError extends RangeError {
  readonly code = 'LH_SPOOL_RECORD_TOO_LARGE';
  constructor(bytes: number, limit: number) {
    super(`spool record of ${bytes} bytes exceeds the segment size ${limit}`);
    this.name = 'SpoolRecordTooLargeError';
  }
}

/** A file-system call that failed, with the operation and the path it was about. */
export class SpoolIoError extends Error {
  readonly code = 'LH_SPOOL_IO';
  /** The errno name (ENOSPC, EIO, ...) when there is one. */
  readonly errno: string | undefined;
  constructor(op: string, path: string, cause: unknown) {
    const errno = (cause as NodeJS.ErrnoException | null)?.code;
    const what = errno === 'ENOSPC' || errno === 'EDQUOT' ? 'no space left on device' : 'failed';
    super(`spool: ${op} ${path}: ${what} (${errno ?? String(cause)})`, { cause });
    this.name = 'SpoolIoError';
    this.errno = errno;
  }

  get noSpace(): boolean {
    return this.errno === 'ENOSPC' || this.errno === 'EDQUOT';
  }
}

/** Runs `fn`, turning any failure into a SpoolIoError naming `op` and `path`. */
export async function io<T>(op: string, path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw err instanceof SpoolIoError ? err : new SpoolIoError(op, path, err);
  }
}
