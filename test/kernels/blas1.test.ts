// BLAS level 1 (kernels/blas1.ts) against plain JavaScript: on the reference backend and the vc4, vc6 and vc7
// emulators (hazard checker in error mode), odd and tiny sizes, unit and other increments (negative ones walk
// from the end, as reference BLAS), error bounds for the sums as the functions document them.
import test from 'ava';
import { Runtime, type Target } from '../../runtime/index.ts';
import { isamax, saxpy, sasum, scopy, sdot, snrm2, sscal, sswap } from '../../kernels/index.ts';

type Where = { target: Target; backend: 'emulator' | 'reference' };
const WHERE: Where[] = [
  { target: 'vc6', backend: 'reference' },
  { target: 'vc4', backend: 'emulator' },
  { target: 'vc6', backend: 'emulator' },
  { target: 'vc7', backend: 'emulator' },
];
const label = (w: Where) => (w.backend === 'reference' ? 'reference' : w.target);

async function open(w: Where): Promise<Runtime> {
  return Runtime.open({ ...w, log: () => {}, ...(w.backend === 'emulator' ? { emulator: { hazards: 'error' as const } } : {}) });
}

/** Deterministic values in [-4, 4) with 24 significant bits (so products and sums round). */
function values(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.fround((s / 2 ** 32) * 8 - 4);
  });
}

/** Array index of element i of a BLAS vector of n elements with increment inc. */
const at = (n: number, inc: number, i: number) => (inc > 0 ? i * inc : (n - 1 - i) * -inc);

/** The documented bound γ(m) for sums of m rounded terms: u = 2^-24, or 2^-23 on vc4 (additions round toward zero). */
function gamma(m: number, w: Where): number {
  const u = w.backend === 'emulator' && w.target === 'vc4' ? 2 ** -23 : 2 ** -24;
  return (m * u) / (1 - m * u);
}

/** Terms per sum: ⌈n/G⌉ + ⌈G/16⌉ + 16 (G = 16 × QPUs), plus one for the product's rounding. */
const terms = (n: number, rt: Runtime) => Math.ceil(n / (16 * rt.numQpus)) + rt.numQpus + 17;

const CASES: [number, number, number][] = [
  [1, 1, 1],
  [15, 1, 1],
  [17, 1, 1],
  [1001, 1, 1],
  [37, 2, -3],
  [16, -1, 1],
];

