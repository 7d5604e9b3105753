// The reference for the API scenarios: node:http and one pg.Pool issuing the statements a
// request to the API needs (the session read, then the route's own SQL) and nothing else — no
// framework, no validation, no logging, no metrics. What the API costs above this is the
// price of everything it does besides talking to PostgreSQL.
//
// The session is looked up by the token part of the cookie (`token.signature`) WITHOUT checking
// the HMAC: that check is a few microseconds of CPU, and leaving it out only makes the
// reference a little faster, i.e. the comparison a little stricter for the API.
import http from 'node:http';
import pg from 'pg';

// `date` columns as the API returns them: the ISO date string, not a Date at local midnight.
pg.types.setTypeParser(1082, (v) => v);

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL_MAX ?? 10) });

const TODO_COLUMNS = 'id, title, description, completed, priority, tags, due_date, created_at, updated_at';

function toTodo(r) {
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    completed: r.completed,
    priority: r.priority,
    tags: r.tags,
    dueDate: r.due_date,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function sessionToken(cookieHeader) {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || !part.slice(0, eq).trim().endsWith('session_token')) continue;
    const value = decodeURIComponent(part.slice(eq + 1).trim());
    const dot = value.lastIndexOf('.');
    return dot > 0 ? value.slice(0, dot) : value;
  }
  return null;
}

// Better Auth reads the session and its user by the token, and refuses an expired one.
async function sessionUser(req) {
  const token = sessionToken(req.headers.cookie);
  if (!token) return null;
  const { rows } = await pool.query(
    'select s.expires_at, u.id, u.email, u.name from "session" s join "user" u on u.id = s.user_id where s.token = $1',
    [token],
  );
  const row = rows[0];
  return row && row.expires_at > new Date() ? row : null;
}

function send(res, status, body) {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
  });
}

const TODO_ID = /^\/api\/v1\/todos\/([0-9a-f-]{36})$/;

async function handle(req, res) {
  const url = new URL(req.url, 'http://reference');
  const user = await sessionUser(req);
  if (!user) return send(res, 401, { error: { code: 'UNAUTHORIZED', message: 'sign in first' } });

  if (req.method === 'GET' && url.pathname === '/api/v1/todos') {
    const pageSize = Number(url.searchParams.get('pageSize') ?? 20);
    const page = Number(url.searchParams.get('page') ?? 1);
    // The page and its total in one statement, as the API does.
    const { rows } = await pool.query(
      `select ${TODO_COLUMNS}, count(*) over () as total from todos where user_id = $1 order by created_at desc, id desc limit $2 offset $3`,
      [user.id, pageSize, (page - 1) * pageSize],
    );
    return send(res, 200, { items: rows.map(toTodo), total: rows.length ? Number(rows[0].total) : 0, page, pageSize });
  }
  if (req.method === 'POST' && url.pathname === '/api/v1/todos') {
    const b = await readJson(req);
    const { rows } = await pool.query(
      `insert into todos (user_id, title, description, priority, tags, due_date) values ($1, $2, $3, $4, $5, $6) returning ${TODO_COLUMNS}`,
      [user.id, b.title, b.description ?? '', b.priority ?? 'medium', [...new Set(b.tags ?? [])], b.dueDate ?? null],
    );
    return send(res, 201, toTodo(rows[0]));
  }
  const m = TODO_ID.exec(url.pathname);
  if (req.method === 'PATCH' && m) {
    const b = await readJson(req);
    const { rows } = await pool.query(
      `update todos set updated_at = now(), title = coalesce($3, title), completed = coalesce($4, completed)
       where id = $1 and user_id = $2 returning ${TODO_COLUMNS}`,
      [m[1], user.id, b.title ?? null, b.completed ?? null],
    );
    if (!rows[0]) return send(res, 404, { error: { code: 'NOT_FOUND', message: 'todo not found' } });
    return send(res, 200, toTodo(rows[0]));
  }
  if (req.method === 'GET' && url.pathname === '/api/v1/conversations') {
    const limit = Number(url.searchParams.get('limit') ?? 20);
    const { rows } = await pool.query(
      'select id, title, created_at, updated_at from conversations where user_id = $1 order by updated_at desc, id desc limit $2',
      [user.id, limit],
    );
    return send(res, 200, {
      items: rows.map((r) => ({ id: r.id, title: r.title, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString() })),
    });
  }
  return send(res, 404, { error: { code: 'NOT_FOUND', message: 'no such route in the reference' } });
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((err) => {
    process.stderr.write(`reference server: ${err.stack ?? err}\n`);
    if (!res.headersSent) send(res, 500, { error: { code: 'INTERNAL_ERROR', message: String(err.message) } });
    else res.destroy();
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
