import test from 'ava';
import { ALU_OPS } from '../../../../runtime/emulator/v3d/alu-ops.ts';
import { AluScratch, type OpContext } from '../../../../runtime/emulator/v3d/lanes.ts';

function ctx(over: Partial<OpContext> = {}): OpContext {
  return { flagA: new Uint8Array(16), flagB: new Uint8Array(16), rtop: new Uint32Array(16), tidx: 0, link: 0, exactSfu: false, nnMode: 0, ...over };
}

/** Run op `name` on lanes a/b (numbers are u32 bit patterns unless `float`); returns result lanes. */
function run(name: string, a: number[], b: number[] = [], opts: { float?: boolean; c?: OpContext } = {}): number[] {
  const op = ALU_OPS.get(name);
  if (!op) throw new Error(name);
  const s = new AluScratch();
  for (let i = 0; i < 16; i++) {
    const x = a[i % Math.max(a.length, 1)] ?? 0, y = b[i % Math.max(b.length, 1)] ?? 0;
    if (opts.float) { s.a.f[i] = x; s.b.f[i] = y; } else { s.a.u[i] = x >>> 0; s.b.u[i] = y >>> 0; }
  }
  op.exec(s, opts.c ?? ctx());
  return Array.from(op.floatOut || (opts.float && op.floatIn && op.floatOut) ? s.d.f : s.d.u);
}
const lane0 = (xs: number[]): number => xs[0] as number;

test('float → int conversions: ftoin half-even, ftoiz truncates, ftouz clamps x <= -1 to 0 (pv6 test_alu)', (t) => {
  t.deepEqual(run('ftoin', [2.5, 3.5, -2.5, 1.4], [], { float: true }).slice(0, 4).map((x) => x | 0), [2, 4, -2, 1]);
  t.deepEqual(run('ftoiz', [2.9, -2.9, -0.5, 7], [], { float: true }).slice(0, 4).map((x) => x | 0), [2, -2, 0, 7]);
  t.deepEqual(run('ftouz', [-1.5, -1, 3.99, 1e10], [], { float: true }).slice(0, 4), [0, 0, 3, 0xffffffff]);
});

test('fround is half-even, ftrunc toward zero, ffloor down, fceil up', (t) => {
  const xs = [2.5, -2.5, 1.5, -1.7];
  t.deepEqual(run('fround', xs, [], { float: true }).slice(0, 4), [2, -2, 2, -2]);
  t.deepEqual(run('ftrunc', xs, [], { float: true }).slice(0, 4), [2, -2, 1, -1]);
  t.deepEqual(run('ffloor', xs, [], { float: true }).slice(0, 4), [2, -3, 1, -2]);
  t.deepEqual(run('fceil', xs, [], { float: true }).slice(0, 4), [3, -2, 2, -1]);
});

test('itof / utof read int32 / uint32', (t) => {
  const r = (n: string, x: number): number => run(n, [x])[0] as number;
  t.is(r('itof', -5), -5);
  t.is(r('utof', -5), Math.fround(4294967291), 'rounded to the nearest f32');
  t.is(r('utof', 0x80000000), 2147483648);
});

test('shifts and rotates take the count modulo 32 (summation.py), clz(0) = 32', (t) => {
  t.is(lane0(run('shl', [1], [33])), 2);
  t.is(lane0(run('shr', [0x80000000], [63])), 1);
  t.is(lane0(run('asr', [0x80000000], [36])), 0xf8000000);
  t.is(lane0(run('ror', [0x12345678], [36])), 0x81234567);
  t.is(lane0(run('clz', [0])), 32);
  t.is(lane0(run('clz', [0x00010000])), 15);
});

test('24-bit multiplies use the low 24 bits; multop then umul24 gives the full low 32 bits', (t) => {
  t.is(lane0(run('umul24', [(1 << 24) + 3], [5])), 15);
  t.is(lane0(run('smul24', [0xffffff], [3])) | 0, -3);
  const c = ctx();
  const a = [0x12345678], b = [0x9abcdef1];
  run('multop', a, b, { c });
  t.is(lane0(run('umul24', a, b, { c })), Math.imul(0x12345678, 0x9abcdef1) >>> 0);
  // umul24 consumed rtop: a second umul24 is plain again.
  t.is(lane0(run('umul24', a, b, { c })), Math.imul(0x345678, 0xbcdef1) >>> 0);
});

test('integer min/max are signed, umin/umax unsigned; add/sub wrap', (t) => {
  t.is(lane0(run('min', [-1], [1])) | 0, -1);
  t.is(lane0(run('umin', [-1], [1])), 1);
  t.is(lane0(run('max', [-1], [1])), 1);
  t.is(lane0(run('umax', [-1], [1])), 0xffffffff);
  t.is(lane0(run('add', [0xffffffff], [2])), 1);
  t.is(lane0(run('sub', [0], [1])), 0xffffffff);
  t.is(lane0(run('neg', [5])) | 0, -5);
});

test('packed 16-bit ops: vadd/vsub wrap per half, vfpack puts f16(a) low and f16(b) high', (t) => {
  t.is(lane0(run('vadd', [0x0001ffff], [0x00020001])), 0x00030000);
  t.is(lane0(run('vsub', [0x00000000], [0x00010001])), 0xffffffff);
  t.is(lane0(run('vfpack', [1.0], [2.0], { float: true })), 0x40003c00);
  // vfmul per half: (1.5, 2) * (2, -3) = (3, -6) → 0x4200 | 0xc600 << 16.
  t.is(lane0(run('vfmul', [0x40003e00], [0xc2004000])), 0xc6004200);
});

