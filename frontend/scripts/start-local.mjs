// `npm run start:local -w frontend`: the production build of the web app on
// http://localhost:3000, forwarding /api to API_BASE_URL (default: the backend of
// `npm run start:local -w backend`). Builds first when there is no build or the sources
// differ from the ones it was built from, so a fresh clone needs nothing else.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKEND_PORT, CONFIG_ENV, FRONTEND_PORT } from '@todo/contract';

const frontendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = path.dirname(frontendDir);
const serverJs = path.join(frontendDir, '.next', 'standalone', path.basename(frontendDir), 'server.js');
const buildId = path.join(frontendDir, '.next', 'BUILD_ID');

/**
 * A digest of everything the build reads. Contents, not times: `npm start` rebuilds the
 * contract package on every run, which rewrites identical files with new times.
 */
function sourceDigest() {
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
    path.join(frontendDir, 'next.config.ts'),
    path.join(frontendDir, 'package.json'),
    path.join(frontendDir, 'tsconfig.json'),
    path.join(repoRoot, 'packages', 'contract', 'dist'),
    path.join(repoRoot, 'package-lock.json'),
  ].forEach(visit);
  return hash.digest('hex');
}

const digestFile = path.join(frontendDir, '.next', 'source-digest');

function needsBuild(digest) {
  if (process.env.FRONTEND_REBUILD === '1') return 'FRONTEND_REBUILD=1';
  if (!existsSync(serverJs) || !existsSync(buildId)) return 'no build yet';
  let built = '';
  try {
    built = readFileSync(digestFile, 'utf8').trim();
  } catch {
    return 'the build predates source tracking';
  }
  return built === digest ? null : 'sources changed since the last build';
}

const digest = sourceDigest();
const reason = needsBuild(digest);
if (reason) {
  console.log(`[frontend] building (${reason}) …`);
  const npmCli = process.env.npm_execpath;
  const [cmd, args] = npmCli && npmCli.endsWith('.js') ? [process.execPath, [npmCli, 'run', 'build']] : ['npm', ['run', 'build']];
  const result = spawnSync(cmd, args, { cwd: frontendDir, stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  if (result.status !== 0) {
    console.error('[frontend] build failed; see the output above');
    process.exit(result.status ?? 1);
  }
  writeFileSync(digestFile, `${digest}\n`);
}

// --build-only: bring the build up to date and stop (the e2e harness builds once, then starts
// several servers from the same build).
if (process.argv.includes('--build-only')) process.exit(0);

const port = process.env.PORT || String(FRONTEND_PORT);
// Loopback unless asked otherwise: a development server is not for the network. (HOSTNAME is
// what the standalone server reads, but shells and containers set it to the machine name.)
const host = process.env.FRONTEND_HOST || '127.0.0.1';
const env = {
  ...process.env,
  NODE_ENV: 'production',
  NEXT_TELEMETRY_DISABLED: '1',
  PORT: port,
  HOSTNAME: host,
  [CONFIG_ENV.apiBaseUrl]: process.env[CONFIG_ENV.apiBaseUrl] || `http://127.0.0.1:${BACKEND_PORT}`,
  [CONFIG_ENV.environmentName]: process.env[CONFIG_ENV.environmentName] || 'local',
};
console.log(
  `[frontend] http://${host === '127.0.0.1' ? 'localhost' : host}:${port}  (${CONFIG_ENV.apiBaseUrl}=${env[CONFIG_ENV.apiBaseUrl]}, ${CONFIG_ENV.environmentName}=${env[CONFIG_ENV.environmentName]})`,
);
const child = spawn(process.execPath, [serverJs], { cwd: path.dirname(serverJs), env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 }[signal] ?? 1) : 1)));
