// The Compose stack as a user starts it: .env.example copied with its secrets filled in, then
// one origin that routes like the Ingress, and the browser journey of tests/e2e against it.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HEALTH_PATH } from '@todo/contract';
import { CACHE } from '../../harness/lib/pinned.js';
import {
  BACKEND_IMAGE,
  DOCKER,
  FRONTEND_IMAGE,
  REPO_ROOT,
  RUN_ID,
  VERSION,
  appendFigures,
  check,
  freePort,
  httpGet,
  quietly,
  randomHex,
  randomToken,
  removeDir,
  requireImages,
  run,
  tempDir,
} from './lib.ts';

const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');
const SERVICES = ['backend', 'frontend', 'proxy', 'postgres'];
let work = '';
let envFile = '';
let origin = '';
let envName = '';
let composeVersion = '';
let composeUp = false;

const dc = (args: string[], timeoutMs = 300_000) =>
  run('docker-compose', ['-p', RUN_ID, '-f', COMPOSE_FILE, '--env-file', envFile, ...args], { timeoutMs });

async function stackLogs(lines: number): Promise<string> {
  const ps = await dc(['ps']);
  const logs = await dc(['logs', '--no-color', '--tail', String(lines)]);
  return `${ps.stdout}\n${logs.stdout}${logs.stderr}`;
}

before(async () => {
  await requireImages();
  if ((await run('sh', ['-c', 'command -v docker-compose'])).code !== 0) {
    const install = ['-c', 'DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker-compose'];
    if ((await run('sh', install, { timeoutMs: 600_000 })).code !== 0) {
      await check('apt-get', ['update'], { timeoutMs: 600_000 });
      await check('sh', install, { timeoutMs: 600_000 });
    }
  }
  composeVersion = (await check('docker-compose', ['version', '--short'])).trim();
  work = tempDir('image-tests-compose');
  const httpPort = await freePort();
  envName = `compose-${RUN_ID}`;
  origin = `http://127.0.0.1:${httpPort}`;
  // The user's path: .env.example copied, its secrets filled in.
  const env = readFileSync('.env.example', 'utf8')
    .replace(/^POSTGRES_PASSWORD=.*$/m, `POSTGRES_PASSWORD=${randomHex(24)}`)
    .replace(/^AUTH_SECRET=.*$/m, `AUTH_SECRET=${randomToken(48)}`)
    .replace(/^TODO_HTTP_PORT=.*$/m, `TODO_HTTP_PORT=${httpPort}`)
    .replace(/^ENVIRONMENT_NAME=.*$/m, `ENVIRONMENT_NAME=${envName}`);
  envFile = join(work, 'compose.env');
  writeFileSync(envFile, env);
});

after(async () => {
  if (composeUp) await quietly(() => dc(['down', '-v', '--remove-orphans']));
  removeDir(work);
});

