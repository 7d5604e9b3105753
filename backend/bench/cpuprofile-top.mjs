// Top self-time functions of a V8 .cpuprofile (from `node --cpu-prof`): `node cpuprofile-top.mjs FILE [N]`.
import { readFileSync } from 'node:fs';

const [file, n = '10'] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
// Each sample names the node on top of the stack; the time to the next sample is its self time.
const self = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i]);
  const f = node.callFrame;
  const where = f.url ? `${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/backend\//, '')}:${f.lineNumber + 1}` : '';
  const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
  self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(n));
console.log(`| # | self % | self ms | function |\n| ---: | ---: | ---: | --- |`);
top.forEach(([k, t], i) => console.log(`| ${i + 1} | ${((100 * t) / total).toFixed(1)} | ${(t / 1000).toFixed(0)} | \`${k}\` |`));
