/**
 * The Dockerfile and .dockerignore against our rules (dockerfile-rules.ts), each rule
 * shown to fire on a Dockerfile that breaks it; and hadolint where it is installed (it
 * is not a Debian package, so usually it is not).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runProgram, which } from '../../../dev/programs.js';
import { absent } from '../../support/skip.js';
import {
  dockerignoreExcludes,
  lintDockerfile,
  lintDockerignore,
  parseDockerfile,
} from './dockerfile-rules.js';

const root = new URL('../../../', import.meta.url);
const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');
const dockerignore = readFileSync(new URL('.dockerignore', root), 'utf8');

/** A minimal Dockerfile that passes every rule; each negative test breaks one thing. */
const GOOD = `ARG BASE=node:20.20-bookworm-slim
FROM \${BASE} AS build
RUN npm ci
FROM \${BASE}
COPY --from=build /app/dist ./dist
USER node
HEALTHCHECK CMD ["node", "probe.mjs"]
ENTRYPOINT ["node", "bin/logharbor.js"]
CMD ["serve"]
`;

const rules = (text: string) => lintDockerfile(text).map((v) => v.rule);

describe('our Dockerfile', () => {
  it('passes every rule', () => {
    expect(lintDockerfile(dockerfile)).toEqual([]);
  });

  it('.dockerignore keeps node_modules, .git, data and the secrets out of the context', () => {
    expect(lintDockerignore(dockerignore)).toEqual([]);
  });

  it('.dockerignore keeps what the Dockerfile copies', () => {
    const copied = parseDockerfile(dockerfile)
      .filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(copied).toContain('package-lock.json');
    for (const src of copied) expect(dockerignoreExcludes(dockerignore, src), src).toBe(false);
  });
});

describe('the rules fire on what they forbid', () => {
  it('the minimal good Dockerfile passes', () => {
    expect(rules(GOOD)).toEqual([]);
  });

  it('multi-stage: one stage, or a runtime stage that copies nothing from the build', () => {
    expect(
      rules('FROM node:20-alpine\nUSER node\nHEALTHCHECK CMD ["true"]\nENTRYPOINT ["node"]\n'),
    ).toEqual(['multi-stage']);
    expect(rules(GOOD.replace('COPY --from=build', 'COPY'))).toEqual(['multi-stage']);
  });

  it('final-base: a full (non-slim) image, another major, or another image', () => {
    expect(rules(GOOD.replace('FROM ${BASE}\n', 'FROM node:20.20-bookworm\n'))).toEqual([
      'final-base',
    ]);
    expect(rules(GOOD.replace('ARG BASE=node:20.20', 'ARG BASE=node:22'))).toEqual(['final-base']);
    expect(rules(GOOD.replace('FROM ${BASE}\n', 'FROM debian:bookworm-slim\n'))).toEqual([
      'final-base',
    ]);
    // A digest pin is welcome.
    expect(rules(GOOD.replace('bookworm-slim', `bookworm-slim@sha256:${'a'.repeat(64)}`))).toEqual(
      [],
    );
  });

  it('no-latest: an untagged or latest image in any stage', () => {
    expect(rules(GOOD.replace('FROM ${BASE} AS build', 'FROM node AS build'))).toEqual([
      'no-latest',
    ]);
    expect(rules(GOOD.replace('FROM ${BASE} AS build', 'FROM node:latest AS build'))).toEqual([
      'no-latest',
    ]);
  });

  it('non-root-user: no USER, or root by name or number', () => {
    expect(rules(GOOD.replace('USER node\n', ''))).toEqual(['non-root-user']);
    expect(rules(GOOD.replace('USER node', 'USER root'))).toEqual(['non-root-user']);
    expect(rules(GOOD.replace('USER node', 'USER 0:0'))).toEqual(['non-root-user']);
    // Only the runtime stage counts.
    expect(
      rules(GOOD.replace('RUN npm ci', 'USER node').replace('USER node\nHEALTH', 'HEALTH')),
    ).toEqual(['non-root-user']);
  });

  it('healthcheck: none, or NONE', () => {
    expect(rules(GOOD.replace(/HEALTHCHECK.*\n/, ''))).toEqual(['healthcheck']);
    expect(rules(GOOD.replace(/HEALTHCHECK.*\n/, 'HEALTHCHECK NONE\n'))).toEqual(['healthcheck']);
  });

  it('exec-form: shell-form ENTRYPOINT or CMD, or no ENTRYPOINT', () => {
    expect(rules(GOOD.replace(/ENTRYPOINT.*/, 'ENTRYPOINT node bin/logharbor.js'))).toEqual([
      'exec-form',
    ]);
    expect(rules(GOOD.replace('CMD ["serve"]', 'CMD serve'))).toEqual(['exec-form']);
    expect(rules(GOOD.replace(/ENTRYPOINT.*\n/, ''))).toEqual(['exec-form']);
  });

  it('no-remote-add: ADD of a URL; a local ADD is not this rule', () => {
    expect(rules(GOOD.replace('RUN npm ci', 'ADD https://example.com/x.tgz /x.tgz'))).toEqual([
      'no-remote-add',
    ]);
    expect(rules(GOOD.replace('RUN npm ci', 'ADD vendor.tgz /vendor'))).toEqual([]);
  });

  it('continuation lines and comments are read as Docker reads them', () => {
    const text = 'FROM node:20-slim AS b\n# USER root\nRUN a \\\n  && b\n';
    expect(parseDockerfile(text)).toEqual([
      { keyword: 'FROM', args: 'node:20-slim AS b', line: 1 },
      { keyword: 'RUN', args: 'a && b', line: 3 },
    ]);
  });

  it('dockerignore: a missing entry, and a later ! that lets it back in', () => {
    expect(lintDockerignore('.git\ndata\ndeploy/secrets\n').map((v) => v.message)).toEqual([
      '.dockerignore does not exclude node_modules',
    ]);
    expect(lintDockerignore('**/node_modules\n.git\ndata\n*\n!deploy/secrets\n')).toHaveLength(1);
    expect(dockerignoreExcludes('**/node_modules', 'web/node_modules/x')).toBe(true);
    expect(dockerignoreExcludes('*.log', 'sub/a.log')).toBe(false);
    expect(dockerignoreExcludes('**/*.log', 'sub/a.log')).toBe(true);
  });
});

// Optional even on CI: not a Debian package (OPTIONAL_PROGRAMS in test/support/skip.ts).
const hadolint = which('hadolint');
describe.skipIf(absent('hadolint'))('hadolint', () => {
  it('finds nothing', async () => {
    // DL3008 (pin apt package versions): only the build stage installs packages, and
    // Debian's stable security updates are wanted there.
    const r = await runProgram(hadolint!, ['--ignore', 'DL3008', '-'], { input: dockerfile });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
