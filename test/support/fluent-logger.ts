/**
 * npm `fluent-logger` (CommonJS, no types) as the tests use it: a sender of plain records
 * whose callback reports the ack (or the error). `on` works because the sender delegates
 * the EventEmitter methods (node_modules/fluent-logger/lib/sender.js, end of file). Tests
 * that need its EventTime or timestamped emit type their own view
 * (test/integration/forward/fluent-logger.test.ts).
 */
import { createRequire } from 'node:module';

export interface Sender {
  emit(label: string, data: Record<string, unknown>, cb: (err?: Error) => void): void;
  end(): void;
  on(ev: string, cb: (e: Error) => void): void;
}

const require = createRequire(import.meta.url);
const fluent = require('fluent-logger') as {
  createFluentSender(prefix: string, opts: Record<string, unknown>): Sender;
};

export function createFluentSender(prefix: string, opts: Record<string, unknown>): Sender {
  return fluent.createFluentSender(prefix, opts);
}
