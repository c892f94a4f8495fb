// Image processing on the Raspberry Pi GPU (or the emulator): RGBA → grey, RGBA → YCbCr and back, a Gaussian blur, a
// 3x3 sharpen and a bilinear resize of a generated picture, each checked against plain JS.
// Run: npx qpuc run examples/image.ts [-- [--target vc4|vc6|vc7] WIDTH HEIGHT]
import { Runtime, type Target, type LaunchResult } from 'qpuc/runtime';
import { rgbaToLuma, rgbaToYuv, yuvToRgba, separableBlur, gaussianTaps, conv2d, resizeBilinear } from '../kernels/image.js';

const args = process.argv.slice(2);
const t = args.indexOf('--target');
const target = t >= 0 ? (args.splice(t, 2)[1] as Target | undefined) : undefined;
const w = Number(args[0] ?? 160);
const h = Number(args[1] ?? 120);
const f = Math.fround;

const rt = await Runtime.open({ log: (line) => console.log(line), ...(target ? { target } : {}) });
let failed = 0;
const report = (what: string, r: LaunchResult, worst: number, allowed: number) => {
  const p = r.profile;
  const ok = worst <= allowed;
  if (!ok) failed++;
  console.log(
    `${what}: ${ok ? 'ok' : 'WRONG'} (largest difference from plain JS ${worst.toPrecision(3)})` +
      (p ? `; ${Math.round(p.cycles)} cycles = ${(p.seconds * 1e3).toFixed(3)} ms${r.backend === 'emulator' ? ' modelled' : ''}, ${((p.bytesRead + p.bytesWritten) / 1e6).toFixed(2)} MB moved` : ''),
  );
};

// A picture: a colour gradient with a bright disc.
const rgba = rt.alloc(Uint8Array, 4 * w * h);
for (let y = 0; y < h; y++) {
  for (let x = 0; x < w; x++) {
    const disc = (x - w / 2) ** 2 + (y - h / 2) ** 2 < (h / 4) ** 2;
    rgba.set([disc ? 250 : (255 * x) / w, disc ? 240 : (255 * y) / h, disc ? 90 : 128, 255], 4 * (y * w + x));
  }
}

// 1. RGBA → grey (BT.601 weights in 8-bit fixed point).
const grey = rt.alloc(Uint8Array, w * h);
const r1 = await rgbaToLuma(rt, { pixels: w * h, rgba, grey });
let worst = 0;
for (let i = 0; i < w * h; i++) worst = Math.max(worst, Math.abs((grey[i] as number) - ((77 * (rgba[4 * i] as number) + 150 * (rgba[4 * i + 1] as number) + 29 * (rgba[4 * i + 2] as number) + 128) >> 8)));
report('rgbaToLuma', r1, worst, 0);

// 1b. RGBA → YCbCr (JFIF) and back: Y equals the luma above, the round trip is within 2 per channel.
const yuv = rt.alloc(Uint8Array, 4 * w * h);
const r1b = await rgbaToYuv(rt, { pixels: w * h, src: rgba, dst: yuv });
worst = 0;
for (let i = 0; i < w * h; i++) worst = Math.max(worst, Math.abs((yuv[4 * i] as number) - (grey[i] as number)));
report('rgbaToYuv (Y against the luma)', r1b, worst, 0);
const back = rt.alloc(Uint8Array, 4 * w * h);
const r1c = await yuvToRgba(rt, { pixels: w * h, src: yuv, dst: back });
worst = 0;
for (let i = 0; i < 4 * w * h; i++) worst = Math.max(worst, Math.abs((back[i] as number) - (rgba[i] as number)));
report('yuvToRgba (the round trip against the original picture, allowed 2)', r1c, worst, 2);

