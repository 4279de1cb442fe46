import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import type { DestinationStream } from 'pino';
import type { Options } from 'pino-http';
import { AppConfig } from '../config/app-config';
import { clientRequestIdOf, requestIdOf } from '../common/http/request-id';
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

/** JSON logs (pretty in development) through pino, with the request id on every line. */
@Module({})
export class LoggingModule {
  /** `destination`: where log lines go (default stdout); tests pass a stream to inspect them. */
  static forRoot(config: AppConfig, destination?: DestinationStream): DynamicModule {
    const pretty = !destination && config.nodeEnv === 'development' && canLoad('pino-pretty');
    const options: Options = {
      level: config.logLevel,
      // The id was chosen by the request-id middleware, which runs first.
      genReqId: (req: IncomingMessage) => requestIdOf(req),
      customAttributeKeys: { reqId: 'requestId' },
      // The client's own X-Request-Id, if it sent a log-safe one, next to ours.
      customProps: (req: IncomingMessage) => {
        const clientRequestId = clientRequestIdOf(req);
        return clientRequestId === null ? {} : { clientRequestId };
      },
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
      quietReqLogger: true,
      ...(pretty ? { transport: { target: 'pino-pretty', options: { singleLine: true } } } : {}),
    };
    return {
      module: LoggingModule,
      imports: [LoggerModule.forRoot({ pinoHttp: destination ? [options, destination] : options })],
    };
  }
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
