import { connection } from 'next/server';
import { CONFIG_ENV } from '@todo/contract';
import { parseBaseUrl } from './proxy';

/**
 * Run-time configuration of the web server. Read per request, never inlined at build time
 * (no NEXT_PUBLIC_*): one build serves every environment, and a changed ConfigMap shows
 * after a pod restart.
 */

export const DEFAULT_API_BASE_URL = 'http://127.0.0.1:8000';
export const DEFAULT_ENVIRONMENT_NAME = 'local';

/** The backend as this server reaches it (the browser never sees this URL). */
export function apiBaseUrl(): string {
  return process.env[CONFIG_ENV.apiBaseUrl]?.trim() || DEFAULT_API_BASE_URL;
}

/** Absolute URL of a backend path (such as /api/auth/get-session) for server-side calls. */
export function backendUrl(pathAndQuery: string): URL {
  const base = parseBaseUrl(apiBaseUrl());
  return new URL(base.pathname.replace(/\/+$/, '') + pathAndQuery, base.origin);
}

/** Awaiting connection() keeps the caller out of the build-time prerender. */
export async function environmentName(): Promise<string> {
  await connection();
  return process.env[CONFIG_ENV.environmentName]?.trim() || DEFAULT_ENVIRONMENT_NAME;
}
