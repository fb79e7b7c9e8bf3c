/** Decoding helpers shared by the decode tests. */
import { expect } from 'vitest';
import { decodeRequest } from '../../../collector/forward/decode.js';
import { ForwardDecodeError } from '../../../collector/forward/errors.js';
import type { DecodeLimits } from '../../../collector/forward/types.js';
import { arr, cat, limits, pack, str } from '../../support/msgpack-bytes.js';

export const decode = (frame: Buffer, l: DecodeLimits = limits) =>
  decodeRequest(frame, 'msgpack', l);

/** The error decode throws for `frame`, checked to be a ForwardDecodeError. */
export function decodeError(frame: Buffer, l: DecodeLimits = limits): ForwardDecodeError {
  try {
    decode(frame, l);
  } catch (e) {
    expect(e).toBeInstanceOf(ForwardDecodeError);
    return e as ForwardDecodeError;
  }
  throw new Error('decode did not throw');
}

/** A Docker-shaped record. */
export const record = {
  container_id: 'c'.repeat(64),
  container_name: '/web',
  source: 'stdout',
  log: 'hi',
};

/** A Message request with this encoded time. */
export const messageWithTime = (time: Buffer) => cat(arr(3), str('app'), time, pack(record));
