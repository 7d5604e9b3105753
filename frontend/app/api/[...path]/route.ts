import { apiBaseUrl } from '@/app/lib/config';
import { proxyRequest } from '@/app/lib/proxy';

// Local runs and Compose: the browser calls /api/* on this origin and this handler forwards
// it to the backend. In Kubernetes the Ingress routes /api to the backend before it gets here.
async function forward(request: Request): Promise<Response> {
  return proxyRequest(request, { apiBaseUrl: apiBaseUrl() });
}

export { forward as GET, forward as HEAD, forward as POST, forward as PUT, forward as PATCH, forward as DELETE, forward as OPTIONS };
