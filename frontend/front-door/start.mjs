// The production entry point: Next's standalone server.js, with its HTTP server hardened by
// guard.mjs. `npm run build -w frontend` copies this folder next to server.js; the image runs
// `node frontend/front-door/start.mjs`, `npm run start:local -w frontend` runs the same file.
//
// Next.js does not support a custom server with the standalone output (it would not be traced),
// and its generated server.js creates the HTTP server itself without exposing it. So the one
// http.createServer() call it makes at start-up is intercepted; everything else (keep-alive,
// shutdown on SIGTERM, logging) stays exactly as Next ships it.
import http from 'node:http';
import { createRequire } from 'node:module';
import { answerClientErrors, guardListener, MAX_HEADER_BYTES, parseTrustedHops, TRUSTED_PROXY_HOPS_ENV } from './guard.mjs';

let trustedHops;
try {
  trustedHops = parseTrustedHops(process.env[TRUSTED_PROXY_HOPS_ENV]);
} catch (err) {
  console.error(`[front-door] ${err.message}`);
  process.exit(1);
}

const createServer = http.createServer;
http.createServer = function hardenedCreateServer(...args) {
  // Only Next's own server: restored before anything else could ask for one.
  http.createServer = createServer;
  const listener = typeof args.at(-1) === 'function' ? args.pop() : undefined;
  const options = typeof args[0] === 'object' && args[0] !== null ? args[0] : {};
  const server = createServer.call(
    http,
    { ...options, maxHeaderSize: MAX_HEADER_BYTES },
    listener && guardListener(listener, { trustedHops }),
  );
  answerClientErrors(server);
  return server;
};

createRequire(import.meta.url)('../server.js');
