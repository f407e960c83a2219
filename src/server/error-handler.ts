import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { ErrorCode, isLoadstratError, ServerErrorCode } from '../errors.js';

type ValidationIssue = {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
};

/** `/reports/0/packages/lodash` → `reports[0].packages.lodash`; the top of a part has no name. */
function toFieldPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce(
      (path, key) => (/^\d+$/.test(key) ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`),
      '',
    );
}

const typeNames: Record<string, string> = {
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  string: 'a string',
  object: 'an object',
  array: 'an array',
};

const partNames: Record<string, string> = {
  querystring: 'query parameter',
  body: 'field',
  params: 'path parameter',
};

/** One ajv error as "field: what is wrong", the form every 400 of this API takes. */
export function formatValidationIssue(issue: ValidationIssue, part: string | undefined): string {
  const at = toFieldPath(issue.instancePath);
  const join = (name: string) => (at === '' ? name : `${at}.${name}`);
  switch (issue.keyword) {
    case 'additionalProperties':
      return `${join(String(issue.params.additionalProperty))}: unknown ${partNames[part ?? ''] ?? 'field'}`;
    case 'required':
      return `${join(String(issue.params.missingProperty))}: is required`;
    case 'enum':
      return `${at || part}: must be one of ${(issue.params.allowedValues as unknown[]).map((v) => String(v)).join(', ')}`;
    case 'type':
      return `${at || part}: must be ${String(issue.params.type)
        .split(',')
        .map((t) => typeNames[t] ?? t)
        .join(' or ')}`;
    default:
      return `${at || part}: ${issue.message ?? 'is invalid'}`;
  }
}

export function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send({ status: 'error', error: { code, message } });
}

/** The one place errors become `{"status":"error","error":{"code","message"}}` and a status. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation !== undefined && error.validation.length > 0) {
      const message = formatValidationIssue(error.validation[0] as ValidationIssue, error.validationContext);
      return sendError(reply, 400, ErrorCode.Validation, message);
    }
    if (isLoadstratError(error)) {
      if (error.statusCode >= 500) request.log.error({ err: error }, error.message);
      return sendError(reply, error.statusCode, error.code, error.message);
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendError(
          reply,
          413,
          ServerErrorCode.PayloadTooLarge,
          `body: larger than this endpoint's limit of ${request.routeOptions.bodyLimit} bytes`,
        );
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendError(
          reply,
          415,
          ServerErrorCode.MediaType,
          `content-type: ${JSON.stringify(request.headers['content-type'] ?? '')} is not supported; send application/json`,
        );
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own 4xx: malformed JSON, an empty JSON body, a bad URL, a wrong content length.
      const field = error.code?.startsWith('FST_ERR_CTP') || error instanceof SyntaxError ? 'body: ' : '';
      return sendError(reply, status, ErrorCode.Validation, `${field}${error.message}`);
    }
    request.log.error({ err: error }, 'internal error');
    return sendError(reply, 500, ServerErrorCode.Internal, 'internal error; the server log has the details');
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      404,
      ErrorCode.NotFound,
      `no endpoint ${request.method} ${request.url.split('?')[0]!.slice(0, 300)}`,
    ),
  );
}