describe('Compose stack behind one origin', () => {
  let resolved = '';

  test('compose refuses to start with the empty secrets of .env.example, naming the variable', async () => {
    const r = await run('docker-compose', ['-f', COMPOSE_FILE, '--env-file', '.env.example', 'config', '-q']);
    const out = `${r.stdout}${r.stderr}`;
    assert.notEqual(r.code, 0, 'compose accepted .env.example with empty secrets');
    assert.match(out, /POSTGRES_PASSWORD|AUTH_SECRET/, `compose error unclear: ${out}`);
  });

  test('docker-compose validates docker-compose.yml', async (t) => {
    const r = await dc(['config']);
    assert.equal(r.code, 0, `docker-compose config failed:\n${r.stderr}`);
    resolved = r.stdout;
    t.diagnostic(`docker-compose ${composeVersion}`);
  });

  test(`compose uses the images build.sh tags (${VERSION}, the package version)`, () => {
    assert.ok(resolved, 'no resolved configuration');
    assert.ok(resolved.includes(`image: ${BACKEND_IMAGE}`), `no image: ${BACKEND_IMAGE}`);
    assert.ok(resolved.includes(`image: ${FRONTEND_IMAGE}`), `no image: ${FRONTEND_IMAGE}`);
  });

  // Compose v2 reads the file with compose-go; tests/images/composecheck is that loader, built
  // from the Go module proxy and cached by its sources, so v2 validity is checked without v2.
  let project:
    { services: Record<string, { environment?: Record<string, string | null>; read_only?: boolean; cap_drop?: string[] }> } | undefined;

  test('compose-go (the loader of docker compose v2) validates docker-compose.yml', async () => {
    const src = 'tests/images/composecheck';
    const hash = createHash('sha256')
      .update(Buffer.concat(['go.mod', 'go.sum', 'main.go'].map((f) => readFileSync(join(src, f)))))
      .digest('hex')
      .slice(0, 12);
    const bin = join(CACHE, 'bin', `composecheck-${hash}`);
    if (!existsSync(bin)) {
      console.log(`    building ${src} (compose-go, the loader of docker compose v2)`);
      mkdirSync(join(bin, '..'), { recursive: true });
      const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false', GOTOOLCHAIN: 'local' };
      await check('nice', ['-n', '10', 'go', '-C', src, 'build', '-o', `${bin}.tmp`, '.'], { env, timeoutMs: 30 * 60_000 });
      renameSync(`${bin}.tmp`, bin);
    }
    const r = await run(bin, ['-p', RUN_ID, '-f', 'docker-compose.yml', '--env-file', envFile]);
    assert.equal(r.code, 0, `compose-go rejects docker-compose.yml:\n${r.stderr}`);
    project = JSON.parse(r.stdout) as typeof project;
  });

  test('each secret reaches only the service that needs it; all services read-only, no capabilities', () => {
    assert.ok(project, 'compose-go gave no project');
    const allowed: Record<string, string[]> = {
      postgres: ['POSTGRES_PASSWORD'],
      backend: ['DATABASE_URL', 'AUTH_SECRET', 'OPENAI_API_KEY'],
    };
    for (const [name, svc] of Object.entries(project.services)) {
      const env = svc.environment ?? {};
      for (const secret of ['POSTGRES_PASSWORD', 'DATABASE_URL', 'AUTH_SECRET', 'OPENAI_API_KEY']) {
        assert.ok(!(secret in env) || (allowed[name] ?? []).includes(secret), `${secret} in ${name}`);
      }
      assert.equal(svc.read_only, true, `${name} not read_only`);
      assert.deepEqual(svc.cap_drop, ['ALL'], `${name} keeps capabilities`);
    }
  });

  test('the Compose stack comes up, every service healthy (depends_on waits for health)', async (t) => {
    composeUp = true;
    const t0 = Date.now();
    const r = await dc(['up', '-d', '--no-build'], 600_000);
    if (r.code !== 0) assert.fail(`docker-compose up failed:\n${r.stdout}${r.stderr}\n${await stackLogs(30)}`);
    const ms = Date.now() - t0;
    t.diagnostic(`${ms} ms`);
    appendFigures(`Compose: \`docker-compose up -d --no-build\` until every service is healthy (fresh database volume): ${ms} ms.\n\n`);
  });

  test(`one origin: ${HEALTH_PATH} → backend, 200 healthy`, async () => {
    const r = await httpGet(`${origin}${HEALTH_PATH}`);
    assert.equal(r.status, 200, `${origin}${HEALTH_PATH}: HTTP ${r.status} ${r.body}`);
    assert.match(r.body, /"status":"healthy"/);
  });

  // Straight to the backend, not through the frontend's own forwarding: the backend's Fastify
  // answers its 404 for an unknown /api path as JSON, Next.js would answer HTML.
  test("one origin: unknown /api path is the backend's JSON 404", async () => {
    const r = await httpGet(`${origin}/api/v1/no-such-route-${RUN_ID}`);
    assert.equal(r.status, 404, `HTTP ${r.status} ${r.contentType}`);
    assert.match(r.contentType, /^application\/json/);
  });

  test('one origin: / → frontend, 200 HTML', async (t) => {
    const r = await httpGet(`${origin}/`, { follow: true });
    assert.equal(r.status, 200, `HTTP ${r.status}: ${r.body.slice(-60)}`);
    assert.match(r.contentType, /^text\/html/);
    // The start page may not show it; the e2e checks the environment name after sign-in.
    t.diagnostic(
      r.body.includes(envName)
        ? `the page shows ENVIRONMENT_NAME from .env (${envName})`
        : 'the start page does not show the environment name',
    );
  });

  test('browser e2e (tests/e2e/app.e2e.test.ts) passes against the Compose stack', async (t) => {
    const env: NodeJS.ProcessEnv = { ...process.env, BASE_URL: origin, EXPECT_ENVIRONMENT_NAME: envName };
    // Set for the files of this run: the child would take itself for one of them and speak
    // the runner's protocol instead of reporting.
    delete env.NODE_TEST_CONTEXT;
    const t0 = Date.now();
    const r = await run(
      'npx',
      [
        '--no-install',
        'node',
        '--import',
        'tsx',
        '--test',
        '--test-reporter=./harness/lib/strict-reporter.ts',
        'tests/e2e/app.e2e.test.ts',
      ],
      { env, timeoutMs: 20 * 60_000 },
    );
    const out = `${r.stdout}${r.stderr}`;
    for (const line of out.split('\n').filter((l) => /^ℹ (tests|pass|fail)/.test(l))) t.diagnostic(`e2e ${line.slice(2)}`);
    if (r.code !== 0)
      assert.fail(`browser e2e failed against the Compose stack:\n${out.split('\n').slice(-60).join('\n')}\n${await stackLogs(40)}`);
    t.diagnostic(`${Date.now() - t0} ms`);
  });

  // After the browser journey: every request from this host reaches nginx from one address,
  // so exhausting that address's sign-in bucket first would lock the journey out.
  test('one origin: a client writing its own X-Forwarded-For still runs into the sign-in rate limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await fetch(`${origin}/api/auth/sign-in/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin, 'x-forwarded-for': `198.51.100.${i + 1}` },
        body: JSON.stringify({ email: `nobody-${RUN_ID}@example.com`, password: `wrong password ${i}` }),
      });
      statuses.push(r.status);
    }
    assert.ok(statuses.includes(429), `a fresh bucket per spoofed address: ${statuses.join(',')}`);
  });

  test('docker-compose stop of the whole stack takes under 10 s', async (t) => {
    const t0 = Date.now();
    await dc(['stop'], 120_000);
    const ms = Date.now() - t0;
    t.diagnostic(`${ms} ms`);
    assert.ok(ms < 10_000, `docker-compose stop took ${ms} ms`);
  });

  test('no Compose service was killed (exit 137)', async () => {
    for (const s of SERVICES) {
      const id = (await dc(['ps', '-q', s])).stdout.trim();
      assert.ok(id, `compose ${s} has no container`);
      const code = (await check(DOCKER, ['inspect', '-f', '{{.State.ExitCode}}', id])).trim();
      assert.notEqual(code, '137', `compose ${s} was killed (exit 137)`);
    }
    const down = await dc(['down', '-v', '--remove-orphans']);
    if (down.code === 0) composeUp = false;
  });
});
