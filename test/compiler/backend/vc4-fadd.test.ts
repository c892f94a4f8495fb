// The VC4 IEEE addition (compiler/backend/vc4/isel-float.ts faddRne: the hardware's round-toward-zero sum, fixed up
// to round to nearest even) against plain JS: exact wherever the result is at least 2^-100 in magnitude, within one
// ulp below for normal operands and results (the ALU reads denormals as zero and flushes them); ties (an exact half ulp, either way) go to the
// even neighbour.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../../../compiler/compile.ts';
import { Runtime } from '../../../runtime/index.ts';

const FIXTURE = fileURLToPath(new URL('../../fixtures/vc4-add.ts', import.meta.url));

test('vc4: a + b is the IEEE sum: random patterns, near exponents, exact ties and tiny values', async (t) => {
  const k = compileFile(FIXTURE, { target: 'vc4' }).kernels[0]!;
  const rt = await Runtime.open({ target: 'vc4', backend: 'emulator', log: () => undefined });
  try {
    const n = 1 << 15;
    const a = rt.alloc(Float32Array, n), b = rt.alloc(Float32Array, n), out = rt.alloc(Float32Array, n);
    const au = new Uint32Array(a.buffer, a.byteOffset, n), bu = new Uint32Array(b.buffer, b.byteOffset, n);
    let s = 2024;
    const r = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
    const bits = (sign: number, e: number, m: number) => ((sign & 0x80000000) | (e << 23) | (m & 0x7fffff)) >>> 0;
    for (let i = 0; i < n; i++) {
      const kind = i % 4;
      if (kind === 0) [au[i], bu[i]] = [r(), r()]; // any patterns, NaNs and infinities among them
      else if (kind === 1) {
        const e = (r() % 254) + 1;
        [au[i], bu[i]] = [bits(r(), e, r()), bits(r(), Math.max(1, e - (r() % 30)), r())];
      } else if (kind === 2) {
        // b = ±0.5 or ±1.5 ulp of a: an exact tie between a's neighbours.
        const e = (r() % 200) + 30;
        au[i] = bits(0, e, r());
        b[i] = ((r() & 1) === 1 ? 0.5 : 1.5) * 2 ** (e - 150) * ((r() & 2) === 2 ? 1 : -1);
      } else [au[i], bu[i]] = [bits(r(), (r() % 40) + 1, r()), bits(r(), (r() % 40) + 1, r())]; // small normals (the ALU reads denormals as 0)
    }
    const res = await rt.launch(k, { qpus: 4 }, n, a, b, out);
    t.deepEqual(res.hazards, []);
    const ou = new Uint32Array(out.buffer, out.byteOffset, n);
    const want = new Float32Array(1);
    const wu = new Uint32Array(want.buffer);
    let exact = 0, ties = 0;
    for (let i = 0; i < n; i++) {
      want[0] = (a[i] as number) + (b[i] as number);
      const w = want[0] as number;
      if (Number.isNaN(w)) {
        t.true(Number.isNaN(out[i] as number), `${a[i]} + ${b[i]}`);
        continue;
      }
      if (Math.abs(w) >= 2 ** -100 || w === 0) {
        if (ou[i] !== wu[0]) t.fail(`${a[i]} + ${b[i]} = ${out[i]}, IEEE ${w}`);
        exact++;
        if (i % 4 === 2) ties++;
      } else if ((au[i]! & 0x7f800000) !== 0 && (bu[i]! & 0x7f800000) !== 0 && Math.abs(w) >= 2 ** -126) {
        t.true(Math.abs((ou[i] as number) - (wu[0] as number)) <= 1, `${a[i]} + ${b[i]} = ${out[i]}, IEEE ${w} (tiny)`);
      }
    }
    t.true(exact > n / 2 && ties > n / 8, `${exact} exact, ${ties} ties`);
  } finally {
    rt.close();
  }
});
