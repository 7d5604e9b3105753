// The smoke suite's workload: answers every path with who it is, so a test can tell which
// Service and which pod served a request. Plain JavaScript: it runs on the bare base image.
import { createServer } from 'node:http';
import { hostname } from 'node:os';

const name = process.env.HELLO_NAME ?? 'hello';
const port = Number(process.env.PORT ?? 8080);
// HELLO_LIVENESS=fail makes /healthz fail, to prove that the kubelet restarts the container.
const healthy = process.env.HELLO_LIVENESS !== 'fail';

const server = createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(healthy ? 200 : 500, { 'content-type': 'text/plain' });
    res.end(healthy ? 'ok\n' : 'failing on purpose (HELLO_LIVENESS=fail)\n');
    return;
  }
  const body = JSON.stringify({ name, pod: hostname(), path: req.url, host: req.headers.host ?? null });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
// Longer than any proxy's idle timeout, so a proxy never reuses a connection being closed.
server.keepAliveTimeout = 65_000;
server.listen(port, '0.0.0.0', () => console.log(`hello "${name}" listening on :${port}`));

// PID 1 in the container: without a handler SIGTERM would be ignored until the grace period ends.
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