test('fdx / fdy take differences inside 2x2 quads (pv6 test_alu)', (t) => {
  const x = Array.from({ length: 16 }, (_, i) => i * i);
  const fdx = run('fdx', x, [], { float: true });
  const fdy = run('fdy', x, [], { float: true });
  for (let i = 0; i < 16; i++) {
    const k = i & ~1;
    t.is(fdx[i], (k + 1) ** 2 - k ** 2);
    const q = i & ~3, j = i & 1;
    t.is(fdy[i], (q + 2 + j) ** 2 - (q + j) ** 2);
  }
});

test('flag read-outs: vfla gives 0x00010001 where A is set, flapush shifts in 3 (pv6 test_cond_vflx/flx)', (t) => {
  const flagA = Uint8Array.from({ length: 16 }, (_, i) => i & 1);
  const c = ctx({ flagA });
  const v = run('vfla', [], [], { c });
  t.is(v[0], 0);
  t.is(v[1], 0x00010001);
  t.is(run('vflna', [], [], { c })[0], 0x00010001);
  const p = run('flapush', [5], [], { c });
  t.is(p[0], 20);
  t.is(p[1], 23);
  t.is(lane0(run('flpop', [23])), 5);
});

test('ids: eidx is the lane, tidx the QPU/slot', (t) => {
  t.deepEqual(run('eidx', []), Array.from({ length: 16 }, (_, i) => i));
  t.is(lane0(run('tidx', [], [], { c: ctx({ tidx: 13 }) })), 13);
});

test('SFU: approximations within pv6 rtol 1e-4 but not exact; exactSfu gives f32 results', (t) => {
  const xs = Array.from({ length: 16 }, (_, i) => 0.1 + i * 0.37);
  const exact = { recip: (x: number) => 1 / x, rsqrt: (x: number) => 1 / Math.sqrt(x), exp: (x: number) => 2 ** x, log: Math.log2 };
  for (const [name, fn] of Object.entries(exact)) {
    const approx = run(name, xs, [], { float: true });
    const ex = run(name, xs, [], { float: true, c: ctx({ exactSfu: true }) });
    let differs = false;
    for (let i = 0; i < 16; i++) {
      const want = fn(Math.fround(xs[i] as number));
      t.true(Math.abs((approx[i] as number) - want) <= 1e-4 * Math.abs(want), `${name}(${xs[i]})`);
      t.is(ex[i], Math.fround(want));
      if (approx[i] !== ex[i]) differs = true;
    }
    t.true(differs, `${name} approximates`);
  }
});

test('SFU sin takes units of pi and saturates to +-1 beyond |x| > 0.5 (pv6 test_sfu)', (t) => {
  const r = run('sin', [0.25, -0.25, 0.5, 0.7, -3], [], { float: true, c: ctx({ exactSfu: true }) });
  t.true(Math.abs((r[0] as number) - Math.SQRT1_2) < 1e-7);
  t.true(Math.abs((r[1] as number) + Math.SQRT1_2) < 1e-7);
  t.is(r[2], 1);
  t.is(r[3], 1);
  t.is(r[4], -1);
});

test('7.1 lane exchange: rot, rotq, shuffle, bcastf, ballot, alleq, allfeq (pv7 test_alu)', (t) => {
  const a = Array.from({ length: 16 }, (_, i) => 100 + i);
  t.deepEqual(run('rot', a, [3]), Array.from({ length: 16 }, (_, i) => 100 + ((i + 3) % 16)));
  t.deepEqual(run('rotq', a, [1]), Array.from({ length: 16 }, (_, i) => 100 + (i & ~3) + (((i & 3) + 1) & 3)));
  const idx = Array.from({ length: 16 }, (_, i) => (i * 5) % 16);
  t.deepEqual(run('shuffle', a, idx), idx.map((j) => 100 + j));
  t.deepEqual(run('bcastf', a), new Array(16).fill(100));
  t.is(lane0(run('ballot', [0, 1, 0, 7])), 0b1010101010101010);
  t.is(lane0(run('alleq', [5])), 1);
  t.is(lane0(run('alleq', a)), 0);
  t.is(lane0(run('allfeq', [0x80000000, 0])), 1, '-0 equals +0');
  t.is(lane0(run('alleq', [0x80000000, 0])), 0);
});

test('denormals flush to signed zero on float inputs and results (FLUSH_DENORMALS choice)', (t) => {
  const tiny = 1e-40; // an f32 denormal
  t.is(run('fadd', [tiny], [0], { float: true })[0], 0);
  t.true(Object.is(run('fadd', [-tiny], [-0], { float: true })[0], -0));
  // 2^-100 * 2^-30 underflows to a denormal result, flushed.
  t.is(run('fmul', [2 ** -100], [2 ** -30], { float: true })[0], 0);
  // A denormal input times a large number would be normal on a CPU; flushed input gives 0.
  t.is(run('fmul', [tiny], [2 ** 60], { float: true })[0], 0);
  t.is(run('fsub', [1.5 * 2 ** -126], [2 ** -126], { float: true })[0], 0, 'normal - normal = denormal, flushed');
  t.is(run('fadd', [1.5], [2.25], { float: true })[0], 3.75);
});

test('fmin/fmax: NaN loses to a number, -0 < +0 (documented choice)', (t) => {
  t.is(run('fmin', [NaN], [3], { float: true })[0], 3);
  t.is(run('fmax', [2], [NaN], { float: true })[0], 2);
  t.true(Object.is(run('fmin', [0], [-0], { float: true })[0], -0));
  t.true(Object.is(run('fmax', [-0], [0], { float: true })[0], 0));
});
