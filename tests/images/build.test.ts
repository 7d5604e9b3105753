// The images are built once here; then what goes into them is checked without running them:
// the build context (.dockerignore), the image configuration and every file of every layer.
import assert from 'node:assert/strict';
import { accessSync, constants, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createHash } from 'node:crypto';
import { BACKEND_PORT, CONTAINER_UID, FRONTEND_PORT, HEALTH_PATH, IMAGE_BACKEND, IMAGE_FRONTEND } from '@todo/contract';
import {
  ALL_IMAGES,
  BACKEND_IMAGE,
  FIGURES,
  FRONTEND_IMAGE,
  LEAK_KINDS,
  NODE_BASE_IMAGE,
  RUN_ID,
  SKIP_BUILD,
  VERSION,
  appendFigures,
  check,
  docker,
  dockerRun,
  ensureDocker,
  imageExists,
  imageInspect,
  layerPaths,
  leakScan,
  quietly,
  removeDir,
  run,
  requireImages,
  tarPaths,
  tempDir,
  type Leak,
  type LeakKind,
} from './lib.ts';

const DOCKERIGNORE_PROBE = `todo-dockerignore-probe:${RUN_ID}`;
const LEAKY_PROBE = `todo-leaky-probe:${RUN_ID}`;
let work = '';
let revision = '';

before(async () => {
  await ensureDocker();
  work = tempDir('image-tests-build');
  revision = (await check('git', ['rev-parse', 'HEAD'])).trim();
  const server = (await docker(['version', '-f', '{{.Server.Version}}'])).trim();
  mkdirSync(dirname(FIGURES), { recursive: true });
  writeFileSync(
    FIGURES,
    `# Image figures\n\nMeasured by tests/images/*.test.ts on ${new Date().toISOString().slice(0, 16)}Z, ${availableParallelism()} cores, Docker ${server}, revision ${revision.slice(0, 12)}.\n\n`,
  );
});

after(async () => {
  await quietly(() => dockerRun(['image', 'rm', '-f', DOCKERIGNORE_PROBE, LEAKY_PROBE]));
  removeDir(work);
});

describe('the images', () => {
  if (SKIP_BUILD) {
    test(`all four images are already tagged ${VERSION} (IMAGE_TESTS_SKIP_BUILD=1: not rebuilt)`, async () => {
      await requireImages();
    });
  } else {
    test(`all four images build (${IMAGE_BACKEND}, ${IMAGE_FRONTEND}, todo-postgres, todo-proxy)`, async (t) => {
      const t0 = Date.now();
      const r = await run('bash', ['scripts/images/build.sh'], { timeoutMs: 60 * 60_000 });
      assert.equal(r.code, 0, `scripts/images/build.sh failed:\n${r.stderr.split('\n').slice(-60).join('\n')}`);
      t.diagnostic(`built in ${Math.round((Date.now() - t0) / 1000)} s`);
      appendFigures(`Build times (s), this run: ${r.stdout.trim().split('\n').join(' ')}\n\n`);
      for (const img of ALL_IMAGES) assert.ok(await imageExists(img), `${img} does not exist after the build`);
    });
  }
});

