import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { DOCS_PATH, OPENAPI_PATH } from '@todo/contract';

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
