/** Types of build-if-stale.mjs for the tests (it is plain JavaScript: it runs before tsc). */
/** Why `npm run build` is needed in `root` (default: this checkout), or null. */
export function staleReason(root?: string): string | null;
