import { blocksOf, countFp, evalBlock, pct } from './lib/bloom-eval.js';
import { dockerRecords, rng } from './lib/docker-records.js';
import { variedLines } from './lib/varied-lines.js';
const docker = dockerRecords(16 * 4096, 11).map((r) => r.log);
const varied = variedLines(16 * 4096, 11);
const r = rng(5);
const pick = (lines: string[], n: number) => Array.from({ length: n }, () => lines[Math.floor(r() * lines.length)]!);
const ts = pick(docker, 60).map((l) => l.slice(0, 24));
const ids = pick(docker, 60).map((l) => l.slice(l.lastIndexOf(' ') + 1) + ' ');
const tokens = pick(varied.filter((l) => l.includes('token=')), 60).map((l) => /token=(\w+)/.exec(l)![1]!);
const rare = ['segfault', 'deadlock', 'panic: runtime', 'x509', 'unmarshal', 'nullpointer', 'kafka', 'oomkilled', 'certificate expired', 'broken pipe', 'sigterm', 'goroutine'];
for (const [k, f] of [[2, 0.3], [2, 0.2], [3, 0.3], [3, 0.4], [3, 0.5], [4, 0.4]]) {
  for (const rows of [4096, 1024]) {
  const db = blocksOf(docker, rows).map((b) => evalBlock(b, k!, f!));
  const vb = blocksOf(varied, rows).map((b) => evalBlock(b, k!, f!));
  const c = (bl: typeof db, n: string[]) => { const x = countFp(bl, n, k!); return `${pct(x.falsePass, x.without)} (trig ${pct(x.trigramPass, x.without)})`; };
  const avg = (bl: typeof db) => (bl.reduce((s, b) => s + b.bloom.length, 0) / bl.length).toFixed(0);
  console.log(`k=${k} fill<=${f} rows=${rows} | docker B ${avg(db)} ts ${c(db, ts)} ids ${c(db, ids)} | varied B ${avg(vb)} rare ${c(vb, rare)} tokens ${c(vb, tokens)}`);
  }
}
