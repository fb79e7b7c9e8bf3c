import { dockerRecords } from './lib/docker-records.js';
const lines = dockerRecords(65536, 11).map((r) => Buffer.from(r.log).toString());
const FULL_SHIFT = 32 - Math.log2(2 ** 18);
function mk(kind: number) {
  return class {
    readonly array = new Uint8Array(1 << 15);
    readonly scratch = Buffer.allocUnsafe(49152);
    readonly extra = 0;
    readonly shift = 14;
    add(message: string): number {
      const b = this.scratch;
      const len = b.utf8Write(message, 0);
      const a = this.array; const extra = this.extra; const shift = this.shift;
      if (len < 3) return 0;
      let t = (b[0]! << 8) | b[1]!;
      for (let i = 2; i < len; i++) { let c = b[i]!; if (c >= 0x41 && c <= 0x5a) c |= 0x20; t = ((t << 8) | c) & 0xffffff;
        const h = Math.imul(t, 0x9e3779b1 | 0);
        if (kind === 0) {
          let p = Math.imul(h, 0x85ebca77 | 0) >>> 14; a[p >> 3]! |= 1 << (p & 7);
          p = Math.imul(h, 0xc2b2ae3d | 0) >>> 14; a[p >> 3]! |= 1 << (p & 7);
          p = Math.imul(h, 0x27d4eb2f | 0) >>> 14; a[p >> 3]! |= 1 << (p & 7);
        } else if (kind === 1) {
          let p = Math.imul(h, 0x85ebca77 | 0) >>> 14 >>> extra; a[p >> 3]! |= 1 << (p & 7);
          p = Math.imul(h, 0xc2b2ae3d | 0) >>> 14 >>> extra; a[p >> 3]! |= 1 << (p & 7);
          p = Math.imul(h, 0x27d4eb2f | 0) >>> 14 >>> extra; a[p >> 3]! |= 1 << (p & 7);
        } else if (kind === 2) {
          let p = Math.imul(h, 0x85ebca77 | 0) >>> FULL_SHIFT >>> extra; a[p >> 3]! |= 1 << (p & 7);
          p = Math.imul(h, 0xc2b2ae3d | 0) >>> FULL_SHIFT >>> extra; a[p >> 3]! |= 1 << (p & 7);
          p = Math.imul(h, 0x27d4eb2f | 0) >>> FULL_SHIFT >>> extra; a[p >> 3]! |= 1 << (p & 7);
        } else {
          let p = Math.imul(h, 0x85ebca77 | 0) >>> shift; a[p >> 3]! |= 1 << (p & 7);
          p = Math.imul(h, 0xc2b2ae3d | 0) >>> shift; a[p >> 3]! |= 1 << (p & 7);
          p = Math.imul(h, 0x27d4eb2f | 0) >>> shift; a[p >> 3]! |= 1 << (p & 7);
        }
      }
      return 0;
    }
  };
}
const insts = [0, 1, 2, 3].map((k) => new (mk(k))());
const names = ['literal', 'literal>>>extra', 'moduleconst>>>extra', 'varshift'];
const res: Record<string, number> = {};
for (let rep = 0; rep < 9; rep++) insts.forEach((inst, k) => {
  const t0 = process.cpuUsage(); for (const l of lines) inst.add(l);
  const u = process.cpuUsage(t0); const ns = (u.user + u.system) * 1000 / lines.length; res[names[k]!] = Math.min(res[names[k]!] ?? 1e9, ns);
});
console.log(res);
