/**
 * The tail's messages (docs/architecture.md, "The API") and the runtime guard on what a client
 * sends.
 */
import { describe, expect, it } from 'vitest';
import {
  droppedMessage,
  errorMessage,
  parseClientMessage,
  recordsMessage,
} from '../../../api/tail/messages.js';

describe('tail messages', () => {
  it('assembles records from already-encoded JSON', () => {
    const m = recordsMessage(['{"id":"1"}', '{"id":"2"}']);
    expect(JSON.parse(m)).toEqual({ type: 'records', records: [{ id: '1' }, { id: '2' }] });
    expect(JSON.parse(recordsMessage([]))).toEqual({ type: 'records', records: [] });
  });

  it('writes dropped and error notices', () => {
    expect(JSON.parse(droppedMessage(3))).toEqual({ type: 'dropped', count: 3 });
    expect(JSON.parse(errorMessage({ code: 'LH_X', message: 'm', column: 4 }))).toEqual({
      type: 'error',
      code: 'LH_X',
      message: 'm',
      column: 4,
    });
    expect(JSON.parse(errorMessage({ code: 'LH_X', message: 'm', column: undefined }))).toEqual({
      type: 'error',
      code: 'LH_X',
      message: 'm',
    });
  });

  it('accepts pause and resume only', () => {
    expect(parseClientMessage('{"type":"pause"}')).toEqual({ type: 'pause' });
    expect(parseClientMessage('{"type":"resume","extra":1}')).toEqual({ type: 'resume' });
    for (const bad of [
      '',
      'null',
      '[]',
      '"pause"',
      '{"type":1}',
      '{"kind":"pause"}',
      '{"type":"PAUSE"}',
      '{',
    ]) {
      expect(parseClientMessage(bad), bad).toBeNull();
    }
  });
});
