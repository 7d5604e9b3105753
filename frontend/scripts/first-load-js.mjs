// First-load JavaScript of the app's pages, gzipped, from the last `next build` (.next/).
//
//   node frontend/scripts/first-load-js.mjs
//
// Next.js 16 no longer prints per-route sizes, so this reads what its manifests say a page
// loads on a first visit: the runtime every page shares (`rootMainFiles` of
// build-manifest.json) and, from the page's client reference manifest, the chunks of every
// segment its tree renders (root layout, error and not-found boundaries, the page). Each
// distinct chunk is gzipped (level 9, as a static file server or CDN would) and summed. The
// legacy polyfills are left out: they are a `noModule` script no current browser loads.
//
// Prints one line per page with its target and a verdict. Exits non-zero only when it cannot
// measure (no build, a manifest it does not understand); a figure over target is reported,
// never failed on: the size belongs in review, and a build machine's state cannot change it.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { gzipSync } from 'node:zlib';
import { frontendDir } from './source-digest.mjs';

const PAGES = [
  { route: '/', entry: 'page', targetKb: 130 },
  { route: '/sign-in', entry: '(auth)/sign-in/page', targetKb: 110 },
];

const nextDir = path.join(frontendDir, '.next');

function fail(message) {
  console.error(`first-load-js: ${message}`);
  process.exit(1);
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    fail(`cannot read ${path.relative(process.cwd(), file)} (${err.message}); run \`npm run build -w frontend\` first`);
  }
}

if (!existsSync(path.join(nextDir, 'BUILD_ID'))) {
  fail(`no build in ${path.relative(process.cwd(), nextDir)}; run \`npm run build -w frontend\` first`);
}

const buildManifest = readJson(path.join(nextDir, 'build-manifest.json'));
if (!Array.isArray(buildManifest.rootMainFiles) || buildManifest.rootMainFiles.length === 0) {
  fail('build-manifest.json has no rootMainFiles: a Next.js manifest format this script does not know');
}

/** The manifest is a script that assigns globalThis.__RSC_MANIFEST[page]; run it in a sandbox. */
function entryChunks(entry) {
  const file = path.join(nextDir, 'server', 'app', `${entry}_client-reference-manifest.js`);
  if (!existsSync(file)) fail(`${path.relative(process.cwd(), file)} is missing: is ${entry} still a page of the app?`);
  const sandbox = {};
  sandbox.globalThis = sandbox;
  try {
    vm.runInNewContext(readFileSync(file, 'utf8'), sandbox, { timeout: 5000 });
  } catch (err) {
    fail(`cannot evaluate ${file}: ${err.message}`);
  }
  const manifest = sandbox.__RSC_MANIFEST?.[`/${entry}`];
  const entries = manifest?.entryJSFiles;
  if (!entries || typeof entries !== 'object' || Object.keys(entries).length === 0) {
    fail(`${file} has no entryJSFiles for /${entry}: a Next.js manifest format this script does not know`);
  }
  const ownKey = Object.keys(entries).find((k) => k.endsWith(`/app/${entry}`));
  if (!ownKey) fail(`${file} lists no chunks for the page itself (/${entry})`);
  return Object.values(entries).flat();
}

const gzipped = new Map();
function gzipSize(chunk) {
  if (!gzipped.has(chunk)) {
    const file = path.join(nextDir, chunk.replace(/^\/?_next\//, ''));
    let data;
    try {
      data = readFileSync(file);
    } catch (err) {
      fail(`chunk ${chunk} listed by the manifests cannot be read (${err.message})`);
    }
    gzipped.set(chunk, { raw: data.length, gz: gzipSync(data, { level: 9 }).length });
  }
  return gzipped.get(chunk);
}

const kb = (n) => (n / 1000).toFixed(1);
const normalise = (chunk) => chunk.replace(/^\/?_next\//, '');
let notMet = 0;
for (const page of PAGES) {
  const chunks = [...new Set([...buildManifest.rootMainFiles, ...entryChunks(page.entry)].map(normalise))];
  let raw = 0;
  let gz = 0;
  for (const chunk of chunks) {
    const size = gzipSize(chunk);
    raw += size.raw;
    gz += size.gz;
  }
  const met = gz <= page.targetKb * 1000;
  if (!met) notMet += 1;
  console.log(
    `first-load JS of ${page.route}: ${kb(gz)} kB gzip (${kb(raw)} kB raw, ${chunks.length} chunks) (target ≤ ${page.targetKb} kB): ${met ? 'met' : 'NOT met'}`,
  );
  if (process.env.FIRST_LOAD_JS_VERBOSE === '1') {
    for (const chunk of chunks) console.log(`    ${kb(gzipSize(chunk).gz).padStart(6)} kB  ${chunk}`);
  }
}
if (notMet > 0) console.log(`first-load-js: ${notMet} page(s) over target (reported, not failed)`);
