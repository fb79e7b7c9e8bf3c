/** Reads logharbor's /metrics (Prometheus text format). */
async function metricsText(http: string): Promise<string> {
  return (await fetch(`${http}/metrics`)).text();
}

/** The sum of every series of `name` whose labels contain `labels` (e.g. `listener="syslog-udp"`). */
export async function metric(http: string, name: string, labels = ''): Promise<number> {
  const text = await metricsText(http);
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})? ([0-9.e+]+)$`, 'gm'))) {
    if (!labels || (m[1] ?? '').includes(labels)) sum += Number(m[2]);
  }
  return sum;
}

/** Waits until `logharbor_events_written_total` reaches `n`; returns when it did. */
export async function waitWritten(http: string, n: number, timeoutMs = 600_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if ((await metric(http, 'logharbor_events_written_total')) >= n) return performance.now();
    if (Date.now() > until)
      throw new Error(
        `only ${await metric(http, 'logharbor_events_written_total')} of ${n} written`,
      );
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
