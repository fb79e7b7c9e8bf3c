/**
 * Figures in the README's prose, generated rather than typed (issue 18: the README said
 * the bundle was 54.7 KB while the build printed 59,174 B). Each sits between
 * `<!-- fig:NAME -->` and `<!-- /fig -->` (invisible on GitHub), and comes from the
 * definition the code uses: the page's sizes from a build (web/bundle.ts), limits and
 * defaults from their constants. `npm run build` rewrites them (web/build.ts); a test
 * checks them against a fresh in-memory build (test/unit/docs.test.ts).
 */
import { TAIL_LIMITS } from '../api/tail/limits.js';
import { MAX_LIMIT } from '../api/routes/logs.js';
import { TOP_CONTAINERS } from '../api/search/histogram.js';
import { COMPACTOR_DEFAULTS } from '../collector/compaction/compactor.js';
import { SETTINGS } from '../core/config.js';
import { QUERY_LIMITS } from '../core/query/limits.js';
import type { Bundle } from '../web/bundle.js';

const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;

function settingDefault(env: string): string {
  const s = SETTINGS.find((x) => x.env === env);
  if (!s) throw new Error(`no setting ${env}`);
  return s.default;
}

/** Figures that need no build. */
export function constantFigures(): Record<string, string> {
  return {
    'query-max-length': String(QUERY_LIMITS.maxLength),
    'query-max-depth': String(QUERY_LIMITS.maxDepth),
    'logs-max-limit': String(MAX_LIMIT),
    'tail-ping-s': String(TAIL_LIMITS.pingMs / 1000),
    'compact-min-age-s': String(COMPACTOR_DEFAULTS.minAgeMs / 1000),
    'pack-max-rows': String(COMPACTOR_DEFAULTS.maxRows),
    'pack-target-kib': String(COMPACTOR_DEFAULTS.targetRawBytes / 1024),
    'api-rate-limit': settingDefault('LOGHARBOR_API_RATE_LIMIT'),
    'histogram-top-containers': String(TOP_CONTAINERS),
  };
}

/** The page's sizes: what a browser loads (page, script, styles, icon; not the source map). */
export function webFigures(b: Bundle): Record<string, string> {
  return {
    'web-first-load': `${kb(b.firstLoad.bytes)} (${kb(b.firstLoad.gzip)} gzipped)`,
    'web-gzip': kb(b.firstLoad.gzip),
  };
}

const FIG = /<!-- fig:([a-z0-9-]+) -->([^<]*)<!-- \/fig -->/g;

/**
 * The README with the figures of `values` written in; a marker naming a figure that does
 * not exist throws (a typo would otherwise stay stale for ever). Figures absent from
 * `values` are left as they are.
 */
export function withFigures(readme: string, values: Record<string, string>): string {
  const known = new Set([...Object.keys(constantFigures()), 'web-first-load', 'web-gzip']);
  return readme.replace(FIG, (whole, name: string) => {
    if (!known.has(name)) throw new Error(`README names an unknown figure: fig:${name}`);
    const v = values[name];
    return v === undefined ? whole : `<!-- fig:${name} -->${v}<!-- /fig -->`;
  });
}

/** The figure names the README uses. */
export function figureNames(readme: string): string[] {
  return [...readme.matchAll(FIG)].map((m) => m[1]!);
}
