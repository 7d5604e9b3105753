/**
 * What the proving ground pins and caches: versions from scripts/versions.env (the one list the
 * shell scripts source too) and the tool cache they build into.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CACHE = process.env.TODO_APP_CACHE ?? join(homedir(), '.cache/todo-app');

let versions: Record<string, string> | undefined;

/** A version pinned in scripts/versions.env; a missing name is an error, never a default. */
export function pinned(name: string): string {
  versions ??= Object.fromEntries(
    readFileSync(join(REPO_ROOT, 'scripts/versions.env'), 'utf8')
      .split('\n')
      .map((line) => /^([A-Z0-9_]+)=(.*)$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!.trim()]),
  );
  const v = versions[name];
  if (!v) throw new Error(`scripts/versions.env has no ${name}`);
  return v;
}

/** A tool the scripts built into the cache (`<name>-<version>`), else the one on PATH; ENV overrides both. */
export function cachedTool(name: string, version: string, envOverride: string): string {
  const fromEnv = process.env[envOverride];
  if (fromEnv) return fromEnv;
  const cached = join(CACHE, 'bin', `${name}-${version}`);
  return existsSync(cached) ? cached : name;
}
