import { DynamicModule, Module } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { DestinationStream, LoggerOptions } from 'pino';
import { pinoHttp } from 'pino-http';
import { AppLogger } from './app-logger';
import { AppConfig } from '../config/app-config';
import { requestIdOf } from '../common/http/request-id';
import { requestLogFields } from '../common/http/request-info';
import { serializeError } from './error-serializer';

/** Never log a credential: headers that carry one, and any field that looks like one. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.apiKey',
  '*.key',
  '*.secret',
];

/**
 * The request-logging middleware (pino-http), or null when LOG_LEVEL is above info and it would
 * write nothing; request-pipeline.ts installs it after the request id and trace context.
 */
export const HTTP_LOGGER = Symbol('HTTP_LOGGER');
export type HttpLogger = ReturnType<typeof pinoHttp>;

/**
 * JSON logs (pretty in development) through pino: one root logger for Nest's own lines and ours
 * (AppLogger) and for the request log (HTTP_LOGGER), with the same serializers and redaction.
 */
@Module({})
export class LoggingModule {
  /** `destination`: where log lines go (default stdout); tests pass a stream to inspect them. */
  static forRoot(config: AppConfig, destination?: DestinationStream): DynamicModule {
    const pretty = !destination && config.nodeEnv === 'development' && canLoad('pino-pretty');
    const options: LoggerOptions = {
      level: config.logLevel,
      // Log what identifies a request, not its headers: fewer bytes, and no credential can slip
      // through a header we forgot to redact.
      serializers: {
        req: (req: { id: unknown; method: unknown; url: unknown; remoteAddress: unknown }) => ({
          id: req.id,
          method: req.method,
          // The path, and the names of query parameters but not their values: a client may put
          // a token in the query string (which we refuse), and it must not land in the logs.
          ...describeUrl(req.url),
          remoteAddress: req.remoteAddress,
        }),
        res: (res: { statusCode: unknown }) => ({ statusCode: res.statusCode }),
        // Every logged error, ours and the framework's: SQL text and SQLSTATE, never values.
        err: serializeError,
      },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      ...(pretty ? { transport: { target: 'pino-pretty', options: { singleLine: true } } } : {}),
    };
    const root = destination ? pino(options, destination) : pino(options);
    // Decided once: above info, pino-http would still build two child loggers (serialising the
    // request into them) per request and write nothing; not installing it costs nothing.
    const httpLogger = root.isLevelEnabled('info')
      ? pinoHttp({
          logger: root,
          // pino-http puts its own (verbose) serializers on its child logger unless given ours.
          serializers: options.serializers,
          // The id was chosen by the request-id middleware, which runs first.
          genReqId: (req: IncomingMessage) => requestIdOf(req),
          customAttributeKeys: { reqId: 'requestId' },
          quietReqLogger: true,
          // The trace, and the client's own X-Request-Id if it sent a log-safe one, on the line
          // itself: as customProps they would cost two more child loggers per request.
          customSuccessObject: (req: IncomingMessage, _res: ServerResponse, line: object) =>
            withRequestFields(req, line),
          customErrorObject: (
            req: IncomingMessage,
            _res: ServerResponse,
            _error: Error,
            line: object,
          ) => withRequestFields(req, line),
        })
      : null;
    return {
      module: LoggingModule,
      providers: [
        { provide: AppLogger, useValue: new AppLogger(root) },
        { provide: HTTP_LOGGER, useValue: httpLogger },
      ],
      exports: [AppLogger, HTTP_LOGGER],
      global: true,
    };
  }
}

function withRequestFields(req: IncomingMessage, line: object): object {
  const { traceId, clientRequestId } = requestLogFields(req);
  return { ...line, traceId, ...(clientRequestId === undefined ? {} : { clientRequestId }) };
}

export function describeUrl(url: unknown): { path: string; query?: string[] } {
  const text = typeof url === 'string' ? url : '';
  const index = text.indexOf('?');
  if (index === -1) return { path: text };
  const names = [...new URLSearchParams(text.slice(index + 1)).keys()];
  return { path: text.slice(0, index), query: [...new Set(names)] };
}

function canLoad(moduleName: string): boolean {
  try {
    require.resolve(moduleName);
    return true;
  } catch {
    return false;
  }
}
