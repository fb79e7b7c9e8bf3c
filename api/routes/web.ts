/**
 * The viewer (web/dist, built by `npm run build`) served at `/`, under a strict
 * Content-Security-Policy and the usual security headers (@fastify/helmet): log text is
 * untrusted, and the page has no inline script or style, so nothing else is allowed.
 */
import { existsSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import { WEB_DIST_DIR } from '../../core/paths.js';

export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
  formAction: ["'self'"],
  // Served over plain http on a LAN or loopback: upgrading would break same-origin calls.
  upgradeInsecureRequests: null,
};

/** Security headers on every response (registered before the routes). */
export async function securityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    // Same-origin API calls only; the page is never embedded.
    crossOriginResourcePolicy: { policy: 'same-origin' },
    // Served over plain http by default: HSTS would lock browsers out of it.
    strictTransportSecurity: false,
  });
}

export async function webRoutes(app: FastifyInstance): Promise<void> {
  if (!existsSync(WEB_DIST_DIR)) {
    app.get('/', async (_req, reply) =>
      reply
        .type('text/plain')
        .send('The web viewer is not built: run `npm run build` (npm start does it).\n'),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: WEB_DIST_DIR,
    prefix: '/',
    index: ['index.html'],
    wildcard: false,
    preCompressed: false,
  });
}
