// The smoke suite's workload: hello Deployments behind ClusterIP Services, an Ingress and an
// HTTPRoute in front of them. Built as objects so the test and the benchmark share them.
export const NAMESPACE = 'cluster-smoke';
/** The Gateway that scripts/cluster/up.sh creates for HTTPRoutes (docs/testing.md). */
export const GATEWAY = { name: 'traefik-gateway', namespace: 'traefik', sectionName: 'web' } as const;
/**
 * Host names the Ingress and the HTTPRoute match: resolved by nobody, sent as the Host header
 * to 127.0.0.1. A host of its own keeps the suite clear of any catch-all Ingress another suite
 * may have on the same cluster.
 */
export const INGRESS_HOST = 'hello.cluster-smoke.test';
export const ROUTE_HOST = 'hello-route.cluster-smoke.test';

export function helloImage(): string {
  const image = process.env.HELLO_IMAGE;
  if (!image) throw new Error('HELLO_IMAGE is not set (scripts/cluster/smoke.sh builds and loads the hello image and sets it)');
  return image;
}

const containerSecurity = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};
const podSecurity = { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } };

export function helloDeployment(name: string, replicas: number, opts: { failLiveness?: boolean } = {}): object {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          securityContext: podSecurity,
          terminationGracePeriodSeconds: 5,
          containers: [
            {
              name: 'hello',
              image: helloImage(),
              imagePullPolicy: 'IfNotPresent',
              env: [{ name: 'HELLO_NAME', value: name }, ...(opts.failLiveness ? [{ name: 'HELLO_LIVENESS', value: 'fail' }] : [])],
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 },
              livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 2, failureThreshold: 1 },
              resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
              securityContext: containerSecurity,
            },
          ],
        },
      },
    },
  };
}

export function helloService(name: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { type: 'ClusterIP', selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  };
}

/** `/` to hello-web, `/api` to hello-api, with no ingressClassName: the default class applies. */
export function ingress(): object {
  const backend = (name: string) => ({ service: { name, port: { name: 'http' } } });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'hello' },
    spec: {
      rules: [
        {
          host: INGRESS_HOST,
          http: {
            paths: [
              { path: '/api', pathType: 'Prefix', backend: backend('hello-api') },
              { path: '/', pathType: 'Prefix', backend: backend('hello-web') },
            ],
          },
        },
      ],
    },
  };
}

export function httpRoute(): object {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'hello-route' },
    spec: {
      parentRefs: [GATEWAY],
      hostnames: [ROUTE_HOST],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'hello-route', port: 80 }] }],
    },
  };
}
