import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import proxyAddr from '@fastify/proxy-addr';
import { BACKEND_CONFIG_ENV, BACKEND_PORT, SECRET_ENV } from '@todo/contract';

/** src/ and dist/ sit at the same depth, so the repository root is two levels up from either. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_DATA_DIR = path.join(REPO_ROOT, '.data', 'pglite');
export const AUTH_SECRET_MIN_LENGTH = 32;

/** An empty variable means "unset": compose files and charts often render `KEY=`. */
const optionalString = z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.string().optional());

const EnvSchema = z.object({
  NODE_ENV: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['development', 'production', 'test']).default('development')),
  [BACKEND_CONFIG_ENV.port]: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number().int().min(0).max(65535).default(BACKEND_PORT),
  ),
  [BACKEND_CONFIG_ENV.host]: optionalString,
  [BACKEND_CONFIG_ENV.logLevel]: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  [SECRET_ENV.databaseUrl]: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
  ),
  [BACKEND_CONFIG_ENV.dataDir]: optionalString,
  [SECRET_ENV.authSecret]: optionalString.pipe(
    z
      .string()
      .min(AUTH_SECRET_MIN_LENGTH, `must be at least ${AUTH_SECRET_MIN_LENGTH} characters (e.g. \`openssl rand -base64 32\`)`)
      .optional(),
  ),
  [BACKEND_CONFIG_ENV.authTrustedOrigins]: optionalString,
  [BACKEND_CONFIG_ENV.trustedProxies]: optionalString,
  [SECRET_ENV.openaiApiKey]: optionalString,
  [BACKEND_CONFIG_ENV.openaiBaseUrl]: optionalString.pipe(z.url().optional()),
  [BACKEND_CONFIG_ENV.openaiModel]: optionalString,
  [BACKEND_CONFIG_ENV.openaiTimeoutMs]: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number().int().min(100).max(600_000).default(60_000),
  ),
  [BACKEND_CONFIG_ENV.openaiMaxRetries]: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).max(5).default(2)),
  [BACKEND_CONFIG_ENV.assistantMessagesPerMinute]: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number().int().min(1).max(10_000).default(20),
  ),
  [BACKEND_CONFIG_ENV.environmentName]: optionalString,
  SHUTDOWN_TIMEOUT_MS: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(1000).max(600_000).default(25_000)),
});

export type Config = {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  logLevel: string;
  /** Unset → embedded PGlite in dataDir (never in production). */
  databaseUrl: string | undefined;
  dataDir: string;
  authSecret: string;
  /** Where the secret came from, so start-up can warn without ever printing it. */
  authSecretSource: 'env' | 'generated' | 'file';
  authTrustedOrigins: string[];
  /**
   * Peers whose X-Forwarded-For/-Host/-Proto are believed (proxy-addr syntax); empty: none.
   * The client address they yield keys the sign-in rate limits, so trusting too much lets a
   * client pick a fresh address for every attempt.
   */
  trustedProxies: string[];
  openai: {
    apiKey: string | undefined;
    baseUrl: string | undefined;
    model: string;
    timeoutMs: number;
    maxRetries: number;
    messagesPerMinute: number;
  };
  environmentName: string;
  /** Upper bound for draining in-flight requests after SIGTERM. */
  shutdownTimeoutMs: number;
};

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function parseOrigins(raw: string | undefined): string[] {
  if (!raw) return [];
  const origins: string[] = [];
  for (const part of raw.split(',')) {
    const value = part.trim();
    if (!value) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new ConfigError(`${BACKEND_CONFIG_ENV.authTrustedOrigins}: "${value}" is not an origin such as https://todo.example.com`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError(`${BACKEND_CONFIG_ENV.authTrustedOrigins}: "${value}" must use http or https`);
    }
    origins.push(url.origin);
  }
  return origins;
}

/** Only the local machine by default: the Next.js server in development runs there. */
export const DEFAULT_TRUSTED_PROXIES = ['loopback'];

function parseProxies(raw: string | undefined): string[] {
  if (raw === undefined) return DEFAULT_TRUSTED_PROXIES;
  const list = raw
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  if (list.length === 1 && list[0] === 'none') return [];
  try {
    proxyAddr.compile(list);
  } catch (err) {
    throw new ConfigError(
      `${BACKEND_CONFIG_ENV.trustedProxies}: ${(err as Error).message}; give IP addresses or CIDRs (10.0.0.0/8), loopback, linklocal, uniquelocal, or none`,
    );
  }
  return list;
}

/**
 * Development convenience: a secret generated once and kept next to the data directory, so
 * sessions survive restarts of `npm start` without the user creating one.
 */