for (const w of WHERE) {
  test(`saxpy, sscal, scopy, sswap (${label(w)})`, async (t) => {
    const rt = await open(w);
    try {
      const vc4 = w.backend === 'emulator' && w.target === 'vc4';
      for (const [n, incx, incy] of CASES) {
        const lx = 1 + (n - 1) * Math.abs(incx), ly = 1 + (n - 1) * Math.abs(incy);
        const x = rt.alloc(Float32Array, lx), y = rt.alloc(Float32Array, ly);
        const x0 = values(lx, n), y0 = values(ly, n + 7);
        x.set(x0);
        y.set(y0);
        const alpha = Math.fround(-1.37);
        const r = await saxpy(rt, { n, alpha, x, incx, y, incy });
        t.is(r.kernel, incx === 1 && incy === 1 ? 'Blas1.axpy' : 'Blas1.axpyStrided');
        t.deepEqual(r.hazards, []);
        if (w.backend === 'emulator') t.true((r.profile?.seconds ?? 0) > 0);
        const touched = new Set<number>();
        for (let i = 0; i < n; i++) {
          const xi = x0[at(n, incx, i)] as number, k = at(n, incy, i);
          touched.add(k);
          const prod = Math.fround(alpha * xi);
          const want = Math.fround(prod + (y0[k] as number));
          // vc4 (fastMath): the add rounds toward zero, within 1 ulp of the exact sum.
          if (vc4) t.true(Math.abs((y[k] as number) - (prod + (y0[k] as number))) <= 2 ** -23 * Math.abs(want), `saxpy n=${n} element ${i}`);
          else t.is(y[k], want, `saxpy n=${n} element ${i}`);
        }
        for (let k = 0; k < ly; k++) if (!touched.has(k)) t.is(y[k], y0[k], `saxpy left y[${k}] alone`);
        y.set(y0);
        await sscal(rt, { n, alpha, x: y, incx: incy });
        for (let i = 0; i < n; i++) t.is(y[at(n, incy, i)], Math.fround(alpha * (y0[at(n, incy, i)] as number)), `sscal n=${n} element ${i}`);
        y.fill(0);
        await scopy(rt, { n, x, incx, y, incy });
        for (let i = 0; i < n; i++) t.is(y[at(n, incy, i)], x0[at(n, incx, i)], `scopy n=${n} element ${i}`);
        y.set(y0);
        await sswap(rt, { n, x, incx, y, incy });
        for (let i = 0; i < n; i++) {
          t.is(y[at(n, incy, i)], x0[at(n, incx, i)], `sswap y n=${n} element ${i}`);
          t.is(x[at(n, incx, i)], y0[at(n, incy, i)], `sswap x n=${n} element ${i}`);
        }
        rt.free(x);
        rt.free(y);
      }
    } finally {
      rt.close();
    }
  });

  test(`sdot, sasum, snrm2, isamax within their bounds (${label(w)})`, async (t) => {
    const rt = await open(w);
    try {
      for (const [n, incx, incy] of CASES) {
        const lx = 1 + (n - 1) * Math.abs(incx), ly = 1 + (n - 1) * Math.abs(incy);
        const x = rt.alloc(Float32Array, lx), y = rt.alloc(Float32Array, ly);
        x.set(values(lx, 3 * n));
        y.set(values(ly, 5 * n));
        const xi = (i: number) => x[at(n, incx, i)] as number, yi = (i: number) => y[at(n, incy, i)] as number;
        const g = gamma(terms(n, rt), w);
        let dot = 0, dotAbs = 0, asum = 0, ssq = 0;
        for (let i = 0; i < n; i++) {
          dot += xi(i) * yi(i);
          dotAbs += Math.abs(xi(i) * yi(i));
          asum += Math.abs(xi(i));
          ssq += xi(i) ** 2;
        }
        const d = await sdot(rt, { n, x, incx, y, incy });
        t.true(Math.abs(d.value - dot) <= g * dotAbs, `sdot n=${n}: ${d.value} vs ${dot}`);
        t.is(d.kernel, incx === 1 && incy === 1 ? 'Blas1.dot' : 'Blas1.dotStrided');
        const a = await sasum(rt, { n, x, incx });
        t.true(Math.abs(a.value - asum) <= g * asum, `sasum n=${n}: ${a.value} vs ${asum}`);
        const r = await snrm2(rt, { n, x, incx });
        t.true(Math.abs(r.value - Math.sqrt(ssq)) <= (g / 2 + 2 ** -23) * Math.sqrt(ssq), `snrm2 n=${n}: ${r.value} vs ${Math.sqrt(ssq)}`);
        let best = 0;
        for (let i = 1; i < n; i++) if (Math.abs(xi(i)) > Math.abs(xi(best))) best = i;
        t.is((await isamax(rt, { n, x, incx })).value, best, `isamax n=${n}`);
        rt.free(x);
        rt.free(y);
      }
    } finally {
      rt.close();
    }
  });
}

test('isamax: the first of equal largest magnitudes, across lanes and QPUs; NaN never wins', async (t) => {
  for (const w of [WHERE[0], WHERE[2]] as Where[]) {
    const rt = await open(w);
    try {
      const n = 1001;
      const x = rt.alloc(Float32Array, n);
      x.set(values(n, 9));
      // -5 at 700 and 5 at 300 and 999: 300 is first (lanes 300 % G and 700 % G differ, and so may their QPUs).
      x[700] = -5;
      x[300] = 5;
      x[999] = 5;
      const fast = await isamax(rt, { n, x });
      t.deepEqual([fast.value, fast.kernel], [300, 'Blas1.iamaxBits'], `${label(w)}: the bit-pattern pass decides`);
      x[10] = NaN;
      const slow = await isamax(rt, { n, x });
      t.deepEqual([slow.value, slow.kernel], [300, 'Blas1.iamaxBits + Blas1.iamax'], `${label(w)}: a NaN pattern is the largest: the f32 passes decide`);
      x.fill(NaN);
      t.is((await isamax(rt, { n, x })).value, 0, `${label(w)}: all NaN`);
      x.fill(0);
      x[5] = -0;
      t.is((await isamax(rt, { n, x })).value, 0, `${label(w)}: all zeros`);
    } finally {
      rt.close();
    }
  }
});

