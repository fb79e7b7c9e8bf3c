/**
 * Per-stream dictionaries for bench/codecs.ts, from a stream's later lines (never the lines
 * they then compress):
 *
 * - trained: `zstd --train` (the Debian `zstd` program; fastcover) over the lines cut into
 *   2 KiB samples. zstd-napi exposes dictionary use (CDict/DDict) but not the trainer
 *   (ZDICT is not in the sources it builds), so logharbor could only train with the program
 *   or with its own code.
 * - raw content: the stream's most recent `size` bytes of text, used as they are. zstd takes
 *   any bytes as a "content-only" dictionary, and deflate's preset dictionary is the same
 *   idea (only its last 32 KiB count): no trainer needed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { which } from '../../dev/programs.js';

export function rawContentDict(lines: readonly string[], size: number): Buffer | null {
  if (lines.length === 0) return null;
  const all = Buffer.from(lines.join('\n') + '\n');
  return all.length <= size ? all : Buffer.from(all.subarray(all.length - size));
}

/** A zstd dictionary of at most `size` bytes trained on `lines`; null when it cannot be. */
export function trainedDict(lines: readonly string[], size: number): Buffer | null {
  if (!which('zstd') || lines.length < 50) return null;
  const dir = mkdtempSync(path.join(tmpdir(), 'lh-dict-'));
  try {
    const input = path.join(dir, 'lines.txt');
    const out = path.join(dir, 'dict');
    writeFileSync(input, lines.join('\n') + '\n');
    execFileSync('zstd', ['-q', '--train', '-B2048', `--maxdict=${size}`, '-o', out, input], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return readFileSync(out);
  } catch {
    // too few samples for the trainer: the stream goes without
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
