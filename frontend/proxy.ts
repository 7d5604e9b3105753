import { NextResponse, type NextRequest } from 'next/server';

/**
 * A fresh nonce and a strict Content-Security-Policy for every page (the approach of the
 * Next.js CSP guide). Next.js reads the policy from the request header while rendering and
 * puts the nonce on its own scripts, so no inline script runs without it: an injected one
 * does not, and neither does anything loaded from another origin.
 */

export function contentSecurityPolicy(nonce: string, options: { dev: boolean }): string {
  return [
    "default-src 'self'",
    // 'strict-dynamic': the scripts Next.js loads from a nonced script are trusted too.
    // React needs eval in development only, for its debugging aids.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.dev ? " 'unsafe-eval'" : ''}`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' blob: data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    // Nothing may frame the sign-in form (clickjacking). X-Frame-Options says the same to
    // browsers without CSP 2 (next.config.ts). No upgrade-insecure-requests: local runs,
    // Compose and the test Ingress serve plain http.
    "frame-ancestors 'none'",
  ].join('; ');
}

export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64');
  const policy = contentSecurityPolicy(nonce, { dev: process.env.NODE_ENV === 'development' });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('x-nonce', nonce);
  requestHeaders.set('content-security-policy', policy);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('content-security-policy', policy);
  return response;
}

export const config = {
  matcher: [
    {
      // Pages only: /api answers are the backend's; static files run no inline code.
      source: '/((?!api/|api$|_next/static|_next/image|favicon.ico|icon.svg).*)',
      // Prefetches are not documents; they need no policy of their own.
      missing: [
        { type: 'header', key: 'next-router-prefetch' },
        { type: 'header', key: 'purpose', value: 'prefetch' },
      ],
    },
  ],
};
