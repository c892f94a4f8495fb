// sgemv and sgemm (kernels/blas2.ts, blas3.ts) against plain JavaScript in double precision, within the bounds
// the functions document: every transpose combination, alpha/beta (beta = 0 ignores NaN in the output), leading
// dimensions larger than the rows, sizes 1, odd and past the tile edges, on the reference backend and the vc4,
// vc6 and vc7 emulators (hazard checker in error mode).
import test from 'ava';
import { Runtime, type Target } from '../../runtime/index.ts';
import { sgemm, sgemv } from '../../kernels/index.ts';

type Where = { target: Target; backend: 'emulator' | 'reference' };
const WHERE: Where[] = [
  { target: 'vc6', backend: 'reference' },
  { target: 'vc4', backend: 'emulator' },
  { target: 'vc6', backend: 'emulator' },
  { target: 'vc7', backend: 'emulator' },
];
const label = (w: Where) => (w.backend === 'reference' ? 'reference' : w.target);
const open = (w: Where) => Runtime.open({ ...w, log: () => {}, ...(w.backend === 'emulator' ? { emulator: { hazards: 'error' as const } } : {}) });

function fill(a: Float32Array, seed: number): void {
  let s = seed >>> 0;
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = Math.fround((s / 2 ** 32) * 4 - 2);
  }
}

/** γ(m) of the documented bounds: u = 2^-24, 2^-23 on vc4 (additions round toward zero). */
const gamma = (m: number, w: Where) => {
  const u = w.backend === 'emulator' && w.target === 'vc4' ? 2 ** -23 : 2 ** -24;
  return (m * u) / (1 - m * u);
};

for (const w of WHERE) {
  test(`sgemm: every transpose, alpha/beta, leading dimensions, odd sizes (${label(w)})`, async (t) => {
    const rt = await open(w);
    try {
      const shapes: [number, number, number][] = [
        [1, 1, 1],
        [5, 17, 3],
        [7, 35, 19],
        // V3D: two of Blas3V3d's 16-step k blocks and 3 steps after them, a partial last tile in both directions;
        // vc4: 2 × 2 whole 16 × 32 blocks (Blas3Vc4) and the rows and columns past them.
        [37, 70, 35],
      ];
      const wrong: string[] = [];
      let checked = 0;
      for (const [m, n, k] of shapes) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const [ar, ac] = transA ? [k, m] : [m, k];
            const [br, bc] = transB ? [n, k] : [k, n];
            const lda = ac + 3, ldb = bc + 1, ldc = n + 2;
            const a = rt.alloc(Float32Array, (ar - 1) * lda + ac), b = rt.alloc(Float32Array, (br - 1) * ldb + bc), c = rt.alloc(Float32Array, (m - 1) * ldc + n);
            fill(a, m * 31 + k);
            fill(b, n * 17 + k);
            fill(c, m + n);
            const c0 = Float32Array.from(c);
            const beta = transA ? 0 : -0.75;
            if (beta === 0) for (let i = 0; i < m; i++) c[i * ldc] = NaN; // ignored when beta = 0
            const alpha = 1.5;
            const r = await sgemm(rt, { m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, transA, transB });
            t.deepEqual(r.hazards, []);
            const A = (i: number, q: number) => (transA ? a[q * lda + i] : a[i * lda + q]) as number;
            const B = (q: number, j: number) => (transB ? b[j * ldb + q] : b[q * ldb + j]) as number;
            for (let i = 0; i < m; i++) {
              for (let j = 0; j < n; j++) {
                let s = 0, abs = 0;
                for (let q = 0; q < k; q++) (s += A(i, q) * B(q, j)), (abs += Math.abs(A(i, q) * B(q, j)));
                const old = c0[i * ldc + j] as number;
                const want = alpha * s + beta * old;
                const bound = gamma(k + 3, w) * (Math.abs(alpha) * abs + Math.abs(beta * old));
                const got = c[i * ldc + j] as number;
                checked++;
                if (!(Math.abs(got - want) <= bound)) wrong.push(`${m}x${n}x${k} transA=${transA} transB=${transB}: C[${i}][${j}] = ${got}, want ${want} ± ${bound}`);
              }
              // Padding between rows of C is untouched.
              for (let j = n; j < ldc && i < m - 1; j++) t.is(c[i * ldc + j], c0[i * ldc + j]);
            }
            rt.free(a);
            rt.free(b);
            rt.free(c);
          }
        }
      }
      t.deepEqual(wrong.slice(0, 3), []);
      t.is(checked, 4 * (1 + 5 * 17 + 7 * 35 + 37 * 70));
    } finally {
      rt.close();
    }
  });

  test(`sgemv: both transposes, increments, alpha/beta (${label(w)})`, async (t) => {
    const rt = await open(w);
    try {
      // 70 × 150 with trans: two 128-column strips, row parts of 16 rows and a few single rows (vc4: gemvTSplit, 5
      // strips of 32 columns × 12 parts); 37 × 128 and 70 × 256 without trans: vc4's one-launch gemvNSplit (whole
      // 128-column strips, parts of 18 and 12 rows, vectors of y that span two parts), 70 × 256 with trans: vc4's gemvT.
      for (const [m, n] of [[1, 1], [13, 5], [19, 37], [70, 150], [37, 128], [70, 256]] as const) {
        for (const trans of [false, true]) {
          const lda = n + 1;
          const [xn, yn] = trans ? [m, n] : [n, m];
          const incx = trans ? -2 : 1, incy = trans ? 1 : 3;
          const a = rt.alloc(Float32Array, (m - 1) * lda + n), x = rt.alloc(Float32Array, 1 + (xn - 1) * Math.abs(incx)), y = rt.alloc(Float32Array, 1 + (yn - 1) * Math.abs(incy));
          fill(a, m * 7 + n);
          fill(x, 3);
          fill(y, 4);
          const y0 = Float32Array.from(y);
          const alpha = -0.5, beta = trans ? 2 : 0;
          await sgemv(rt, { m, n, alpha, a, lda, x, incx, beta, y, incy, trans });
          const X = (i: number) => x[incx > 0 ? i * incx : (xn - 1 - i) * -incx] as number;
          const Y = (i: number) => (incy > 0 ? i * incy : (yn - 1 - i) * -incy);
          const chain = trans ? m : Math.ceil(n / 16) + 16;
          for (let i = 0; i < yn; i++) {
            let s = 0, abs = 0;
            for (let q = 0; q < xn; q++) {
              const p = (trans ? a[q * lda + i] : a[i * lda + q]) as number;
              s += p * X(q);
              abs += Math.abs(p * X(q));
            }
            const old = y0[Y(i)] as number;
            const want = alpha * s + beta * old;
            const bound = gamma(chain + 3, w) * (Math.abs(alpha) * abs + Math.abs(beta * old));
            t.true(Math.abs((y[Y(i)] as number) - want) <= bound, `${m}x${n} trans=${trans}: y[${i}] = ${y[Y(i)]}, want ${want}`);
          }
          rt.free(a);
          rt.free(x);
          rt.free(y);
        }
      }
    } finally {
      rt.close();
    }
  });
}

