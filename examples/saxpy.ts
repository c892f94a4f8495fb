// y = a·x + y on the Raspberry Pi GPU (or the emulator when there is none).
// Run: npx qpuc run examples/saxpy.ts [-- [--target vc4|vc6|vc7] N QPUS]
import { Runtime, type Target } from 'qpuc/runtime';
import { Blas } from '../kernels/saxpy.js';

const args = process.argv.slice(2);
const t = args.indexOf('--target');
const target = t >= 0 ? (args.splice(t, 2)[1] as Target | undefined) : undefined;
const n = Number(args[0] ?? 100_000);
const qpus = Number(args[1] ?? 8);
const a = 2.5;

const rt = await Runtime.open({ log: (line) => console.log(line), ...(target ? { target } : {}) });
const x = rt.alloc(Float32Array, n);
const y = rt.alloc(Float32Array, n);
for (let i = 0; i < n; i++) {
  x[i] = Math.fround(Math.sin(i) * 100);
  y[i] = Math.fround(i % 1000);
}
// Expected values in plain JS: each f32 operation rounds to single precision.
const expected = Float32Array.from(y, (yi, i) => Math.fround(Math.fround(a * (x[i] as number)) + yi));

const result = await rt.launch(Blas.saxpy, { qpus }, n, a, x, y);

let wrong = 0;
for (let i = 0; i < n; i++) if (y[i] !== expected[i]) wrong++;
console.log(`saxpy: ${n} elements on ${qpus} QPUs (${result.backend}, ${result.target}): ${wrong === 0 ? 'all correct' : `${wrong} WRONG`}`);
const p = result.profile;
if (p) {
  const mb = (p.bytesRead + p.bytesWritten) / 1e6;
  console.log(
    `profile: ${Math.round(p.cycles)} cycles at ${p.clockHz / 1e6} MHz = ${(p.seconds * 1e3).toFixed(3)} ms${result.backend === 'emulator' ? ' (modelled)' : ''}, ` +
      `${p.instructions} instructions, ${mb.toFixed(2)} MB moved (${(mb / p.seconds).toFixed(0)} MB/s), ${p.flops} flops`,
  );
  const stalls = Object.entries(p.stalls).filter(([, v]) => v > 0);
  if (stalls.length > 0) console.log(`stalls: ${stalls.map(([k, v]) => `${k} ${Math.round(v)}`).join(', ')} cycles`);
}
rt.close();
if (wrong > 0) process.exitCode = 1;