test('snrm2 neither overflows nor underflows: huge and tiny elements take the scaled pass', async (t) => {
  const rt = await open({ target: 'vc6', backend: 'emulator' });
  try {
    const n = 333;
    const x = rt.alloc(Float32Array, n);
    for (const scale of [2 ** 100, 2 ** -100, 1]) {
      const base = values(n, 11);
      let ssq = 0;
      base.forEach((v, i) => {
        x[i] = Math.fround(v * scale);
        ssq += (v * scale) ** 2;
      });
      const r = await snrm2(rt, { n, x });
      const want = Math.sqrt(ssq);
      t.true(Math.abs(r.value - want) <= 1e-6 * want, `scale ${scale}: ${r.value} vs ${want}`);
      // The sum of squares only, or that, the pass that also finds max |x| and the scaled pass (two launches each).
      t.is(r.kernel, scale === 1 ? 'Blas1.sumSquares' : 'Blas1.sumSquares + Blas1.ssq + Blas1.ssqScaled');
    }
    x[5] = Infinity;
    t.is((await snrm2(rt, { n, x })).value, Infinity);
    x[5] = NaN;
    t.true(Number.isNaN((await snrm2(rt, { n, x })).value));
    x.fill(0);
    t.is((await snrm2(rt, { n, x })).value, 0);
  } finally {
    rt.close();
  }
});

test('n = 0 does nothing; bad arguments are errors naming the argument', async (t) => {
  const rt = await open({ target: 'vc6', backend: 'emulator' });
  try {
    const x = rt.alloc(Float32Array, 10), y = rt.alloc(Float32Array, 10);
    const r = await saxpy(rt, { n: 0, alpha: 2, x, y });
    t.is(r.dispatches, 0);
    t.is(r.profile?.seconds, 0);
    t.is((await sdot(rt, { n: 0, x, y })).value, 0);
    t.is((await isamax(rt, { n: 0, x })).value, -1);
    await t.throwsAsync(() => saxpy(rt, { n: 11, alpha: 2, x, y }), { instanceOf: RangeError, message: /saxpy: x holds 10 elements, but 11 elements need 11/ });
    t.is((await sdot(rt, { n: 4, x, incx: 3, y })).kernel, 'Blas1.dotStrided');
    await t.throwsAsync(() => sdot(rt, { n: 5, x, incx: 3, y }), { instanceOf: RangeError, message: /sdot: x holds 10 elements, but 5 elements 3 apart need 13/ });
    await t.throwsAsync(() => sscal(rt, { n: 2, alpha: 1, x, incx: 0 }), { instanceOf: RangeError, message: /sscal: incx must be a non-zero whole number/ });
    await t.throwsAsync(() => sasum(rt, { n: -1, x }), { instanceOf: RangeError, message: /sasum: n must be a whole number from 0/ });
    await t.throwsAsync(() => scopy(rt, { n: 2, x: new Float64Array(4) as unknown as Float32Array, y }), { instanceOf: TypeError, message: /scopy: x must be a Float32Array/ });
    await t.throwsAsync(() => saxpy(rt, { n: 2, alpha: '2' as unknown as number, x, y }), { instanceOf: TypeError, message: /saxpy: alpha must be a number, got "2"/ });
    await t.throwsAsync(() => snrm2(rt, null as unknown as { n: number; x: Float32Array }), { instanceOf: TypeError, message: /snrm2: the second argument must be an options object/ });
  } finally {
    rt.close();
  }
});
