// Secrets: the backend gets DATABASE_URL, AUTH_SECRET and OPENAI_API_KEY from the Secret
// through secretKeyRef only; no pod spec, `kubectl describe`, Helm release data, ConfigMap,
// event or log line holds a secret value; and the app really uses them. This is the
// existingSecret path (values-dev.yaml); secret-values.test.ts covers the chart-made Secret.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { SECRET_ENV } from '@todo/contract';
import { NS, RELEASE, SECRET_NAME, check, health, helm, kubectlJson, signUp } from './lib.js';
import { assertNoSecret, assertSecretKeyRefs, assertSignedWith, readableOutputs, secretValues } from './secrets.js';

describe('secrets reach the backend through secretKeyRef only (existingSecret)', () => {
  let secret: Awaited<ReturnType<typeof secretValues>>;
  before(async () => {
    secret = await secretValues(NS, SECRET_NAME);
    assert.ok(secret.raw[SECRET_ENV.databaseUrl] && secret.raw[SECRET_ENV.authSecret], 'the Secret holds DATABASE_URL and AUTH_SECRET');
  });

  test('the Secret is not part of the Helm release', async () => {
    const s = await kubectlJson<any>(['-n', NS, 'get', 'secret', SECRET_NAME]);
    assert.equal(s.metadata.labels?.['app.kubernetes.io/managed-by'], undefined);
    assert.doesNotMatch(await helm(['get', 'manifest', RELEASE, '-n', NS]), /^kind: Secret$/m);
  });

  test('each secret env var is a secretKeyRef to todo-app-secrets', () => assertSecretKeyRefs(NS, SECRET_NAME));

  test('no pod spec, describe output, Helm release data, ConfigMap, event or log line shows a value', async () => {
    for (const [where, text] of await readableOutputs(NS, RELEASE)) assertNoSecret(where, text, secret.needles);
  });

  test('the app uses them: sessions are signed with AUTH_SECRET, the database of DATABASE_URL holds the user', async () => {
    await health();
    const user = await signUp();
    assertSignedWith(user.cookie, secret.raw[SECRET_ENV.authSecret]!);
    // The database the URL names (reached from the host, as the pods reach it) has the user.
    const found = await check('psql', [
      secret.raw[SECRET_ENV.databaseUrl]!,
      '-qtAX',
      '-c',
      `select count(*) from "user" where email = '${user.email}'`,
    ]);
    assert.equal(found.trim(), '1');
  });
});
