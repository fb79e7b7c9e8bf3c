/**
 * Our Dockerfile rules (docs/architecture.md, "Deployment"; issue 7), small enough to read in one
 * sitting. hadolint checks general hygiene where it is installed; these check the
 * project's own promises and always run:
 *
 *   multi-stage           two or more stages, the last copying from an earlier one
 *   final-base            the runtime stage is a slim or alpine Node 20 image, tagged
 *   no-latest             no image without a tag or with `latest`
 *   non-root-user         the runtime stage ends on a USER other than root/0
 *   healthcheck           the runtime stage has a HEALTHCHECK (not NONE)
 *   exec-form             ENTRYPOINT (required) and CMD of the runtime stage are JSON arrays
 *   no-remote-add         no ADD of a URL (unverified downloads; use a RUN with a checksum)
 *   dockerignore          .dockerignore keeps node_modules, .git, data and secrets out
 */

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Violation {
  rule: string;
  line: number;
  message: string;
}

/** Joins `\` continuations, drops comments and blank lines (Dockerfile reference). */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let buf = '';
  let start = 0;
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && buf === '')) return;
    if (buf === '') start = i + 1;
    const continued = trimmed.endsWith('\\');
    buf += `${continued ? trimmed.slice(0, -1).trimEnd() : trimmed} `;
    if (continued) return;
    const m = /^(\S+)\s*(.*)$/.exec(buf.trim());
    if (m) out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start });
    buf = '';
  });
  return out;
}

interface Stage {
  from: Instruction;
  image: string;
  name: string | null;
  body: Instruction[];
}

/** `${NAME}` and `$NAME` in FROM lines, from the ARG defaults declared before the first FROM. */
function substitute(s: string, args: Map<string, string>): string {
  return s.replace(/\$\{(\w+)\}|\$(\w+)/g, (all, a?: string, b?: string) => {
    return args.get((a ?? b)!) ?? all;
  });
}

function stages(ins: Instruction[]): Stage[] {
  const globalArgs = new Map<string, string>();
  const out: Stage[] = [];
  for (const i of ins) {
    if (i.keyword === 'FROM') {
      const words = i.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const image = substitute(words[0] ?? '', globalArgs);
      const name = words[1]?.toUpperCase() === 'AS' ? (words[2] ?? null) : null;
      out.push({ from: i, image, name, body: [] });
    } else if (out.length === 0 && i.keyword === 'ARG') {
      const m = /^(\w+)=(.*)$/.exec(i.args);
      if (m) globalArgs.set(m[1]!, m[2]!.replace(/^"(.*)"$/, '$1'));
    } else {
      out.at(-1)?.body.push(i);
    }
  }
  return out;
}

function isJsonArray(args: string): boolean {
  try {
    const v: unknown = JSON.parse(args);
    return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string');
  } catch {
    return false;
  }
}

/** `image[:tag][@digest]` → tag (or null); a registry port is not a tag. */
function tagOf(image: string): string | null {
  const noDigest = image.split('@')[0]!;
  const lastPart = noDigest.slice(noDigest.lastIndexOf('/') + 1);
  const i = lastPart.indexOf(':');
  return i < 0 ? null : lastPart.slice(i + 1);
}

const NODE20_SLIM =
  /^(docker\.io\/)?(library\/)?node:20(\.\d+){0,2}-(bookworm-slim|bullseye-slim|slim|alpine(\d+\.\d+)?)(@sha256:[0-9a-f]{64})?$/;

export function lintDockerfile(text: string): Violation[] {
  const ins = parseDockerfile(text);
  const all = stages(ins);
  const v: Violation[] = [];
  const add = (rule: string, line: number, message: string) => v.push({ rule, line, message });
  const final = all.at(-1);
  if (!final) return [{ rule: 'multi-stage', line: 1, message: 'no FROM' }];

  const earlier = new Set(
    all
      .slice(0, -1)
      .map((s, n) => [s.name, String(n)])
      .flat(),
  );
  const copiesFromEarlier = final.body.some((i) => {
    const m = /--from=(\S+)/.exec(i.args);
    return i.keyword === 'COPY' && m !== null && earlier.has(m[1]!);
  });
  if (all.length < 2 || !copiesFromEarlier)
    add('multi-stage', final.from.line, 'the runtime stage must COPY --from= a build stage');

  if (!NODE20_SLIM.test(final.image))
    add(
      'final-base',
      final.from.line,
      `runtime base ${final.image} is not a slim/alpine node:20 tag`,
    );

  const stageNames = new Set(all.map((s) => s.name).filter((n) => n !== null));
  for (const s of all) {
    if (stageNames.has(s.image) || s.image === 'scratch') continue;
    const tag = tagOf(s.image);
    if (tag === null && !s.image.includes('@'))
      add('no-latest', s.from.line, `${s.image} has no tag`);
    if (tag === 'latest') add('no-latest', s.from.line, `${s.image} uses latest`);
  }

  const users = final.body.filter((i) => i.keyword === 'USER');
  const user = users.at(-1)?.args.split(':')[0];
  if (user === undefined || user === 'root' || user === '0')
    add('non-root-user', users.at(-1)?.line ?? final.from.line, 'the runtime stage runs as root');

  const hc = final.body.filter((i) => i.keyword === 'HEALTHCHECK').at(-1);
  if (!hc || /^NONE$/i.test(hc.args))
    add('healthcheck', hc?.line ?? final.from.line, 'no HEALTHCHECK in the runtime stage');

  const entry = final.body.filter((i) => i.keyword === 'ENTRYPOINT').at(-1);
  if (!entry) add('exec-form', final.from.line, 'no ENTRYPOINT in the runtime stage');
  for (const i of final.body.filter((x) => x.keyword === 'ENTRYPOINT' || x.keyword === 'CMD')) {
    if (!isJsonArray(i.args))
      add('exec-form', i.line, `${i.keyword} in shell form: signals go to /bin/sh, not node`);
  }

  for (const i of ins.filter((x) => x.keyword === 'ADD')) {
    if (/(^|\s)(https?|ftp):\/\//i.test(i.args) || /(^|\s)git@/.test(i.args))
      add('no-remote-add', i.line, 'ADD of a URL: download in RUN and verify a checksum');
  }
  return v;
}

/**
 * Whether .dockerignore excludes `file` (a path relative to the context): patterns are
 * matched in order and the last match wins, `!` re-includes, `*` and `?` stay within one
 * path segment, `**` spans any number; a pattern matching a directory excludes what is
 * in it (Docker's rules, as in moby's patternmatcher).
 */
export function dockerignoreExcludes(ignore: string, file: string): boolean {
  let excluded = false;
  for (const raw of ignore.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    const pattern = (negate ? line.slice(1) : line).replace(/^\/+|\/+$/g, '');
    const re = pattern
      .split('/')
      .map((seg) =>
        seg === '**'
          ? '.*'
          : seg
              .replace(/[.+^${}()|[\]\\]/g, '\\$&')
              .replace(/\*/g, '[^/]*')
              .replace(/\?/g, '[^/]'),
      )
      .join('/')
      .replace(/\.\*\//g, '(?:.*/)?');
    if (new RegExp(`^${re}(?:/.*)?$`).test(file)) excluded = !negate;
  }
  return excluded;
}

export const MUST_IGNORE = ['node_modules', '.git', 'data', 'deploy/secrets/api_token'];

export function lintDockerignore(ignore: string): Violation[] {
  return MUST_IGNORE.filter((f) => !dockerignoreExcludes(ignore, f)).map((f) => ({
    rule: 'dockerignore',
    line: 0,
    message: `.dockerignore does not exclude ${f}`,
  }));
}
