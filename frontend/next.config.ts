import path from 'node:path';
import type { NextConfig } from 'next';

// The repository root: npm workspaces hoist dependencies (and link @todo/contract) there,
// so tracing must start at the root or the standalone server misses them.
const repoRoot = path.join(__dirname, '..');

const nextConfig: NextConfig = {
  // One self-contained server (.next/standalone/frontend/server.js) for the image.
  output: 'standalone',
  outputFileTracingRoot: repoRoot,
  turbopack: { root: repoRoot },
  // The API is not ours to label; the proxy route forwards it byte for byte.
  poweredByHeader: false,
  reactStrictMode: true,
  // No next/image in this app: nothing may try to write optimised images outside the
  // writable cache directory of a read-only container.
  images: { unoptimized: true },
  // Static, so set here for every answer but the API's (the backend labels its own); the
  // per-request Content-Security-Policy with its nonce comes from proxy.ts.
  async headers() {
    return [
      {
        source: '/((?!api/|api$).*)',
        headers: [
          { key: 'X-Frame-Options', value: 'DENY' },
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
        ],
      },
    ];
  },
};

export default nextConfig;
