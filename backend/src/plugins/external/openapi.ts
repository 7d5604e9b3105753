import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { API_V1_PREFIX, ApiError, DOCS_PATH, OPENAPI_PATH } from '@todo/contract';

type Operation = { responses?: Record<string, { description?: string; content?: Record<string, unknown> }> };
type PathItem = Record<string, unknown> & { description?: string };
type Document = { paths?: Record<string, PathItem>; components?: Record<string, Record<string, unknown>> };

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
/** Operations that answer as a stream of events rather than one JSON body. */
const EVENT_STREAMS = new Set([`post ${API_V1_PREFIX}/chat/stream`]);

/** In the dialect of the rest of the document (OpenAPI 3.0), without a $schema of its own. */
function errorContent() {
  const { $schema: _, ...schema } = z.toJSONSchema(ApiError, { io: 'output', target: 'openapi-3.0' });
  return { 'application/json': { schema } };
}

/**
 * What the route schemas cannot say, added to the generated document so that it states what
 * the server does: the 405 of every API path (answered outside the routes), 204 without a
 * body, the event stream's media type, and the 503 every database-backed operation can give.
 */
export function completeDocument<T>(input: T): T {
  const doc = input as Document;
  doc.components ??= {};
  doc.components.responses = {
    ...doc.components.responses,
    MethodNotAllowed: {
      description: 'the path exists, but not with this method',
      headers: { Allow: { description: 'the methods the path has, comma-separated', schema: { type: 'string' } } },
      content: errorContent(),
    },
  };
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const methods = METHODS.filter((m) => m in item);
    if (path.startsWith(API_V1_PREFIX)) {
      const allowed = [...new Set(methods.flatMap((m) => (m === 'get' ? ['GET', 'HEAD'] : [m.toUpperCase()])))].sort().join(', ');
      item.description = `Other methods than ${allowed} answer 405 with an Allow header (components.responses.MethodNotAllowed).`;
    }
    for (const method of methods) {
      const op = item[method] as Operation;
      const responses = (op.responses ??= {});
      for (const [status, response] of Object.entries(responses)) {
        if (status === '204') delete response.content;
        if (status === '200' && EVENT_STREAMS.has(`${method} ${path}`)) {
          response.content = { 'text/event-stream': { schema: { type: 'string' } } };
        }
      }
      // Operations behind the session read the database for it.
      if (responses['401'] && !responses['503']) {
        responses['503'] = { description: 'the database is unavailable (Retry-After: 5)', content: errorContent() };
      }
    }
  }
  return input;
}

/** The OpenAPI document is generated from the routes' zod schemas; nothing is written by hand. */
export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        info: {
          title: 'Todo API',
          version: '1.0.0',
          description:
            'Todos of the signed-in user. Sign up / sign in at /api/auth/* (Better Auth, email and password); the session cookie authenticates every /api/v1 route except health and docs.',
        },
        components: {
          securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'better-auth.session_token' } },
        },
      },
      transform: jsonSchemaTransform,
      transformObject: (documentObject) =>
        completeDocument('openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject),
    });
    await app.register(swaggerUi, {
      routePrefix: DOCS_PATH,
      staticCSP: true,
      uiConfig: { url: OPENAPI_PATH },
    });
    app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'openapi' },
);