// 2. Gaussian blur (sigma 1.5) of the grey image as f32.
const img = rt.alloc(Float32Array, w * h);
for (let i = 0; i < w * h; i++) img[i] = grey[i] as number;
const blurred = rt.alloc(Float32Array, w * h);
const r2 = await separableBlur(rt, { width: w, height: h, src: img, dst: blurred, sigma: 1.5 });
const taps = gaussianTaps(1.5);
const r = taps.length >> 1;
const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
const rows = new Float32Array(w * h);
for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
  let acc = 0;
  for (let j = 0; j < taps.length; j++) acc = f(acc + f((taps[j] as number) * (img[y * w + clamp(x + j - r, w - 1)] as number)));
  rows[y * w + x] = acc;
}
worst = 0;
for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
  let acc = 0;
  for (let i = 0; i < taps.length; i++) acc = f(acc + f((taps[i] as number) * (rows[clamp(y + i - r, h - 1) * w + x] as number)));
  worst = Math.max(worst, Math.abs((blurred[y * w + x] as number) - acc));
}
report(`separableBlur sigma 1.5 (${taps.length} taps)`, r2, worst, rt.target === 'vc4' ? 1e-3 : 0);

// 3. A 3x3 sharpen of the blurred image.
const k = rt.alloc(Float32Array, 9);
k.set([0, -1, 0, -1, 5, -1, 0, -1, 0]);
const sharp = rt.alloc(Float32Array, w * h);
const r3 = await conv2d(rt, { width: w, height: h, src: blurred, kw: 3, kh: 3, k, dst: sharp });
worst = 0;
for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
  let acc = 0;
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) acc = f(acc + f((k[i * 3 + j] as number) * (blurred[clamp(y + i - 1, h - 1) * w + clamp(x + j - 1, w - 1)] as number)));
  worst = Math.max(worst, Math.abs((sharp[y * w + x] as number) - acc));
}
report('conv2d 3x3 sharpen', r3, worst, rt.target === 'vc4' ? 1e-3 : 0);

// 4. Resize the RGBA picture to 60 % (half-pixel centres, as OpenCV's INTER_LINEAR).
const dw = Math.max(1, Math.round(w * 0.6));
const dh = Math.max(1, Math.round(h * 0.6));
const small = rt.alloc(Uint8Array, 4 * dw * dh);
const r4 = await resizeBilinear(rt, { srcWidth: w, srcHeight: h, src: rgba, dstWidth: dw, dstHeight: dh, dst: small });
const sx = f(w / dw);
const sy = f(h / dh);
worst = 0;
for (let y = 0; y < dh; y++) for (let x = 0; x < dw; x++) {
  const fy = Math.min(Math.max(f(f(f(y + 0.5) * sy) - 0.5), 0), h - 1);
  const fx = Math.min(Math.max(f(f(f(x + 0.5) * sx) - 0.5), 0), w - 1);
  const x0 = Math.floor(fx), y0 = Math.floor(fy);
  const x1 = Math.min(x0 + 1, w - 1), y1 = Math.min(y0 + 1, h - 1);
  // 8-bit fixed-point weights, two rounded stages (docs/kernels.md).
  const ax = Math.floor(f(f(f(fx - x0) * 256) + 0.5)), ay = Math.floor(f(f(f(fy - y0) * 256) + 0.5));
  for (let c = 0; c < 4; c++) {
    const at = (xx: number, yy: number) => rgba[4 * (yy * w + xx) + c] as number;
    const top = (at(x0, y0) * (256 - ax) + at(x1, y0) * ax + 128) >> 8;
    const bottom = (at(x0, y1) * (256 - ax) + at(x1, y1) * ax + 128) >> 8;
    worst = Math.max(worst, Math.abs((small[4 * (y * dw + x) + c] as number) - ((top * (256 - ay) + bottom * ay + 128) >> 8)));
  }
}
report(`resizeBilinear ${w}x${h} -> ${dw}x${dh}`, r4, worst, rt.target === 'vc4' ? 1 : 0);
rt.close();
if (failed > 0) process.exitCode = 1;
