// Sort f32 keys, then u32 keys with values that travel with them, on the Raspberry Pi GPU (or the emulator when there is none).
// Run: npx qpuc run examples/sort.ts [-- [--target vc4|vc6|vc7] N]
import { Runtime, type Target } from 'qpuc/runtime';
import { sort } from '../kernels/sort.js';
import { histogram } from '../kernels/histogram.js';

const args = process.argv.slice(2);
const t = args.indexOf('--target');
const target = t >= 0 ? (args.splice(t, 2)[1] as Target | undefined) : undefined;
const n = Number(args[0] ?? 4096);

const rt = await Runtime.open({ log: (line) => console.log(line), ...(target ? { target } : {}) });

// f32 keys, with a NaN, both zeros and an infinity: TypedArray.prototype.sort orders them as qpuc's sort does.
const keys = rt.alloc(Float32Array, n);
for (let i = 0; i < n; i++) keys[i] = Math.fround(Math.sin(i * 12.9898) * 1000);
keys[0] = NaN; keys[1 % n] = -0; keys[2 % n] = 0; keys[3 % n] = -Infinity;
const want = Float32Array.from(keys).sort();
const r1 = await sort(rt, { keys });
const ok1 = want.every((v, i) => Object.is(v, keys[i]));

// u32 keys (bucket numbers) with values (their original positions): the sort is stable for pairs.
const buckets = rt.alloc(Uint32Array, n);
const where = rt.alloc(Uint32Array, n);
for (let i = 0; i < n; i++) {
  buckets[i] = ((i * 2654435761) >>> 0) % 10;
  where[i] = i;
}
const pairs = Array.from(buckets, (b, i) => [b, i] as const).sort((p, q) => p[0] - q[0]);
// How many of each bucket, on the GPU too.
const counts = rt.alloc(Uint32Array, 10);
const rh = await histogram(rt, { values: buckets, counts });
const ok3 = Array.from(counts).every((c, b) => c === pairs.filter((p) => p[0] === b).length);
const r2 = await sort(rt, { keys: buckets, values: where });
const ok2 = pairs.every((p, i) => buckets[i] === p[0] && where[i] === p[1]);

const ms = (r: { profile?: { seconds: number } }) => (r.profile ? `${(r.profile.seconds * 1e3).toFixed(3)} ms` : 'not timed');
const modelled = r1.backend === 'emulator' ? ' (modelled)' : '';
console.log(`sort f32 keys:        ${ok1 ? 'correct' : 'WRONG'}, ${ms(r1)}${modelled}; first ${keys.slice(0, 4).join(', ')}, last ${keys[n - 1]}`);
console.log(`histogram of buckets: ${ok3 ? 'correct' : 'WRONG'}, ${ms(rh)}${modelled}; ${Array.from(counts).join(' ')}`);
console.log(`sort u32 key–value:   ${ok2 ? 'correct (stable)' : 'WRONG'}, ${ms(r2)}${modelled}`);
console.log(`${n} elements on ${rt.numQpus} QPUs (${r1.backend}, ${r1.target}); ${r1.profile ? `${r1.profile.instructions} instructions for the f32 sort` : ''}`);
rt.close();
if (!(ok1 && ok2 && ok3)) process.exitCode = 1;
