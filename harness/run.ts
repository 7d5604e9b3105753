/**
 * The one test runner. `npm test [suite…]` runs the suites that need no Docker and no cluster;
 * `npm run test:e2e [suite…]` those that need root, a Docker engine or a Kubernetes cluster.
 * The table below is the only place that states what runs, in which order, and how.
 *
 * Each suite's steps run in order with inherited output; the first failing step stops the run
 * and is named. At the end every suite's duration is printed. Naming suites runs only those
 * (in table order) and says so: a subset never reports the whole as passed.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPORTER = '--test-reporter=./harness/lib/strict-reporter.ts';
/** node:test through tsx with the reporter that fails on skips nobody asked for. */
const nodeTest = (...args: string[]): string[] => ['npx', '--no-install', 'node', '--import', 'tsx', '--test', REPORTER, ...args];

type Step = {
  /** The command; a function may compute it (or set up the environment) just before it runs. */
  cmd: string[] | (() => string[]);
  /** A tool the step cannot run without, and how a newcomer gets it. */
  needs?: { command: string; install: string };
};
type Suite = { name: string; what: string; steps: Step[] };
type Group = { title: string; suites: Suite[] };

const apt = (pkg: string) => `apt-get install ${pkg} (scripts/ensure-system-packages.sh does it)`;

const GROUPS: Record<string, Group> = {
  test: {
    title: 'npm test',
    suites: [
      {
        name: 'secrets',
        what: 'secret scan of the work tree and the whole git history, and of the scanner itself',
        steps: [{ cmd: ['bash', 'scripts/secret-scan.sh'] }, { cmd: ['bash', 'tests/images/secret-scan.test.sh'] }],
      },
      {
        name: 'types',
        what: 'type checks of the three workspaces and of the proving ground',
        steps: [
          { cmd: ['npm', 'run', '-s', 'typecheck', '-w', 'backend'] },
          { cmd: ['npm', 'run', '-s', 'typecheck', '-w', 'frontend'] },
          { cmd: ['npx', '--no-install', 'tsc', '-p', 'tsconfig.tests.json'] },
        ],
      },
      {
        name: 'lint',
        what: 'ESLint and Prettier on every TypeScript, JavaScript and CSS file, shellcheck on every script',
        steps: [
          { cmd: ['npx', '--no-install', 'eslint', '--max-warnings=0', '.'] },
          // The files git tracks, like shellcheck below: generated ones (next-env.d.ts) are not ours to format.
          {
            cmd: () => [
              'npx',
              '--no-install',
              'prettier',
              '--check',
              '--log-level=warn',
              ...trackedFiles('*.ts', '*.tsx', '*.mjs', '*.css'),
            ],
          },
          { cmd: () => ['shellcheck', ...trackedFiles('*.sh', '.ci/run')], needs: { command: 'shellcheck', install: apt('shellcheck') } },
        ],
      },
      {
        name: 'harness',
        what: "the proving ground's own helpers",
        steps: [{ cmd: nodeTest('harness/test/*.test.ts') }],
      },
      {
        name: 'backend',
        what: 'backend unit and API tests, on PGlite and on a real PostgreSQL (started here)',
        steps: [{ cmd: () => (useTestDatabase(), ['npm', 'test', '-w', 'backend']) }],
      },
      {
        name: 'frontend',
        what: 'frontend tests: the /api forwarding against real local servers, UI logic',
        steps: [{ cmd: ['npm', 'test', '-w', 'frontend'] }],
      },
      {
        name: 'first-load',
        what: 'first-load JavaScript of / and /sign-in from the production build, against their targets',
        steps: [
          // Builds only when the sources changed since the last build; the browser suite reuses it.
          { cmd: ['node', 'frontend/scripts/start-local.mjs', '--build-only'] },
          { cmd: ['node', 'frontend/scripts/first-load-js.mjs'] },
        ],
      },
      {
        name: 'contract',
        what: 'static tests of the Kubernetes manifests and the Helm chart, the docs that trace requirements',
        // The pinned helm 3 and 4, kubeconform, kustomize and kube-score, cached after the first run.
        steps: [{ cmd: ['bash', 'scripts/tools/install.sh'] }, { cmd: nodeTest('tests/contract/*.test.ts') }],
      },
      {
        name: 'guide',
        what: 'the Minikube guide is the one the e2e executes',
        steps: [{ cmd: nodeTest('tests/k8s/guide.test.ts') }],
      },
      {
        name: 'browser',
        what: 'browser end-to-end tests against the app as `npm start` serves it (Chromium)',
        steps: [
          { cmd: nodeTest('--test-concurrency=1', 'tests/e2e/*.e2e.test.ts'), needs: { command: 'chromium', install: apt('chromium') } },
        ],
      },
    ],
  },
  e2e: {
    title: 'npm run test:e2e',
    suites: [
      {
        name: 'images',
        what: 'images on a real Docker engine: build, read-only non-root runs, stop times, leaks, scans, SBOMs, Compose with the browser test',
        steps: [{ cmd: nodeTest('--test-concurrency=1', 'tests/images/*.test.ts') }],
      },
      {
        name: 'cluster',
        what: 'the offline Kubernetes test cluster: build (cached), up, smoke suite, down',
        steps: [{ cmd: ['bash', 'scripts/cluster/smoke.sh'] }],
      },
      {
        name: 'k8s',
        what: 'the app on Kubernetes: helm install, Ingress, secrets, probes, upgrades, uninstall',
        steps: [{ cmd: ['bash', 'scripts/e2e/run.sh'] }],
      },
    ],
  },
};

