/**
 * The math expansions (compiler/passes/expand-*.ts) on the reference
 * interpreter: for each op, the expanded IR of each target row must give the
 * unexpanded op's result (the language's definition) — bit for bit for
 * integers, f32 division and sqrt, within the documented ulp bounds for the
 * rest. The raw SFU ops the expansions use are exact in the interpreter, so
 * this checks the algebra; the emulator differential tests check it with
 * hardware-like SFU results.
 */
import test from 'ava';
import { parseFunction } from '../../../compiler/ir/parse.ts';
import { verifyFunction } from '../../../compiler/ir/verify.ts';
import { lowerForTarget } from '../../../compiler/passes/pipeline.ts';
import { TARGETS, TARGET_NAMES } from '../../../compiler/target/targets.ts';
import { ulps } from '../../helpers/f32.ts';
import { runKernel } from '../../helpers/kernels.ts';

const N = 4096;

/** out[i] = a[i] OP b[i] for one binary (or unary) op on type T. */
function kernel(op: string, t: 'i32' | 'u32' | 'f32', unary = false, attrs = ''): string {
  return `func K.f(out %0: ptr<${t}>, a %1: ptr<${t}>, b %2: ptr<${t}>) {
b0:
  %3: u32 varying = global_id
  %4: ptr<${t}> varying = gep %1, %3
  %5: ${t} varying = load %4
  %6: ptr<${t}> varying = gep %2, %3
  %7: ${t} varying = load %6
  %8: ${t} varying = ${op} %5${unary ? '' : ', %7'}${attrs}
  %9: ptr<${t}> varying = gep %0, %3
  store %9, %8
  ret
}
`;
}

let seed = 7;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const INT_SPECIALS = [0, 1, -1, 2, 3, 7, -7, 0x7fffffff, -0x80000000, 0xffff, 0x10000, 0xffffff, 0x1000000, 46341];

function intInputs(t: 'i32' | 'u32'): [Int32Array | Uint32Array, Int32Array | Uint32Array] {
  const make = () => {
    const x = t === 'i32' ? new Int32Array(N) : new Uint32Array(N);
    for (let i = 0; i < N; i++) {
      const r = rnd();
      // Specials, small values, values of every magnitude.
      x[i] = r < 0.2 ? (INT_SPECIALS[i % INT_SPECIALS.length] as number) : r < 0.4 ? Math.floor(rnd() * 200) - 100 : Math.floor(rnd() * 2 ** 32) >> Math.floor(rnd() * 32);
    }
    return x;
  };
  return [make(), make()];
}

function run(text: string, target: (typeof TARGET_NAMES)[number] | undefined, a: ArrayLike<number>, b: ArrayLike<number>, make: (n: number) => Int32Array | Uint32Array | Float32Array): Int32Array | Uint32Array | Float32Array {
  let fn = parseFunction(text);
  if (target) {
    fn = lowerForTarget(fn, TARGETS[target]);
    const errors = verifyFunction(fn, { lowered: true });
    if (errors.length > 0) throw new Error(errors.join('\n'));
  }
  const out = make(N);
  const ca = make(N);
  const cb = make(N);
  ca.set(a);
  cb.set(b);
  runKernel(fn, [out, ca, cb], N / 16);
  return out;
}

for (const t of ['i32', 'u32'] as const) {
  for (const op of ['div', 'rem', 'mulhi', 'mul']) {
    test(`${op} on ${t}: every target's expansion equals the op`, (t0) => {
      const [a, b] = intInputs(t);
      const make = (n: number) => (t === 'i32' ? new Int32Array(n) : new Uint32Array(n));
      const want = run(kernel(op, t), undefined, a, b, make);
      for (const target of TARGET_NAMES) {
        const got = run(kernel(op, t), target, a, b, make);
        const bad = want.findIndex((w, i) => w !== got[i]);
        t0.is(bad, -1, `${target}: ${a[bad]} ${op} ${b[bad]} = ${want[bad]}, expansion gave ${got[bad]}`);
      }
    });
  }
}

