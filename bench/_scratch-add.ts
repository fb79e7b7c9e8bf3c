import { BloomBuilder } from '../core/trigram-bloom.js';
import { dockerRecords } from './lib/docker-records.js';
const lines = dockerRecords(65536, 11).map((r) => Buffer.from(r.log).toString());
const arr = new Uint8Array(1 << 15);
const scratch = Buffer.alloc(65536);
function Bbuf(s: string) { const len = scratch.utf8Write(s, 0); const b = scratch; let t = 0; const a = arr;
  if (len < 3) return 0; t = (b[0]! << 8) | b[1]!;
  for (let i = 2; i < len; i++) { let c = b[i]!; if (c >= 0x41 && c <= 0x5a) c |= 0x20; t = ((t << 8) | c) & 0xffffff;
    const h = Math.imul(t, 0x9e3779b1 | 0);
    let p = Math.imul(h, 0x85ebca77 | 0) >>> 14; a[p >> 3]! |= 1 << (p & 7);
    p = Math.imul(h, 0xc2b2ae3d | 0) >>> 14; a[p >> 3]! |= 1 << (p & 7);
    p = Math.imul(h, 0x27d4eb2f | 0) >>> 14; a[p >> 3]! |= 1 << (p & 7); } return 0; }
function Bwrite(s: string) { const len = scratch.write(s, 0, 'utf8'); const b = scratch; let t = 0; const a = arr;
  if (len < 3) return 0; t = (b[0]! << 8) | b[1]!;
  for (let i = 2; i < len; i++) { let c = b[i]!; if (c >= 0x41 && c <= 0x5a) c |= 0x20; t = ((t << 8) | c) & 0xffffff;
    const h = Math.imul(t, 0x9e3779b1 | 0);
    let p = Math.imul(h, 0x85ebca77 | 0) >>> 14; a[p >> 3]! |= 1 << (p & 7);
    p = Math.imul(h, 0xc2b2ae3d | 0) >>> 14; a[p >> 3]! |= 1 << (p & 7);
    p = Math.imul(h, 0x27d4eb2f | 0) >>> 14; a[p >> 3]! |= 1 << (p & 7); } return 0; }
function writeOnly(s: string) { return scratch.utf8Write(s, 0); }
function loopOnly(s: string) { const len = scratch.utf8Write(s, 0); const b = scratch; let t = 0, x = 0; for (let i = 0; i < len; i++) { let c = b[i]!; if (c >= 0x41 && c <= 0x5a) c |= 0x20; t = ((t << 8) | c) & 0xffffff; x ^= t; } return x; }
const bb = new BloomBuilder();
const res: Record<string, number> = {};
for (let rep = 0; rep < 7; rep++) for (const [name, f] of [['builder', (s: string) => bb.add(s)], ['Bbuf', Bbuf], ['Bwrite', Bwrite], ['writeOnly', writeOnly], ['loopOnly', loopOnly]] as const) {
  const t0 = process.hrtime.bigint(); let x = 0; for (const l of lines) x ^= (f(l) as number) | 0;
  const ns = Number(process.hrtime.bigint() - t0) / lines.length; res[name] = Math.min(res[name] ?? 1e9, ns);
}
console.log(res);
