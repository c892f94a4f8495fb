// Grid-stride loops regrouped for vec4 TMU lookups (compiler/passes/loopshape.ts, lanePlan) on the vc6 and vc7
// emulators, hazard checker on: copy, in-place saxpy and two outputs from one input at sizes around a main-loop
// pass, QPU counts 1, 3 and 8, and arrays off 16-byte alignment (the main loop's guard sends them to the remainder
// loop); every result is checked against plain JS, and the machine code is checked to use vec4 lookups.
import test from 'ava';
import { Runtime } from '../../runtime/index.ts';
import { compileFile, type CompiledKernel } from '../../compiler/compile.ts';

const SOURCE = `import { kernel, qpu, f32, u32, i32, type Ptr } from 'qpuc';
export class V {
  @kernel static copy(n: u32, src: Ptr<f32>, dst: Ptr<f32>): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) dst[i] = src[i];
  }
  @kernel static saxpy(n: u32, a: f32, x: Ptr<f32>, y: Ptr<f32>): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) y[i] = a * x[i] + y[i];
  }
  @kernel static split(n: u32, src: Ptr<i32>, lo: Ptr<i32>, hi: Ptr<i32>): void {
    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) { const v = src[i]; lo[i] = v & 255; hi[i] = (v >> 8) + i32(i); }
  }
}
`;

function kernels(target: 'vc6' | 'vc7'): Map<string, CompiledKernel> {
  const r = compileFile('/virtual/vec.ts', { target, source: SOURCE });
  return new Map(r.kernels.map((k) => [k.name, k]));
}

for (const target of ['vc6', 'vc7'] as const) {
  test(`${target}: regrouped grid-stride loops agree with JS (sizes, QPU counts, unaligned arrays), no hazards`, async (t) => {
    const ks = kernels(target);
    const rt = await Runtime.open({ backend: 'emulator', target, log: () => undefined });
    let runs = 0;
    try {
      for (const qpus of [1, 3, 8]) {
        for (const n of [0, 7, 16 * qpus * 16 - 1, 16 * qpus * 16, 16 * qpus * 33 + 5]) {
          for (const skew of [0, 1]) {
            const len = n + 8;
            const x = rt.alloc(Float32Array, len), y = rt.alloc(Float32Array, len);
            for (let i = 0; i < len; i++) (x[i] = i * 0.25 - 3), (y[i] = 100 - i);
            const xs = x.subarray(skew), ys = y.subarray(skew);
            const want = Array.from(ys, (v, i) => (i < n ? Math.fround(Math.fround(1.5 * (xs[i] as number)) + v) : v));
            const r1 = await rt.launch(ks.get('V.saxpy')!, { qpus }, n, 1.5, xs, ys);
            t.deepEqual(Array.from(ys), want, `saxpy n=${n} qpus=${qpus} skew=${skew}`);
            t.deepEqual(r1.hazards, []);
            const d = rt.alloc(Float32Array, len);
            const ds = d.subarray(skew);
            await rt.launch(ks.get('V.copy')!, { qpus }, n, ys, ds);
            t.deepEqual(Array.from(ds.subarray(0, n)), Array.from(ys.subarray(0, n)), `copy n=${n} qpus=${qpus} skew=${skew}`);
            t.true(Array.from(ds.subarray(n)).every((v) => v === 0), 'nothing written past n');
            const s = rt.alloc(Int32Array, len), lo = rt.alloc(Int32Array, len), hi = rt.alloc(Int32Array, len);
            for (let i = 0; i < len; i++) s[i] = Math.imul(i + 1, -1640531535);
            const r3 = await rt.launch(ks.get('V.split')!, { qpus }, n, s, lo.subarray(skew), hi);
            for (let i = 0; i < n; i++) {
              if (lo[i + skew] !== ((s[i] as number) & 255) || hi[i] !== ((s[i] as number) >> 8) + i) {
                t.fail(`split n=${n} qpus=${qpus} skew=${skew} at ${i}`);
                break;
              }
            }
            t.deepEqual(r3.hazards, []);
            runs++;
          }
        }
      }
    } finally {
      rt.close();
    }
    t.is(runs, 30);
  });

  test(`${target}: the regrouped loops use vec4 lookups (a tmuc config write before the tmua)`, (t) => {
    for (const [name, k] of kernels(target)) {
      t.true(k.listing.some((l) => / tmuc, -4\b/.test(l.text)), `${name}: vec4 config written`);
    }
  });
}