test('sgemv on vc4: 256 × 256 in one launch on at least 8 QPUs, either transpose', async (t) => {
  const rt = await open({ target: 'vc4', backend: 'emulator' });
  try {
    const m = 256, n = 256;
    const a = rt.alloc(Float32Array, m * n), x = rt.alloc(Float32Array, n), y = rt.alloc(Float32Array, m);
    fill(a, 5);
    fill(x, 6);
    for (const trans of [false, true]) {
      const r = await sgemv(rt, { m, n, alpha: 1, a, lda: n, x, y, trans });
      // One kernel (no finishing launch) and every batch busy: three launches and four QPUs were 0.70 of the memory limit.
      t.is(r.kernel, trans ? 'Blas2.gemvT' : 'Blas2.gemvNSplit');
      t.true((r.profile?.perQpuCycles.length ?? 0) >= 8);
      for (const i of [0, 1, 127, 255]) {
        let s = 0, abs = 0;
        for (let j = 0; j < n; j++) {
          const p = (trans ? a[j * n + i] : a[i * n + j]) as number;
          s += p * (x[j] as number);
          abs += Math.abs(p * (x[j] as number));
        }
        const chain = trans ? m : Math.ceil(n / 16) + 16;
        t.true(Math.abs((y[i] as number) - s) <= gamma(chain + 3, { target: 'vc4', backend: 'emulator' }) * abs, `trans=${trans}: y[${i}] = ${y[i]}, want ${s}`);
      }
    }
  } finally {
    rt.close();
  }
});

test('sgemm and sgemv: alpha = 0 or k = 0 scale C by beta without reading A and B; bad arguments are errors', async (t) => {
  const rt = await open({ target: 'vc6', backend: 'emulator' });
  try {
    const a = rt.alloc(Float32Array, 12).fill(NaN), b = rt.alloc(Float32Array, 12).fill(NaN), c = rt.alloc(Float32Array, 9).fill(2);
    await sgemm(rt, { m: 3, n: 3, k: 4, alpha: 0, a, lda: 4, b, ldb: 3, beta: 0.5, c, ldc: 3 });
    t.deepEqual([...c], new Array(9).fill(1));
    await sgemm(rt, { m: 3, n: 3, k: 0, alpha: 1, a, lda: 4, b, ldb: 3, beta: 0, c, ldc: 3 });
    t.deepEqual([...c], new Array(9).fill(0));
    const y = rt.alloc(Float32Array, 3).fill(4);
    await sgemv(rt, { m: 3, n: 4, alpha: 0, a, lda: 4, x: b, beta: 0.25, y });
    t.deepEqual([...y], [1, 1, 1]);
    await t.throwsAsync(() => sgemm(rt, { m: 3, n: 3, k: 4, alpha: 1, a, lda: 3, b, ldb: 3, c, ldc: 3 }), { instanceOf: RangeError, message: /sgemm: lda must be at least 4/ });
    await t.throwsAsync(() => sgemm(rt, { m: 4, n: 3, k: 4, alpha: 1, a, lda: 4, b, ldb: 3, c, ldc: 3 }), { instanceOf: RangeError, message: /sgemm: a holds 12 elements, but 4 rows of 4 with lda = 4 need 16/ });
    await t.throwsAsync(() => sgemm(rt, { m: 3, n: 3, k: 4, alpha: 1, a, lda: 4, b, ldb: 3, c, ldc: 3, transA: 1 as unknown as boolean }), { instanceOf: TypeError, message: /sgemm: transA must be true or false/ });
    await t.throwsAsync(() => sgemv(rt, { m: 3, n: 4, alpha: 1, a, lda: 4, x: b, y, incy: 2 }), { instanceOf: RangeError, message: /sgemv: y holds 3 elements, but 3 elements 2 apart need 5/ });
  } finally {
    rt.close();
  }
});