describe('the build context keeps secrets, dependencies, tests and data out', () => {
  const canaries = [
    '.env',
    '.env.local',
    '.env.production',
    'backend/.env',
    'frontend/.env.local',
    'packages/contract/.env',
    'node_modules/canary/index.js',
    'backend/node_modules/canary/index.js',
    'frontend/node_modules/canary/index.js',
    '.git/config',
    'backend/dist/server.js.map',
    'frontend/.next/server/canary.js',
    '.data/pglite/PG_VERSION',
    'backend/.data/canary',
    'tests/canary.test.ts',
    'backend/test/canary.test.ts',
    'frontend/test/canary.test.ts',
    'frontend/app/canary.spec.tsx',
    'backend/src/canary.test.ts',
    'artifacts/sbom.json',
    'test-results/e2e/log.txt',
    'secrets/db.txt',
    'server.key',
    'tls.pem',
    'backend/coverage/lcov.info',
  ];
  const needed = [
    'package.json',
    'package-lock.json',
    '.npmrc',
    'tsconfig.base.json',
    'packages/contract/src/index.ts',
    'backend/package.json',
    'backend/src/server.ts',
    'backend/drizzle/meta/_journal.json',
    'frontend/package.json',
    'frontend/next.config.ts',
    'scripts/images/prod-closure.mjs',
  ];
  let inContext = new Set<string>();

  before(async () => {
    await requireImages();
    // A copy of the work tree as a developer has it (tracked and untracked, not ignored),
    // plus the canaries, so that .dockerignore is proven on the files it must keep out.
    const ctx = join(work, 'context');
    mkdirSync(ctx, { recursive: true });
    const files = (await check('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard']))
      .split('\0')
      .filter((f) => f && !f.startsWith('node_modules/'));
    const copy = join(work, 'context.tar');
    await check('tar', ['-cf', copy, '--ignore-failed-read', '--null', '-T', '-'], { input: files.join('\0') + '\0' });
    await check('tar', ['-C', ctx, '-xf', copy]);
    for (const f of canaries) {
      mkdirSync(dirname(join(ctx, f)), { recursive: true });
      writeFileSync(join(ctx, f), `canary-${RUN_ID}\n`);
    }
    const dockerfile = join(work, 'probe.Dockerfile');
    writeFileSync(dockerfile, `FROM ${NODE_BASE_IMAGE}\nCOPY . /ctx\n`);
    await docker(['build', '-q', '-f', dockerfile, '-t', DOCKERIGNORE_PROBE, ctx], { timeoutMs: 600_000 });
    const listed = await docker([
      'run',
      '--rm',
      DOCKERIGNORE_PROBE,
      'find',
      '/ctx',
      '-mindepth',
      '1',
      '(',
      '-type',
      'f',
      '-o',
      '-type',
      'l',
      ')',
    ]);
    inContext = new Set(listed.split('\n').filter(Boolean));
  });

  test(`.dockerignore keeps all ${canaries.length} canaries out of the context`, () => {
    assert.deepEqual(
      canaries.filter((f) => inContext.has(`/ctx/${f}`)),
      [],
      '.dockerignore let these through',
    );
  });

  test('the context still has what the builds compile from', () => {
    assert.deepEqual(
      needed.filter((f) => !inContext.has(`/ctx/${f}`)),
      [],
      'the context lacks these',
    );
  });

  test('context is small (under 2000 files)', (t) => {
    t.diagnostic(`${inContext.size} files`);
    assert.ok(inContext.size < 2000, `context has ${inContext.size} files: something large slipped in`);
  });
});

