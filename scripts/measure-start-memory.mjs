// Memory of `npm start` (scripts/start-local.mjs): the whole process tree it starts — npm,
// the backend on its embedded PGlite database, the web app — sampled from /proc.
//
//   node scripts/measure-start-memory.mjs
//   MEASURE_IDLE_S=10  seconds of idle sampling after both servers answer (default 10)
//
// Runs `npm start` twice on free loopback ports with one temporary data directory: a first
// start (the embedded database is created) and a second one on that data (every later start).
// Each time it sums VmRSS over the process tree every 200 ms until the backend's readiness URL
// and the web app both answer, then over the idle period, and prints the peak, the idle
// figure (the last sample) and the idle tree process by process. Stops everything it started.
// An up-to-date frontend build is used; when there is none, start-local builds one, and the
// build's memory is part of that peak (the script says so).
//
// RSS summed over processes counts pages they share (the node binary, libraries) once per
// process, so the sum is an upper bound of what the tree costs the machine.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const IDLE_MS = Number(process.env.MEASURE_IDLE_S ?? 10) * 1000;
const START_TIMEOUT_MS = 15 * 60_000;
const TARGET_IDLE_MIB = 400;
const TARGET_PEAK_MIB = 600;

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** pid → {ppid, name} of every process, from /proc/<pid>/stat. */
function processTable() {
  const table = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The name is in parentheses and may itself contain spaces or parentheses.
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      table.set(Number(entry), {
        ppid: Number(fields[1]),
        name: stat.slice(stat.indexOf('(') + 1, close),
      });
    } catch {
      // exited meanwhile
    }
  }
  return table;
}

function descendants(root) {
  const table = processTable();
  const children = new Map();
  for (const [pid, { ppid }] of table) {
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(pid);
  }
  const out = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift();
    if (!table.has(pid)) continue;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

function rssKiB(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function commandLine(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 110);
  } catch {
    return '?';
  }
}

async function answers(url) {
  try {
    const res = await fetch(url, {
      redirect: 'manual',
      signal: AbortSignal.timeout(2000),
    });
    await res.arrayBuffer();
    return res.status < 500;
  } catch {
    return false;
  }
}

const mib = (kib) => (kib / 1024).toFixed(0);
const { READINESS_PATH } = await import(path.join(repoRoot, 'packages', 'contract', 'dist', 'index.js')).catch(() => {
  console.error('measure-start-memory: build packages/contract first (npm run build -w packages/contract)');
  process.exit(1);
});

const dataRoot = mkdtempSync(path.join(os.tmpdir(), 'todo-start-memory-'));
const npmCli = process.env.npm_execpath;
const npmStart = npmCli && npmCli.endsWith('.js') ? [process.execPath, [npmCli, 'start']] : ['npm', ['start']];

async function measure(label) {
  const [backendPort, frontendPort] = [await freePort(), await freePort()];
  const env = {
    ...process.env,
    BACKEND_PORT: String(backendPort),
    FRONTEND_PORT: String(frontendPort),
    DATA_DIR: path.join(dataRoot, 'pglite'),
  };
  delete env.DATABASE_URL;

  const started = Date.now();
  const child = spawn(npmStart[0], npmStart[1], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  let exited = false;
  child.on('exit', () => (exited = true));

  const seen = new Map(); // pid → command line, to stop only those very processes at the end
  let peak = 0;
  let peakAt = 0;
  let peakRows = [];
  let sawBuild = false;
  let last = { total: 0, rows: [] };
  function sample() {
    const rows = descendants(child.pid).map((pid) => ({
      pid,
      rss: rssKiB(pid),
      cmd: commandLine(pid),
    }));
    let total = 0;
    for (const row of rows) {
      seen.set(row.pid, row.cmd);
      total += row.rss;
      if (/next/.test(row.cmd) && / build\b/.test(row.cmd)) sawBuild = true;
    }
    if (total > peak) {
      peak = total;
      peakAt = Date.now() - started;
      peakRows = rows;
    }
    last = { total, rows };
  }
  const timer = setInterval(sample, 200);

  let readyAt = 0;
  try {
    const backendUrl = `http://127.0.0.1:${backendPort}${READINESS_PATH}`;
    const frontendUrl = `http://127.0.0.1:${frontendPort}/sign-in`;
    for (;;) {
      if (exited) throw new Error('npm start exited before both servers answered');
      if (Date.now() - started > START_TIMEOUT_MS) throw new Error('npm start did not answer within 15 min');
      if ((await answers(backendUrl)) && (await answers(frontendUrl))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    readyAt = Date.now() - started;
    await new Promise((r) => setTimeout(r, IDLE_MS));
    sample();
  } catch (err) {
    console.error(`measure-start-memory: ${err.message}\n--- npm start output ---\n${output.slice(-4000)}`);
    process.exitCode = 1;
  } finally {
    clearInterval(timer);
    const idle = last;
    if (!exited) child.kill('SIGTERM');
    const deadline = Date.now() + 35_000;
    while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    // Whatever of the tree outlived start-local's own shutdown (it stops its servers itself).
    for (const [pid, cmd] of seen) {
      try {
        if (commandLine(pid) === cmd) process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    if (readyAt) {
      console.log(`${label}: both servers answered ${(readyAt / 1000).toFixed(1)} s after start`);
      console.log('process tree at the peak (VmRSS):');
      for (const row of peakRows) console.log(`  ${mib(row.rss).padStart(5)} MiB  ${row.cmd}`);
      console.log('idle process tree (VmRSS):');
      for (const row of idle.rows) console.log(`  ${mib(row.rss).padStart(5)} MiB  ${row.cmd}`);
      console.log(
        `${label} idle RSS: ${mib(idle.total)} MiB (target ≤ ${TARGET_IDLE_MIB} MiB): ${idle.total / 1024 <= TARGET_IDLE_MIB ? 'met' : 'NOT met'}`,
      );
      console.log(
        `${label} peak RSS: ${mib(peak)} MiB at ${(peakAt / 1000).toFixed(1)} s (target ≤ ${TARGET_PEAK_MIB} MiB): ${peak / 1024 <= TARGET_PEAK_MIB ? 'met' : 'NOT met'}${sawBuild ? ' (includes a `next build`: there was no up-to-date frontend build)' : ''}`,
      );
    }
  }
  return readyAt > 0;
}

try {
  if (await measure('npm start, first (creates the database)')) await measure('npm start, again (existing database)');
} finally {
  rmSync(dataRoot, { recursive: true, force: true });
}
