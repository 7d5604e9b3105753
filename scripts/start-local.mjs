// `npm start`: the whole app on one machine with nothing else installed — the backend on an
// embedded PGlite database (kept in .data/) and the web app on http://localhost:3000, which
// forwards /api to the backend. Ctrl-C (or SIGTERM) stops both.
//
// Order matters: the shared contract package is built first (both sides import it), and the
// web app starts once the backend is ready, so the two never build the contract at once.
//
// Both servers are started by node itself, not through `npm run` (an npm process idles at
// about 55 MiB for nothing), the tsx command (a second node process) or the web app's
// launcher: the backend runs its TypeScript with tsx loaded in-process, and the web app's
// launcher only brings the build up to date (`--build-only`) before its server starts here.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npmCli = process.env.npm_execpath;
const npm = (args) => (npmCli && npmCli.endsWith('.js') ? [process.execPath, [npmCli, ...args]] : ['npm', args]);

const build = spawnSync(...npm(['run', 'build', '-w', 'packages/contract']), { cwd: repoRoot, stdio: 'inherit' });
if (build.status !== 0) {
  console.error('start: building packages/contract failed; see above');
  process.exit(build.status ?? 1);
}
// The constants only: the whole contract would load zod's schemas into this idle process.
const { BACKEND_PORT, FRONTEND_PORT, CONFIG_ENV, READINESS_PATH } = await import('@todo/contract/constants');

// PORT means something different to each server, so each gets its own.
const backendPort = process.env.BACKEND_PORT || String(BACKEND_PORT);
const frontendPort = process.env.FRONTEND_PORT || String(FRONTEND_PORT);
const backendUrl = `http://127.0.0.1:${backendPort}`;
const { PORT: _ignored, ...baseEnv } = process.env;

const children = new Map();
let stopping = false;

function start(name, cwd, args, env) {
  // Own process group: a signal reaches the server and whatever it runs, and nothing else.
  const child = spawn(process.execPath, args, { cwd, env, stdio: 'inherit', detached: true });
  children.set(name, child);
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      console.error(`start: the ${name} stopped (${signal ?? `exit ${code}`}); stopping the rest`);
      stop(code || 1);
    } else if (children.size === 0) {
      process.exit(exitCode);
    }
  });
  return child;
}

let exitCode = 0;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  exitCode = code;
  if (children.size === 0) process.exit(exitCode);
  for (const child of children.values()) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  setTimeout(() => {
    for (const child of children.values()) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    process.exit(exitCode || 1);
  }, 30_000).unref();
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop(0));
// If whatever started us goes away without a signal (a killed `npm`), do not leave servers behind.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stop(0);
}, 2000).unref();

// --liftoff-only: V8's optimising compiler would recompile PGlite's 9 MB of WebAssembly as it
// warms up, which costs about 550 MiB for a few seconds of every start; the baseline code is
// fast enough for one developer's database (see docs/performance.md).
start('backend', path.join(repoRoot, 'backend'), ['--liftoff-only', '--import', 'tsx', 'src/server.ts'], {
  ...baseEnv,
  PORT: backendPort,
});

const deadline = Date.now() + 180_000;
while (!stopping) {
  try {
    const res = await fetch(`${backendUrl}${READINESS_PATH}`, { signal: AbortSignal.timeout(3000) });
    if (res.ok) break;
  } catch {
    // not up yet
  }
  if (Date.now() > deadline) {
    console.error(`start: the backend did not become ready at ${backendUrl}${READINESS_PATH} within 180 s`);
    stop(1);
    break;
  }
  await new Promise((r) => setTimeout(r, 500));
}

if (!stopping) {
  const built = spawnSync(process.execPath, ['scripts/start-local.mjs', '--build-only'], {
    cwd: path.join(repoRoot, 'frontend'),
    stdio: 'inherit',
  });
  if (built.status !== 0) {
    console.error('start: bringing the web app build up to date failed; see above');
    stop(built.status ?? 1);
  }
}
if (!stopping) {
  const { serverEnv, serverJs } = await import('../frontend/scripts/server-env.mjs');
  const { env, banner } = serverEnv({
    ...baseEnv,
    PORT: frontendPort,
    [CONFIG_ENV.apiBaseUrl]: process.env[CONFIG_ENV.apiBaseUrl] || backendUrl,
  });
  console.log(banner);
  start('frontend', path.dirname(serverJs), [serverJs], env);
}
