// Facts that the backend, the frontend, the images, the manifests, the chart and the
// tests must agree on. Change them here only: contract tests read the rendered
// manifests and compare against these values.

export const BACKEND_PORT = 8000;
export const FRONTEND_PORT = 3000;

export const API_PREFIX = '/api';
export const API_V1_PREFIX = '/api/v1';
export const AUTH_PREFIX = '/api/auth';

export const HEALTH_PATH = '/api/v1/health';
export const LIVENESS_PATH = '/api/v1/health/live';
export const READINESS_PATH = '/api/v1/health/ready';
export const METRICS_PATH = '/metrics';
export const OPENAPI_PATH = '/api/v1/openapi.json';
export const DOCS_PATH = '/api/v1/docs';

export const IMAGE_BACKEND = 'todo-backend';
export const IMAGE_FRONTEND = 'todo-frontend';

/** Environment variables that carry secrets: they reach pods only through secretKeyRef. */
export const SECRET_ENV = {
  databaseUrl: 'DATABASE_URL',
  openaiApiKey: 'OPENAI_API_KEY',
  authSecret: 'AUTH_SECRET',
} as const;

/** Environment variables that carry plain configuration (the ConfigMap). */
export const CONFIG_ENV = {
  apiBaseUrl: 'API_BASE_URL',
  environmentName: 'ENVIRONMENT_NAME',
  /** Frontend: how many proxies in front may set X-Forwarded-* (read by frontend/front-door). */
  trustedProxyHops: 'FRONTEND_TRUSTED_PROXY_HOPS',
} as const;

export const SECRET_ENV_NAMES = Object.values(SECRET_ENV);
export const CONFIG_ENV_NAMES = Object.values(CONFIG_ENV);

/** Other environment variables of the backend (plain config, from the ConfigMap in a cluster). */
export const BACKEND_CONFIG_ENV = {
  port: 'PORT',
  host: 'HOST',
  logLevel: 'LOG_LEVEL',
  openaiBaseUrl: 'OPENAI_BASE_URL',
  openaiModel: 'OPENAI_MODEL',
  environmentName: 'ENVIRONMENT_NAME',
  /** Comma-separated browser origins allowed to call the auth endpoints besides the request's own. */
  authTrustedOrigins: 'AUTH_TRUSTED_ORIGINS',
  /** Comma-separated proxy addresses/CIDRs (or loopback, linklocal, uniquelocal) whose X-Forwarded-* headers are believed; "none" for none. */
  trustedProxies: 'TRUSTED_PROXIES',
  /** PGlite data directory, used only when DATABASE_URL is unset. */
  dataDir: 'DATA_DIR',
  /** Milliseconds the assistant may wait for the model while answering one message, tool rounds and retries included (then 504). */
  openaiTimeoutMs: 'OPENAI_TIMEOUT_MS',
  /** Retries of a failed model request (connection error, 429, 5xx) before answering 502/504. */
  openaiMaxRetries: 'OPENAI_MAX_RETRIES',
  /** Messages one user may send to the assistant per minute (counted in the database: all replicas). */
  assistantMessagesPerMinute: 'ASSISTANT_MESSAGES_PER_MINUTE',
} as const;

/** Numeric non-root user both images run as (pod securityContext.runAsUser matches it). */
export const CONTAINER_UID = 10001;

/** Paths inside the images that must be writable under a read-only root filesystem. */
export const BACKEND_WRITABLE_PATHS = ['/tmp'] as const;
export const FRONTEND_WRITABLE_PATHS = ['/tmp', '/app/frontend/.next/cache'] as const;
