/**
 * Bench rows of kernels/reduce.ts: sums, min/max and argmin over arrays of a few hundred thousand elements, in
 * the emulator's timing model. On vc6 and vc7 the u32 sum is compared with the hand-written summation of
 * `npm run bench -- vs-handwritten` (bench/fixtures/handwritten.ts, shaped like py-videocore6's: vec4 loads, two
 * in flight, one thread per QPU), run here at the same size and QPU count.
 */
import { Runtime, type Target } from '../../runtime/index.ts';
import { argmax, argmin, max, min, sum, type ReduceArray, type ReduceResult } from '../../kernels/reduce.ts';
import { runStream } from '../fixtures/handwritten.ts';
import type { KernelRow } from './row.ts';

/** vec4 passes per QPU of the hand-written summation (the size bench/vs-handwritten.ts uses). */
const PASSES = 256;

/** Rows for one target. */
export async function rows(target: Target): Promise<KernelRow[]> {
  const rt = await Runtime.open({ backend: 'emulator', target, log: () => {} });
  try {
    const q = rt.numQpus;
    // The hand-written summation's size: 64 words per vec4 pass per QPU.
    const n = q * 64 * PASSES;
    const label = `${Math.round(n / 1024)}K`;
    const u = rt.alloc(Uint32Array, n);
    for (let i = 0; i < n; i++) u[i] = (i * 2654435761) >>> 0;
    const f = rt.alloc(Float32Array, n);
    for (let i = 0; i < n; i++) f[i] = Math.fround(Math.sin(i) * 1000);
    const out: KernelRow[] = [];
    const add = (name: string, r: ReduceResult, x: ReduceArray, handwritten?: KernelRow['handwritten']) => {
      out.push({ name: `${name} ${label}`, target, seconds: r.profile?.seconds ?? NaN, bound: 'memory', flops: x.length, bytes: x.length * 4, ...(handwritten ? { handwritten } : {}) });
    };
    const su = await sum(rt, { x: u });
    let want = 0;
    for (let i = 0; i < n; i++) want = (want + (u[i] as number)) >>> 0;
    if (su.value !== want) throw new Error(`sum u32 on ${target} is wrong: ${su.value} != ${want}`);
    const hw = target === 'vc4' ? undefined : runStream(target === 'vc6' ? 42 : 71, 'summation', q, n);
    add('sum u32', su, u, hw ? { name: `summation (${target === 'vc6' ? 'py-videocore6' : 'py-videocore7'}-shaped, vec4)`, seconds: hw.seconds } : undefined);
    add('sum f32', await sum(rt, { x: f }), f);
    const check = (name: string, got: number, want: number) => {
      if (!Object.is(got, want)) throw new Error(`${name} on ${target} is wrong: ${got} != ${want}`);
    };
    let lo = 0, hi = 0;
    for (let i = 1; i < n; i++) {
      if ((f[i] as number) < (f[lo] as number)) lo = i;
      if ((f[i] as number) > (f[hi] as number)) hi = i;
    }
    const mn = await min(rt, { x: f });
    check('min f32', mn.value, f[lo] as number);
    add('min f32', mn, f);
    const mx = await max(rt, { x: f });
    check('max f32', mx.value, f[hi] as number);
    add('max f32', mx, f);
    add('max u32', await max(rt, { x: u }), u);
    const am = await argmin(rt, { x: f });
    check('argmin f32', am.index, lo);
    add('argmin f32', am, f);
    const ax = await argmax(rt, { x: f });
    check('argmax f32', ax.index, hi);
    add('argmax f32', ax, f);
    return out;
  } finally {
    rt.close();
  }
}
