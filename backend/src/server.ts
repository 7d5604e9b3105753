import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { assertServable, ConfigError, describeConfig, loadConfig, type Config } from './config.js';

// The image runs `node dist/server.js` as PID 1: this file owns signals and the exit code.

let config: Config;
try {
  config = loadConfig();
  assertServable(config);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`todo-backend: ${err.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  throw err;
}

// Loaded after the configuration is known to be valid: a misconfigured process fails at once.
const { buildApp, loggerOptions } = await import('./app.js');
const bootLog = pino(loggerOptions(config) as pino.LoggerOptions);
if (config.authSecretSource !== 'env') {
  bootLog.warn(
    { source: config.authSecretSource },
    'AUTH_SECRET is not set: using a generated development secret (kept in the data directory). Set AUTH_SECRET in production.',
  );
}

let app: Awaited<ReturnType<typeof buildApp>>;
try {
  app = await buildApp(config);
} catch (err) {
  bootLog.fatal({ err }, 'start-up failed');
  process.exit(1);
}

// SIGTERM/SIGINT: close() first flips readiness (preClose), then stops accepting, lets in-flight
// requests finish and closes the pool. A second signal or the timeout ends the process at once.
closeWithGrace(
  {
    delay: config.shutdownTimeoutMs,
    logger: { error: (m: unknown) => app.log.error(m) },
  },
  async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an unexpected error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
    app.log.info('closed');
  },
);

try {
  await app.listen({ port: config.port, host: config.host });
  app.log.info(describeConfig(config), 'todo backend ready');
} catch (err) {
  app.log.fatal({ err }, 'could not listen');
  await app.close();
  process.exit(1);
}
