// Math.sin, Math.cos and Math.tan over the whole f32 range (docs/backend-v3d.md accuracy table: Payne–Hanek
// reduction from |x| = 1024) on every target's emulator, against JavaScript's Math in double precision rounded to
// f32, within the documented 4 ulp; and the small-argument path does not pay for the large-argument one.
import test from 'ava';
import { Runtime } from '../../runtime/index.ts';
import { ulps } from '../helpers/f32.ts';
import { Trig } from '../fixtures/e2e/trig.ts';

const HARD = [1e4, -1e4, 1e5, 355, 103993, 3.4028235e38, -3.4028235e38, 1024, -1024, 6433, 6434, 1e22, 2 ** 120, 16367173 * 2 ** 72, 1.5707964, 0, -0, Infinity, NaN];

for (const target of ['vc4', 'vc6', 'vc7'] as const) {
  test(`${target}: sin, cos and tan are within 4 ulp from 2^-10 to the largest f32`, async (t) => {
    const rt = await Runtime.open({ backend: 'emulator', target, log: () => undefined });
    try {
      const n = 1024;
      const x = rt.alloc(Float32Array, n);
      let seed = 5;
      const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
      for (let i = 0; i < n; i++) x[i] = i < HARD.length ? HARD[i]! : (rnd() < 0.5 ? -1 : 1) * (1 + rnd()) * 2 ** Math.floor(rnd() * 138 - 10);
      const [s, c, tn] = [rt.alloc(Float32Array, n), rt.alloc(Float32Array, n), rt.alloc(Float32Array, n)];
      await rt.launch(Trig.all, { qpus: 4 }, n, x, s, c, tn);
      const worst = { sin: 0, cos: 0, tan: 0 };
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        worst.sin = Math.max(worst.sin, ulps(Math.fround(Math.sin(v)), s[i]!));
        worst.cos = Math.max(worst.cos, ulps(Math.fround(Math.cos(v)), c[i]!));
        worst.tan = Math.max(worst.tan, ulps(Math.fround(Math.tan(v)), tn[i]!));
      }
      t.log(`max ulp: sin ${worst.sin}, cos ${worst.cos}, tan ${worst.tan}`);
      t.true(worst.sin <= 4 && worst.cos <= 4 && worst.tan <= 4, JSON.stringify(worst));
      t.true(Object.is(s[HARD.findIndex((v) => Object.is(v, -0))], -0), 'sin(-0) = -0');
    } finally {
      rt.close();
    }
  });
}

test('vc6: arguments below 1024 skip the Payne–Hanek block (fewer instructions issued)', async (t) => {
  const rt = await Runtime.open({ backend: 'emulator', target: 'vc6', log: () => undefined });
  try {
    const n = 256;
    const run = async (scale: number) => {
      const x = rt.alloc(Float32Array, n);
      for (let i = 0; i < n; i++) x[i] = Math.sin(i) * scale;
      const out = [rt.alloc(Float32Array, n), rt.alloc(Float32Array, n), rt.alloc(Float32Array, n)];
      return (await rt.launch(Trig.all, { qpus: 1 }, n, x, ...out)).profile!.instructions;
    };
    const small = await run(100);
    const large = await run(1e6);
    t.log(`instructions issued: |x| < 100: ${small}, |x| up to 1e6: ${large}`);
    t.true(large > small * 2, `${small} vs ${large}`);
  } finally {
    rt.close();
  }
});