/** The word whose byte k is f(byte k of a, byte k of b) (plain JS, the per-byte ops' definition). */
function bytewise(a: number, b: number, f: (x: number, y: number) => number): number {
  let r = 0;
  for (let k = 0; k < 4; k++) r += f(Math.floor(a / 256 ** k) % 256, Math.floor(b / 256 ** k) % 256) * 256 ** k;
  return r;
}
const BYTE_OPS: Record<string, (x: number, y: number) => number> = {
  uaddsat8: (x, y) => Math.min(x + y, 255), usubsat8: (x, y) => Math.max(x - y, 0), umin8: Math.min, umax8: Math.max,
};
/** Words whose bytes are mostly edges (0, 1, 0x7f, 0x80, 0x81, 0xfe, 0xff), every fourth random. */
function byteInputs(): Uint32Array {
  const edges = [0, 1, 0x7f, 0x80, 0x81, 0xfe, 0xff];
  return new Uint32Array(N).map((_, i) => (i % 4 === 0 ? Math.floor(rnd() * 2 ** 32) : bytewise(Math.floor(rnd() * 2 ** 32), 0, (x) => edges[x % edges.length] as number)));
}

for (const [op, f] of Object.entries(BYTE_OPS)) {
  test(`${op}: the op and every target's lowering (vc4: kept, V3D: word ops) equal the per-byte definition`, (t) => {
    const [a, b] = [byteInputs(), byteInputs()];
    const want = Array.from(a, (x, i) => bytewise(x, b[i] as number, f));
    const make = (n: number) => new Uint32Array(n);
    t.deepEqual(Array.from(run(kernel(op, 'u32'), undefined, a, b, make)), want, 'the interpreter');
    for (const target of TARGET_NAMES) {
      const got = run(kernel(op, 'u32'), target, a, b, make);
      const bad = want.findIndex((w, i) => w !== got[i]);
      t.is(bad, -1, `${target}: ${op}(${a[bad]}, ${b[bad]}) = ${want[bad]}, lowering gave ${got[bad]}`);
    }
  });
}

