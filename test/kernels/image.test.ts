// kernels/image.ts against plain-JS computations of each function's stated contract, on the reference backend
// and the vc4, vc6 and vc7 emulators (hazard checker in error mode), at odd sizes.
import test from 'ava';
import { Runtime, type Target } from '../../runtime/index.ts';
import { rgbaToLuma, rgbaToYuv, yuvToRgba, conv2d, separableBlur, gaussianTaps, resizeBilinear, MAX_BLUR_TAPS } from '../../kernels/image.ts';
import { memoryLimitSeconds } from '../../bench/kernels.ts';

const f = Math.fround;
const BACKENDS: { name: string; target: Target; backend: 'reference' | 'emulator' }[] = [
  { name: 'reference', target: 'vc6', backend: 'reference' },
  { name: 'vc4', target: 'vc4', backend: 'emulator' },
  { name: 'vc6', target: 'vc6', backend: 'emulator' },
  { name: 'vc7', target: 'vc7', backend: 'emulator' },
];
const SIZES: [number, number][] = [[1, 1], [17, 3], [33, 31]];

/** Deterministic pseudo-random bytes / floats (an LCG: the data only has to be varied, not random). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}
const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);

/** Plain-JS 2-D correlation with clamped borders, every product and sum rounded to f32 in the documented order; also Σ|terms| per pixel. */
function conv2dJs(w: number, h: number, src: Float32Array, kw: number, kh: number, k: Float32Array): { out: Float32Array; mag: Float64Array } {
  const out = new Float32Array(w * h);
  const mag = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      let m = 0;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const p = f((k[i * kw + j] as number) * (src[clamp(y + i - (kh >> 1), h - 1) * w + clamp(x + j - (kw >> 1), w - 1)] as number));
          acc = f(acc + p);
          m += Math.abs(p);
        }
      }
      out[y * w + x] = acc;
      mag[y * w + x] = m;
    }
  }
  return { out, mag };
}

/** Exact on IEEE targets; on vc4 (round toward zero, 1 ulp per operation) within 2 ulp per operation of Σ|terms|. */
function closeEnough(target: Target, got: ArrayLike<number>, want: Float32Array, mag: Float64Array, ops: number): string | undefined {
  for (let i = 0; i < want.length; i++) {
    const g = got[i] as number;
    const e = want[i] as number;
    if (target !== 'vc4' ? g !== e : !(Math.abs(g - e) <= 2 * ops * 2 ** -23 * (mag[i] as number))) return `element ${i}: got ${g}, expected ${e}`;
  }
  return undefined;
}

