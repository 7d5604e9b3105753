{{/*
The test pods run the app's own images (nothing else exists on an offline cluster), with
`node` evaluating this module: each CHECK_<n> environment variable is
"<url> <status> <kind>" where kind is `health` (the JSON body must be the health
contract: {"status":"healthy","timestamp":string}) or `html` (a page). All checks run;
the pod fails if any does, printing each result for `helm test --logs`.
*/}}
{{- define "todo.test.script" -}}
const checks = Object.keys(process.env).filter((k) => k.startsWith('CHECK_')).sort().map((k) => process.env[k]);
let failed = 0;
for (const check of checks) {
  const [url, want, kind] = check.split(' ');
  try {
    // Redirects are followed: an anonymous visit to / may land on the sign-in page.
    const res = await fetch(url, { signal: AbortSignal.timeout(10000) });
    const text = await res.text();
    let ok = res.status === Number(want);
    if (ok && kind === 'health') {
      const body = JSON.parse(text);
      ok = body.status === 'healthy' && typeof body.timestamp === 'string';
    }
    if (ok && kind === 'html') ok = (res.headers.get('content-type') ?? '').includes('text/html');
    console.log(`${ok ? 'ok  ' : 'FAIL'} GET ${url} -> ${res.status} ${text.slice(0, 200).replace(/\s+/g, ' ')}`);
    if (!ok) failed++;
  } catch (err) {
    console.log(`FAIL GET ${url} -> ${err.message}`);
    failed++;
  }
}
if (checks.length === 0) { console.log('FAIL no CHECK_* variables'); failed++; }
process.exit(failed ? 1 : 0);
{{- end }}

{{/* A test pod. Call with (dict "root" $ "name" … "image" … "checks" (list "url status kind" …)). */}}
{{- define "todo.test.pod" -}}
{{- $ := .root }}
apiVersion: v1
kind: Pod
metadata:
  name: {{ .name }}
  labels:
    {{- include "todo.labels" $ | nindent 4 }}
    app.kubernetes.io/component: test
  annotations:
    helm.sh/hook: test
    # Failed pods stay for `kubectl logs`; the next run replaces them.
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  securityContext:
    {{- toYaml $.Values.podSecurityContext | nindent 4 }}
  containers:
    - name: check
      image: {{ .image }}
      imagePullPolicy: IfNotPresent
      command: [node, --input-type=module, -e]
      args:
        - |
          {{- include "todo.test.script" . | nindent 10 }}
      env:
        {{- range $i, $c := .checks }}
        - name: CHECK_{{ $i }}
          value: {{ $c | quote }}
        {{- end }}
      resources:
        {{- toYaml $.Values.tests.resources | nindent 8 }}
      securityContext:
        {{- toYaml $.Values.containerSecurityContext | nindent 8 }}
{{- end }}