const FLOAT_SPECIALS = [0, -0, Infinity, -Infinity, NaN, 1, -1, 2, 0.5, 3, 1e-30, 1e30, 1e38, -3e38];
const F32_CASES: { op: string; what?: string; unary?: boolean; ulps: number; a: () => number; b?: () => number; domain?: (a: number) => boolean }[] = [
  { op: 'fdiv', ulps: 0, a: () => (rnd() < 0.5 ? -1 : 1) * (1 + rnd()) * 2 ** Math.floor(rnd() * 120 - 60), b: () => (rnd() < 0.5 ? -1 : 1) * (1 + rnd()) * 2 ** Math.floor(rnd() * 120 - 60) },
  { op: 'fsqrt', unary: true, ulps: 0, a: () => (1 + rnd()) * 2 ** Math.floor(rnd() * 200 - 100) },
  { op: 'fexp', unary: true, ulps: 4, a: () => rnd() * 160 - 80 },
  { op: 'fexp2', unary: true, ulps: 4, a: () => rnd() * 240 - 120 },
  { op: 'flog', unary: true, ulps: 4, a: () => (1 + rnd()) * 2 ** Math.floor(rnd() * 200 - 100) },
  { op: 'flog2', unary: true, ulps: 4, a: () => (1 + rnd()) * 2 ** Math.floor(rnd() * 200 - 100) },
  { op: 'fpow', ulps: 4, a: () => 0.1 + rnd() * 10, b: () => rnd() * 3 - 1.5 },
  { op: 'fsin', unary: true, ulps: 4, a: () => rnd() * 200 - 100 },
  { op: 'fcos', unary: true, ulps: 4, a: () => rnd() * 200 - 100 },
  // The whole f32 range (Payne–Hanek reduction from |x| = 1024): every exponent from 2^-10 to 2^127.
  { op: 'fsin', what: 'the whole f32 range', unary: true, ulps: 4, a: () => (rnd() < 0.5 ? -1 : 1) * (1 + rnd()) * 2 ** Math.floor(rnd() * 138 - 10) },
  { op: 'fcos', what: 'the whole f32 range', unary: true, ulps: 4, a: () => (rnd() < 0.5 ? -1 : 1) * (1 + rnd()) * 2 ** Math.floor(rnd() * 138 - 10) },
  // The Math functions added for issue 15 (bounds measured here; docs/backend-v3d.md, "Accuracy").
  { op: 'ftan', unary: true, ulps: 4, a: () => rnd() * 200 - 100 },
  { op: 'ftan', what: 'the whole f32 range', unary: true, ulps: 4, a: () => (rnd() < 0.5 ? -1 : 1) * (1 + rnd()) * 2 ** Math.floor(rnd() * 138 - 10) },
  { op: 'fatan', unary: true, ulps: 2, a: () => (rnd() < 0.5 ? -1 : 1) * 2 ** (rnd() * 60 - 30) },
  { op: 'fasin', unary: true, ulps: 3, a: () => rnd() * 2 - 1 },
  { op: 'facos', unary: true, ulps: 3, a: () => rnd() * 2 - 1 },
  { op: 'fsinh', unary: true, ulps: 3, a: () => rnd() * 180 - 90 },
  { op: 'fcosh', unary: true, ulps: 3, a: () => rnd() * 180 - 90 },
  { op: 'ftanh', unary: true, ulps: 3, a: () => (rnd() < 0.5 ? -1 : 1) * 2 ** (rnd() * 30 - 25) },
  { op: 'fsign', unary: true, ulps: 0, a: () => rnd() * 4 - 2 },
  { op: 'fcbrt', unary: true, ulps: 2, a: () => (rnd() < 0.5 ? -1 : 1) * 2 ** (rnd() * 200 - 100) },
  { op: 'fexpm1', unary: true, ulps: 2, a: () => rnd() * 100 - 50 },
  { op: 'flog1p', unary: true, ulps: 3, a: () => (rnd() < 0.3 ? rnd() * 2 - 0.999 : 2 ** (rnd() * 60 - 30)) },
  { op: 'flog10', unary: true, ulps: 2, a: () => 2 ** (rnd() * 200 - 100) },
  { op: 'fatan2', ulps: 2, a: () => (rnd() < 0.5 ? -1 : 1) * 2 ** (rnd() * 40 - 20), b: () => (rnd() < 0.5 ? -1 : 1) * 2 ** (rnd() * 40 - 20) },
  // f32 % is exact (fmod): wide magnitudes (quotients up to 2^250) and small ones (quotients near integers).
  { op: 'frem', ulps: 0, a: () => (rnd() < 0.5 ? (rnd() < 0.5 ? -1 : 1) * 2 ** (rnd() * 250 - 125) : Math.floor(rnd() * 2000 - 1000) * 0.75 + (rnd() < 0.5 ? 0 : rnd() * 1e-3)), b: () => (rnd() < 0.5 ? (rnd() < 0.5 ? -1 : 1) * 2 ** (rnd() * 250 - 125) : rnd() < 0.5 ? 0.75 : -(rnd() * 20)) },
  { op: 'fhypot', ulps: 2, a: () => (rnd() < 0.5 ? -1 : 1) * 2 ** (rnd() * 200 - 100), b: () => (rnd() < 0.5 ? -1 : 1) * 2 ** (rnd() * 200 - 100) },
];

for (const c of F32_CASES) {
  test(`${c.op}${c.what ? ` on ${c.what}` : ''}: every target's expansion is within ${c.ulps} ulp of the op (specials exact)`, (t) => {
    const a = new Float32Array(N).map((_, i) => (i < FLOAT_SPECIALS.length ? (FLOAT_SPECIALS[i] as number) : c.a()));
    const b = new Float32Array(N).map((_, i) => (i < FLOAT_SPECIALS.length ** 2 ? (FLOAT_SPECIALS[Math.floor(i / FLOAT_SPECIALS.length)] as number) : (c.b ?? c.a)()));
    const make = (n: number) => new Float32Array(n);
    const text = kernel(c.op, 'f32', c.unary);
    const want = run(text, undefined, a, b, make);
    for (const target of TARGET_NAMES) {
      const got = run(text, target, a, b, make);
      // The QPU float ALU flushes denormals; the interpreter does not: compare normal results.
      const bad = [...want.keys()].find((i) => {
        if (c.domain && !c.domain(a[i] as number)) return false;
        const w = want[i] as number;
        return (Math.abs(w) >= 2 ** -126 || w === 0 || !Number.isFinite(w)) && ulps(w, got[i] as number) > c.ulps;
      });
      t.is(bad, undefined, bad === undefined ? '' : `${target}: ${c.op}(${a[bad]}, ${b[bad]}) = ${want[bad]}, expansion gave ${got[bad]}`);
    }
  });
}

