import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { STATUS_CODES } from 'node:http';
import { PROBLEM_CONTENT_TYPE, ProblemDetails, ProblemType } from './problem-details';
import { ProblemBody, ProblemException } from './problem.exception';
import { requestIdOf } from '../http/request-id';
import { requestLogFields } from '../http/request-info';
import { ErrorResponseEvents } from './error-response.events';
import { ServiceUnavailableProblem, isDatabaseUnavailable } from './service-unavailable';

/**
 * Turns every error into RFC 9457 problem+json. Only messages we wrote ourselves reach the
 * client: driver errors, SQL text and stack traces are logged with the request id and
 * answered with a generic 500.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly events: ErrorResponseEvents,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<object>();
    const response = http.getResponse<object>();
    const adapter = this.adapterHost.httpAdapter;
    const requestId = requestIdOf(request);

    // A database that is down, too slow or out of connections is not our bug: 503 + Retry-After.
    const unavailable = isDatabaseUnavailable(exception)
      ? new ServiceUnavailableProblem('The database is unavailable; retry later.')
      : undefined;
    const answered = unavailable ?? exception;
    const problem = this.toProblem(answered);
    if (problem.status === 503) {
      // Expected during an outage: one line, no stack, and never the driver's text to the client.
      this.logger.warn(
        { ...requestLogFields(request), reason: reasonOf(exception) },
        'Dependency unavailable',
      );
    } else if (problem.status >= 500) {
      this.logger.error({ err: exception, ...requestLogFields(request) }, 'Unhandled error');
    }

    const body: ProblemDetails = {
      ...problem,
      instance: pathOnly(adapter.getRequestUrl(request) as string),
      requestId,
    };
    if (answered instanceof ProblemException) {
      for (const [name, value] of Object.entries(answered.headers))
        adapter.setHeader(response, name, value);
    }
    adapter.setHeader(response, 'Content-Type', PROBLEM_CONTENT_TYPE);
    adapter.reply(response, body, problem.status);
    this.events.emit({ exception, status: problem.status, request });
  }

  private toProblem(exception: unknown): ProblemBody {
    if (exception instanceof ProblemException) return exception.getResponse();
    // The platform's own parser errors arrive wrapped (Nest maps them to HttpException with the
    // original as `cause`); answer them with our wording, not the parser's message.
    const platformError = asHttpClientError(
      exception instanceof HttpException ? exception.cause : exception,
    );
    if (platformError) return platformError;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return {
        type: ProblemType.blank,
        title: STATUS_CODES[status] ?? 'Error',
        status,
        detail: status >= 500 ? GENERIC_500 : httpExceptionDetail(exception, status),
      };
    }
    return {
      type: ProblemType.blank,
      title: STATUS_CODES[500] as string,
      status: 500,
      detail: GENERIC_500,
    };
  }
}

function reasonOf(exception: unknown): string {
  const cause =
    exception instanceof Error && exception.cause instanceof Error ? exception.cause : exception;
  return cause instanceof Error ? cause.message.slice(0, 200) : String(cause).slice(0, 200);
}

const GENERIC_500 = 'An unexpected error occurred. Quote the requestId when reporting it.';

/** Nest's own messages for its built-in exceptions are safe; the "Cannot GET /x" one is replaced. */
function httpExceptionDetail(exception: HttpException, status: number): string {
  if (status === 404) {
    const message = exception.message;
    return message.startsWith('Cannot ') ? 'No resource matches this method and path.' : message;
  }
  return exception.message;
}

/** Fastify's own request errors, named as Express's body-parser names the same failures. */
const FASTIFY_ERROR_TYPES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'entity.too.large',
  FST_ERR_CTP_INVALID_JSON_BODY: 'entity.parse.failed',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'entity.parse.failed',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'media.unsupported',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'request.size.invalid',
};

/**
 * Errors raised by the HTTP platform's body parser: http-errors objects with a 4xx status and a
 * `type` such as `entity.too.large` (Express), or FastifyErrors with a `code` and `statusCode`
 * (Fastify). Their messages can echo parser internals; we write our own, the same on both.
 */
function asHttpClientError(exception: unknown): ProblemBody | undefined {
  if (typeof exception !== 'object' || exception === null) return undefined;
  const { code, statusCode } = exception as { code?: unknown; statusCode?: unknown };
  const fastifyType = typeof code === 'string' ? FASTIFY_ERROR_TYPES[code] : undefined;
  const { status, type } =
    fastifyType === undefined
      ? (exception as { status?: unknown; type?: unknown })
      : { status: statusCode, type: fastifyType };
  if (typeof status !== 'number' || status < 400 || status > 499 || typeof type !== 'string') {
    return undefined;
  }
  const known: Record<string, [string, string]> = {
    'entity.too.large': [ProblemType.blank, 'The request body exceeds the size limit.'],
    'entity.parse.failed': [ProblemType.malformedJson, 'The request body is not valid JSON.'],
    'encoding.unsupported': [ProblemType.blank, 'The request body encoding is not supported.'],
    'charset.unsupported': [ProblemType.blank, 'The request body charset is not supported.'],
    'media.unsupported': [ProblemType.blank, 'Request bodies must be application/json in UTF-8.'],
  };
  const [problemType, detail] = known[String(type)] ?? [
    ProblemType.blank,
    'The request was rejected.',
  ];
  return { type: problemType, title: STATUS_CODES[status] ?? 'Error', status, detail };
}

function pathOnly(url: string): string {
  const index = url.indexOf('?');
  return index === -1 ? url : url.slice(0, index);
}