for (const b of BACKENDS) {
  test(`rgbaToLuma on ${b.name}: BT.601 8-bit fixed point, exact`, async (t) => {
    const rt = await Runtime.open({ target: b.target, backend: b.backend, log: () => {} });
    try {
      for (const n of [1, 3, 17, 1031]) {
        const rgba = rt.alloc(Uint8Array, 4 * n);
        const r = lcg(n);
        for (let i = 0; i < rgba.length; i++) rgba[i] = Math.floor(r() * 256);
        if (n === 17) rgba.set([255, 255, 255, 0, 0, 0, 0, 255], 0); // white, black
        const want = Uint8Array.from({ length: n }, (_, i) => (77 * (rgba[4 * i] as number) + 150 * (rgba[4 * i + 1] as number) + 29 * (rgba[4 * i + 2] as number) + 128) >> 8);
        // Aligned output (four pixels per word) and an output starting at an odd byte (one byte per pixel).
        for (const offset of [0, 1]) {
          const out = rt.alloc(Uint8Array, n + 2);
          out.fill(0xee);
          const grey = out.subarray(offset, offset + n);
          const res = await rgbaToLuma(rt, { pixels: n, rgba, grey });
          t.deepEqual(Array.from(grey), Array.from(want), `n=${n} offset=${offset}`);
          t.is(out[offset + n], 0xee, 'nothing written past the end');
          if (offset === 1) t.is(out[0], 0xee, 'nothing written before the start');
          t.deepEqual(res.hazards, []);
        }
        if (n === 17) t.deepEqual([want[0], want[1]], [255, 0]);
      }
    } finally {
      rt.close();
    }
  });

  test(`rgbaToYuv and yuvToRgba on ${b.name}: JFIF fixed point, exact, in place, round trip within 2`, async (t) => {
    const rt = await Runtime.open({ target: b.target, backend: b.backend, log: () => {} });
    try {
      // Every (R, G, B) on a grid of step 51 (216 colours, the extremes included), plus odd-sized random runs.
      const grid: number[] = [];
      for (let r = 0; r <= 255; r += 51) for (let g = 0; g <= 255; g += 51) for (let bl = 0; bl <= 255; bl += 51) grid.push(r, g, bl, (r + g) & 255);
      for (const n of [1, 17, grid.length / 4]) {
        const src = rt.alloc(Uint8Array, 4 * n);
        if (n === grid.length / 4) src.set(grid);
        else for (let i = 0, s = lcg(n); i < src.length; i++) src[i] = Math.floor(s() * 256);
        const want = new Uint8Array(4 * n);
        for (let i = 0; i < n; i++) {
          const [r, g, bl, a] = [src[4 * i], src[4 * i + 1], src[4 * i + 2], src[4 * i + 3]] as number[];
          want.set([(77 * r + 150 * g + 29 * bl + 128) >> 8, Math.min(((128 * bl - 43 * r - 85 * g + 128) >> 8) + 128, 255), Math.min(((128 * r - 107 * g - 21 * bl + 128) >> 8) + 128, 255), a], 4 * i);
        }
        const yuv = rt.alloc(Uint8Array, 4 * n);
        const res = await rgbaToYuv(rt, { pixels: n, src, dst: yuv });
        t.deepEqual(Array.from(yuv), Array.from(want), `rgbaToYuv n=${n}`);
        t.deepEqual(res.hazards, []);
        const c = (v: number) => Math.min(Math.max(v, 0), 255);
        const back = rt.alloc(Uint8Array, 4 * n);
        back.set(yuv);
        const wantRgb = new Uint8Array(4 * n);
        for (let i = 0; i < n; i++) {
          const [y, cb, cr, a] = [yuv[4 * i] as number, (yuv[4 * i + 1] as number) - 128, (yuv[4 * i + 2] as number) - 128, yuv[4 * i + 3] as number];
          wantRgb.set([c(y + ((91881 * cr + 32768) >> 16)), c(y + ((32768 - 22554 * cb - 46802 * cr) >> 16)), c(y + ((116130 * cb + 32768) >> 16)), a], 4 * i);
        }
        await yuvToRgba(rt, { pixels: n, src: back, dst: back }); // in place
        t.deepEqual(Array.from(back), Array.from(wantRgb), `yuvToRgba n=${n}`);
        const worst = Math.max(...Array.from(back, (v, i) => Math.abs(v - (src[i] as number))));
        t.true(worst <= 2, `round trip off by ${worst}`);
      }
    } finally {
      rt.close();
    }
  });

  test(`conv2d on ${b.name}: clamped borders, odd sizes`, async (t) => {
    const rt = await Runtime.open({ target: b.target, backend: b.backend, log: () => {} });
    try {
      for (const [[w, h], [kw, kh]] of [[SIZES[0], [3, 3]], [SIZES[1], [5, 3]], [SIZES[2], [7, 7]], [SIZES[2], [1, 5]], [[67, 9], [3, 3]], [[64, 2], [3, 3]], [[37, 6], [5, 5]], [[67, 9], [5, 5]]] as [[number, number], [number, number]][]) {
        const r = lcg(w * 100 + kw);
        const src = rt.alloc(Float32Array, w * h);
        for (let i = 0; i < src.length; i++) src[i] = f(r() * 8 - 4);
        const k = rt.alloc(Float32Array, kw * kh);
        for (let i = 0; i < k.length; i++) k[i] = f(r() - 0.5);
        const dst = rt.alloc(Float32Array, w * h);
        const res = await conv2d(rt, { width: w, height: h, src, kw, kh, k, dst });
        if (kw === 5 && kh === 5 && b.backend === 'emulator') {
          // 5 × 5: runs of 2 columns per lane on V3D (conv5Runs on vc6, conv5RunsAhead on vc7) from 28 wide, 3-vector strips
          // on vc4 in two launches (kernel rows 0-2, then 3-4) from 48 wide; narrower images the generic kernel.
          const runs = b.target === 'vc7' ? 'Image.conv5RunsAhead' : 'Image.conv5Runs';
          const want = b.target !== 'vc4' ? (w >= 28 ? runs : 'Image.conv2d') : w >= 48 ? 'Image.conv5Upper + Image.conv5Lower' : 'Image.conv2dDma';
          t.is(res.kernel, want, `${w}x${h} kernel ${kw}x${kh}`);
        }
        const { out, mag } = conv2dJs(w, h, src, kw, kh, k);
        t.is(closeEnough(b.target, dst, out, mag, 2 * kw * kh), undefined, `${w}x${h} kernel ${kw}x${kh}`);
        t.deepEqual(res.hazards, []);
      }
    } finally {
      rt.close();
    }
  });

  test(`conv2d 5 × 5 on ${b.name}: runs kernels' strips, segments and gated stores`, async (t) => {
    const rt = await Runtime.open({ target: b.target, backend: b.backend, log: () => {} });
    try {
      // V3D runs 2 columns per lane, 28 stored per strip: one strip (28), a last strip overlapping the one before by 1
      // column (55), 26 (30), 27 (57) or none (56, 84), other widths that are no multiple of 28 (29, 97, 131, 200), a
      // single row and fewer rows than the kernel (1, 2, 3). The QPUs' equal shares of (strip, row) pairs cut strips
      // into segments of many lengths, so the ring's padding (up to 4 rows) takes every value. vc4 from 48 wide: 3-vector
      // strips in two launches (rows 0-2 into a temporary, then 3-4), a last strip overlapping the one before (55, 57, 84,
      // 97, 131, 200), segments of every length in both.
      const cases: [number, number][] = [[28, 1], [28, 2], [28, 7], [29, 3], [30, 5], [48, 3], [55, 4], [56, 6], [57, 9], [84, 11], [97, 21], [131, 37], [200, 13]];
      for (const [w, h] of cases) {
        const r = lcg(w * 31 + h);
        const src = rt.alloc(Float32Array, w * h);
        for (let i = 0; i < src.length; i++) src[i] = f(r() * 8 - 4);
        const k = rt.alloc(Float32Array, 25);
        for (let i = 0; i < k.length; i++) k[i] = f(r() - 0.5);
        const dst = rt.alloc(Float32Array, w * h);
        dst.fill(Number.NaN);
        const res = await conv2d(rt, { width: w, height: h, src, kw: 5, kh: 5, k, dst });
        if (b.backend === 'emulator' && b.target !== 'vc4') t.is(res.kernel, b.target === 'vc7' ? 'Image.conv5RunsAhead' : 'Image.conv5Runs', `${w}x${h}`);
        if (b.target === 'vc4') t.is(res.kernel, w >= 48 ? 'Image.conv5Upper + Image.conv5Lower' : 'Image.conv2dDma', `${w}x${h}`);
        const { out, mag } = conv2dJs(w, h, src, 5, 5, k);
        t.is(closeEnough(b.target, dst, out, mag, 50), undefined, `${w}x${h}`);
        t.deepEqual(res.hazards, []);
      }
    } finally {
      rt.close();
    }
  });

  test(`separableBlur on ${b.name}: rows then columns, clamped`, async (t) => {
    const rt = await Runtime.open({ target: b.target, backend: b.backend, log: () => {} });
    try {
      // sigma 1.2: 9 taps (two passes); sigma 1: 7 taps, one pass on images 32 or more wide, two passes in place;
      // 'skewed': sigma 1's taps with the first one changed (not symmetric: blur7 on every target).
      type Case = readonly [number, number, number, boolean, 'skewed'?];
      // 7 taps on V3D: runs of 3 columns per lane (blur7Runs) on images 42 or more wide (one strip: 42; the last strip
      // overlapping the one before: 56, 67, 131), blur7Taps narrower (33, 40). blur7Runs' ring of 7 partial sums: with
      // these sizes on 8 (vc6) or 12 QPUs (vc7) the segments' steps (rows + 6) leave every remainder mod 7; the last
      // strip's lanes up to 12 gated off (131 = 3 · 42 + 5); no overlap (126 = 3 · 42).
      const cases: Case[] = [...SIZES.map(([w, h]) => [w, h, 1.2, false] as const), [67, 9, 1, false], [67, 9, 1, true], [70, 1, 1, false], [67, 9, 1, false, 'skewed'], [56, 5, 1, false], [42, 4, 1, false], [131, 7, 1, false], [40, 3, 1, false], [131, 37, 1, false], [97, 29, 1, false], [131, 56, 1, false], [126, 20, 1, false], [97, 21, 1, false]];
      for (const [w, h, sigma, inPlace, skewed] of cases) {
        const r = lcg(w + h);
        const src = rt.alloc(Float32Array, w * h);
        for (let i = 0; i < src.length; i++) src[i] = f(r() * 100);
        const orig = Float32Array.from(src);
        const dst = inPlace ? src : rt.alloc(Float32Array, w * h);
        const taps = rt.alloc(Float32Array, gaussianTaps(sigma).length);
        taps.set(gaussianTaps(sigma));
        if (skewed) taps[0] = f(1.5 * (taps[0] as number));
        const res = skewed ? await separableBlur(rt, { width: w, height: h, src, dst, taps }) : await separableBlur(rt, { width: w, height: h, src, dst, sigma });
        if (taps.length === 7 && !inPlace && b.backend === 'emulator') {
          // blur7Runs / blur7Taps (V3D) take the taps to be symmetric; vc4 runs blur7.
          const v3d = w >= 42 ? 'Image.blur7Runs' : 'Image.blur7Taps';
          t.is(res.kernel, b.target !== 'vc4' && !skewed ? v3d : 'Image.blur7', `${w}x${h}${skewed ? ' skewed' : ''}: the one-pass kernel`);
        }
        // The row pass, then the column pass, each as its own correlation with a 1-D kernel.
        const rows = conv2dJs(w, h, orig, taps.length, 1, taps);
        const cols = conv2dJs(w, h, rows.out, 1, taps.length, taps);
        // Error bound on vc4: the column pass's own, plus the row pass's spread through Σ|taps| = 1.
        const mag = cols.mag.map((m, i) => m + (rows.mag[i] as number));
        t.is(closeEnough(b.target, dst, cols.out, mag, 4 * taps.length), undefined, `${w}x${h} sigma ${sigma}${inPlace ? ' in place' : ''}${skewed ? ' skewed' : ''}`);
        t.is(res.profile === undefined, b.backend === 'reference', 'one profile summing both passes');
        t.deepEqual(res.hazards, []);
      }
    } finally {
      rt.close();
    }
  });

  test(`resizeBilinear on ${b.name}: half-pixel centres, clamped, u8 RGBA`, async (t) => {
    const rt = await Runtime.open({ target: b.target, backend: b.backend, log: () => {} });
    try {
      for (const [[sw, sh], [dw, dh]] of [[[1, 1], [3, 2]], [[17, 3], [5, 7]], [[33, 31], [50, 20]], [[8, 8], [8, 8]], [[40, 9], [21, 13]], [[130, 6], [97, 5]], [[2, 3], [70, 4]], [[1, 5], [64, 3]], [[200, 40], [64, 17]], [[640, 48], [320, 24]], [[90, 11], [131, 9]]] as [[number, number], [number, number]][]) {
        const r = lcg(sw * 7 + dw);
        const src = rt.alloc(Uint8Array, 4 * sw * sh);
        for (let i = 0; i < src.length; i++) src[i] = Math.floor(r() * 256);
        const dst = rt.alloc(Uint8Array, 4 * dw * dh);
        const res = await resizeBilinear(rt, { srcWidth: sw, srcHeight: sh, src, dstWidth: dw, dstHeight: dh, dst });
        const sx = f(sw / dw);
        const sy = f(sh / dh);
        let worst = 0;
        // The documented formula: f32 sample positions, 8-bit fixed-point weights, two rounded stages.
        const weight = (v: number, lo: number) => Math.floor(f(f(f(v - lo) * 256) + 0.5));
        for (let y = 0; y < dh; y++) {
          const fy = Math.min(Math.max(f(f(f(y + 0.5) * sy) - 0.5), 0), sh - 1);
          const y0 = Math.floor(fy);
          const y1 = Math.min(y0 + 1, sh - 1);
          const ay = weight(fy, y0);
          for (let x = 0; x < dw; x++) {
            const fx = Math.min(Math.max(f(f(f(x + 0.5) * sx) - 0.5), 0), sw - 1);
            const x0 = Math.floor(fx);
            const x1 = Math.min(x0 + 1, sw - 1);
            const ax = weight(fx, x0);
            for (let c = 0; c < 4; c++) {
              const at = (xx: number, yy: number) => src[4 * (yy * sw + xx) + c] as number;
              const top = (at(x0, y0) * (256 - ax) + at(x1, y0) * ax + 128) >> 8;
              const bottom = (at(x0, y1) * (256 - ax) + at(x1, y1) * ax + 128) >> 8;
              const want = (top * (256 - ay) + bottom * ay + 128) >> 8;
              worst = Math.max(worst, Math.abs((dst[4 * (y * dw + x) + c] as number) - want));
            }
          }
        }
        t.true(worst <= (b.target === 'vc4' ? 1 : 0), `${sw}x${sh} → ${dw}x${dh}: a channel is off by ${worst}`);
        if (sw === dw && sh === dh) t.deepEqual(Array.from(dst), Array.from(src), 'same size copies');
        t.deepEqual(res.hazards, []);
      }
    } finally {
      rt.close();
    }
  });
}

