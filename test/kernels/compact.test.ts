// kernels/compact.ts against Array.prototype.filter: by flags and by each comparison, f32/i32/u32, on the reference
// interpreter and the vc4, vc6 and vc7 emulators (hazard checker in error mode, the emulator's default). One test
// per target (one compile of the kernel file each).
import test from 'ava';
import { Runtime, type Backend, type Target } from '../../runtime/index.ts';
import { compact, type CompactOp } from '../../kernels/compact.ts';

/**
 * Backend, target, sizes (every odd size somewhere; above 1024 elements several QPUs' chunks; V3D: whole tiles of 128
 * only, no tail launch, at 1024 and 256) and the emulator's QPUs when not the target's (V3D: 8 and 12 QPUs run the
 * kernels with the status in shared memory, others those with it in global memory).
 */
const RUNS: [Exclude<Backend, 'auto' | 'hardware'>, Target, number[], number?][] = [
  ['reference', 'vc6', [1, 15, 17, 1001]],
  ['emulator', 'vc4', [1, 17, 100, 2001]],
  ['emulator', 'vc6', [15, 1001, 1024, 3003]],
  ['emulator', 'vc7', [17, 256, 300, 3003]],
  ['emulator', 'vc6', [640, 2177], 3],
  ['emulator', 'vc7', [129, 1920, 4100], 5],
];
const JS: Record<CompactOp, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b, '<=': (a, b) => a <= b, '>': (a, b) => a > b, '>=': (a, b) => a >= b, '==': (a, b) => a === b, '!=': (a, b) => a !== b,
};

