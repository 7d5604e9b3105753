// `npm run start:local -w frontend`: the production build of the web app on
// http://localhost:3000, forwarding /api to API_BASE_URL (default: the backend of
// `npm run start:local -w backend`). Builds first when there is no build or the sources
// differ from the ones it was built from, so a fresh clone needs nothing else.
//
//   --build-only          bring the build up to date and exit
//   FRONTEND_REBUILD=1    build even when the sources are unchanged
//   FRONTEND_SKIP_BUILD=1 never build (fail when there is no build)
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serverEnv, serverJs } from './server-env.mjs';
import { digestFile, frontendDir, sourceDigest } from './source-digest.mjs';

const buildId = path.join(frontendDir, '.next', 'BUILD_ID');

function staleReason() {
  if (process.env.FRONTEND_REBUILD === '1') return 'FRONTEND_REBUILD=1';
  if (!existsSync(serverJs) || !existsSync(buildId)) return 'no build yet';
  let built;
  try {
    built = readFileSync(digestFile, 'utf8').trim();
  } catch {
    return 'no record of what the build was made from';
  }
  return built === sourceDigest() ? null : 'sources changed since the last build';
}

// Two starts at once (the e2e suite, a second terminal) must not run two `next build`s in
// one directory: the second waits for the first and then uses its build.
const lockPath = path.join(os.tmpdir(), `todo-frontend-build-${createHash('sha256').update(frontendDir).digest('hex').slice(0, 12)}.lock`);

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

async function withBuildLock(fn) {
  const deadline = Date.now() + 20 * 60_000;
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const holder = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
      if (!Number.isFinite(holder) || !alive(holder)) {
        unlinkSync(lockPath);
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another build (pid ${holder}) holds ${lockPath} for too long`, { cause: err });
      if (!announced) console.log(`[frontend] waiting for the build of pid ${holder} …`);
      announced = true;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    try {
      unlinkSync(lockPath);
    } catch {
      // gone already
    }
  }
}

if (process.env.FRONTEND_SKIP_BUILD === '1') {
  if (!existsSync(serverJs)) {
    console.error(`[frontend] FRONTEND_SKIP_BUILD=1 but there is no build at ${serverJs}`);
    process.exit(1);
  }
} else {
  await withBuildLock(() => {
    const reason = staleReason();
    if (!reason) return;
    console.log(`[frontend] building (${reason}) …`);
    const npmCli = process.env.npm_execpath;
    const [cmd, args] = npmCli && npmCli.endsWith('.js') ? [process.execPath, [npmCli, 'run', 'build']] : ['npm', ['run', 'build']];
    const result = spawnSync(cmd, args, { cwd: frontendDir, stdio: 'inherit' });
    if (result.status !== 0) {
      console.error('[frontend] build failed; see the output above');
      process.exit(result.status ?? 1);
    }
  });
}

if (process.argv.includes('--build-only')) process.exit(0);

const { env, banner } = serverEnv();
console.log(banner);
const child = spawn(process.execPath, [serverJs], { cwd: path.dirname(serverJs), env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 }[signal] ?? 1) : 1)));
