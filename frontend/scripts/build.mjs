// `npm run build -w frontend`: next build, then the browser assets copied into the standalone
// output (Next leaves them out, expecting a CDN), then the digest of the sources it was built
// from, which `start:local` compares to decide whether to build again.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { digestFile, frontendDir, sourceDigest } from './source-digest.mjs';

// Taken before the build: a source changed while it ran makes the next start build again.
const digest = sourceDigest();
const nextBin = createRequire(path.join(frontendDir, 'package.json')).resolve('next/dist/bin/next');

// Next.js refuses to start while another `next build` holds .next/lock (it gives up after a
// few seconds); wait for that build rather than fail.
const LOCK_WAIT_MS = 20 * 60_000;
const started = Date.now();
for (;;) {
  const result = spawnSync(process.execPath, [nextBin, 'build'], {
    cwd: frontendDir,
    stdio: ['inherit', 'inherit', 'pipe'],
    env: { NEXT_TELEMETRY_DISABLED: '1', ...process.env },
    maxBuffer: 64 * 1024 * 1024,
  });
  const stderr = result.stderr?.toString() ?? '';
  process.stderr.write(stderr);
  if (result.status === 0) break;
  if (/next build.*is already running/i.test(stripVTControlCharacters(stderr)) && Date.now() - started < LOCK_WAIT_MS) {
    console.log('build: another `next build` is running in this directory; trying again in 10 s');
    await new Promise((r) => setTimeout(r, 10_000));
    continue;
  }
  process.exit(result.status ?? 1);
}

// With outputFileTracingRoot at the repository root, the app sits under its workspace folder.
const standaloneApp = path.join(frontendDir, '.next', 'standalone', path.basename(frontendDir));
if (!existsSync(path.join(standaloneApp, 'server.js'))) {
  console.error(`build: ${standaloneApp}/server.js is missing; is output: 'standalone' set in next.config.ts?`);
  process.exit(1);
}
cpSync(path.join(frontendDir, '.next', 'static'), path.join(standaloneApp, '.next', 'static'), { recursive: true });
if (existsSync(path.join(frontendDir, 'public'))) {
  cpSync(path.join(frontendDir, 'public'), path.join(standaloneApp, 'public'), { recursive: true });
}
// The entry point that wraps server.js (see front-door/start.mjs); plain files, nothing to trace.
cpSync(path.join(frontendDir, 'front-door'), path.join(standaloneApp, 'front-door'), {
  recursive: true,
  filter: (src) => !src.endsWith('.d.mts'),
});
writeFileSync(digestFile, `${digest}\n`);
console.log(`build: standalone server ready at ${path.relative(frontendDir, standaloneApp)}/front-door/start.mjs`);
