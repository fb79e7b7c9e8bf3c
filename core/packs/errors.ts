/**
 * What a pack reader throws for `data` it cannot trust: a wrong magic or version, a
 * checksum that does not match, a section cut short or running past its end, a value out of
 * its range. Never a record built from such bytes (the checksums are checked before any
 * column is read).
 */
export class PackFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`pack: ${message}`, options);
    this.name = 'PackFormatError';
  }
}
