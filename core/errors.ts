/**
 * Every error code logharbor reports, defined once (as fastify's lib/errors.js does).
 * A test checks each code is unique and listed in the README.
 */

export interface ErrorDef {
  code: string;
  status: number;
  message: string;
}

function def(code: string, status: number, message: string): ErrorDef {
  return { code, status, message };
}

export const Errors = {
  CONFIG_INVALID: def('LH_CONFIG_INVALID', 500, 'invalid configuration'),
  BAD_REQUEST: def('LH_BAD_REQUEST', 400, 'bad request'),
  QUERY_SYNTAX: def('LH_QUERY_SYNTAX', 400, 'query syntax error'),
  QUERY_TOO_LONG: def('LH_QUERY_TOO_LONG', 400, 'query too long'),
  QUERY_TIMEOUT: def('LH_QUERY_TIMEOUT', 503, 'query took too long'),
  UNAUTHORIZED: def('LH_UNAUTHORIZED', 401, 'missing or wrong API token'),
  NOT_FOUND: def('LH_NOT_FOUND', 404, 'not found'),
  NOT_READY: def('LH_NOT_READY', 503, 'not ready'),
  INTERNAL: def('LH_INTERNAL', 500, 'internal error'),
  FORWARD_DECODE: def('LH_FORWARD_DECODE', 400, 'forward protocol decode error'),
  FORWARD_FRAME_TOO_LARGE: def(
    'LH_FORWARD_FRAME_TOO_LARGE',
    400,
    'forward request over the size limit',
  ),
  FORWARD_DECOMPRESS_LIMIT: def(
    'LH_FORWARD_DECOMPRESS_LIMIT',
    400,
    'decompressed size over the limit',
  ),
  FORWARD_AUTH: def('LH_FORWARD_AUTH', 401, 'forward handshake failed'),
  SYSLOG_FRAME: def('LH_SYSLOG_FRAME', 400, 'syslog framing error'),
  CONNECTION_LIMIT: def('LH_CONNECTION_LIMIT', 503, 'too many connections'),
  IDLE_TIMEOUT: def('LH_IDLE_TIMEOUT', 408, 'connection idle too long'),
  PEER_CONNECTION_LIMIT: def('LH_PEER_CONNECTION_LIMIT', 503, 'too many connections from one peer'),
  REQUEST_TIMEOUT: def('LH_REQUEST_TIMEOUT', 408, 'request not completed in time'),
  RATE_LIMITED: def('LH_RATE_LIMITED', 429, 'too many requests'),
  TLS_HANDSHAKE: def('LH_TLS_HANDSHAKE', 401, 'TLS handshake failed'),
  HOST_NOT_ALLOWED: def('LH_HOST_NOT_ALLOWED', 421, 'host not allowed'),
  ORIGIN_NOT_ALLOWED: def('LH_ORIGIN_NOT_ALLOWED', 403, 'origin not allowed'),
  NOT_JSON: def('LH_NOT_JSON', 415, 'state-changing requests take a JSON body'),
} as const satisfies Record<string, ErrorDef>;

/** An error that carries one of the codes above, and optionally the column of a bad token. */
export class LogharborError extends Error {
  readonly code: string;
  readonly status: number;
  readonly column: number | undefined;

  constructor(defn: ErrorDef, detail?: string, column?: number) {
    super(detail ? `${defn.message}: ${detail}` : defn.message);
    this.name = 'LogharborError';
    this.code = defn.code;
    this.status = defn.status;
    this.column = column;
  }
}
