import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import fastJson from 'fast-json-stringify';
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

type RouteSchema = Parameters<typeof zodSerializerCompiler>[0];

/**
 * Response serialization compiled once per route and status from the route's zod schema
 * (through its JSON Schema, by fast-json-stringify, Fastify's own serializer) instead of a
 * zod parse of every response followed by JSON.stringify. The output keeps the documented
 * shape by construction: only the schema's properties are written, a missing required one
 * throws (a 500, as a failed parse did), values are written as the schema's types. What it no
 * longer checks per response are formats and enums; those come from the database's own
 * constraints and the repositories' mapping, which the route tests check against the contract.
 * A schema that has no JSON Schema form keeps the run-time zod serializer.
 */
export const serializerCompiler: FastifySerializerCompiler<unknown> = (route) => {
  const { schema } = route as RouteSchema;
  try {
    const jsonSchema = z.toJSONSchema(schema as z.ZodType, { io: 'output', target: 'draft-07', unrepresentable: 'throw' });
    return fastJson(jsonSchema as Parameters<typeof fastJson>[0]);
  } catch {
    return zodSerializerCompiler(route as RouteSchema);
  }
};
