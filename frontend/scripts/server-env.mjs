// How the standalone production server of the web app is started locally: shared by this
// workspace's launcher (`npm run start:local -w frontend`) and the root `npm start`, which
// starts the server itself so that no launcher process idles next to it.
import path from 'node:path';
// The constants only: the whole contract would load zod into the processes that import this.
import { BACKEND_PORT, CONFIG_ENV, FRONTEND_PORT } from '@todo/contract/constants';
import { frontendDir } from './source-digest.mjs';

/** Next's standalone server.js behind the front door that hardens its HTTP server. */
export const serverJs = path.join(frontendDir, '.next', 'standalone', path.basename(frontendDir), 'front-door', 'start.mjs');

/** The server's environment, and the line that tells the user where it listens. */
export function serverEnv(base = process.env) {
  const port = base.PORT || String(FRONTEND_PORT);
  // Loopback unless asked otherwise: a development server is not for the network. (HOSTNAME is
  // what the standalone server reads, but shells and containers set it to the machine name.)
  const host = base.FRONTEND_HOST || '127.0.0.1';
  const env = {
    ...base,
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    PORT: port,
    HOSTNAME: host,
    [CONFIG_ENV.apiBaseUrl]: base[CONFIG_ENV.apiBaseUrl] || `http://127.0.0.1:${BACKEND_PORT}`,
    [CONFIG_ENV.environmentName]: base[CONFIG_ENV.environmentName] || 'local',
  };
  const banner = `[frontend] http://${host === '127.0.0.1' ? 'localhost' : host}:${port}  (${CONFIG_ENV.apiBaseUrl}=${env[CONFIG_ENV.apiBaseUrl]}, ${CONFIG_ENV.environmentName}=${env[CONFIG_ENV.environmentName]})`;
  return { env, banner };
}
