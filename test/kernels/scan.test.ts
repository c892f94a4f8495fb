// kernels/scan.ts against plain JavaScript: exact integer prefix sums (wrapping), f32 prefix sums against f64
// within the documented bound, inclusive and exclusive, in place, on the reference interpreter and the vc4, vc6 and
// vc7 emulators (hazard checker in error mode, the emulator's default). One test per target (one compile of the
// kernel file each); sizes differ per target: every odd size somewhere, several QPUs' chunks on each emulator.
import test from 'ava';
import { Runtime, type Backend, type Target } from '../../runtime/index.ts';
import { exclusiveScan, inclusiveScan, scanErrorBound } from '../../kernels/scan.ts';

/** Backend, target and sizes: above 1024 elements the scan runs on more than one QPU, each owning a chunk. */
const RUNS: [Exclude<Backend, 'auto' | 'hardware'>, Target, number[]][] = [
  ['reference', 'vc6', [1, 15, 17, 1001]],
  ['emulator', 'vc4', [1, 17, 3001]],
  ['emulator', 'vc6', [15, 1001, 8003]],
  ['emulator', 'vc7', [17, 12_001]],
];

/** Deterministic pseudo-random words (xorshift32). */
function words(n: number, seed: number): Uint32Array {
  let s = seed >>> 0 || 1;
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    out[i] = s;
  }
  return out;
}

for (const [backend, target, sizes] of RUNS) {
  const name = backend === 'reference' ? 'reference' : target;
  test(`${name}: inclusive and exclusive scans of u32, i32 and f32, ${sizes.join(', ')} elements; n below the length`, async (t) => {
    const rt = await Runtime.open({ backend, target, log: () => {} });
    try {
      for (const n of sizes) {
        const u = rt.alloc(Uint32Array, n);
        u.set(words(n, n));
        const yu = rt.alloc(Uint32Array, n);
        await inclusiveScan(rt, { x: u, y: yu });
        let s = 0;
        t.deepEqual(Array.from(yu), Array.from(u, (v) => (s = (s + v) >>> 0)), `u32 inclusive n=${n}`);
        const i = rt.alloc(Int32Array, n);
        i.set(words(n, 3 * n));
        const yi = rt.alloc(Int32Array, n);
        await exclusiveScan(rt, { x: i, y: yi });
        s = 0;
        t.deepEqual(Array.from(yi), Array.from(i, (v) => { const before = s; s = (s + v) | 0; return before; }), `i32 exclusive n=${n}`);
        const f = rt.alloc(Float32Array, n);
        f.set(Array.from(words(n, 5 * n), (w) => ((w & 0xfffff) - 0x80000) / 4096));
        const copy = Float32Array.from(f);
        await inclusiveScan(rt, { x: f, y: f }); // in place
        let e = 0, abs = 0, worst = 0;
        for (let k = 0; k < n; k++) {
          e += copy[k] as number; abs += Math.abs(copy[k] as number);
          worst = Math.max(worst, Math.abs((f[k] as number) - e) / (scanErrorBound(n) * abs || 1));
        }
        t.true(worst <= 1, `f32 inclusive in place n=${n}: error ${worst} of the bound`);
        const ye = rt.alloc(Float32Array, n);
        await exclusiveScan(rt, { x: f, y: ye });
        t.is(ye[0], 0, 'the exclusive scan starts at 0');
        e = 0; abs = 0; worst = 0;
        for (let k = 0; k < n; k++) {
          worst = Math.max(worst, Math.abs((ye[k] as number) - e) / (scanErrorBound(n) * abs || 1));
          e += f[k] as number; abs += Math.abs(f[k] as number);
        }
        t.true(worst <= 1, `f32 exclusive n=${n}: error ${worst} of the bound`);
      }
      // n below the length: the largest size, nothing written past n.
      const n = sizes[sizes.length - 1] as number;
      const u = rt.alloc(Uint32Array, n + 5);
      u.set(words(n + 5, 77));
      const y = rt.alloc(Uint32Array, n + 5).fill(12345);
      await exclusiveScan(rt, { x: u, y, n });
      let s = 0, bad = 0;
      for (let i = 0; i < n; i++) { if (y[i] !== s) bad++; s = (s + (u[i] as number)) >>> 0; }
      t.is(bad, 0, `u32 exclusive n=${n} of ${n + 5}`);
      t.deepEqual(Array.from(y.subarray(n)), [12345, 12345, 12345, 12345, 12345], 'nothing written past n');
    } finally {
      rt.close();
    }
  });
}

for (const [target, qpus, kernel] of [['vc6', 8, 'tilesU32x8'], ['vc7', 12, 'tilesU32x12'], ['vc6', 4, 'tilesU32']] as const) {
  test(`${target} on ${qpus} QPUs: the single-pass u32 scan runs ${kernel} (status words in shared memory when a workgroup kernel fits the QPU count)`, async (t) => {
    const rt = await Runtime.open({ backend: 'emulator', target, emulator: { numQpus: qpus }, log: () => {} });
    try {
      const n = 20_000;
      const u = rt.alloc(Uint32Array, n);
      u.set(words(n, 9));
      const y = rt.alloc(Uint32Array, n);
      const r = await inclusiveScan(rt, { x: u, y });
      t.true(r.kernel.split(' + ').includes(`ScanOnce.${kernel}`), r.kernel);
      let s = 0;
      t.deepEqual(Array.from(y), Array.from(u, (v) => (s = (s + v) >>> 0)));
    } finally {
      rt.close();
    }
  });
}

test('bad arguments are TypeError / RangeError naming the argument', async (t) => {
  const rt = await Runtime.open({ backend: 'reference', log: () => {} });
  try {
    const x = rt.alloc(Float32Array, 4);
    await t.throwsAsync(inclusiveScan(rt, { x, y: rt.alloc(Uint32Array, 4) as unknown as Float32Array }), { instanceOf: TypeError, message: /inclusiveScan: y must be a Float32Array like x/ });
    await t.throwsAsync(exclusiveScan(rt, { x, y: rt.alloc(Float32Array, 2) }), { instanceOf: RangeError, message: /exclusiveScan: n must be a whole number from 0 to the shorter/ });
    await t.throwsAsync(inclusiveScan(rt, { x: [1, 2] as unknown as Float32Array, y: x }), { instanceOf: TypeError, message: /x must be a Float32Array, Int32Array or Uint32Array/ });
  } finally {
    rt.close();
  }
});
