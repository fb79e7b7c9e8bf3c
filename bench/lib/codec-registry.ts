/**
 * The compressors bench/codecs.ts races on pack sections (core/packs/format.ts), each as
 * `compress(raw, kind)` / `decompress(stored, rawLength)` over one whole section:
 *
 * - Node 20's zlib through core/packs/codec.ts itself (raw deflate; brotli with MODE_TEXT for
 *   text sections, the window sized to the section, a size hint): exactly what encodePack
 *   stores, so their packs are also encoded by encodePack and read back by PackReader.
 * - zstd through the npm package `zstd-napi` (the zstd C library built by node-gyp from the
 *   sources inside the package; .prebuild-installrc forbids the prebuilt download), its
 *   low-level binding with reused contexts.
 * - lz4 through the npm package `lz4` (node-lz4: the lz4 C sources inside the package, built
 *   by node-gyp at install, nothing downloaded), block format: fast and HC.
 *
 * zstd-napi and lz4 are loaded from the project's node_modules or else from
 * .bench/codec-candidates/ (`npm install --prefix .bench/codec-candidates lz4@0.6.5`), so
 * that measuring a candidate never touches package.json. Modules loaded at run time are
 * typed here by the few calls made on them.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CODECS, type SectionKind } from '../../core/packs/codec.js';
import { ROOT } from '../../dev/build.js';

export interface Codec {
  /** e.g. `zstd-3`, `brotli-5`, `deflate-1`, `lz4hc-9`. */
  name: string;
  family: 'none' | 'deflate' | 'brotli' | 'zstd' | 'lz4';
  level: number;
  /** Where the implementation comes from, e.g. `zstd-napi 0.0.13 (zstd 1.5.7)`. */
  impl: string;
  /** True when core/packs/codec.ts has it (encodePack and PackReader can be timed). */
  core: boolean;
  compress(raw: Buffer, kind: SectionKind): Buffer;
  decompress(stored: Buffer, rawLength: number): Buffer;
}

export interface Loaded<T> {
  mod: T;
  version: string;
  /** `project` (package.json) or `candidates` (.bench/codec-candidates). */
  from: string;
}

const CANDIDATES = path.join(ROOT, '.bench', 'codec-candidates');

/** `name` from the project's node_modules, else from .bench/codec-candidates; null if neither. */
export function loadPackage<T>(name: string, subpath = ''): Loaded<T> | null {
  for (const [from, dir] of [
    ['project', ROOT],
    ['candidates', CANDIDATES],
  ] as const) {
    const req = createRequire(path.join(dir, 'package.json'));
    try {
      const mod = req(`${name}${subpath}`) as T;
      // Not through require: packages with an `exports` map may not export package.json.
      const pkg = path.join(dir, 'node_modules', name, 'package.json');
      const version = (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
      return { mod, version, from };
    } catch {
      // not installed (or not built) there
    }
  }
  return null;
}

// ---- zlib, as core/packs stores it

export function coreCodec(family: 'none' | 'deflate' | 'brotli', level: number): Codec {
  const c = CODECS[family];
  const impl =
    family === 'brotli'
      ? `Node ${process.versions.node} brotli ${process.versions.brotli ?? ''}`
      : `Node ${process.versions.node} zlib ${process.versions.zlib}`;
  return {
    name: family === 'none' ? 'none' : `${family}-${level}`,
    family,
    level,
    impl: family === 'none' ? '-' : impl,
    core: true,
    compress: (raw, kind) => c.compress(raw, level, kind),
    decompress: (stored, rawLength) => c.decompress(stored, rawLength),
  };
}

// ---- zstd-napi

export interface ZstdBinding {
  CCtx: new () => { compress(dst: Uint8Array, src: Uint8Array, level: number): number };
  DCtx: new () => { decompress(dst: Uint8Array, src: Uint8Array): number };
  compressBound(n: number): number;
  versionString(): string;
}

let scratch = Buffer.alloc(1 << 16);
function room(n: number): Buffer {
  if (scratch.length < n) scratch = Buffer.alloc(Math.max(n, scratch.length * 2));
  return scratch;
}

export function loadZstd(): Loaded<ZstdBinding> | null {
  return loadPackage<ZstdBinding>('zstd-napi', '/binding');
}

export function zstd(z: Loaded<ZstdBinding>, level: number): Codec {
  const cctx = new z.mod.CCtx();
  const dctx = new z.mod.DCtx();
  return {
    name: `zstd-${level}`,
    family: 'zstd',
    level,
    impl: `zstd-napi ${z.version} (zstd ${z.mod.versionString()})`,
    core: false,
    compress(raw) {
      const dst = room(z.mod.compressBound(raw.length));
      return Buffer.from(dst.subarray(0, cctx.compress(dst, raw, level)));
    },
    decompress(stored, rawLength) {
      const dst = Buffer.allocUnsafe(rawLength);
      return dst.subarray(0, dctx.decompress(dst, stored));
    },
  };
}

// ---- node-lz4

export interface Lz4Binding {
  encodeBound(n: number): number;
  encodeBlock(src: Buffer, dst: Buffer): number;
  /** LZ4_compress_HC at level 9 (the binding passes no level through). */
  encodeBlockHC(src: Buffer, dst: Buffer): number;
  decodeBlock(src: Buffer, dst: Buffer): number;
}

export function loadLz4(): Loaded<Lz4Binding> | null {
  return loadPackage<Lz4Binding>('lz4');
}

export function lz4(l: Loaded<Lz4Binding>, hc: boolean): Codec {
  return {
    name: hc ? 'lz4hc-9' : 'lz4-1',
    family: 'lz4',
    level: hc ? 9 : 1,
    impl: `lz4 ${l.version} (node-lz4, lz4 1.9 C sources)`,
    core: false,
    compress(raw) {
      const dst = room(l.mod.encodeBound(raw.length));
      const n = hc ? l.mod.encodeBlockHC(raw, dst) : l.mod.encodeBlock(raw, dst);
      // 0: incompressible; a pack then stores the section raw.
      return n > 0 ? Buffer.from(dst.subarray(0, n)) : raw;
    },
    decompress(stored, rawLength) {
      const dst = Buffer.allocUnsafe(rawLength);
      const n = l.mod.decodeBlock(stored, dst);
      if (n < 0) throw new Error(`lz4: corrupt block at ${-n}`);
      return dst.subarray(0, n);
    },
  };
}