describe('image configuration', () => {
  before(requireImages);

  for (const img of [BACKEND_IMAGE, FRONTEND_IMAGE]) {
    test(`${img} runs as ${CONTAINER_UID}:${CONTAINER_UID} (numeric, non-root)`, async () => {
      assert.equal((await imageInspect(img)).Config.User, `${CONTAINER_UID}:${CONTAINER_UID}`);
    });

    test(`${img} starts node directly as PID 1 (no entrypoint, no npm)`, async (t) => {
      const { Entrypoint, Cmd } = (await imageInspect(img)).Config;
      t.diagnostic(`cmd ${JSON.stringify(Cmd)}`);
      assert.equal(Entrypoint, null, `entrypoint ${JSON.stringify(Entrypoint)}`);
      assert.equal(Cmd?.[0], 'node', `cmd ${JSON.stringify(Cmd)}`);
    });

    test(`${img} has OCI labels version=${VERSION}, revision (a commit of this repository), source`, async (t) => {
      const labels = (await imageInspect(img)).Config.Labels ?? {};
      assert.equal(labels['org.opencontainers.image.version'], VERSION, 'version label');
      const rev = labels['org.opencontainers.image.revision'] ?? '';
      // Images reused from an earlier build carry the commit they were built from.
      if (!SKIP_BUILD) assert.equal(rev, revision, 'revision label is not HEAD');
      assert.match(rev, /^[0-9a-f]{40}$/, `revision label '${rev}'`);
      assert.equal((await run('git', ['cat-file', '-e', `${rev}^{commit}`])).code, 0, `${rev} is not a commit of this repository`);
      assert.ok(labels['org.opencontainers.image.source'], 'source label');
      t.diagnostic(`revision ${rev.slice(0, 12)}, source ${labels['org.opencontainers.image.source']}`);
    });

    test(`${img} bakes no secret or CA path into its Env`, async () => {
      const names = new Set(['DATABASE_URL', 'OPENAI_API_KEY', 'AUTH_SECRET', 'NODE_EXTRA_CA_CERTS']);
      const env = (await imageInspect(img)).Config.Env ?? [];
      assert.deepEqual(
        env.map((e) => e.split('=')[0]!).filter((n) => names.has(n)),
        [],
      );
    });

    test(`${img} sets NODE_ENV=production`, async () => {
      assert.ok(((await imageInspect(img)).Config.Env ?? []).includes('NODE_ENV=production'));
    });
  }

  test(`backend exposes ${BACKEND_PORT}`, async () => {
    assert.ok(`${BACKEND_PORT}/tcp` in ((await imageInspect(BACKEND_IMAGE)).Config.ExposedPorts ?? {}));
  });

  test(`frontend exposes ${FRONTEND_PORT}`, async () => {
    assert.ok(`${FRONTEND_PORT}/tcp` in ((await imageInspect(FRONTEND_IMAGE)).Config.ExposedPorts ?? {}));
  });

  test('frontend sets HOSTNAME=0.0.0.0 (Next binds to it)', async () => {
    assert.ok(((await imageInspect(FRONTEND_IMAGE)).Config.Env ?? []).includes('HOSTNAME=0.0.0.0'));
  });

  test(`backend HEALTHCHECK uses ${HEALTH_PATH}`, async () => {
    const hc = (await imageInspect(BACKEND_IMAGE)).Config.Healthcheck?.Test ?? [];
    assert.ok(
      hc.some((part) => part.includes(HEALTH_PATH)),
      `HEALTHCHECK ${JSON.stringify(hc)}`,
    );
  });
});

