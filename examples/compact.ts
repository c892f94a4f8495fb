// Stream compaction (a filter) on the Raspberry Pi GPU, or the emulator when there is none: the samples above a
// threshold, then the ones a flags array marks, each checked against Array.prototype.filter, with its profile.
// Run: npx qpuc run examples/compact.ts [-- [--target vc4|vc6|vc7] N]
import { Runtime, type Target } from 'qpuc/runtime';
import { compact } from '../kernels/compact.js';

const args = process.argv.slice(2);
const t = args.indexOf('--target');
const target = t >= 0 ? (args.splice(t, 2)[1] as Target | undefined) : undefined;
const n = Number(args[0] ?? 50_000);

const rt = await Runtime.open({ log: (line) => console.log(line), ...(target ? { target } : {}) });
// A noisy signal: keep the samples above 0.9 (peaks), in their order.
const x = rt.alloc(Float32Array, n);
for (let i = 0; i < n; i++) x[i] = Math.fround(Math.sin(i * 0.01) * 0.8 + Math.sin(i * 12.9898) * 0.3);
const y = rt.alloc(Float32Array, n);
const peaks = await compact(rt, { x, y, where: { op: '>', value: 0.9 } });
const wantPeaks = Array.from(x).filter((v) => v > 0.9);
const ok1 = peaks.count === wantPeaks.length && wantPeaks.every((v, i) => Object.is(v, y[i]));

// Every third sample, chosen by a flags array (any u32 ≠ 0 keeps).
const flags = rt.alloc(Uint32Array, n);
for (let i = 0; i < n; i++) flags[i] = i % 3 === 0 ? 7 : 0;
const every3 = await compact(rt, { x, y, flags });
const want3 = Array.from(x).filter((_, i) => i % 3 === 0);
const ok2 = every3.count === want3.length && want3.every((v, i) => Object.is(v, y[i]));

const ms = (r: { profile?: { seconds: number } }) => (r.profile ? `${(r.profile.seconds * 1e3).toFixed(3)} ms` : 'not timed');
const modelled = peaks.backend === 'emulator' ? ' (modelled)' : '';
console.log(`samples > 0.9:       ${ok1 ? 'correct' : 'WRONG'}, ${peaks.count} of ${n} kept, ${ms(peaks)}${modelled}`);
console.log(`every third (flags): ${ok2 ? 'correct' : 'WRONG'}, ${every3.count} kept, ${ms(every3)}${modelled}`);
console.log(`${n} elements on ${rt.numQpus} QPUs (${peaks.backend}, ${peaks.target})`);
rt.close();
if (!(ok1 && ok2)) process.exitCode = 1;
