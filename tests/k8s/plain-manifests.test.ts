// The plain manifests (`kubectl apply -k infra/k8s`) deploy and pass the smoke test too, in a
// namespace of their own. What a user adapts is done the way a user would: a kustomize
// overlay (generated in a temporary directory) setting the namespace, the image tags, the
// Secret (secretGenerator from an env file) and this cluster's Ingress class.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { IMAGE_BACKEND, IMAGE_FRONTEND, SECRET_ENV } from '@todo/contract';
import {
  BACKEND,
  FRONTEND,
  K8S_NS,
  REPO_ROOT,
  SECRET_NAME,
  STATE_DIR,
  VERSION,
  health,
  kubectl,
  kubectlJson,
  shownEnvironmentName,
  todoJourney,
  waitFor,
  waitForDeployment,
  http,
} from './lib.js';
import { assertSecretKeyRefs } from './secrets.js';

const DATABASE_URL = process.env.DATABASE_URL ?? '';

describe(
  'plain manifests: kubectl apply -k infra/k8s (through an overlay)',
  { skip: DATABASE_URL ? false : 'DATABASE_URL is not set' },
  () => {
    let overlay = '';

    before(async () => {
      mkdirSync(STATE_DIR, { recursive: true });
      overlay = mkdtempSync(join(STATE_DIR, 'overlay-'));
      writeFileSync(
        join(overlay, 'secrets.env'),
        `${SECRET_ENV.databaseUrl}=${DATABASE_URL}\n${SECRET_ENV.authSecret}=${randomBytes(32).toString('base64')}\n${SECRET_ENV.openaiApiKey}=\n`,
        { mode: 0o600 },
      );
      writeFileSync(
        join(overlay, 'kustomization.yaml'),
        JSON.stringify(
          {
            apiVersion: 'kustomize.config.k8s.io/v1beta1',
            kind: 'Kustomization',
            namespace: K8S_NS,
            resources: [relative(overlay, join(REPO_ROOT, 'infra/k8s'))],
            images: [
              { name: IMAGE_BACKEND, newTag: VERSION },
              { name: IMAGE_FRONTEND, newTag: VERSION },
            ],
            secretGenerator: [{ name: SECRET_NAME, envs: ['secrets.env'], options: { disableNameSuffixHash: true } }],
            patches: [
              {
                target: { kind: 'Ingress' },
                patch: JSON.stringify([{ op: 'replace', path: '/spec/ingressClassName', value: 'traefik' }]),
              },
            ],
          },
          null,
          2,
        ),
      );
      await kubectl(['delete', 'namespace', K8S_NS, '--ignore-not-found', '--wait=true', '--timeout=120s'], { timeoutMs: 150_000 });
      await kubectl(['create', 'namespace', K8S_NS]);
    });

    after(async () => {
      if (overlay) rmSync(overlay, { recursive: true, force: true });
      await kubectl(['delete', 'namespace', K8S_NS, '--ignore-not-found', '--wait=true', '--timeout=180s'], { timeoutMs: 200_000 });
    });

    test('kubectl apply -k deploys; both Deployments 2/2 Ready', { timeout: 300_000 }, async () => {
      await kubectl(['apply', '-k', overlay], { timeoutMs: 120_000 });
      await waitForDeployment(K8S_NS, BACKEND, 2, 240_000);
      await waitForDeployment(K8S_NS, FRONTEND, 2, 240_000);
    });

    test('secrets only through secretKeyRef', () => assertSecretKeyRefs(K8S_NS, SECRET_NAME));

    test("smoke: the app, the health contract and a user's todos through the Ingress", async () => {
      const ing = await kubectlJson<any>(['-n', K8S_NS, 'get', 'ingress']);
      assert.equal(ing.items.length, 1);
      await waitFor('the Ingress of the plain manifests to answer', async () => (await http('/api/v1/health')).status === 200, 60_000);
      await health();
      assert.equal(await shownEnvironmentName(), 'development');
      await todoJourney();
    });
  },
);