for (const [backend, target, sizes, qpus] of RUNS) {
  const name = (backend === 'reference' ? 'reference' : target) + (qpus ? ` on ${qpus} QPUs` : '');
  test(`${name}: compaction by flags and by comparisons keeps filter's elements in order, ${sizes.join(', ')} elements`, async (t) => {
    const rt = await Runtime.open({ backend, target, log: () => {}, ...(qpus ? { emulator: { numQpus: qpus } } : {}) });
    try {
      for (const n of sizes) {
        const x = rt.alloc(Float32Array, n);
        for (let i = 0; i < n; i++) x[i] = ((i * 37) % 23) - 11.5;
        if (n > 3) { x[1] = NaN; x[2] = -0; x[3] = 0; }
        const flags = rt.alloc(Uint32Array, n);
        for (let i = 0; i < n; i++) flags[i] = (i * 7) % 3 === 0 ? (i % 2 ? 1 : 0x80000000) : 0;
        const y = rt.alloc(Float32Array, n);
        const r = await compact(rt, { x, y, flags });
        const want = Array.from(x).filter((_, i) => flags[i] !== 0);
        t.is(r.count, want.length);
        t.deepEqual(Array.from(y.subarray(0, r.count)), want, `flags n=${n}`);
        // Every comparison at the small sizes and on the reference; the large emulator sizes take two of them.
        const ops = backend === 'reference' || n < 1000 ? (Object.keys(JS) as CompactOp[]) : (['<', '!='] as const);
        for (const op of ops) {
          const value = op === '==' || op === '!=' ? 0 : 2.5;
          const yo = rt.alloc(Float32Array, n);
          const ro = await compact(rt, { x, y: yo, where: { op, value } });
          const w = Array.from(x).filter((v) => JS[op](v, value));
          t.deepEqual(Array.from(yo.subarray(0, ro.count)), w, `f32 ${op} ${value} n=${n}`);
        }
        const i32 = rt.alloc(Int32Array, n);
        for (let i = 0; i < n; i++) i32[i] = (i * 2654435761) | 0;
        const yi = rt.alloc(Int32Array, n);
        const ri = await compact(rt, { x: i32, y: yi, where: { op: '<', value: -5 } });
        t.deepEqual(Array.from(yi.subarray(0, ri.count)), Array.from(i32).filter((v) => v < -5), `i32 < -5 n=${n}`);
        if (n < 1000 && n > 1 && (backend === 'reference' || target !== 'vc4')) {
          // Integers against non-integer, out-of-range and extreme values, compared as numbers; f32 against ±∞ and NaN
          // (the host's range computation, and on V3D from 128 elements its complement for `!=` and the case that
          // keeps nothing: vc7's 300 elements run whole tiles).
          const ints: [CompactOp, number][] = [['<=', -0.5], ['>', 1e6 + 0.5], ['==', 2.5], ['!=', 2.5], ['>=', -(2 ** 31)], ['<', -(2 ** 40)], ['>', 2 ** 31]];
          for (const [op, value] of ints) {
            const yo = rt.alloc(Int32Array, n);
            const ro = await compact(rt, { x: i32, y: yo, where: { op, value } });
            t.deepEqual(Array.from(yo.subarray(0, ro.count)), Array.from(i32).filter((v) => JS[op](v, value)), `i32 ${op} ${value} n=${n}`);
          }
          const floats: [CompactOp, number][] = [['<', Infinity], ['>=', -Infinity], ['>', Infinity], ['==', NaN], ['!=', NaN], ['<=', -0]];
          for (const [op, value] of floats) {
            const yo = rt.alloc(Float32Array, n);
            const ro = await compact(rt, { x, y: yo, where: { op, value } });
            t.deepEqual(Array.from(yo.subarray(0, ro.count)), Array.from(x).filter((v) => JS[op](v, value)), `f32 ${op} ${value} n=${n}`);
          }
        }
        const u32 = new Uint32Array(i32.buffer, i32.byteOffset, n);
        const yu = rt.alloc(Uint32Array, n);
        const ru = await compact(rt, { x: u32, y: yu, where: { op: '>=', value: 0x80000000 } });
        t.deepEqual(Array.from(yu.subarray(0, ru.count)), Array.from(u32).filter((v) => v >= 0x80000000), `u32 >= 2^31 n=${n}`);
        const yu2 = rt.alloc(Uint32Array, n);
        const ru2 = await compact(rt, { x: u32, y: yu2, where: { op: '<', value: 0.5 } });
        t.deepEqual(Array.from(yu2.subarray(0, ru2.count)), Array.from(u32).filter((v) => v < 0.5), `u32 < 0.5 n=${n}`);
        // Ranges open at one end (V3D: one compare a word) and closed ones (a subtraction and a compare), u32 and i32,
        // against values the arrays hold.
        const at = (k: number) => Math.min(k, n - 1);
        const u32Cases: [CompactOp, number][] = [['<', u32[at(3)] as number], ['<=', u32[at(5)] as number], ['>', u32[at(7)] as number], ['>=', u32[at(2)] as number], ['==', u32[at(4)] as number], ['!=', u32[at(6)] as number]];
        for (const [op, value] of u32Cases) {
          const yo = rt.alloc(Uint32Array, n);
          const ro = await compact(rt, { x: u32, y: yo, where: { op, value } });
          t.deepEqual(Array.from(yo.subarray(0, ro.count)), Array.from(u32).filter((v) => JS[op](v, value)), `u32 ${op} ${value} n=${n}`);
        }
        const i32Cases: [CompactOp, number][] = [['<=', i32[at(3)] as number], ['>', i32[at(5)] as number], ['>=', i32[at(7)] as number], ['==', i32[at(2)] as number], ['!=', i32[at(4)] as number]];
        for (const [op, value] of i32Cases) {
          const yo = rt.alloc(Int32Array, n);
          const ro = await compact(rt, { x: i32, y: yo, where: { op, value } });
          t.deepEqual(Array.from(yo.subarray(0, ro.count)), Array.from(i32).filter((v) => JS[op](v, value)), `i32 ${op} ${value} n=${n}`);
        }
      }
    } finally {
      rt.close();
    }
  });
}

test('bad arguments are TypeErrors / RangeErrors naming the argument', async (t) => {
  const rt = await Runtime.open({ backend: 'reference', log: () => {} });
  try {
    const x = rt.alloc(Uint32Array, 8);
    const y = rt.alloc(Uint32Array, 8);
    await t.throwsAsync(compact(rt, { x, y }), { instanceOf: TypeError, message: /give exactly one of flags and where, got neither/ });
    await t.throwsAsync(compact(rt, { x, y: x, flags: y }), { instanceOf: TypeError, message: /y must not overlap x/ });
    await t.throwsAsync(compact(rt, { x, y, where: { op: '<>' as CompactOp, value: 1 } }), { instanceOf: TypeError, message: /where.op must be one of/ });
    await t.throwsAsync(compact(rt, { x, y, flags: rt.alloc(Uint32Array, 4) }), { instanceOf: RangeError, message: /n must be a whole number from 0 to 4/ });
  } finally {
    rt.close();
  }
});