function trackedFiles(...patterns: string[]): string[] {
  const r = spawnSync('git', ['ls-files', '-z', '--', ...patterns], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ls-files failed: ${r.stderr}`);
  return r.stdout.split('\0').filter(Boolean);
}

/** Starts the local PostgreSQL for the API tests once, unless the caller named one. */
function useTestDatabase(): void {
  if (process.env.TEST_DATABASE_URL) return;
  const r = spawnSync('bash', ['scripts/postgres.sh'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error('scripts/postgres.sh could not start PostgreSQL for the API tests');
  process.env.TEST_DATABASE_URL = r.stdout.trim();
}

const hasCommand = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const clock = () => new Date().toISOString().slice(11, 19);

function usage(): never {
  const lines = Object.entries(GROUPS).flatMap(([key, g]) => [
    `${g.title} [suite…]   (harness/run.ts ${key})`,
    ...g.suites.map((s) => `  ${s.name.padEnd(10)} ${s.what}`),
  ]);
  console.error(lines.join('\n'));
  process.exit(2);
}

/** Runs a suite's steps in order; says why it failed, or nothing when every step passed. */
function runSuite(suite: Suite): string | undefined {
  for (const step of suite.steps) {
    if (step.needs && !hasCommand(step.needs.command)) return `${step.needs.command} is missing: ${step.needs.install}`;
    let cmd: string[];
    try {
      cmd = typeof step.cmd === 'function' ? step.cmd() : step.cmd;
    } catch (err) {
      return (err as Error).message;
    }
    // No shell: node --test expands its own glob patterns.
    const r = spawnSync(cmd[0]!, cmd.slice(1), { cwd: REPO_ROOT, stdio: 'inherit', env: process.env });
    if (r.status !== 0) return `${cmd.join(' ')} exited ${r.status ?? r.signal}`;
  }
  return undefined;
}

function main(argv: string[]): number {
  const [groupKey, ...wanted] = argv;
  const group = groupKey ? GROUPS[groupKey] : undefined;
  if (!group) usage();
  const unknown = wanted.filter((w) => !group.suites.some((s) => s.name === w));
  if (unknown.length) {
    console.error(`${group.title}: unknown suite ${unknown.join(', ')} (known: ${group.suites.map((s) => s.name).join(' ')})`);
    return 2;
  }
  const selected = wanted.length ? group.suites.filter((s) => wanted.includes(s.name)) : group.suites;
  const subset = selected.length < group.suites.length;

  const durations: [string, number][] = [];
  const started = Date.now();
  const report = () => {
    console.log(`\n${group.title}, seconds per suite:`);
    for (const [name, s] of durations) console.log(`  ${String(s).padStart(5)}  ${name}`);
    console.log(`  ${String(Math.round((Date.now() - started) / 1000)).padStart(5)}  total`);
  };

  // Every suite reads the shared contract's build.
  const contract = spawnSync('npm', ['run', '-s', 'build', '-w', 'packages/contract'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (contract.status !== 0) {
    console.error(`${group.title}: FAILED building the shared contract (packages/contract)`);
    return 1;
  }

  for (const suite of selected) {
    console.log(`\n--- [${clock()}] ${suite.name}: ${suite.what}`);
    const t0 = Date.now();
    const problem = runSuite(suite);
    durations.push([suite.name, Math.round((Date.now() - t0) / 1000)]);
    if (problem) {
      report();
      console.error(`${group.title}: FAILED in suite ${suite.name}: ${problem}`);
      return 1;
    }
  }
  report();
  const ran = selected.map((s) => s.name).join(' ');
  console.log(
    `\n--- [${clock()}] ${group.title}: ${subset ? `passed the suites asked for (${ran}); the others did not run` : `passed (${ran})`}`,
  );
  return 0;
}

process.exit(main(process.argv.slice(2)));
