// The security headers of a JSON API (OWASP's REST Security Cheat Sheet), set by helmet. Helmet's
// defaults are made for HTML pages; of those, an API needs only the ones below, and every header
// is work on every reply. The API's replies are never a page: nothing may load from them or
// frame them.

import helmet from 'koa-helmet';
import type { Middleware } from 'koa';

export function securityHeaders(): Middleware {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    xFrameOptions: { action: 'deny' },
    // Kept from the defaults: Cross-Origin-Resource-Policy, Referrer-Policy,
    // Strict-Transport-Security, X-Content-Type-Options. Dropped: those that only a page uses.
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  });
}
