import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import fc from 'fast-check';
import { Ajv, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { forEachBackend, signUp, useApp } from './helper.js';

/**
 * Requests generated from the OpenAPI document itself, valid and invalid, against the real
 * app: every answer must be one the document lists for the operation, with a body its schema
 * accepts, and never a 5xx the document does not promise. PROPERTY_RUNS scales the run.
 */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 500);
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON Schema is open-ended: the generator reads whatever keywords are there
type Schema = Record<string, any>;
type Response = { description?: string; content?: Record<string, { schema?: Schema }>; headers?: Record<string, unknown> };
type Operation = {
  parameters?: { in: string; name: string; required?: boolean; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, Response>;
};
type Doc = { paths: Record<string, Record<string, Operation>>; components: { responses: Record<string, Response> } };

/** Values a schema describes, and (often) values just outside it: lengths, types, odd characters. */
function fromSchema(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return fc.jsonValue({ maxDepth: 2 });
  if (schema.anyOf || schema.oneOf) return fc.oneof(...(schema.anyOf ?? schema.oneOf).map((s: Schema) => fromSchema(s, depth + 1)));
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives: fc.Arbitrary<unknown>[] = [];
  if (schema.nullable) alternatives.push(fc.constant(null));
  switch (schema.type) {
    case 'string':
      if (schema.format === 'uuid') alternatives.push(fc.uuid({ version: 4 }));
      else if (schema.format === 'date')
        alternatives.push(
          fc
            .date({ min: new Date('1900-01-01'), max: new Date('2999-12-31'), noInvalidDate: true })
            .map((d) => d.toISOString().slice(0, 10)),
        );
      else {
        const min = schema.minLength ?? 0;
        const max = Math.min(schema.maxLength ?? 40, 60);
        alternatives.push(fc.string({ minLength: min, maxLength: max }), fc.string({ minLength: min, maxLength: max, unit: 'grapheme' }));
      }
      alternatives.push(fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\ud800', 'x'.repeat((schema.maxLength ?? 40) + 1), '2027-02-30'));
      break;
    case 'integer':
    case 'number':
      alternatives.push(fc.integer({ min: (schema.minimum ?? 0) - 2, max: (schema.maximum ?? 1000) + 2 }), fc.double());
      break;
    case 'boolean':
      alternatives.push(fc.boolean());
      break;
    case 'array':
      alternatives.push(fc.array(fromSchema(schema.items, depth + 1), { maxLength: (schema.maxItems ?? 5) + 1 }));
      break;
    case 'object': {
      const props: Record<string, Schema> = schema.properties ?? {};
      const record = fc.record(Object.fromEntries(Object.entries(props).map(([k, s]) => [k, fromSchema(s, depth + 1)])), {
        requiredKeys: [],
      });
      alternatives.push(
        record,
        fc
          .tuple(record, fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }))
          .map(([a, b]) => ({ ...b, ...a })),
      );
      break;
    }
  }
  const wrongKind = fc.jsonValue({ maxDepth: 2 });
  if (alternatives.length === 0) return wrongKind;
  // Now and then something of the wrong kind entirely.
  return fc.oneof({ weight: 6, arbitrary: fc.oneof(...alternatives) }, { weight: 1, arbitrary: wrongKind });
}

/** A query string from the documented parameters, plus now and then one the document does not have. */
function queryOf(op: Operation): fc.Arbitrary<string> {
  const params = (op.parameters ?? []).filter((p) => p.in === 'query');
  const values = fc.record(Object.fromEntries(params.map((p) => [p.name, fromSchema(p.schema)])), { requiredKeys: [] });
  return fc
    .tuple(values, fc.option(fc.tuple(fc.string({ minLength: 1, maxLength: 6 }), fc.string({ maxLength: 6 })), { freq: 8 }))
    .map(([v, extra]) => {
      const q = new URLSearchParams();
      for (const [k, value] of Object.entries(v)) q.append(k, typeof value === 'string' ? value : JSON.stringify(value));
      if (extra) q.append(extra[0], extra[1]);
      const s = q.toString();
      return s ? `?${s}` : '';
    });
}

type Check = { validators: Map<Schema, ValidateFunction>; ajv: Ajv };

/** What is wrong with a response, judged by the documented responses of its operation. */
function problems(check: Check, documented: Record<string, Response>, res: LightMyRequestResponse): string[] {
  const out: string[] = [];
  const status = String(res.statusCode);
  const doc = documented[status];
  if (!doc)
    return [`status ${status} is not documented (documented: ${Object.keys(documented).join(', ')}); body ${res.body.slice(0, 200)}`];
  if (res.statusCode >= 500 && res.statusCode !== 503) out.push(`a ${status}`);
  const type = String(res.headers['content-type'] ?? '');
  const content = doc.content;
  if (!content) {
    if (res.body !== '') out.push(`status ${status} is documented without a body, got ${res.body.slice(0, 100)}`);
    return out;
  }
  const [mediaType, media] = Object.entries(content)[0]!;
  if (!type.startsWith(mediaType)) out.push(`status ${status}: content-type ${type}, documented ${mediaType}`);
  if (mediaType !== 'application/json' || !media.schema) return out;
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    return [...out, `status ${status}: the body is not JSON: ${res.body.slice(0, 100)}`];
  }
  let validate = check.validators.get(media.schema);
  if (!validate) {
    validate = check.ajv.compile(media.schema);
    check.validators.set(media.schema, validate);
  }
  if (!validate(body))
    out.push(`status ${status}: body ${res.body.slice(0, 200)} does not match: ${check.ajv.errorsText(validate.errors)}`);
  return out;
}

