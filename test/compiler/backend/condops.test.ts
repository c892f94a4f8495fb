// Conditional integer ops (compiler/backend/common/condops.ts): `x + (c ? y : 0)` and `c ? x ∘ y : x` are one
// conditional ALU op on vc4, vc6 and vc7, and a compare read only by selects is never made 0/1 on vc4 either.
// Results against plain JS on every target's emulator; the machine code checked for the conditional op itself.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../../../compiler/compile.ts';
import { Runtime } from '../../../runtime/index.ts';
import type { Target } from '../../../runtime/index.ts';

const FIXTURE = fileURLToPath(new URL('../../fixtures/condops.ts', import.meta.url));
const TARGETS: Target[] = ['vc4', 'vc6', 'vc7'];

function kernelOf(target: Target, name: string) {
  const k = compileFile(FIXTURE, { target }).kernels.find((x) => x.name.endsWith(`.${name}`));
  if (!k) throw new Error(`no kernel ${name}`);
  return k;
}

/** The fixture's line that counts (`c[b] += v == b ? 1 : 0`). */
const COUNT_LINE = readFileSync(FIXTURE, 'utf8').split('\n').findIndex((l) => l.includes('c[b] += v == b ? 1 : 0')) + 1;

/**
 * The counting line's machine code: its conditional adds (vc4 `add.ifzs`, V3D `add.ifa`), its compares
 * (`xor.setf`, `xor.pushz`), and its 0/1 values made (a move of 1, or `or.ifa x, 1, 1`).
 */
function countLine(target: Target): { condAdds: number; compares: number; ones: number } {
  const lines = kernelOf(target, 'count').listing.filter((l) => l.loc?.line === COUNT_LINE).map((l) => l.text);
  const n = (re: RegExp) => lines.reduce((k, s) => k + (s.match(re)?.length ?? 0), 0);
  return {
    condAdds: n(/\badd\.if(zs|zc|a|na|b|nb)\b/g),
    compares: n(/\bxor\.(setf|pushz)\b/g),
    ones: n(/\b(mov(\.\w+)? \w+, 1\b|or\.if\w+ \w+, 1, 1\b)/g),
  };
}

for (const target of TARGETS) {
  test(`${target}: c += v == b ? 1 : 0 is a compare and a conditional add per counter, counts as plain JS`, async (t) => {
    const { condAdds, compares, ones } = countLine(target);
    t.true(condAdds >= 8, `conditional adds: ${condAdds}`);
    t.is(condAdds, compares, 'one conditional add per compare');
    t.is(ones, 0, 'no 0/1 value is made');
    const rt = await Runtime.open({ target, backend: 'emulator', log: () => undefined });
    try {
      const n = 16 * 37 + 5;
      const x = rt.alloc(Uint32Array, n);
      for (let i = 0; i < n; i++) x[i] = ((i * 2654435761) >>> 0) % 11;
      const out = rt.alloc(Uint32Array, 128).fill(0xdead);
      await rt.launch(kernelOf(target, 'count'), { qpus: 1 }, n, x, out);
      const want = new Array(128).fill(0);
      for (let i = 0; i < n; i++) if ((x[i] as number) < 8) want[16 * (x[i] as number) + (i % 16)]++;
      t.deepEqual(Array.from(out), want);
    } finally {
      rt.close();
    }
  });

  test(`${target}: every form of a conditional op gives what plain JS gives`, async (t) => {
    const rt = await Runtime.open({ target, backend: 'emulator', log: () => undefined });
    try {
      const xs = [0, 1, 2, 3, 4, -5, 3, 7, -1, 2147483647, -2147483648, 5, 3, 0, 9, 1];
      const ys = [1, 1, -2, 3, 0, 5, -3, 7, 2, 1, -1, 6, 0, 0, -9, 2];
      const x = rt.alloc(Int32Array, 16);
      const y = rt.alloc(Int32Array, 16);
      x.set(xs);
      y.set(ys);
      const out = rt.alloc(Int32Array, 128).fill(-7);
      await rt.launch(kernelOf(target, 'forms'), { qpus: 1 }, x, y, out);
      const want: number[] = [];
      for (let i = 0; i < 16; i++) {
        const a = xs[i] as number;
        const b = ys[i] as number;
        const lt = a < b;
        want.push(
          (a + (lt ? b : 0)) | 0,
          (a - (a === 3 ? 0 : b)) | 0,
          (b > 0 ? a : 0) ^ b,
          a > 2 ? a & b : a,
          b <= 1 ? a : a | b,
          a !== b ? (a - b) | 0 : a,
          lt ? 100 : a,
          (b + (lt ? 7 : 0)) | 0,
        );
      }
      t.deepEqual(Array.from(out), want);
    } finally {
      rt.close();
    }
  });
}
