// Copies the production dependency closure of some workspaces out of an installed npm tree.
//
// Usage (inside an image build): node prod-closure.mjs <root> <out> <workspace-dir>...
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

const [rootArg, outArg, ...workspaceArgs] = process.argv.slice(2);
if (!rootArg || !outArg || workspaceArgs.length === 0) {
  fail('usage: node prod-closure.mjs <root> <out> <workspace-dir>...');
}
const root = fs.realpathSync(rootArg);
const out = path.resolve(outArg);
if (fs.existsSync(out) && fs.readdirSync(out).length > 0) fail(`${out} exists and is not empty`);

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
console.log(
  `prod-closure: ${packages.size} packages, ${files} files, ${(bytes / 1048576).toFixed(1)} MiB, ${links.size} workspace links`,
);
