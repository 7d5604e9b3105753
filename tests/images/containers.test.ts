// The images run as production runs them: read-only root file system, tmpfs only at the
// contract's writable paths, every capability dropped, no privilege escalation. Each must then
// still answer, run node as PID 1 with the numeric UID, and stop on SIGTERM well within the
// grace period.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { BACKEND_PORT, BACKEND_WRITABLE_PATHS, CONTAINER_UID, FRONTEND_PORT, FRONTEND_WRITABLE_PATHS, HEALTH_PATH } from '@todo/contract';
import {
  BACKEND_IMAGE,
  FRONTEND_IMAGE,
  NODE_BASE_IMAGE,
  POSTGRES_IMAGE,
  PROXY_IMAGE,
  RUN_ID,
  appendFigures,
  containerInspect,
  docker,
  dockerRun,
  httpGet,
  imageInspect,
  quietly,
  randomHex,
  requireImages,
  sleep,
  waitFor,
  waitHttp200,
} from './lib.ts';

const NET = `todo-${RUN_ID}`;
const PG = `${RUN_ID}-postgres`;
const BE = `${RUN_ID}-backend`;
const FE = `${RUN_ID}-frontend`;
const HARDENING = ['--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges:true'];
const tmpfs = (paths: readonly string[]) => paths.flatMap((p) => ['--tmpfs', `${p}:rw,nosuid,nodev,size=64m`]);
const pgPassword = randomHex(32);
const authSecret = Buffer.from(randomHex(48), 'hex').toString('base64');

const started: string[] = [];
let networkCreated = false;
const figures = { beReadyMs: -1, feReadyMs: -1, beStopMs: -1, feStopMs: -1, pgStopMs: -1, beRss: '?', feRss: '?' };

type State = { Pid: number; ExitCode: number; Health?: { Status: string } };
const state = async (name: string) => (await containerInspect<{ State: State }>(name)).State;

async function start(name: string, args: string[]): Promise<void> {
  started.push(name);
  await docker(['run', '-d', '--name', name, '--network', NET, ...HARDENING, ...args]);
}

async function publishedPort(name: string, port: number): Promise<number> {
  const out = await docker(['port', name, `${port}/tcp`]);
  const m = out.split('\n')[0]?.match(/:(\d+)$/);
  if (!m) throw new Error(`${name} publishes no port for ${port}: ${out}`);
  return Number(m[1]);
}

async function logs(name: string, lines: number): Promise<string> {
  const r = await dockerRun(['logs', '--tail', String(lines), name]);
  return `${r.stdout}${r.stderr}`;
}

/** A failed wait says what the container said, or what its health check saw. */
async function explained<T>(wait: Promise<T>, why: () => Promise<string>): Promise<T> {
  try {
    return await wait;
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${await why()}`, { cause: err });
  }
}

/** PID 1 is the node binary, running as CONTAINER_UID (real, effective, saved, fs), with no capabilities. */
async function assertPid1(container: string): Promise<string> {
  const script =
    'const fs=require("fs");const s=fs.readFileSync("/proc/1/status","utf8").split("\\n");' +
    'const g=k=>s.find(l=>l.startsWith(k+":")).split(":")[1].trim().split(/\\s+/).join(",");' +
    'console.log(fs.readlinkSync("/proc/1/exe"),g("Uid"),g("CapEff"))';
  const out = (await docker(['exec', container, 'node', '-e', script])).trim();
  const [exe = '', uids = '', capEff = ''] = out.split(' ');
  assert.match(exe, /\/node$/, `PID 1 is '${out}'`);
  assert.equal(uids, Array(4).fill(CONTAINER_UID).join(','), `PID 1 is '${out}'`);
  assert.equal(capEff, '0000000000000000', `PID 1 is '${out}'`);
  return exe;
}

/** Only the writable paths take a write; everywhere else the write fails (EROFS). */
async function assertWritableExactly(container: string, writable: readonly string[]): Promise<string> {
  const script =
    "const fs=require('fs');const r={};for(const p of process.argv.slice(1)){try{fs.writeFileSync(p+'/.w','x');fs.unlinkSync(p+'/.w');r[p]='rw'}catch(e){r[p]=e.code}}console.log(JSON.stringify(r))";
  const out = await docker(['exec', container, 'node', '-e', script, ...writable, '/app', '/', '/etc', '/usr/local/lib']);
  const result = JSON.parse(out) as Record<string, string>;
  for (const [path, verdict] of Object.entries(result)) {
    assert.equal(verdict === 'rw', writable.includes(path), `${path}: ${verdict} (all: ${out.trim()})`);
  }
  return out.trim();
}

/** `docker stop` with the default 10 s grace: milliseconds and the exit code. */
async function stop(name: string): Promise<{ ms: number; code: number }> {
  const t0 = Date.now();
  await docker(['stop', name], { timeoutMs: 60_000 });
  const ms = Date.now() - t0;
  return { ms, code: (await state(name)).ExitCode };
}

/** Resident memory of PID 1 (from the host's /proc) and the cgroup's usage. */
async function rss(name: string): Promise<string> {
  const { Pid } = await state(name);
  const kb = Number(readFileSync(`/proc/${Pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)/m)?.[1]);
  const usage = (await docker(['stats', '--no-stream', '--format', '{{.MemUsage}}', name])).split('/')[0]!.trim();
  return `${Math.round(kb / 1024)} MiB RSS (cgroup ${usage})`;
}

