import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { forEachBackend, useApp } from '../helper.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document is read as plain JSON, walked by the assertions
type Doc = { paths: Record<string, Record<string, any>>; components: Record<string, any>; info: any };

/** The document says what the API does, no more and no less. */
forEachBackend('the OpenAPI document matches behaviour', (backend) => {
  const t = useApp(backend);
  let doc: Doc;
  before(async () => {
    doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
  });
  const ops = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map(([method, op]) => ({ path, method, op })),
    );

  it('documents 405 with Allow for the methods a path lacks', () => {
    const res405 = doc.components.responses?.MethodNotAllowed;
    assert.ok(res405, 'components.responses.MethodNotAllowed');
    assert.ok(res405.headers?.Allow, 'with the Allow header');
    assert.ok(res405.content['application/json'].schema);
    for (const [path, item] of Object.entries(doc.paths)) {
      assert.match(item.description ?? '', /405/, `${path} says other methods answer 405`);
    }
  });

  it('documents 204 of DELETE without a body', () => {
    const res = doc.paths['/api/v1/todos/{id}']!.delete.responses['204'];
    assert.equal(res.content, undefined, JSON.stringify(res));
  });

  it('documents the assistant stream as text/event-stream', () => {
    const res = doc.paths['/api/v1/chat/stream']!.post.responses['200'];
    assert.deepEqual(Object.keys(res.content), ['text/event-stream']);
  });

  it('documents that an empty PATCH is refused', () => {
    const schema = doc.paths['/api/v1/todos/{id}']!.patch.requestBody.content['application/json'].schema;
    assert.equal(schema.minProperties, 1);
  });

  it('documents that tags and titles must not be blank and no text may hold NUL', () => {
    const create = doc.paths['/api/v1/todos']!.post.requestBody.content['application/json'].schema;
    const matches = (s: { pattern?: string }, v: string) => new RegExp(s.pattern ?? '', 'u').test(v);
    for (const [name, s] of [
      ['title', create.properties.title],
      ['tag', create.properties.tags.items],
    ] as const) {
      assert.ok(s.pattern, `${name} has a pattern`);
      assert.ok(matches(s, 'ok x'), `${name}: ordinary text`);
      assert.ok(!matches(s, '   '), `${name}: blank is refused`);
      assert.ok(!matches(s, 'a\u0000b'), `${name}: NUL is refused`);
    }
    assert.ok(!matches(create.properties.description, 'a\u0000'), 'description: NUL is refused');
    assert.ok(matches(create.properties.description, ''), 'description may be empty');
  });

  it('documents a 503 for every operation that needs the database', () => {
    for (const { path, method, op } of ops()) {
      if (op.responses['401']) assert.ok(op.responses['503'], `${method} ${path}`);
    }
  });

  it('carries no tracker ids', () => {
    const text = JSON.stringify(doc);
    assert.doesNotMatch(text, /\b(T0\d\d|SC-\d+|FR-\d+|issue \d+)\b/);
  });
});
