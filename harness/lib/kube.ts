/** kubectl for the suites that talk to a cluster, bound to the kubectl binary each one uses. */
import { check, type RunOptions } from './process.js';

export function kubeClient(kubectlPath: string) {
  const kubectl = (args: string[], opts: RunOptions = {}) => check(kubectlPath, args, opts);
  return {
    kubectl,
    /** `kubectl … -o json`, parsed; the caller states the shape it reads. */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- objects of any kind, read field by field
    kubectlJson: async <T = any>(args: string[]): Promise<T> => JSON.parse(await kubectl([...args, '-o', 'json'])) as T,
    /** kubectl apply of objects given as JavaScript values. */
    apply: async (objects: object[], namespace?: string): Promise<void> => {
      const list = { apiVersion: 'v1', kind: 'List', items: objects };
      await kubectl(['apply', ...(namespace ? ['-n', namespace] : []), '-f', '-'], { input: JSON.stringify(list) });
    },
  };
}