function developmentSecret(dataDir: string): { secret: string; source: 'generated' | 'file' } {
  const file = path.join(path.dirname(dataDir), 'dev-auth-secret');
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= AUTH_SECRET_MIN_LENGTH) return { secret: existing, source: 'file' };
  } catch {
    // absent: create below
  }
  const secret = randomBytes(32).toString('base64url');
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  } catch {
    // Read-only location: the secret lives for this process only.
  }
  return { secret, source: 'generated' };
}

/** Reads and validates the environment once; every problem is reported, each naming its variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  const nodeEnv = e.NODE_ENV;
  const dataDir = path.resolve(e[BACKEND_CONFIG_ENV.dataDir] ?? DEFAULT_DATA_DIR);

  let authSecret = e[SECRET_ENV.authSecret];
  let authSecretSource: Config['authSecretSource'] = 'env';
  if (!authSecret) {
    if (nodeEnv === 'production') {
      throw new ConfigError(
        `${SECRET_ENV.authSecret} is required when NODE_ENV=production: set it to a random string of at least ${AUTH_SECRET_MIN_LENGTH} characters (e.g. \`openssl rand -base64 32\`)`,
      );
    }
    const dev = developmentSecret(dataDir);
    authSecret = dev.secret;
    authSecretSource = dev.source;
  }

  return {
    nodeEnv,
    port: e[BACKEND_CONFIG_ENV.port],
    host: e[BACKEND_CONFIG_ENV.host] ?? (nodeEnv === 'production' ? '0.0.0.0' : '127.0.0.1'),
    logLevel: e[BACKEND_CONFIG_ENV.logLevel],
    databaseUrl: e[SECRET_ENV.databaseUrl],
    dataDir,
    authSecret,
    authSecretSource,
    authTrustedOrigins: parseOrigins(e[BACKEND_CONFIG_ENV.authTrustedOrigins]),
    trustedProxies: parseProxies(e[BACKEND_CONFIG_ENV.trustedProxies]),
    openai: {
      apiKey: e[SECRET_ENV.openaiApiKey],
      baseUrl: e[BACKEND_CONFIG_ENV.openaiBaseUrl],
      model: e[BACKEND_CONFIG_ENV.openaiModel] ?? 'gpt-4o-mini',
      timeoutMs: e[BACKEND_CONFIG_ENV.openaiTimeoutMs],
      maxRetries: e[BACKEND_CONFIG_ENV.openaiMaxRetries],
      messagesPerMinute: e[BACKEND_CONFIG_ENV.assistantMessagesPerMinute],
    },
    environmentName: e[BACKEND_CONFIG_ENV.environmentName] ?? 'local',
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
}

/**
 * What the server entry point adds to a valid configuration: the embedded PGlite is a
 * development dependency (the image does not ship it), and one file-backed database per
 * replica would lose data on every rollout anyway. Kept out of loadConfig so that tests can
 * run production behaviour (such as auth rate limits) on PGlite in process.
 */
export function assertServable(c: Config): void {
  if (c.nodeEnv === 'production' && !c.databaseUrl) {
    throw new ConfigError(
      `${SECRET_ENV.databaseUrl} is required when NODE_ENV=production: set it to the postgres:// URL of the PostgreSQL server (the embedded PGlite database is for development only)`,
    );
  }
}

/** The values that are safe to log (no secret, no URL that may carry a password). */
export function describeConfig(c: Config): Record<string, unknown> {
  return {
    nodeEnv: c.nodeEnv,
    host: c.host,
    port: c.port,
    database: c.databaseUrl ? 'postgres' : `pglite:${c.dataDir}`,
    authSecret: c.authSecretSource,
    authTrustedOrigins: c.authTrustedOrigins,
    trustedProxies: c.trustedProxies,
    openai: c.openai.apiKey ? 'configured' : 'not configured',
    environmentName: c.environmentName,
  };
}

/**
 * Only what the `migrate` command needs: a migration Job has the database URL but no reason to
 * hold AUTH_SECRET or the assistant's key.
 */
export function loadDatabaseConfig(env: NodeJS.ProcessEnv = process.env): Pick<Config, 'databaseUrl' | 'dataDir'> {
  const parsed = EnvSchema.pick({ [SECRET_ENV.databaseUrl]: true, [BACKEND_CONFIG_ENV.dataDir]: true }).safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return {
    databaseUrl: parsed.data[SECRET_ENV.databaseUrl],
    dataDir: path.resolve(parsed.data[BACKEND_CONFIG_ENV.dataDir] ?? DEFAULT_DATA_DIR),
  };
}
