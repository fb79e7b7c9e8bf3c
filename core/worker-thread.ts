/**
 * Starting a worker thread (node:worker_threads) from a module beside the caller: the
 * compiled .js when the caller runs compiled (npm start), the .ts source through tsx
 * when it runs from source (tests, bench), since a worker does not inherit the loader.
 */
import { Worker, workerData } from 'node:worker_threads';

/** A worker running `<name>.js` (or `.ts`) from the folder of the module at `callerUrl`. */
export function startWorker(callerUrl: string, name: string, data?: unknown): Worker {
  if (callerUrl.endsWith('.js'))
    return new Worker(new URL(`./${name}.js`, callerUrl), { workerData: { data } });
  const boot = `const { workerData } = require('node:worker_threads');
import(workerData.tsx).then((m) => { m.register(); return import(workerData.entry); });`;
  return new Worker(boot, {
    eval: true,
    workerData: {
      tsx: import.meta.resolve('tsx/esm/api'),
      entry: new URL(`./${name}.ts`, callerUrl).href,
      data,
    },
  });
}

/** Inside a worker: the `data` it was started with. */
export function workerInput<T>(): T {
  return (workerData as { data: T }).data;
}
