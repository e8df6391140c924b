/**
 * How a refused or failed request is answered: a stable code, the HTTP status, and a message that says what to do,
 * with internals hidden from 5xx answers (they go to the log instead, with the request's context).
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyRequest } from 'fastify';

/** Fastify's own error codes, as the API's stable ones. */
const CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_VALIDATION: 'invalid_request',
};

/** Fastify's messages that do not say what to do. */
const MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Send the request as JSON (Content-Type: application/json).',
};

/** A refusal without a code of its own (e.g. @fastify/static's 403 for `..`) as its status: 403 → `forbidden`. */
function codeForStatus(statusCode: number): string {
  if (statusCode >= 500) return 'internal_error';
  return (STATUS_CODES[statusCode] ?? 'error').toLowerCase().replace(/[^a-z]+/g, '_');
}

export interface ErrorReply {
  statusCode: number;
  code: string;
  message: string;
}

/** The answer to `err`, logged as a failure (5xx) or as a refusal. */
export function errorReply(err: FastifyError & { code?: string }, request: FastifyRequest): ErrorReply {
  const statusCode = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
  const internal = statusCode >= 500 && !(err.code && !err.code.startsWith('FST_') && statusCode === 503);
  if (internal) request.log.error({ err, url: request.url }, 'request failed');
  // Not the message: a JSON parser's quotes the body, and the log must never hold a document's text.
  else request.log.info({ code: err.code, statusCode }, 'request refused');
  const code =
    (err.code && CODES[err.code]) ??
    (err.validation ? 'invalid_request' : err.code) ??
    codeForStatus(statusCode);
  return {
    statusCode,
    code: internal ? 'internal_error' : code,
    message: internal
      ? `Internal error (request ${request.id}); see the engine log.`
      : ((err.code && MESSAGES[err.code]) ?? err.message),
  };
}
