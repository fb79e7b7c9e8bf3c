/** Reads logharbor's /metrics (Prometheus text format). */
async function metricsText(http: string): Promise<string> {
  return (await fetch(`${http}/metrics`)).text();
}

/** The sum of every series of `name` whose labels contain `labels` (e.g. `listener="syslog-udp"`). */
export async function metric(http: string, name: string, labels = ''): Promise<number> {
  return sumOf(await metricsText(http), name, labels);
}

function sumOf(text: string, name: string, labels = ''): number {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})? ([0-9.e+]+)$`, 'gm'))) {
    if (!labels || (m[1] ?? '').includes(labels)) sum += Number(m[2]);
  }
  return sum;
}

/**
 * Waits until `logharbor_events_written_total` reaches `n`; returns when it did. Lines the
 * multi-line joiner (collector/multiline/) joined are one record each, so the count may
 * stop short of `n`: once nothing is waiting (spool and writer queue empty) and neither
 * the events received nor those written have moved for `quietMs`, it returns when the
 * count last moved.
 */
export async function waitWritten(
  http: string,
  n: number,
  timeoutMs = 600_000,
  quietMs = 2000,
): Promise<number> {
  const until = Date.now() + timeoutMs;
  let last = '';
  let changed = performance.now();
  for (;;) {
    const text = await metricsText(http);
    const written = sumOf(text, 'logharbor_events_written_total');
    if (written >= n) return performance.now();
    const state = `${written} ${sumOf(text, 'logharbor_events_received_total')}`;
    if (state !== last) {
      last = state;
      changed = performance.now();
    } else if (
      performance.now() - changed >= quietMs &&
      sumOf(text, 'logharbor_spool_waiting_requests') === 0 &&
      sumOf(text, 'logharbor_writer_queue_records') === 0
    )
      return changed;
    if (Date.now() > until) throw new Error(`only ${written} of ${n} written`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until `logharbor_events_written_total` has not moved for `quietMs`; returns it. */
export async function waitQuiet(http: string, quietMs = 2000): Promise<number> {
  let last = -1;
  let since = Date.now();
  for (;;) {
    const n = await metric(http, 'logharbor_events_written_total');
    if (n !== last) {
      last = n;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return n;
    await new Promise((r) => setTimeout(r, 100));
  }
}