describe('nothing leaks into the layers', () => {
  const caBundle = [process.env.TODO_APP_CA_BUNDLE, process.env.NODE_EXTRA_CA_CERTS].find((f) => f && f !== 'none' && isReadable(f));
  /** Per image: paths of the merged file system (`docker export`) and over all layers. */
  const merged = new Map<string, string[]>();
  const leaks = new Map<string, Leak[]>();
  const caHits = new Map<string, string[]>();

  before(async () => {
    await requireImages();
    const caSha = caBundle ? sha256(readFileSync(caBundle)) : '';
    const caSize = caBundle ? statSync(caBundle).size : -1;
    for (const img of [BACKEND_IMAGE, FRONTEND_IMAGE]) {
      const cid = (await docker(['create', img])).trim();
      const exported = join(work, 'export.tar');
      try {
        await docker(['export', '-o', exported, cid], { timeoutMs: 600_000 });
      } finally {
        await quietly(() => dockerRun(['rm', cid]));
      }
      merged.set(img, await tarPaths(exported));
      const layers = await layerPaths(img, work);
      leaks.set(img, leakScan(layers));
      if (caBundle) {
        const fs = join(work, 'fs');
        mkdirSync(fs, { recursive: true });
        await check('tar', ['-C', fs, '-xf', exported, 'app'], { timeoutMs: 600_000 });
        const sizes = await check('find', [fs, '-type', 'f', '-size', `${caSize}c`]);
        const hits: string[] = [];
        for (const f of sizes.split('\n').filter(Boolean)) if (sha256(readFileSync(f)) === caSha) hits.push(f.slice(fs.length));
        caHits.set(img, hits);
        removeDir(fs);
      }
      removeDir(exported);
      const files = merged.get(img)!;
      console.log(
        `    ${img}: ${files.length} paths in the image, ${files.filter((p) => p.startsWith('app/')).length} under /app; ${layers.length} paths over all layers`,
      );
    }
  });

  // Without it a scan that sees nothing would pass: the same scan must find what a careless
  // image ships, including a file that a later layer deletes again.
  test('negative control: the layer scan finds a planted .env (deleted in a later layer), source map and source', async () => {
    const dir = join(work, 'leaky');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'canary.env'), 'canary\n');
    writeFileSync(join(dir, 'canary.map'), '{}\n');
    writeFileSync(
      join(dir, 'Dockerfile'),
      `FROM ${BACKEND_IMAGE}\nUSER 0\nCOPY canary.env /app/backend/.env\nCOPY canary.map /app/backend/dist/server.js.map\nCOPY canary.env /app/backend/src/leak.ts\nRUN rm /app/backend/.env\n`,
    );
    await docker(['build', '-q', '-t', LEAKY_PROBE, dir], { timeoutMs: 600_000 });
    let found: Leak[];
    try {
      found = leakScan(await layerPaths(LEAKY_PROBE, work));
    } finally {
      await quietly(() => dockerRun(['image', 'rm', '-f', LEAKY_PROBE]));
    }
    const want: Leak[] = [
      { kind: 'env', path: 'app/backend/.env' },
      { kind: 'map', path: 'app/backend/dist/server.js.map' },
      { kind: 'source', path: 'app/backend/src/leak.ts' },
    ];
    const missed = want.filter((w) => !found.some((f) => f.kind === w.kind && f.path === w.path));
    assert.deepEqual(missed, [], `the layer scan missed planted files; it found: ${JSON.stringify(found)}`);
  });

  for (const img of [BACKEND_IMAGE, FRONTEND_IMAGE]) {
    const name = img.split(':')[0]!;
    for (const kind of Object.keys(LEAK_KINDS) as LeakKind[]) {
      test(`${name}: no ${LEAK_KINDS[kind]} in any layer`, () => {
        const found = (leaks.get(img) ?? []).filter((l) => l.kind === kind).map((l) => l.path);
        assert.ok(leaks.has(img), 'the layers were not read');
        assert.deepEqual(found.slice(0, 5), [], `${found.length} found`);
      });
    }

    if (caBundle) {
      test(`${name}: the build-secret CA bundle is in no file of /app`, () => {
        assert.ok(caHits.has(img), 'the file system was not read');
        assert.deepEqual(caHits.get(img), [], `CA bundle ${caBundle} copied into these files`);
      });
    }

    test(`${name}: docker history holds no secret and no build-stage step (multi-stage)`, async () => {
      const hist = await docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', img]);
      const bad = hist
        .split('\n')
        .filter((l) =>
          /BEGIN (CERTIFICATE|[A-Z ]*PRIVATE KEY)|(DATABASE_URL|AUTH_SECRET|OPENAI_API_KEY|NODE_EXTRA_CA_CERTS)=|npm (ci|install)/.test(l),
        );
      assert.deepEqual(bad, [], 'docker history shows a secret, CA or install step of the build stages');
    });
  }

  test('backend image has its compiled entry point and the SQL migrations', () => {
    const files = new Set(merged.get(BACKEND_IMAGE));
    assert.ok(files.has('app/backend/dist/server.js'), 'no app/backend/dist/server.js');
    assert.ok(files.has('app/backend/drizzle/meta/_journal.json'), 'no app/backend/drizzle/meta/_journal.json');
  });

  test('frontend image has /app/frontend/server.js and .next/static', () => {
    const files = merged.get(FRONTEND_IMAGE) ?? [];
    assert.ok(files.includes('app/frontend/server.js'), 'no app/frontend/server.js');
    assert.ok(
      files.some((p) => p.startsWith('app/frontend/.next/static/')),
      'nothing under app/frontend/.next/static/',
    );
  });

  test('no npm in the runtime images', () => {
    for (const img of [BACKEND_IMAGE, FRONTEND_IMAGE]) {
      assert.ok(merged.has(img), `the file system of ${img} was not read`);
      const files = new Set(merged.get(img));
      for (const pm of ['usr/local/bin/npm', 'usr/local/lib/node_modules/npm/package.json']) {
        assert.ok(!files.has(pm), `a package manager is left in ${img} (${pm})`);
      }
    }
  });

  test('backend image carries no Next.js, React, TypeScript or build tooling', () => {
    assert.ok(merged.has(BACKEND_IMAGE), 'the file system was not read');
    const tooling = new Set(
      merged
        .get(BACKEND_IMAGE)!
        .flatMap((p) => p.match(/^app\/node_modules\/(next|react|react-dom|drizzle-kit|typescript|tsx|esbuild)(\/|$)/)?.[1] ?? []),
    );
    assert.deepEqual([...tooling], []);
  });
});

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function isReadable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
