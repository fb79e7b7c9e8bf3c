const b = Buffer.from('xx' + 'a'.repeat(64) + 'container_name' + '2024-05-01T12:00:00.123Z INFO GET /api/v1/items HTTP/1.1 200 user=alice took=12ms cache=miss request_id=0123456789abcdef');
const N = 2_000_000;
function t(name: string, fn: () => unknown) {
  for (let i = 0; i < 100000; i++) fn();
  const s = performance.now();
  let x: unknown;
  for (let i = 0; i < N; i++) x = fn();
  console.log(name.padEnd(30), ((performance.now() - s) * 1e6 / N).toFixed(1), 'ns', typeof x);
}
const u = b as unknown as { utf8Slice(s: number, e: number): string; latin1Slice(s: number, e: number): string; asciiSlice(s: number, e: number): string };
t('toString utf8 64', () => b.toString('utf8', 2, 66));
t('utf8Slice 64', () => u.utf8Slice(2, 66));
t('latin1Slice 64', () => u.latin1Slice(2, 66));
t('toString utf8 14', () => b.toString('utf8', 66, 80));
t('utf8Slice 14', () => u.utf8Slice(66, 80));
function fcc(buf: Buffer, s: number, e: number) { let r = ''; for (let i = s; i < e; i++) { const c = buf[i]!; if (c >= 0x80) return null; r += String.fromCharCode(c);} return r; }
t('fromCharCode concat 14', () => fcc(b, 66, 80));
function fcc2(buf: Buffer, s: number, e: number) { const len = e - s; if (len <= 8) {} return String.fromCharCode.apply(null, buf.subarray(s, e) as unknown as number[]); }
t('fromCharCode apply 14', () => fcc2(b, 66, 80));
t('utf8Slice 120', () => u.utf8Slice(80, b.length));
t('latin1Slice 120', () => u.latin1Slice(80, b.length));
function isAscii(buf: Buffer, s: number, e: number) { for (let i = s; i < e; i++) if (buf[i]! >= 0x80) return false; return true; }
t('ascii check 120', () => isAscii(b, 80, b.length));
const td = new TextDecoder();
t('TextDecoder 120', () => td.decode(b.subarray(80)));
