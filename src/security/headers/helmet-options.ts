import { HelmetOptions } from 'helmet';

const ONE_YEAR_SECONDS = 31_536_000;

const common: HelmetOptions = {
  frameguard: { action: 'deny' },
  strictTransportSecurity: { maxAge: ONE_YEAR_SECONDS, includeSubDomains: true },
  referrerPolicy: { policy: 'no-referrer' },
  xContentTypeOptions: true,
  crossOriginResourcePolicy: { policy: 'same-origin' },
};

/**
 * API responses are JSON that no browser should render or frame: the strictest CSP there is
 * (OWASP REST Security cheat sheet).
 */
export const apiHelmetOptions: HelmetOptions = {
  ...common,
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  },
};

/**
 * Swagger UI is a page: it needs its own scripts, styles and images, and to call the API.
 * This policy applies to /docs only, so the API keeps `default-src 'none'`.
 */
export const docsHelmetOptions: HelmetOptions = {
  ...common,
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      // swagger-ui sets inline style attributes at run time.
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
};
