// Generates kubeconform-compatible JSON schemas, one file per kind and API version, in
// strict mode (objects reject properties the API does not define), from either
//   openapi DIR OUT  the OpenAPI v3 documents Kubernetes publishes in k8s.io/kubernetes
//                    (api/openapi-spec/v3/*.json), or
//   crd DIR OUT      CustomResourceDefinition YAML files (e.g. the Gateway API's
//                    config/crd/standard), one schema per served version.
// File names follow kubeconform's `{{ .ResourceKind }}{{ .KindSuffix }}.json` template:
// lower-case kind, then `-<first label of the group>-<version>` (`-<version>` for core).
//
// Each file is self-contained: the schemas it references are copied under `definitions`
// and referenced by JSON pointer, so recursive types (JSONSchemaProps) need no inlining and
// kubeconform needs no network or second file. Run by scripts/tools/install.sh.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const [mode, inDir, outDir] = process.argv.slice(2);
if (!['openapi', 'crd'].includes(mode) || !inDir || !outDir) {
  console.error('usage: openapi2jsonschema.mjs openapi|crd INPUT_DIR OUTPUT_DIR');
  process.exit(2);
}

const REF_PREFIX = '#/components/schemas/';

// Keys that document or drive server-side behaviour but do not constrain a manifest.
const DROPPED = new Set(['description', 'default', 'readOnly', 'example', 'externalDocs', 'format']);

/**
 * Rewrites one OpenAPI schema node into JSON Schema: refs point into `definitions`,
 * `nullable` becomes a null type, int-or-string becomes a oneOf, and every object with
 * declared properties rejects others unless Kubernetes says unknown fields are kept.
 */
function convert(node, refs) {
  if (Array.isArray(node)) return node.map((n) => convert(n, refs));
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED.has(key) || key.startsWith('x-')) continue;
    if (key === '$ref') {
      if (!value.startsWith(REF_PREFIX)) throw new Error(`unsupported $ref ${value}`);
      const name = value.slice(REF_PREFIX.length);
      refs.add(name);
      out.$ref = `#/definitions/${name}`;
    } else if (key === 'properties' || key === 'patternProperties' || key === 'definitions') {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v, refs)]));
    } else {
      out[key] = convert(value, refs);
    }
  }
  if (node['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.oneOf = [{ type: 'string' }, { type: 'integer' }];
  }
  if (node.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
  } else {
    delete out.nullable;
  }
  const keepsUnknown = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (out.properties && out.additionalProperties === undefined && !keepsUnknown) {
    out.additionalProperties = false;
  }
  return out;
}

function fileName(group, version, kind) {
  const suffix = group ? `-${group.split('.')[0]}-${version}` : `-${version}`;
  return `${kind}${suffix}.json`.toLowerCase();
}

function pinIdentity(schema, group, version, kind) {
  schema.properties ??= {};
  schema.properties.apiVersion = { type: 'string', enum: [group ? `${group}/${version}` : version] };
  schema.properties.kind = { type: 'string', enum: [kind] };
  schema.required = [...new Set([...(schema.required ?? []), 'apiVersion', 'kind'])];
}

const written = new Map();
function write(name, schema, origin) {
  if (written.has(name)) {
    // Two groups sharing a first label and a version would collide; none do in the inputs
    // we generate from, and silently keeping either one would validate against the wrong API.
    throw new Error(`${name}: produced by both ${written.get(name)} and ${origin}`);
  }
  written.set(name, origin);
  writeFileSync(join(outDir, name), JSON.stringify(schema));
}

mkdirSync(outDir, { recursive: true });

if (mode === 'openapi') {
  const all = {};
  for (const file of readdirSync(inDir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const doc = JSON.parse(readFileSync(join(inDir, file), 'utf8'));
    Object.assign(all, doc.components?.schemas ?? {});
  }
  for (const [name, raw] of Object.entries(all)) {
    const gvks = raw['x-kubernetes-group-version-kind'];
    // Only top-level objects with a single identity are manifests; DeleteOptions and
    // WatchEvent carry one GVK per API group and are never applied.
    if (!Array.isArray(gvks) || gvks.length !== 1) continue;
    const { group, version, kind } = gvks[0];
    const refs = new Set();
    const root = convert(raw, refs);
    const definitions = {};
    const pending = [...refs];
    while (pending.length) {
      const ref = pending.pop();
      if (definitions[ref]) continue;
      if (!all[ref]) throw new Error(`${name}: dangling reference ${ref}`);
      const found = new Set();
      definitions[ref] = convert(all[ref], found);
      for (const r of found) if (!definitions[r]) pending.push(r);
    }
    pinIdentity(root, group, version, kind);
    write(fileName(group, version, kind), { ...root, definitions }, name);
  }
} else {
  for (const file of readdirSync(inDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(inDir, file), 'utf8'))) {
      const crd = doc.toJS();
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      const { group, names } = crd.spec;
      for (const v of crd.spec.versions) {
        if (!v.served || !v.schema?.openAPIV3Schema) continue;
        const refs = new Set();
        const root = convert(v.schema.openAPIV3Schema, refs);
        if (refs.size) throw new Error(`${file}: CRD schemas cannot hold $ref`);
        pinIdentity(root, group, v.name, names.kind);
        write(fileName(group, v.name, names.kind), root, `${file} ${v.name}`);
      }
    }
  }
}

if (written.size === 0) {
  console.error(`no schema produced from ${inDir}`);
  process.exit(1);
}
console.error(`${written.size} schemas written to ${outDir}`);
