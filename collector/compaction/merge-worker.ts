/**
 * The merge thread's body (merge-thread.ts): merges what it is sent (merge.ts) and
 * answers with the encoded packs, or the error.
 */
import { parentPort } from 'node:worker_threads';
import { mergePacks, type MergeTask } from './merge.js';

parentPort!.on('message', (m: { id: number; task: MergeTask }) => {
  try {
    parentPort!.postMessage({ id: m.id, result: mergePacks(m.task) });
  } catch (e) {
    parentPort!.postMessage({ id: m.id, error: (e as Error).message });
  }
});