before(async () => {
  await requireImages();
  await docker(['network', 'create', NET]);
  networkCreated = true;
});

after(async () => {
  for (const c of started) await quietly(() => dockerRun(['rm', '-f', '-v', c]));
  if (networkCreated) await quietly(() => dockerRun(['network', 'rm', NET]));
});

describe('containers: read-only, non-root, health, forwarding, stop', () => {
  let bePort = 0;
  let fePort = 0;

  test('todo-postgres is healthy (read-only, no capabilities)', async () => {
    await start(PG, ['--network-alias', 'postgres', '--tmpfs', '/tmp', '-e', `POSTGRES_PASSWORD=${pgPassword}`, POSTGRES_IMAGE]);
    await explained(
      waitFor('todo-postgres healthy', async () => (await state(PG)).Health?.Status === 'healthy', 60_000, 500),
      () => logs(PG, 20),
    );
  });

  test(`backend ${HEALTH_PATH} answers 200 healthy on its published 127.0.0.1 port with PostgreSQL`, async (t) => {
    const t0 = Date.now();
    await start(BE, [
      '--network-alias',
      'backend',
      ...tmpfs(BACKEND_WRITABLE_PATHS),
      '-p',
      `127.0.0.1::${BACKEND_PORT}`,
      '-e',
      `DATABASE_URL=postgresql://todo:${pgPassword}@postgres:5432/todo`,
      '-e',
      `AUTH_SECRET=${authSecret}`,
      '-e',
      'ENVIRONMENT_NAME=imagetest',
      '-e',
      'LOG_LEVEL=warn',
      BACKEND_IMAGE,
    ]);
    bePort = await publishedPort(BE, BACKEND_PORT);
    await explained(waitHttp200(`http://127.0.0.1:${bePort}${HEALTH_PATH}`, 120_000), () => logs(BE, 30));
    figures.beReadyMs = Date.now() - t0;
    const { body } = await httpGet(`http://127.0.0.1:${bePort}${HEALTH_PATH}`);
    assert.match(body, /"status":"healthy"/, `health body: ${body}`);
    t.diagnostic(`127.0.0.1:${bePort}, ${figures.beReadyMs} ms after docker run`);
  });

  test(`backend: PID 1 is node as UID ${CONTAINER_UID} with no capabilities`, async (t) => {
    t.diagnostic(await assertPid1(BE));
  });

  test(`backend: writable exactly at ${BACKEND_WRITABLE_PATHS.join(' ')} (elsewhere EROFS)`, async (t) => {
    t.diagnostic(await assertWritableExactly(BE, BACKEND_WRITABLE_PATHS));
  });

  test('backend image HEALTHCHECK reports healthy', async () => {
    await explained(
      waitFor('backend HEALTHCHECK healthy', async () => (await state(BE)).Health?.Status === 'healthy', 60_000, 1000),
      async () => JSON.stringify((await state(BE)).Health),
    );
  });

  test('frontend serves / with 200 on its published 127.0.0.1 port', async (t) => {
    const t0 = Date.now();
    await start(FE, [
      ...tmpfs(FRONTEND_WRITABLE_PATHS),
      '-p',
      `127.0.0.1::${FRONTEND_PORT}`,
      '-e',
      `API_BASE_URL=http://backend:${BACKEND_PORT}`,
      '-e',
      'ENVIRONMENT_NAME=imagetest',
      FRONTEND_IMAGE,
    ]);
    fePort = await publishedPort(FE, FRONTEND_PORT);
    await explained(waitHttp200(`http://127.0.0.1:${fePort}/`, 120_000), () => logs(FE, 30));
    figures.feReadyMs = Date.now() - t0;
    t.diagnostic(`127.0.0.1:${fePort}, ${figures.feReadyMs} ms after docker run`);
  });

  test('frontend serves its static assets', async (t) => {
    const page = await httpGet(`http://127.0.0.1:${fePort}/`);
    const asset = page.body.match(/\/_next\/static\/[^"]+\.js/)?.[0];
    assert.ok(asset, 'the page names no /_next/static/….js asset');
    const r = await httpGet(`http://127.0.0.1:${fePort}${asset}`);
    assert.equal(r.status, 200, `${asset}: HTTP ${r.status}`);
    t.diagnostic(asset);
  });

  test(`frontend forwards ${HEALTH_PATH} to the backend: 200 healthy`, async () => {
    const r = await httpGet(`http://127.0.0.1:${fePort}${HEALTH_PATH}`);
    assert.equal(r.status, 200, `HTTP ${r.status}: ${r.body}`);
    assert.match(r.body, /"status":"healthy"/);
  });

  test(`frontend: PID 1 is node as UID ${CONTAINER_UID} with no capabilities`, async (t) => {
    t.diagnostic(await assertPid1(FE));
  });

  test(`frontend: writable exactly at ${FRONTEND_WRITABLE_PATHS.join(' ')} (elsewhere EROFS)`, async (t) => {
    t.diagnostic(await assertWritableExactly(FE, FRONTEND_WRITABLE_PATHS));
  });

  test('idle memory of backend and frontend', async (t) => {
    await sleep(5000);
    figures.beRss = await rss(BE);
    figures.feRss = await rss(FE);
    t.diagnostic(`backend ${figures.beRss}, frontend ${figures.feRss}`);
  });

  for (const [name, container] of [
    ['frontend', FE],
    ['backend', BE],
  ] as const) {
    test(`${name}: docker stop takes under 5 s with a clean exit (SIGTERM handled, no SIGKILL)`, async (t) => {
      const { ms, code } = await stop(container);
      if (name === 'frontend') figures.feStopMs = ms;
      else figures.beStopMs = ms;
      t.diagnostic(`${ms} ms, exit code ${code}`);
      assert.ok(ms < 5000, `docker stop took ${ms} ms`);
      assert.notEqual(code, 137, 'killed (exit 137)');
    });
  }

  test('image sizes: total and app layers over the base (figures)', async (t) => {
    figures.pgStopMs = (await stop(PG)).ms;
    const size = async (ref: string) => (await imageInspect(ref)).Size;
    const mb = (bytes: number) => (bytes / 1e6).toFixed(0);
    const base = await size(NODE_BASE_IMAGE);
    const [be, fe, pg, proxy] = [
      await size(BACKEND_IMAGE),
      await size(FRONTEND_IMAGE),
      await size(POSTGRES_IMAGE),
      await size(PROXY_IMAGE),
    ];
    const ms = (v: number) => (v < 0 ? '?' : String(v));
    // The backend's own weight over the base: its production closure (prod-closure.mjs --measure
    // gives the same figure without Docker) plus its compiled code. Reported, not asserted.
    const beAppMb = Math.round((be - base) / 1e6);
    const beAppLine = `backend app layers: ${beAppMb} MB (target ≤ 60 MB): ${beAppMb <= 60 ? 'met' : 'NOT met'}`;
    const table = [
      '| image | total MB | app layers over the base MB | docker run → healthy | docker stop | idle memory |',
      '|---|---|---|---|---|---|',
      `| ${BACKEND_IMAGE} | ${mb(be)} | ${mb(be - base)} | ${ms(figures.beReadyMs)} ms | ${ms(figures.beStopMs)} ms | ${figures.beRss} |`,
      `| ${FRONTEND_IMAGE} | ${mb(fe)} | ${mb(fe - base)} | ${ms(figures.feReadyMs)} ms | ${ms(figures.feStopMs)} ms | ${figures.feRss} |`,
      `| ${POSTGRES_IMAGE} (Compose only) | ${mb(pg)} | — | — | ${figures.pgStopMs} ms | — |`,
      `| ${PROXY_IMAGE} (Compose only) | ${mb(proxy)} | — | — | — | — |`,
      '',
      `${beAppLine[0]!.toUpperCase()}${beAppLine.slice(1)}.`,
      `Base ${NODE_BASE_IMAGE} (local stand-in): ${mb(base)} MB. Backend start includes applying the SQL migrations to an empty database.`,
      '',
      '',
    ].join('\n');
    appendFigures(table);
    t.diagnostic(beAppLine);
    t.diagnostic(`backend ${mb(be)} MB (${mb(be - base)} over the base), frontend ${mb(fe)} MB (${mb(fe - base)} over the base)`);
    assert.ok(be > base && fe > base, 'an app image is not larger than its base');
  });
});
