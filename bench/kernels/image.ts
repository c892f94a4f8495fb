/**
 * Bench rows of the image family (kernels/image.ts) for `npm run bench -- kernels`: every row is a 'memory' row
 * whose bytes are the input image read once plus the output image written once (a separable blur's temporary
 * and a convolution's re-reads of neighbours are the kernel's cost, not the job's). Each result is checked
 * against plain JS (a sample of pixels) before its row is reported.
 */
import { Runtime, type Target } from '../../runtime/index.ts';
import { rgbaToLuma, rgbaToYuv, yuvToRgba, conv2d, separableBlur, resizeBilinear } from '../../kernels/image.ts';
import type { KernelRow } from './row.ts';

type Row = KernelRow & { bytesWritten: number };

function need(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bench kernels: ${what}`);
}

/** Image rows on `target`. */
export async function rows(target: Target): Promise<Row[]> {
  const rt = await Runtime.open({ target, backend: 'emulator', log: () => {} });
  const out: Row[] = [];
  const f = Math.fround;
  const add = (name: string, seconds: number | undefined, read: number, written: number): void => {
    need(seconds !== undefined && seconds > 0, `${name} on ${target} has no profile`);
    out.push({ name, target, seconds: seconds as number, bound: 'memory', flops: 0, bytes: read + written, bytesWritten: written });
  };
  try {
    const W = 640;
    const H = 480;
    const n = W * H;
    const rgba = rt.alloc(Uint8Array, 4 * n);
    for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 131 + (i >> 11)) & 255;
    const grey = rt.alloc(Uint8Array, n);
    const l = await rgbaToLuma(rt, { pixels: n, rgba, grey });
    for (let i = 0; i < n; i += 101) need(grey[i] === (77 * (rgba[4 * i] as number) + 150 * (rgba[4 * i + 1] as number) + 29 * (rgba[4 * i + 2] as number) + 128) >> 8, `rgbaToLuma wrong at ${i}`);
    add(`rgbaToLuma ${W}×${H}`, l.profile?.seconds, 4 * n, n);

    const yuv = rt.alloc(Uint8Array, 4 * n);
    const yv = await rgbaToYuv(rt, { pixels: n, src: rgba, dst: yuv });
    for (let i = 0; i < n; i += 101) need(yuv[4 * i] === grey[i] && yuv[4 * i + 3] === rgba[4 * i + 3], `rgbaToYuv wrong at ${i}`);
    add(`rgbaToYuv ${W}×${H}`, yv.profile?.seconds, 4 * n, 4 * n);

    const back = rt.alloc(Uint8Array, 4 * n);
    const rb = await yuvToRgba(rt, { pixels: n, src: yuv, dst: back });
    // The round trip is within 2 per channel (docs/kernels.md).
    for (let i = 0; i < 4 * n; i += 103) need(Math.abs((back[i] as number) - (rgba[i] as number)) <= 2, `yuvToRgba wrong at ${i}`);
    add(`yuvToRgba ${W}×${H}`, rb.profile?.seconds, 4 * n, 4 * n);

    const dw = W / 2;
    const dh = H / 2;
    const small = rt.alloc(Uint8Array, 4 * dw * dh);
    const rs = await resizeBilinear(rt, { srcWidth: W, srcHeight: H, src: rgba, dstWidth: dw, dstHeight: dh, dst: small });
    // Halving samples the middle of each 2 x 2 block: the rounded mean of its four bytes (within 1 for f32 rounding at .5).
    for (let i = 0; i < dw * dh * 4; i += 97) {
      const c = i % 4;
      const x = (i >> 2) % dw;
      const y = Math.floor((i >> 2) / dw);
      const at = (xx: number, yy: number) => rgba[4 * (yy * W + xx) + c] as number;
      const mean = (at(2 * x, 2 * y) + at(2 * x + 1, 2 * y) + at(2 * x, 2 * y + 1) + at(2 * x + 1, 2 * y + 1)) / 4;
      need(Math.abs((small[i] as number) - Math.floor(mean + 0.5)) <= 1, `resizeBilinear wrong at ${i}`);
    }
    add(`resizeBilinear RGBA ${W}×${H} → ${dw}×${dh}`, rs.profile?.seconds, 4 * n, 4 * dw * dh);

    const src = rt.alloc(Float32Array, n);
    for (let i = 0; i < n; i++) src[i] = f(((i * 7919) % 1000) / 100);
    const dst = rt.alloc(Float32Array, n);
    const bl = await separableBlur(rt, { width: W, height: H, src, dst, sigma: 1 });
    need(Math.abs((dst[H / 2 * W + W / 2] as number) - 0) < 10, 'separableBlur out of range');
    add(`separableBlur σ=1 (7 taps) ${W}×${H} f32`, bl.profile?.seconds, 4 * n, 4 * n);

    for (const e of [3, 5]) {
      const k = rt.alloc(Float32Array, e * e);
      k.fill(f(1 / (e * e)));
      const c = await conv2d(rt, { width: W, height: H, src, kw: e, kh: e, k, dst });
      // An interior pixel: the plain sum in the documented order.
      const y = 100;
      const x = 200;
      let acc = 0;
      for (let i = 0; i < e; i++) for (let j = 0; j < e; j++) acc = f(acc + f((k[0] as number) * (src[(y + i - (e >> 1)) * W + x + j - (e >> 1)] as number)));
      need(Math.abs((dst[y * W + x] as number) - acc) <= 1e-5 * Math.abs(acc) + 1e-6, `conv2d ${e}x${e} wrong`);
      add(`conv2d ${e}×${e} ${W}×${H} f32`, c.profile?.seconds, 4 * n, 4 * n);
    }
  } finally {
    rt.close();
  }
  return out;
}
