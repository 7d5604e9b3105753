import { cache } from 'react';
import { headers } from 'next/headers';
import { AUTH_PREFIX } from '@todo/contract';
import { backendUrl } from './config';
import type { SessionUser } from './definitions';

/** Thrown when the backend cannot tell who the user is; error.tsx shows it. */
export class BackendUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackendUnavailableError';
  }
}

/**
 * Asks the backend who the request's session belongs to. Cached per request, so the layout
 * and the page share one call. The browser's cookies and forwarding headers go along so the
 * backend sees the same origin and cookie names (secure prefix on https) it would see directly.
 */
export const getSessionUser = cache(async (): Promise<SessionUser | null> => {
  const incoming = await headers();
  const cookie = incoming.get('cookie');
  if (!cookie) return null;
  const forwardedHost = incoming.get('x-forwarded-host') ?? incoming.get('host');
  const forwardedProto = incoming.get('x-forwarded-proto');
  // The browser's address, not this server's: Better Auth rate-limits per client address, and
  // every page load of every user would otherwise share this server's one bucket.
  const forwardedFor = incoming.get('x-forwarded-for');
  const requestHeaders: Record<string, string> = { cookie, accept: 'application/json' };
  if (forwardedHost) requestHeaders['x-forwarded-host'] = forwardedHost;
  if (forwardedProto) requestHeaders['x-forwarded-proto'] = forwardedProto;
  if (forwardedFor) requestHeaders['x-forwarded-for'] = forwardedFor;

  let res: Response;
  try {
    res = await fetch(backendUrl(`${AUTH_PREFIX}/get-session`), {
      headers: requestHeaders,
      cache: 'no-store',
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw new BackendUnavailableError('The API is unreachable, so your session cannot be checked.', { cause: err });
  }
  if (res.status === 401) return null;
  if (!res.ok) {
    throw new BackendUnavailableError(`The API answered ${res.status} when checking your session.`);
  }
  const body = (await res.json().catch(() => null)) as { user?: SessionUser } | null;
  const user = body?.user;
  return user ? { id: user.id, name: user.name, email: user.email } : null;
});

/** The same question, where a broken backend must not break the page (the header). */
export async function getSessionUserOrNull(): Promise<SessionUser | null> {
  try {
    return await getSessionUser();
  } catch {
    return null;
  }
}