/** A CommonJS module whose default export the types describe as a namespace. */
const addFormats = ajvFormats as unknown as typeof ajvFormats.default;

function newCheck(): Check {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return { ajv, validators: new Map() };
}

forEachBackend('requests generated from the OpenAPI document', (backend) => {
  const t = useApp(backend);
  let doc: Doc;
  let cookie: string;
  const ids: string[] = [];
  let cases = 0;
  before(async () => {
    doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    cookie = (await signUp(t.app, 'property')).cookie;
    for (const title of ['one', 'two', 'three']) {
      ids.push((await t.app.inject({ method: 'POST', url: '/api/v1/todos', headers: { cookie }, payload: { title } })).json().id);
    }
  });

  const pathParam = () =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...ids) },
      { weight: 1, arbitrary: fc.uuid({ version: 4 }) },
      // Not "." or "..": a client would resolve those to another path before sending.
      { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s !== '.' && s !== '..') },
    );

  it('the negative control: a response the document does not describe is caught', async () => {
    const check = newCheck();
    const documented = doc.paths['/api/v1/todos/{id}']!.get!.responses;
    const real = await t.app.inject({ method: 'GET', url: `/api/v1/todos/${ids[0]}`, headers: { cookie } });
    assert.deepEqual(problems(check, documented, real), [], 'the real response passes');
    // A deliberately broken schema: the same response must now fail.
    const broken = structuredClone(documented);
    const schema = broken['200']!.content!['application/json']!.schema!;
    schema.required = [...schema.required, 'ghost'];
    assert.match(problems(check, broken, real).join('\n'), /ghost/);
    assert.match(problems(check, { '201': documented['200']! }, real).join('\n'), /not documented/);
    const { '200': _, ...without } = documented;
    assert.equal(problems(check, without, real).length, 1);
  });

  it(`every documented operation answers as documented (${RUNS} generated requests each)`, async () => {
    const check = newCheck();
    const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([m]) => METHODS.includes(m.toUpperCase() as (typeof METHODS)[number]))
        .map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
    );
    assert.ok(ops.length >= 10, `only ${ops.length} operations in the document`);
    for (const { path, method, op } of ops) {
      const bodySchema = op.requestBody?.content['application/json']?.schema;
      const request = fc.record({
        id: pathParam(),
        query: queryOf(op),
        body: bodySchema ? fromSchema(bodySchema) : fc.constant(undefined),
        // Mostly JSON; sometimes a body that is not JSON or not declared as such.
        encoding: fc.constantFrom('json', 'json', 'json', 'json', 'json', 'json', 'broken', 'text'),
        signedIn: fc.integer({ min: 0, max: 9 }).map((n) => n > 0),
      });
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          cases++;
          const url = path.replace('{id}', encodeURIComponent(r.id)) + r.query;
          const headers: Record<string, string> = r.signedIn ? { cookie } : {};
          const opts: InjectOptions = { method: method as InjectOptions['method'], url, headers };
          if (bodySchema) {
            if (r.encoding === 'text') {
              headers['content-type'] = 'text/plain';
              opts.payload = JSON.stringify(r.body ?? null);
            } else {
              headers['content-type'] = 'application/json';
              opts.payload = r.encoding === 'broken' ? `${JSON.stringify(r.body ?? null)}}` : JSON.stringify(r.body ?? null);
            }
          }
          const res = await t.app.inject(opts);
          const found = problems(check, op.responses, res);
          if (found.length) throw new Error(`${method} ${url} ${String(opts.payload ?? '')}\n  ${found.join('\n  ')}`);
        }),
        { numRuns: RUNS },
      );
    }
  });

  it(`methods the document does not list answer 405 as documented (${RUNS} generated requests)`, async () => {
    const check = newCheck();
    const paths = Object.keys(doc.paths);
    const notAllowed = doc.components.responses.MethodNotAllowed!;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.constantFrom(...METHODS),
        pathParam(),
        fc.boolean(),
        async (path, method, id, signedIn) => {
          fc.pre(!(method.toLowerCase() in doc.paths[path]!));
          cases++;
          const url = path.replace('{id}', encodeURIComponent(id));
          const res = await t.app.inject({ method, url, headers: signedIn ? { cookie } : {} });
          const found = problems(check, { '405': notAllowed }, res);
          const allow = String(res.headers.allow ?? '');
          const documentedMethods = Object.keys(doc.paths[path]!).filter((m) =>
            METHODS.includes(m.toUpperCase() as (typeof METHODS)[number]),
          );
          for (const m of documentedMethods) if (!allow.includes(m.toUpperCase())) found.push(`Allow "${allow}" lacks ${m.toUpperCase()}`);
          if (found.length) throw new Error(`${method} ${url}\n  ${found.join('\n  ')}`);
        },
      ),
      { numRuns: RUNS },
    );
    console.log(`# ${cases} generated requests checked against the OpenAPI document`);
  });
});
