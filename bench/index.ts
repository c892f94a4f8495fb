// `npm run bench`: every bench/*.ts module's figures in one table.
// A module exports `run(): Promise<BenchRow[]>`; pass names to run only some: `npm run bench -- cli emulator-v3d`.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

/** One measured figure. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  goal?: string;
}

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const modules = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
  .map((f) => f.slice(0, -3))
  .filter((m) => only.length === 0 || only.includes(m))
  .sort();

const rows: (BenchRow & { group: string })[] = [];
for (const m of modules) {
  process.stderr.write(`bench: ${m}…\n`);
  const mod = (await import(pathToFileURL(join(dir, `${m}.ts`)).href)) as { run?: () => Promise<BenchRow[]> };
  if (typeof mod.run !== 'function') continue;
  for (const r of await mod.run()) rows.push({ ...r, group: m });
}

const fmt = (v: number) => (Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(4));
const cols = [
  ['group', ...rows.map((r) => r.group)],
  ['figure', ...rows.map((r) => r.name)],
  ['value', ...rows.map((r) => fmt(r.value))],
  ['unit', ...rows.map((r) => r.unit)],
  ['goal', ...rows.map((r) => r.goal ?? '')],
];
const widths = cols.map((c) => Math.max(...c.map((s) => s.length)));
const line = (k: number) => cols.map((c, i) => (i === 2 ? (c[k] as string).padStart(widths[i] as number) : (c[k] as string).padEnd(widths[i] as number))).join('  ');
console.log(line(0));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (let k = 1; k <= rows.length; k++) console.log(line(k));
