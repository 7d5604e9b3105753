// Copies the production dependency closure of some workspaces out of an installed npm tree.
//
// Usage (inside an image build): node prod-closure.mjs <root> <out> <workspace-dir>...
//        (anywhere, copies nothing): node prod-closure.mjs --measure <root> <workspace-dir>...
//
// Files that only editors, compilers and debuggers read are left out: type declarations,
// TypeScript sources, source maps (node reads them only with --enable-source-maps, which the
// image does not set) and Markdown other than licences. They were over half the closure.
//
// --measure prints the closure's size and its largest packages, so the weight the image would
// carry can be checked from a source checkout without Docker.
//
// Why: `npm ci --omit=dev --workspace backend` still installs every package that one of the
// backend's dependencies names as an *optional* peer and that another workspace happens to
// use (better-auth lists next, react and drizzle-kit that way), which would put the whole
// Next.js toolchain into the API image. This walks what Node would actually load: each
// package's `dependencies`, the `optionalDependencies` that are installed and the required
// (not optional) `peerDependencies`, resolved with Node's own lookup (nearest node_modules
// upwards), and copies exactly those package directories to <out>, keeping the layout, and
// recreates the workspace symlinks. Workspace sources themselves are not copied.
import fs from 'node:fs';
import path from 'node:path';

function fail(message) {
  console.error(`prod-closure: ${message}`);
  process.exit(1);
}

const argv = process.argv.slice(2);
const measureOnly = argv[0] === '--measure';
const [rootArg, outArg, ...workspaceArgs] = measureOnly ? [argv[1], '-', ...argv.slice(2)] : argv;
if (!rootArg || !outArg || workspaceArgs.length === 0) {
  fail('usage: node prod-closure.mjs <root> <out> <workspace-dir>... | --measure <root> <workspace-dir>...');
}
const root = fs.realpathSync(rootArg);
const out = path.resolve(outArg);
if (!measureOnly && fs.existsSync(out) && fs.readdirSync(out).length > 0) fail(`${out} exists and is not empty`);

const readManifest = (dir) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  } catch (err) {
    fail(`cannot read ${path.join(dir, 'package.json')}: ${err.message}`);
  }
};

/** Node's lookup: <dir>/node_modules/<name>, then each parent's, never above the root. */
function locate(fromDir, name) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === root || !dir.startsWith(root)) return undefined;
  }
}

const packages = new Map(); // real directory -> path of the directory as found (may be a link)
const links = new Map(); // link path relative to root -> real directory (workspace packages)
const queue = [];

for (const ws of workspaceArgs) {
  const dir = fs.realpathSync(path.resolve(root, ws));
  queue.push(dir);
}

const seen = new Set();
while (queue.length > 0) {
  const dir = queue.shift();
  if (seen.has(dir)) continue;
  seen.add(dir);
  const manifest = readManifest(dir);
  const peerMeta = manifest.peerDependenciesMeta ?? {};
  const wanted = [
    ...Object.keys(manifest.dependencies ?? {}).map((name) => [name, true]),
    ...Object.keys(manifest.optionalDependencies ?? {}).map((name) => [name, false]),
    ...Object.keys(manifest.peerDependencies ?? {})
      .filter((name) => !peerMeta[name]?.optional)
      .map((name) => [name, false]),
  ];
  for (const [name, required] of wanted) {
    const found = locate(dir, name);
    if (!found) {
      if (required) fail(`${manifest.name ?? dir} depends on ${name}, which is not installed`);
      continue;
    }
    const real = fs.realpathSync(found);
    if (real !== found) links.set(path.relative(root, found), real);
    else packages.set(real, found);
    queue.push(real);
  }
}

const LICENCE = /^(licen[cs]e|notice|copying)/i;
const NOT_RUN = /(\.d\.[cm]?ts|\.[cm]?ts|\.tsx|\.map|\.md|\.markdown)$/i;
/** Whether a file of a package is one Node could load or the law needs (licences). */
const shipped = (name) => LICENCE.test(name) || !NOT_RUN.test(name);

/** What the copy below would write: the package's files, without its nested node_modules. */
function packageSize(dir) {
  let count = 0;
  let size = 0;
  const walk = (d) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      if (entry.name === 'node_modules' && d === dir) continue;
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile() && shipped(entry.name)) {
        count += 1;
        size += fs.statSync(p).size;
      }
    }
  };
  walk(dir);
  return { count, size };
}

if (measureOnly) {
  const sizes = [...packages.keys()].map((dir) => ({ dir, ...packageSize(dir) })).sort((a, b) => b.size - a.size);
  const total = sizes.reduce((sum, s) => sum + s.size, 0);
  const fileCount = sizes.reduce((sum, s) => sum + s.count, 0);
  const mb = (n) => (n / 1e6).toFixed(1);
  for (const s of sizes.slice(0, 12)) console.log(`  ${mb(s.size).padStart(6)} MB  ${path.relative(root, s.dir)}`);
  console.log(
    `prod-closure: ${workspaceArgs.join(' ')}: ${packages.size} packages, ${fileCount} files, ${mb(total)} MB (${(total / 1048576).toFixed(1)} MiB) of files`,
  );
  process.exit(0);
}

let files = 0;
let bytes = 0;
for (const dir of packages.keys()) {
  const rel = path.relative(root, dir);
  // The package's own files only: nested node_modules entries are packages of their own and
  // are copied only when the walk reached them.
  fs.cpSync(dir, path.join(out, rel), {
    recursive: true,
    verbatimSymlinks: true,
    filter: (src) => {
      if (path.basename(src) === 'node_modules' && path.dirname(src) === dir) return false;
      const st = fs.lstatSync(src);
      if (st.isFile() && !shipped(path.basename(src))) return false;
      if (st.isFile()) {
        files += 1;
        bytes += st.size;
      }
      return true;
    },
  });
}
for (const [rel, real] of links) {
  const link = path.join(out, rel);
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(path.relative(path.dirname(path.join(root, rel)), real), link);
}
console.log(`prod-closure: ${packages.size} packages, ${files} files, ${(bytes / 1048576).toFixed(1)} MiB, ${links.size} workspace links`);
