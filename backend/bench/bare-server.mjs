// The yardstick: Node's own http module answering a fixed JSON body, no framework, no database.
import http from 'node:http';

const body = JSON.stringify({ items: [], total: 0, page: 1, pageSize: 50 });
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