/**
 * out[i] = X(a[i]) * Y(b[i]) on u32, X and Y each given as IR lines defining %20 (from %5) and %30 (from %7): the
 * vc4 multiply expansion leaves out the 24-bit pieces it knows to be zero (expand-int.ts below24).
 */
function maskedMul(x: string, y: string): string {
  return `func K.f(out %0: ptr<u32>, a %1: ptr<u32>, b %2: ptr<u32>) {
b0:
  %3: u32 varying = global_id
  %4: ptr<u32> varying = gep %1, %3
  %5: u32 varying = load %4
  %6: ptr<u32> varying = gep %2, %3
  %7: u32 varying = load %6
${x}
${y}
  %8: u32 varying = mul %20, %30
  %9: ptr<u32> varying = gep %0, %3
  store %9, %8
  ret
}
`;
}

const MASKED_OPERANDS: { what: string; x: string; y: string; umul24: number }[] = [
  { what: 'two byte-masked values', x: '  %21: u32 = const 16711935\n  %20: u32 varying = and %5, %21', y: '  %31: u32 = const 65280\n  %30: u32 varying = and %7, %31', umul24: 1 },
  { what: 'a 24-bit mask and a constant below 2^24', x: '  %21: u32 = const 16777215\n  %20: u32 varying = and %21, %5', y: '  %30: u32 = const 5046301', umul24: 1 },
  { what: 'a shift by 8 and a select of masked values', x: '  %21: u32 = const 8\n  %20: u32 varying = shr %5, %21', y: '  %31: u32 = const 255\n  %32: u32 varying = and %7, %31\n  %33: u32 varying = and %5, %31\n  %34: bool varying = cmp %5, %7 [pred=lt]\n  %30: u32 varying = select %34, %32, %33', umul24: 1 },
  { what: 'an unsigned min with a small constant, and a full value', x: '  %21: u32 = const 1000\n  %20: u32 varying = min %5, %21', y: '  %30: u32 varying = add %7, %7', umul24: 2 },
  // Not below 2^24: a 25-bit mask, a shift by 7, a constant of 2^24, a signed min.
  { what: 'a 25-bit mask and a shift by 7 (both pieces kept)', x: '  %21: u32 = const 33554431\n  %20: u32 varying = and %5, %21', y: '  %31: u32 = const 7\n  %30: u32 varying = shr %7, %31', umul24: 3 },
  { what: 'the constant 2^24 and a value', x: '  %20: u32 = const 16777216', y: '  %30: u32 varying = add %7, %5', umul24: 3 },
];

for (const c of MASKED_OPERANDS) {
  test(`mul on u32 of ${c.what}: vc4 needs ${c.umul24} umul24, every target equals the op`, (t) => {
    const text = maskedMul(c.x, c.y);
    const [a0, b0] = intInputs('u32');
    // Values with high bits set, where dropping a piece would show.
    const a = Uint32Array.from(a0, (v, i) => (i % 3 === 0 ? (v | 0xff000000) >>> 0 : v));
    const b = Uint32Array.from(b0, (v, i) => (i % 5 === 0 ? (v | 0x81000000) >>> 0 : v));
    const make = (n: number) => new Uint32Array(n);
    const want = run(text, undefined, a, b, make);
    for (const target of TARGET_NAMES) {
      const got = run(text, target, a, b, make);
      const bad = want.findIndex((w, i) => w !== got[i]);
      t.is(bad, -1, `${target}: element ${bad}: ${got[bad]}, want ${want[bad]}`);
    }
    const lowered = lowerForTarget(parseFunction(text), TARGETS.vc4);
    t.is(lowered.blocks.flatMap((b) => b.instrs).filter((i) => i.op === 'umul24').length, c.umul24);
  });
}
