/**
 * One recommendation for Docker's fluentd driver (core/docker-advice.ts, issue 16 item 5),
 * said the same wherever a user copies it from: the README's `docker run` and daemon.json
 * snippets, docker-compose.yml's example-app, deploy/daemon.json, docs/deployment.md's
 * `logging:` block and the start banner's `docker run`. Each gives exactly those options
 * beside the address, and none asks for fluentd-request-ack.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FLUENTD_OPTS, dockerRunLines } from '../../../core/docker-advice.js';
import { parseCompose } from './compose-rules.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

const ADDRESS = '127.0.0.1:24224';
const WANT: Record<string, string> = {
  'fluentd-address': ADDRESS,
  ...Object.fromEntries(FLUENTD_OPTS),
};

/** The Markdown under `heading` (any level), up to the next heading of that level or higher. */
function section(md: string, heading: string): string {
  const lines = md.split('\n');
  const at = lines.findIndex((l) => /^#+ /.test(l) && l.replace(/^#+ /, '') === heading);
  if (at < 0) throw new Error(`no heading "${heading}"`);
  const level = /^#+/.exec(lines[at]!)![0].length;
  const end = lines.findIndex(
    (l, i) => i > at && /^#+ /.test(l) && /^#+/.exec(l)![0].length <= level,
  );
  return lines.slice(at + 1, end < 0 ? undefined : end).join('\n');
}

/** The fenced code blocks of `md` in language `lang`. */
function fences(md: string, lang: string): string[] {
  return [...md.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map(
    (m) => m[1]!,
  );
}

/** The `--log-opt` pairs of a `docker run` command (backslash continuations joined). */
function logOpts(command: string): Record<string, string> {
  const words = command.replace(/\\\n/g, ' ').trim().split(/\s+/);
  expect(words).toContain('--log-driver=fluentd');
  const out: Record<string, string> = {};
  words.forEach((w, i) => {
    if (w !== '--log-opt') return;
    const pair = words[i + 1]!;
    const eq = pair.indexOf('=');
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  });
  return out;
}

/** daemon.json's options for the fluentd driver. */
function daemonOpts(json: string): Record<string, string> {
  const d = JSON.parse(json) as { 'log-driver': string; 'log-opts': Record<string, string> };
  expect(d['log-driver']).toBe('fluentd');
  return d['log-opts'];
}

describe("one recommendation for Docker's fluentd driver", () => {
  it('core/docker-advice.ts: sub-second precision and the Compose labels, no request-ack', () => {
    expect(Object.keys(WANT)).not.toContain('fluentd-request-ack');
    expect(WANT).toMatchObject({
      'fluentd-sub-second-precision': 'true',
      labels: 'com.docker.compose.project,com.docker.compose.service',
    });
  });

  it('README: the docker run line and the daemon.json of "Docker, fluentd driver (recommended)"', () => {
    const s = section(read('README.md'), 'Docker, fluentd driver (recommended)');
    const [run, ...moreRuns] = fences(s, 'sh');
    expect(moreRuns).toEqual([]);
    expect(logOpts(run!)).toEqual(WANT);
    const [json, ...moreJson] = fences(s, 'json');
    expect(moreJson).toEqual([]);
    expect(daemonOpts(json!)).toEqual(WANT);
  });

  it("docker-compose.yml: example-app's logging: block", () => {
    const logging = parseCompose(read('docker-compose.yml')).services as Record<
      string,
      { logging: { driver: string; options: Record<string, string> } }
    >;
    expect(logging['example-app']!.logging.driver).toBe('fluentd');
    expect(logging['example-app']!.logging.options).toEqual(WANT);
  });

  it('deploy/daemon.json', () => {
    expect(daemonOpts(read('deploy/daemon.json'))).toEqual(WANT);
  });

  it('docs/deployment.md: the logging: block for your own services', () => {
    const s = section(read('docs/deployment.md'), '3. Your own services');
    const [block] = fences(s, 'yaml');
    const doc = parse(block!) as { logging: { driver: string; options: Record<string, string> } };
    expect(doc.logging.driver).toBe('fluentd');
    expect(doc.logging.options).toEqual(WANT);
  });

  it("the start banner's docker run line", () => {
    expect(logOpts(dockerRunLines(ADDRESS).join('\n'))).toEqual(WANT);
  });
});