test('image functions reject bad arguments with errors naming them', async (t) => {
  const rt = await Runtime.open({ target: 'vc6', backend: 'reference', log: () => {} });
  try {
    const img = rt.alloc(Float32Array, 16);
    const k = rt.alloc(Float32Array, 16);
    const rgba = rt.alloc(Uint8Array, 68);
    await t.throwsAsync(conv2d(rt, { width: 4, height: 4, src: img, kw: 2, kh: 3, k, dst: rt.alloc(Float32Array, 16) }), { instanceOf: RangeError, message: /kernel edges must be odd/ });
    await t.throwsAsync(conv2d(rt, { width: 4, height: 4, src: img, kw: 9, kh: 3, k, dst: rt.alloc(Float32Array, 16) }), { instanceOf: RangeError, message: /kw must be a whole number from 1 to 7/ });
    await t.throwsAsync(conv2d(rt, { width: 5, height: 4, src: img, kw: 3, kh: 3, k, dst: img }), { instanceOf: RangeError, message: /src holds 16 elements, but the image needs 20/ });
    await t.throwsAsync(conv2d(rt, { width: 4, height: 4, src: img, kw: 3, kh: 3, k, dst: img }), { instanceOf: RangeError, message: /must not overlap/ });
    await t.throwsAsync(rgbaToLuma(rt, { pixels: 16, rgba: rgba.subarray(1, 65), grey: rt.alloc(Uint8Array, 16) }), { instanceOf: RangeError, message: /rgba must start at a 4-byte boundary/ });
    await t.throwsAsync(rgbaToLuma(rt, { pixels: 16, rgba: img as unknown as Uint8Array, grey: rt.alloc(Uint8Array, 16) }), { instanceOf: TypeError, message: /rgba must be a Uint8Array/ });
    await t.throwsAsync(separableBlur(rt, { width: 4, height: 4, src: img, dst: img }), { instanceOf: TypeError, message: /give taps or sigma, got neither/ });
    await t.throwsAsync(separableBlur(rt, { width: 4, height: 4, src: img, dst: img, taps: k.subarray(0, 4) }), { instanceOf: RangeError, message: /odd count/ });
    t.throws(() => gaussianTaps(-1), { instanceOf: RangeError, message: /sigma must be a positive number/ });
    t.throws(() => gaussianTaps(6), { instanceOf: RangeError, message: new RegExp(`more than ${MAX_BLUR_TAPS}`) });
    await t.throwsAsync(resizeBilinear(rt, { srcWidth: 0, srcHeight: 4, src: rgba, dstWidth: 4, dstHeight: 4, dst: rgba }), { instanceOf: RangeError, message: /srcWidth must be a whole number/ });
  } finally {
    rt.close();
  }
});

