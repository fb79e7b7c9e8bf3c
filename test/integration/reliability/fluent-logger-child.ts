/**
 * The fluent-logger loads in their own process, as a real application would run them:
 * fluent-logger 3.4.1 can throw from a socket callback when the server goes away with a
 * write pending (`TypeError: Cannot read properties of null (reading 'once')` at
 * sender.js `_doWrite`, the write callback reaching for a socket `_disconnect` already
 * dropped), which in the test runner's process would be an unhandled error. Here such
 * a crash is reported to the parent and counted, and the loads go on.
 *
 * IPC: argv[2] is the JSON list of FluentLoadOptions; the child sends
 * `{type: 'acks', load, times}` as acks come, `{type: 'crash', error}`, and after the
 * parent's `{type: 'finish', timeoutMs}` one `{type: 'result', loads}`, then exits.
 */
import { FluentLoggerLoad, type FluentLoadOptions } from './fluent-logger-load.js';

const send = (m: unknown) => process.send?.(m);

process.on('uncaughtException', (e) => send({ type: 'crash', error: e.stack ?? String(e) }));

const loads = (JSON.parse(process.argv[2] ?? '[]') as FluentLoadOptions[]).map(
  (o) => new FluentLoggerLoad(o),
);
const reported = loads.map(() => 0);
const progress = setInterval(() => {
  loads.forEach((l, i) => {
    if (l.ackTimes.length > reported[i]!) {
      send({ type: 'acks', load: i, times: l.ackTimes.slice(reported[i]) });
      reported[i] = l.ackTimes.length;
    }
  });
}, 50);
for (const l of loads) l.start();

process.on('message', (m: { type?: string; timeoutMs?: number }) => {
  if (m.type !== 'finish') return;
  void Promise.all(loads.map((l) => l.finish(m.timeoutMs ?? 0))).then(() => {
    clearInterval(progress);
    for (const l of loads) l.close();
    send({ type: 'result', loads: loads.map((l) => l.result()) });
    process.disconnect();
  });
});
