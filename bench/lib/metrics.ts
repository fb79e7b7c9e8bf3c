/** Reads one counter from logharbor's /metrics. */
export async function metric(http: string, name: string): Promise<number> {
  const text = await (await fetch(`${http}/metrics`)).text();
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
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
