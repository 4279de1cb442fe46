import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { apiHelmetOptions, docsHelmetOptions } from './helmet-options';

/**
 * The strict API policy everywhere, the Swagger UI policy on `docsPath` and below only; never
 * cache. Express middleware: it runs on the raw request, before any parser or route.
 */
export function securityHeadersMiddleware(docsPath?: string) {
  const api = helmet(apiHelmetOptions);
  const docs = helmet(docsHelmetOptions);
  return (req: Request, res: Response, next: NextFunction): void => {
    // helmet does not set Cache-Control; responses may carry personal or authenticated data.
    res.setHeader('Cache-Control', 'no-store');
    const isDocs =
      docsPath !== undefined && (req.path === docsPath || req.path.startsWith(`${docsPath}/`));
    (isDocs ? docs : api)(req, res, next);
  };
}
