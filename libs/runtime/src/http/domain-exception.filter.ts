import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';

/** Stable domain error codes → HTTP status. The only place that makes this mapping (STYLE.md rule 6). */
const STATUS_BY_CODE: Record<string, number> = {
  'CASE.INVALID_PAYLOAD': HttpStatus.BAD_REQUEST,
  'CASE.UNKNOWN_EVENT_TYPE': HttpStatus.BAD_REQUEST,
  'CASE.UNKNOWN_PROCESS': HttpStatus.NOT_FOUND,
  'CASE.UNKNOWN_VERSION': HttpStatus.NOT_FOUND,
  'CASE.NOT_FOUND': HttpStatus.NOT_FOUND,
  'CASE.FORBIDDEN': HttpStatus.FORBIDDEN,
  'CASE.READ_ONLY': HttpStatus.FORBIDDEN,
  'CASE.EVENT_NOT_ALLOWED': HttpStatus.CONFLICT,
  'CASE.REVISION_CONFLICT': HttpStatus.CONFLICT,
  'CASE.BUSY': HttpStatus.CONFLICT,
  'STORE.REVISION_CONFLICT': HttpStatus.CONFLICT,
  'STORE.STREAM_NOT_FOUND': HttpStatus.NOT_FOUND,
  'STORE.INVALID_INPUT': HttpStatus.BAD_REQUEST,
  'REQUEST.INVALID': HttpStatus.BAD_REQUEST,
  NOT_FOUND: HttpStatus.NOT_FOUND,
};

/** The error body of the HTTP contract (DESIGN.md). */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  code?: string;
  details?: unknown;
}

type CodedError = Error & { code: string; details?: unknown; allowed?: unknown };

function isCoded(e: unknown): e is CodedError {
  return e instanceof Error && typeof (e as CodedError).code === 'string' && (e as CodedError).code in STATUS_BY_CODE;
}

/** Errors raised by express's body parser before our code runs (malformed JSON, body too large). */
function bodyParserStatus(e: unknown): number | undefined {
  const err = e as { type?: string; status?: number };
  if (typeof err?.type === 'string' && err.type.startsWith('entity.') && typeof err.status === 'number') {
    return err.status;
  }
  return undefined;
}

/** Turns every error into the contract's shape; bad input never becomes a 500. */
export function toErrorBody(exception: unknown): ErrorBody {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const r = (typeof response === 'object' ? response : { message: response }) as Record<string, unknown>;
    const message = Array.isArray(r.message) ? r.message.join('; ') : String(r.message ?? exception.message);
    return {
      statusCode: status,
      error: STATUS_CODES[status] ?? 'Error',
      message,
      ...(r.code ? { code: String(r.code) } : {}),
      ...(Array.isArray(r.message) ? { details: r.message } : r.details ? { details: r.details } : {}),
    };
  }
  if (isCoded(exception)) {
    const status = STATUS_BY_CODE[exception.code];
    const details = exception.details ?? (exception.allowed ? { allowed: exception.allowed } : undefined);
    return {
      statusCode: status,
      error: STATUS_CODES[status] ?? 'Error',
      message: exception.message,
      code: exception.code,
      ...(details !== undefined ? { details } : {}),
    };
  }
  const parserStatus = bodyParserStatus(exception);
  if (parserStatus) {
    const message =
      parserStatus === 413 ? 'Request body too large' : `Malformed request body: ${(exception as Error).message}`;
    return { statusCode: parserStatus, error: STATUS_CODES[parserStatus] ?? 'Error', message, code: 'REQUEST.INVALID' };
  }
  return { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' };
}

@Catch()
export class DomainExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const body = toErrorBody(exception);
    if (body.statusCode >= 500) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    const response = host.switchToHttp().getResponse();
    response.status(body.statusCode).json(body);
  }
}