test('gaussianTaps: normalised, symmetric, 2⌈3σ⌉+1 long, f64 weights rounded once', (t) => {
  const taps = gaussianTaps(1);
  t.is(taps.length, 7);
  const w = [-3, -2, -1, 0, 1, 2, 3].map((d) => Math.exp(-(d * d) / 2));
  const s = w.reduce((a, b) => a + b, 0);
  t.deepEqual(Array.from(taps), w.map((v) => f(v / s)));
  t.true(Math.abs(taps.reduce((a, b) => a + b, 0) - 1) < 1e-6);
});

// Modelled speed of the resize (kernels/image.ts resizePair on V3D: two vectors per row step share the row's offsets
// and weights; resizeStrips on vc4: four vectors per row step, the rows' values from the host's table, one DMA),
// as `npm run bench -- kernels` measures it: 640 × 480 → 320 × 240 against the timing model's memory limit for the
// bytes (bench/kernels.ts). Before resizePair: vc6 0.772, vc7 0.771; before resizeStrips: vc4 0.829.
for (const target of ['vc6', 'vc7', 'vc4'] as const) {
  test(`resizeBilinear on ${target} runs at ≥ 0.88 of the memory limit (640 × 480 → 320 × 240)`, async (t) => {
    const rt = await Runtime.open({ target, backend: 'emulator', log: () => {} });
    try {
      const [w, h, dw, dh] = [640, 480, 320, 240];
      const src = rt.alloc(Uint8Array, 4 * w * h);
      for (let i = 0; i < src.length; i++) src[i] = (i * 131 + (i >> 11)) & 255;
      const dst = rt.alloc(Uint8Array, 4 * dw * dh);
      const res = await resizeBilinear(rt, { srcWidth: w, srcHeight: h, src, dstWidth: dw, dstHeight: dh, dst });
      const seconds = res.profile?.seconds ?? Infinity;
      const fraction = memoryLimitSeconds(target, 4 * w * h, 4 * dw * dh) / seconds;
      t.true(fraction >= 0.88, `${fraction.toFixed(3)} of the memory limit`);
    } finally {
      rt.close();
    }
  });
}
