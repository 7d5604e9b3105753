// What a production build of the web app is made from, as one digest. Contents, not times:
// `npm start` rebuilds the contract package on every run, rewriting identical files.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const frontendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = path.dirname(frontendDir);
/** Inside .next, so that any `next build` (which empties .next) invalidates it. */
export const digestFile = path.join(frontendDir, '.next', 'source-digest');

export function sourceDigest() {
  const hash = createHash('sha256');
  const visit = (p) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const entry of readdirSync(p).sort()) visit(path.join(p, entry));
    } else {
      hash.update(path.relative(repoRoot, p)).update('\0').update(readFileSync(p)).update('\0');
    }
  };
  [
    path.join(frontendDir, 'app'),
    path.join(frontendDir, 'public'),
    path.join(frontendDir, 'front-door'),
    path.join(frontendDir, 'proxy.ts'),
    path.join(frontendDir, 'instrumentation-client.ts'),
    path.join(frontendDir, 'next.config.ts'),
    path.join(frontendDir, 'package.json'),
    path.join(frontendDir, 'tsconfig.json'),
    path.join(repoRoot, 'packages', 'contract', 'dist'),
    path.join(repoRoot, 'packages', 'contract', 'package.json'), // its exports and sideEffects shape the bundles
    path.join(repoRoot, 'package-lock.json'),
  ].forEach(visit);
  return hash.digest('hex');
}
