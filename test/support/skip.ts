/**
 * The one place that decides what a test does when a real program it needs (Docker's
 * engine, Chromium, logger, rsyslogd, Compose, ...) cannot run here (issue 14).
 *
 * Locally a missing program skips the tests that need it, with a warning naming the
 * Debian package. On CI `.ci/run` installs every package and exports
 * LOGHARBOR_TEST_REQUIRE_PROGRAMS=1: there a skip would turn a broken machine set-up
 * into a green run that tested nothing real, so the tests fail instead, with the same
 * message, in a test registered in their place.
 *
 *   describe.skipIf(absent('logger'))(...)                       a program on PATH
 *   describe.skipIf(unavailable('the browser tests', reason))(...) any other check
 *   startDocker()                                                calls unavailable()
 *   skipOrFail(ctx, 'the full-disk test', reason)                inside a running test
 *
 * test/unit/skips.test.ts greps test/ so that no skipIf, runIf or skip bypasses these.
 */
import { it } from 'vitest';
import { DEBIAN_PACKAGES, has, missing } from '../../dev/programs.js';

export const REQUIRE_PROGRAMS = 'LOGHARBOR_TEST_REQUIRE_PROGRAMS';

/**
 * Programs that stay optional even with the switch on, and why. .ci/run installs only
 * from Debian's archive, so a program Debian does not package cannot be required.
 */
export const OPTIONAL_PROGRAMS = {
  hadolint:
    'hadolint is not packaged for Debian (a Haskell binary from GitHub releases), so ' +
    ".ci/run cannot install it; the Dockerfile is still checked by the project's own rules",
} as const;

export type Program = keyof typeof DEBIAN_PACKAGES | keyof typeof OPTIONAL_PROGRAMS;

export type Verdict = { kind: 'run' } | { kind: 'skip' | 'fail'; what: string; message: string };

export function programsRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[REQUIRE_PROGRAMS] === '1';
}

/**
 * What to do with `what`, given why it cannot run (`reason`, null when it can) and,
 * for an optional program, why that one may be absent even on CI.
 */
export function verdict(
  what: string,
  reason: string | null,
  optional: string | null = null,
  env: NodeJS.ProcessEnv = process.env,
): Verdict {
  if (reason === null) return { kind: 'run' };
  if (optional !== null)
    return {
      kind: 'skip',
      what,
      message: `SKIPPING ${what}: ${reason}; optional even with ${REQUIRE_PROGRAMS}=1: ${optional}`,
    };
  if (!programsRequired(env)) return { kind: 'skip', what, message: `SKIPPING ${what}: ${reason}` };
  return {
    kind: 'fail',
    what,
    message: `${what} cannot run: ${reason}. ${REQUIRE_PROGRAMS}=1 (set by .ci/run) makes this a failure instead of a skip.`,
  };
}

/** The verdict for a block that needs `programs` on PATH (sbin included). */
export function programsVerdict(
  programs: readonly Program[],
  env: NodeJS.ProcessEnv = process.env,
): Verdict {
  const absentOnes = programs.filter((p) => !has(p));
  const what = `the tests that need ${programs.join(' and ')}`;
  const required = absentOnes.filter((p) => !(p in OPTIONAL_PROGRAMS));
  if (absentOnes.length > 0 && required.length === 0) {
    // No package to name: missing() would suggest an apt-get that cannot work.
    const why = absentOnes.map((p) => OPTIONAL_PROGRAMS[p as keyof typeof OPTIONAL_PROGRAMS]);
    return verdict(what, `not installed: ${absentOnes.join(', ')}`, why.join('; '), env);
  }
  return verdict(what, required.length === 0 ? null : missing(...required), null, env);
}

/**
 * Acts on a verdict while test files are collected: true means skip the block. A
 * failure is a test registered (`register`, vitest's `it`) in the block's place that
 * throws the message, so the rest of the file still runs. Not for use inside a running
 * test (vitest refuses to register one there): throw the reason instead.
 */
export function actOn(v: Verdict, register: (name: string, fn: () => void) => void = it): boolean {
  if (v.kind === 'run') return false;
  if (v.kind === 'skip') {
    console.warn(`\n*** ${v.message} ***\n`);
    return true;
  }
  register(`${v.what}: what they need is installed (${REQUIRE_PROGRAMS}=1)`, () => {
    throw new Error(v.message);
  });
  return true;
}

/**
 * Inside a running test, for a condition known only once hooks have run (a tmpfs that
 * could not be mounted): skips the test with the reason, or throws it on CI.
 */
export function skipOrFail(
  ctx: { skip: (note?: string) => void },
  what: string,
  reason: string,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const v = verdict(what, reason, null, env);
  if (v.kind === 'fail') throw new Error(v.message);
  if (v.kind === 'skip') {
    console.warn(`\n*** ${v.message} ***\n`);
    ctx.skip(v.message);
  }
}

/** For `skipIf`: true when `what` cannot run here (`reason`), which fails it on CI. */
export function unavailable(what: string, reason: string | null): boolean {
  return actOn(verdict(what, reason));
}

/** For `skipIf`: true when one of `programs` is not installed, which fails it on CI. */
export function absent(...programs: Program[]): boolean {
  return actOn(programsVerdict(programs));
}
