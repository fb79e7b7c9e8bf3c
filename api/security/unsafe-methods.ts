/**
 * The CSRF rule for every state-changing request (POST, PUT, PATCH, DELETE and any other
 * method but GET, HEAD and OPTIONS), whatever route it is for: there are none today;
 * routes added later (alerts) get the rule without asking, from the one hook in
 * guard.ts. logharbor has no cookies and must keep it that way, so the defence cannot be
 * a cookie token; it is two walls, each enough in current browsers:
 *
 *   1. the Origin check (origin-check.ts): every browser sends Origin on these methods,
 *      and a foreign or `null` one is refused;
 *   2. a JSON body: a body must be `application/json` (or `application/...+json`).
 *      Another site's page can send only "simple" requests without asking first (a form:
 *      urlencoded, multipart or text/plain; fetch with those types); anything else needs
 *      a CORS preflight, which logharbor never grants. A request without a body passes
 *      this wall (a DELETE from curl): a form always sends a Content-Type, and a body-less
 *      fetch from another site still carries its Origin.
 */

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isUnsafeMethod(method: string): boolean {
  return !SAFE.has(method.toUpperCase());
}

/** `application/json`, `application/problem+json`, ...; parameters (`; charset=`) ignored. */
export function isJsonType(contentType: string): boolean {
  const media = contentType.split(';')[0]!.trim().toLowerCase();
  return media === 'application/json' || /^application\/[a-z0-9.!#$&^_-]+\+json$/.test(media);
}

/** Whether the request carries a body (RFC 9112, section 6.3). */
function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return typeof length === 'string' && length.trim() !== '' && Number(length) !== 0;
}

/** Whether a state-changing request's body is acceptable: JSON, or no body and no type. */
export function bodyTypeAllowed(headers: Record<string, string | string[] | undefined>): boolean {
  const type = headers['content-type'];
  if (type === undefined) return !hasBody(headers);
  return typeof type === 'string' && isJsonType(type);
}
