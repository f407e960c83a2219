import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { ErrorCode, ServerErrorCode } from '../errors.js';
import { createTokenCheck } from './auth.js';
import { createServerContext, type ServerDeps } from './context.js';
import { installErrorHandling, sendError } from './error-handler.js';
import { ROUTE_GROUPS } from './routes/index.js';
import { API_PREFIX, healthResponse } from './schemas.js';

export type { ServerDeps } from './context.js';

const VERSION = '0.1.0';

/** The REST API over one store; `listen` is the caller's. Closing it writes every buffered record. */
export async function buildApp(deps: ServerDeps): Promise<FastifyInstance> {
  const ctx = createServerContext(deps);
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: ctx.limits.body,
    ajv: {
      // Unknown query parameters and fields are errors (Fastify's default strips them silently). With
      // strictNumbers ajv coerces "Infinity" and then skips minimum/maximum; without it, the bounds every
      // number here has reject it.
      customOptions: {
        removeAdditional: false,
        coerceTypes: 'array',
        useDefaults: true,
        allErrors: false,
        strictNumbers: false,
      },
    },
    routerOptions: { maxParamLength: 500 },
    // One logger for all requests: a pino child per request costs more than a `performance/record` handler.
    childLoggerFactory: (logger) => logger,
    // A URL that does not decode never reaches the error handler: answer it in the same envelope.
    frameworkErrors: (error, _request, reply) =>
      sendError(reply, 400, ErrorCode.Validation, `url: ${error.message}`),
  });
  installErrorHandling(app);
  // JSON only: a text/plain body gets 415 instead of reaching a handler as a string.
  app.removeContentTypeParser('text/plain');
  app.addHook('onClose', () => ctx.close());

  const tags = [...new Map(ROUTE_GROUPS.map((g) => [g.tag.name, g.tag])).values()];
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'loadstrat strategy configuration API',
        version: VERSION,
        description:
          'Every /api endpoint needs `Authorization: Bearer <token>` (LOADSTRAT_API_TOKEN, or the token file the server ' +
          'printed the path of). Answers are `{"status":"success","data":…}`; errors `{"status":"error","error":{"code","message"}}`.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearerAuth: [] }],
      tags: [...tags, { name: 'health', description: 'For probes; no token needed' }],
    },
    // @fastify/swagger marks every body required; a nullable one (performance/record) is optional.
    transformObject: (document) => {
      if (!('openapiObject' in document)) return document.swaggerObject;
      const { openapiObject } = document;
      for (const operations of Object.values(openapiObject.paths ?? {})) {
        for (const op of Object.values(operations as Record<string, { requestBody?: any }>)) {
          if (op?.requestBody?.content?.['application/json']?.schema?.nullable === true)
            op.requestBody.required = false;
        }
      }
      return openapiObject;
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness, without a token',
        security: [],
        response: healthResponse,
      },
    },
    async () => ({ status: 'success', data: { status: 'ok', uptime_s: Math.round(process.uptime()) } }),
  );

  const isAuthorized = createTokenCheck(deps.token);
  await app.register(
    async (api) => {
      // Scoped to the routes registered here, however the client spelled their URL.
      api.addHook('onRequest', (request, reply, done) => {
        if (isAuthorized(request.headers.authorization)) return done();
        reply.header('www-authenticate', 'Bearer realm="loadstrat"');
        sendError(
          reply,
          401,
          ServerErrorCode.Unauthorized,
          request.headers.authorization === undefined
            ? 'authorization: Bearer token required'
            : 'authorization: wrong token',
        );
      });
      for (const group of ROUTE_GROUPS) await api.register(group.plugin, { ctx });
    },
    { prefix: API_PREFIX },
  );
  return app;
}
