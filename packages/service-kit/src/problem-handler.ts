import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ErrorCode, PROBLEM_CONTENT_TYPE, type FieldError, type Problem } from '@sutasoma/contracts';
import { AppError } from './errors.ts';

const TYPE_BASE = 'https://sutasoma.soppengkab.go.id/problems/';

export function sendProblem(reply: FastifyReply, request: FastifyRequest, err: AppError): FastifyReply {
  const body: Problem = {
    type: `${TYPE_BASE}${err.code}`,
    title: err.title,
    status: err.statusCode,
    code: err.code,
    detail: err.message,
    instance: request.url.split('?')[0],
    requestId: String(request.id),
    ...(err.errors ? { errors: err.errors } : {}),
  };
  for (const [k, v] of Object.entries(err.headers ?? {})) reply.header(k, v);
  return reply.code(err.statusCode).type(PROBLEM_CONTENT_TYPE).serializer(JSON.stringify).send(body);
}

/** zod issues (as Fastify or zod itself reports them) to per-field reasons. */
export function fieldErrorsFromValidation(err: { validation: { instancePath: string; keyword: string; message?: string; params?: Record<string, unknown> }[]; validationContext?: string }): FieldError[] {
  const context = err.validationContext;
  return err.validation.flatMap((v) => {
    const path = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
    const keys = v.params?.['keys'];
    if (v.keyword === 'unrecognized_keys' && Array.isArray(keys)) {
      return keys.map((k) => ({ field: path ? `${path}.${String(k)}` : String(k), code: 'unrecognized_field', message: 'is not a field of this request' }));
    }
    return [{ field: path || (context === 'body' || !context ? '(body)' : context), code: v.keyword, message: v.message ?? 'is invalid' }];
  });
}

/** The root error handler: every error leaves as RFC 9457 problem details. */
export function problemErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof AppError) return sendProblem(reply, request, error);
  if (hasZodFastifySchemaValidationErrors(error)) {
    const errors = fieldErrorsFromValidation(error as unknown as Parameters<typeof fieldErrorsFromValidation>[0]);
    return sendProblem(reply, request, new AppError(400, ErrorCode.validationFailed, 'Invalid request', {
      detail: `The request ${error.validationContext ?? 'body'} has ${errors.length} invalid field(s).`,
      errors,
    }));
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return sendProblem(reply, request, new AppError(413, ErrorCode.payloadTooLarge, 'Payload too large', { detail: 'The request body is over the size limit.' }));
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return sendProblem(reply, request, new AppError(415, ErrorCode.unsupportedMediaType, 'Unsupported media type', { detail: 'Send application/json.' }));
    // The router's own refusals, before any route: a percent sign that starts no escape, a path parameter over its length.
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return sendProblem(reply, request, new AppError(400, ErrorCode.validationFailed, 'Invalid request', {
        detail: 'The request path cannot be read.',
        errors: [error.code === 'FST_ERR_BAD_URL'
          ? { field: '(path)', code: 'invalid_url', message: 'has a percent sign that is not a valid escape' }
          : { field: '(path)', code: 'too_long', message: 'has a segment longer than any identifier of this API' }],
      }));
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return sendProblem(reply, request, new AppError(400, ErrorCode.validationFailed, 'Invalid request', {
        detail: 'The body is not valid JSON.', errors: [{ field: '(body)', code: 'invalid_json', message: error.message }],
      }));
  }
  if (error.statusCode === 429) {
    return sendProblem(reply, request, new AppError(429, ErrorCode.rateLimited, 'Too many requests', { detail: error.message }));
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return sendProblem(reply, request, new AppError(error.statusCode, error.code ?? 'bad_request', 'Bad request', { detail: error.message }));
  }
  request.log.error({ err: error }, 'unhandled error');
  return sendProblem(reply, request, new AppError(500, ErrorCode.internal, 'Internal error', { detail: 'An unexpected error occurred; it has been logged with this request id.' }));
}
