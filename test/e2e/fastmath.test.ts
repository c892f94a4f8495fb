// `@kernel({ fastMath: true })`: on vc4 `+ - *` and int→f32 conversions are the hardware ops (round toward zero),
// checked against a plain-JS round-toward-zero model; on vc6/vc7 (IEEE hardware) the option changes nothing.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { Runtime } from '../../runtime/index.ts';
import { compileFile } from '../../compiler/compile.ts';
import type { CompiledKernel } from '../../compiler/backend/index.ts';
import { kernelInfo } from '../../lang/index.ts';
import { FastMath } from '../fixtures/fastmath.ts';

const FILE = fileURLToPath(new URL('../fixtures/fastmath.ts', import.meta.url));
const N = 200;

const F = new Float32Array(1);
const U = new Uint32Array(F.buffer);
const bits = (x: number): number => ((F[0] = x), U[0] as number);
const fromBits = (b: number): number => ((U[0] = b >>> 0), F[0] as number);

/** The f32 nearest to the exact value hi + lo toward zero (hi = the double nearest to it). */
function towardZero(hi: number, lo: number): number {
  if (hi === 0) return 0; // an exact zero sum is +0 (and the hardware writes −0 as +0)
  const f = Math.fround(hi);
  // f is farther from zero than the exact value: one f32 step back toward zero.
  const beyond = Math.abs(f) > Math.abs(hi) || (f === hi && lo !== 0 && Math.sign(lo) !== Math.sign(hi));
  return beyond ? fromBits(bits(f) - 1) : f;
}
/** Exact a + b as a double pair (Knuth's two-sum). */
function twoSum(a: number, b: number): [number, number] {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}
const addRtz = (a: number, b: number): number => towardZero(...twoSum(a, b));
const intRtz = (i: number): number => towardZero(i, 0); // every i32/u32 is a double

/** Inputs: normal floats of many magnitudes and signs (no denormals, NaN or inf), integers across the range. */
function inputs() {
  let s = 0x2545f491;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s);
  const a = new Float32Array(N), b = new Float32Array(N), k = new Int32Array(N), u = new Uint32Array(N);
  for (let i = 0; i < N; i++) {
    const e = (rnd() % 40) - 20;
    a[i] = Math.fround(((rnd() >>> 8) / 2 ** 24 + 1) * 2 ** e * (rnd() & 1 ? -1 : 1));
    // b: near a (cancellation), far below it (sticky bits), or alike in size.
    const kind = i % 3;
    const eb = kind === 0 ? e : kind === 1 ? e - 1 - (rnd() % 26) : (rnd() % 40) - 20;
    b[i] = Math.fround(((rnd() >>> 8) / 2 ** 24 + 1) * 2 ** eb * (rnd() & 1 ? -1 : 1));
    k[i] = rnd() | 0;
    u[i] = rnd() >>> (i % 8);
  }
  a[0] = 1.5, b[0] = -1.5; // exact cancellation: +0
  return { a, b, k, u };
}

async function run(target: 'vc4' | 'vc6', kernel: CompiledKernel | typeof FastMath.fast): Promise<Float32Array> {
  const rt = await Runtime.open({ target, backend: 'emulator', log: () => undefined });
  try {
    const { a, b, k, u } = inputs();
    const ga = rt.alloc(Float32Array, N), gb = rt.alloc(Float32Array, N), gk = rt.alloc(Int32Array, N), gu = rt.alloc(Uint32Array, N);
    const out = rt.alloc(Float32Array, 5 * N);
    ga.set(a), gb.set(b), gk.set(k), gu.set(u);
    await rt.launch(kernel, { qpus: 2 }, N, ga, gb, gk, gu, out);
    return Float32Array.from(out);
  } finally {
    rt.close();
  }
}

function kernels(target: 'vc4' | 'vc6'): { fast: CompiledKernel; exact: CompiledKernel } {
  const r = compileFile(FILE, { target });
  const get = (name: string) => {
    const k = r.kernels.find((x) => x.name === name);
    if (!k) throw new Error(`${name} did not compile: ${r.diagnostics.map((d) => d.message).join('; ')}`);
    return k;
  };
  return { fast: get('FastMath.fast'), exact: get('FastMath.exact') };
}

test('vc4 fastMath: + and - round toward zero, int→f32 truncates, * within 1 ulp of IEEE (plain-JS model); shorter code', async (t) => {
  const { fast, exact } = kernels('vc4');
  t.true(fast.code.length < exact.code.length, `fast ${fast.code.length} words, exact ${exact.code.length}`);
  const got = await run('vc4', fast);
  const { a, b, k, u } = inputs();
  let rtzDiffers = 0;
  for (let i = 0; i < N; i++) {
    const x = a[i] as number, y = b[i] as number;
    const at = (j: number) => got[5 * i + j] as number;
    t.is(bits(at(0)), bits(addRtz(x, y)), `${x} + ${y}`);
    t.is(bits(at(1)), bits(addRtz(x, -y)), `${x} - ${y}`);
    const p = Math.fround(x * y);
    t.true(Math.abs(bits(at(2)) - bits(p)) <= 1, `${x} * ${y}: ${at(2)} vs ${p}`);
    t.is(bits(at(3)), bits(intRtz(k[i] as number)), `f32(${k[i]})`);
    t.is(bits(at(4)), bits(intRtz(u[i] as number)), `f32(${u[i]}u)`);
    if (bits(at(0)) !== bits(Math.fround(x + y))) rtzDiffers++;
  }
  // The inputs do reach the cases where toward-zero and to-nearest differ (else the test proves little).
  t.true(rtzDiffers > N / 10, `${rtzDiffers} sums differ from round-to-nearest`);
  // The exact kernel on the same inputs stays IEEE.
  const ieee = await run('vc4', exact);
  for (let i = 0; i < N; i++) t.is(bits(ieee[5 * i] as number), bits(Math.fround((a[i] as number) + (b[i] as number))));
});

test('vc6 fastMath changes nothing: the same machine code and bit-identical results', async (t) => {
  const { fast, exact } = kernels('vc6');
  t.deepEqual(Array.from(fast.code), Array.from(exact.code));
  t.deepEqual(Array.from(await run('vc6', fast)), Array.from(await run('vc6', exact)));
});

test('the decorator keeps its options at run time, and launching the method compiles it with them', async (t) => {
  t.deepEqual(kernelInfo(FastMath.fast)?.options, { fastMath: true });
  t.deepEqual(kernelInfo(FastMath.exact)?.options, {});
  const { fast } = kernels('vc4');
  t.deepEqual(Array.from(await run('vc4', FastMath.fast)), Array.from(await run('vc4', fast)));
});
