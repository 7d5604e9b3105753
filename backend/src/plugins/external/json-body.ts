import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError } from '../../http-error.js';

/**
 * Deeper JSON is refused before parsing. Nothing the API accepts nests beyond a few levels,
 * while recursive code downstream (serializers, Better Auth re-encoding the body, validators)
 * overflows the stack at a few thousand: one small body could otherwise answer 500.
 */
export const MAX_JSON_DEPTH = 64;

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');
/** With the u flag a surrogate pair is one code point, so only unpaired halves match. */
const LONE_SURROGATE = /[\ud800-\udfff]/u;
const wellFormed = (s: string) => !LONE_SURROGATE.test(s);

/** Nesting depth of JSON text without parsing it; brackets inside strings do not count. */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return false;
}

/** The path (body.tags.1) of the first string or key for which `bad` holds, if any. */
export function findString(value: unknown, bad: (s: string) => boolean, path = 'body'): string | undefined {
  if (typeof value === 'string') return bad(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findString(value[i], bad, `${path}.${i}`);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (bad(key)) return `${path}.${wellFormed(key) ? key : '(key)'}`;
      const found = findString(v, bad, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

function invalid(field: string, message: string): HttpError {
  return new HttpError(400, 'VALIDATION_ERROR', `${field}: ${message}`, { issues: [{ field, message }] });
}

/**
 * Replaces the JSON parser for every route (the API's and Better Auth's): bytes must be UTF-8
 * and strings proper Unicode, since the database would otherwise keep U+FFFD in place of what
 * the client sent, silently changing its data; and depth is bounded (see MAX_JSON_DEPTH).
 * Parsing itself stays Fastify's, with its prototype-poisoning protection and error messages.
 */
export default fp(
  async (app: FastifyInstance) => {
    const parse = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, raw, done) => {
      const bytes = raw as Buffer;
      let text: string;
      try {
        text = fatalUtf8.decode(bytes);
      } catch {
        // Name the field when the text still parses: the replacement characters mark where.
        let field = 'body';
        try {
          field = findString(JSON.parse(lenientUtf8.decode(bytes)), (s) => s.includes('\ufffd')) ?? 'body';
        } catch {
          // not JSON either: the whole body is blamed
        }
        return done(invalid(field, 'is not valid UTF-8'), undefined);
      }
      if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
        return done(new HttpError(400, 'BAD_REQUEST', `the request body is JSON nested deeper than ${MAX_JSON_DEPTH} levels`), undefined);
      }
      parse(request, text, (err, body) => {
        if (err) return done(err, undefined);
        const field = findString(body, (s) => !wellFormed(s));
        if (field) return done(invalid(field, 'contains a lone UTF-16 surrogate (e.g. "\\ud800"), which is not a character'), undefined);
        done(null, body);
      });
    });
  },
  { name: 'json-body' },
);
