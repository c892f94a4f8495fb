// Sum, min, max and argmax of an f32 array, and an inclusive scan, on the Raspberry Pi GPU (or the emulator when there is none).
// Run: npx qpuc run examples/reduce.ts [-- [--target vc4|vc6|vc7] N]
import { Runtime, type LaunchResult, type Target } from 'qpuc/runtime';
import { argmax, max, min, sum, sumErrorBound } from '../kernels/reduce.js';
import { inclusiveScan, scanErrorBound } from '../kernels/scan.js';

const args = process.argv.slice(2);
const t = args.indexOf('--target');
const target = t >= 0 ? (args.splice(t, 2)[1] as Target | undefined) : undefined;
const n = Number(args[0] ?? 100_000);

const rt = await Runtime.open({ log: (line) => console.log(line), ...(target ? { target } : {}) });
const x = rt.alloc(Float32Array, n);
for (let i = 0; i < n; i++) x[i] = Math.fround(Math.sin(i) * 100);
const xs = Array.from(x);

let wrong = 0;
const report = (what: string, r: LaunchResult, ok: boolean, shown: string) => {
  if (!ok) wrong++;
  const p = r.profile;
  const rate = p ? `, ${(p.seconds * 1e3).toFixed(3)} ms${r.backend === 'emulator' ? ' (modelled)' : ''}, ${((n * 4) / p.seconds / 1e9).toFixed(2)} GB/s of input` : '';
  console.log(`${what.padEnd(14)} ${shown}: ${ok ? 'correct' : 'WRONG'}${rate}`);
};

// Plain-JS references: the exact (f64) sum with the documented bound; min/max/argmax by Math.min/Math.max.
const exact = xs.reduce((s, v) => s + v, 0);
const abs = xs.reduce((s, v) => s + Math.abs(v), 0);
const s = await sum(rt, { x });
report('sum', s, Math.abs(s.value - exact) <= sumErrorBound(n) * abs, `${s.value} (f64: ${exact.toFixed(4)})`);
const lo = await min(rt, { x });
report('min', lo, lo.value === xs.reduce((a, b) => Math.min(a, b)), String(lo.value));
const hi = await max(rt, { x });
report('max', hi, hi.value === xs.reduce((a, b) => Math.max(a, b)), String(hi.value));
const am = await argmax(rt, { x });
report('argmax', am, am.index === xs.indexOf(hi.value), `x[${am.index}] = ${am.value}`);
const y = rt.alloc(Float32Array, n);
const sc = await inclusiveScan(rt, { x, y });
let run = 0, runAbs = 0, ok = true;
for (let i = 0; i < n; i++) {
  run += xs[i] as number;
  runAbs += Math.abs(xs[i] as number);
  if (Math.abs((y[i] as number) - run) > scanErrorBound(n) * runAbs) ok = false;
}
report('inclusiveScan', sc, ok, `y[${n - 1}] = ${y[n - 1]}`);
console.log(`${n} f32 elements on ${rt.numQpus} QPUs (${s.backend}, ${s.target})`);
rt.close();
if (wrong > 0) process.exitCode = 1;
