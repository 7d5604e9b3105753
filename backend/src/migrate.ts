import { pino } from 'pino';
import { ConfigError, loadDatabaseConfig } from './config.js';
import { openDatabase } from './db/client.js';

// `npm run migrate -w backend` / `node dist/migrate.js`: apply the committed migrations and
// exit, for those who migrate in a Job before rolling out. Safe next to starting replicas.
const log = pino({ level: 'info' });
try {
  const config = loadDatabaseConfig();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger: log });
  try {
    const { applied } = await database.migrate();
    log.info({ applied, database: database.kind }, applied ? 'migrations applied' : 'database already up to date');
  } finally {
    await database.close();
  }
} catch (err) {
  if (err instanceof ConfigError) log.error(err.message);
  else log.error({ err }, 'migration failed');
  process.exitCode = 1;
}
