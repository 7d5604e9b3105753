// `next build` leaves the browser assets out of the standalone server (they are meant for a
// CDN). Copying them in makes .next/standalone a complete, runnable app for local runs and
// for the image's runtime stage.
import { cpSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const frontendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// With outputFileTracingRoot at the repository root, the app sits under its workspace folder.
const standaloneApp = path.join(frontendDir, '.next', 'standalone', path.basename(frontendDir));

if (!existsSync(path.join(standaloneApp, 'server.js'))) {
  console.error(`copy-static: ${standaloneApp}/server.js is missing; is output: 'standalone' set in next.config.ts?`);
  process.exit(1);
}
cpSync(path.join(frontendDir, '.next', 'static'), path.join(standaloneApp, '.next', 'static'), { recursive: true });
if (existsSync(path.join(frontendDir, 'public'))) {
  cpSync(path.join(frontendDir, 'public'), path.join(standaloneApp, 'public'), { recursive: true });
}
console.log(`copy-static: browser assets copied into ${path.relative(frontendDir, standaloneApp)}`);
