import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import FindMyWay from 'find-my-way';
import { errorBody } from '../../http-error.js';

/**
 * 405 with Allow for a method a path of ours does not have, instead of 404 (or a 400 from a
 * body parsed for nothing). Fastify's router only says "no route", so the API's paths are
 * mirrored into a second router that can be asked which methods a concrete path has.
 */
export default fp<{ prefix: string }>(
  async (app: FastifyInstance, { prefix }) => {
    const mirror = FindMyWay({ ignoreTrailingSlash: true });
    const methodsByPath = new Map<string, Set<string>>();
    app.addHook('onRoute', (route) => {
      // Wildcards (the docs' static files) would claim every path below them.
      if (!route.url.startsWith(prefix) || route.url.includes('*')) return;
      let methods = methodsByPath.get(route.url);
      if (!methods) {
        methods = new Set();
        methodsByPath.set(route.url, methods);
        mirror.on('GET', route.url, () => {}, { methods });
      }
      for (const m of [route.method].flat()) methods.add(m);
      if (methods.has('GET')) methods.add('HEAD');
    });
    app.addHook('onRequest', async (request, reply) => {
      if (!request.is404 || !request.url.startsWith(prefix)) return;
      const found = mirror.find('GET', request.url.split('?')[0]!);
      const methods = (found?.store as { methods: Set<string> } | undefined)?.methods;
      if (!methods) return;
      const allow = [...methods].sort().join(', ');
      return reply
        .code(405)
        .header('allow', allow)
        .send(errorBody('METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${request.url.split('?')[0]}; allowed: ${allow}`));
    });
  },
  { name: 'method-not-allowed' },
);
