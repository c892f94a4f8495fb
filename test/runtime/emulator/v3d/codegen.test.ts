import test from 'ava';
import type { Cond, PushFlag, UpdateFlag, V3dVersion } from '../../../../compiler/isa/v3d/instr.ts';
import { ALU_OPS } from '../../../../runtime/emulator/v3d/alu-ops.ts';
import { generateAlu } from '../../../../runtime/emulator/v3d/codegen.ts';
import { compileInstr, type CompiledAlu } from '../../../../runtime/emulator/v3d/compile.ts';
import { GpuMemory } from '../../../../runtime/emulator/memory.ts';
import { QpuExecutor } from '../../../../runtime/emulator/v3d/qpu.ts';
import { ThreadState } from '../../../../runtime/emulator/v3d/thread.ts';
import { QpuClock, SharedTiming } from '../../../../runtime/emulator/v3d/timing.ts';
import { alu, type AluSpec, type PartSpec, type Src } from './builder.ts';
import { rng } from '../../../../compiler/testing/rng.ts';


/** Register contents that exercise the numerics: ints, normal floats, denormals, signed zeros, NaN, infinities, f16 pairs. */
const VALUES = [0, 1, 7, 0xffffffff, 0x80000000, 0x7fffffff, 0x3f800000, 0xbf800000, 0x3fc00000, 0x00000123, 0x80000456, 0x7f800000,
  0xff800000, 0x7fc00000, 0x00800000, 0x4b000001, 0x3c003800, 0xbc00c400, 0x12345678, 0xdeadbeef, 0x3effffff, 0x40490fdb];
const IMMS = [0, 1, 7, 15, -1, -16, 0x3f800000, 0x3e800000, 0x43000000];

function bitsEqual(x: number, y: number): boolean {
  // NaN payloads are not part of the semantics (notes 9: NaN handling unknown): any NaN matches any NaN.
  const nan = (b: number): boolean => (b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0;
  return x === y || (nan(x) && nan(y));
}

/**
 * Generated code and the interpreter are two implementations of one
 * semantics; they must agree on every lane-local op with every operand kind,
 * unpack, condition and flag update, including the pre-instruction read rule.
 */
test('generated instruction code matches the interpreter on random instructions of every lane-local op', (t) => {
  const rand = rng(12345);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const ops = [...ALU_OPS.values()].filter((o) => o.lane !== undefined);
  const conds: (Cond | undefined)[] = [undefined, undefined, 'ifa', 'ifb', 'ifna', 'ifnb'];
  const pushes: (PushFlag | undefined)[] = [undefined, undefined, 'pushz', 'pushn', 'pushc'];
  const updates: (UpdateFlag | undefined)[] = [undefined, undefined, undefined, 'andz', 'nornn', 'andnc', 'norc'];
  let compared = 0, generated = 0;
  for (let n = 0; n < 3000; n++) {
    const ver: V3dVersion = rand() < 0.5 ? 42 : 71;
    const src = (): Src => {
      const r = rand();
      if (r < 0.2) return pick(IMMS) >>> 0;
      if (ver === 42 && r < 0.5) return `r${Math.floor(rand() * 5)}`;
      return `rf${Math.floor(rand() * 6)}`;
    };
    const dst = (): string => {
      const r = rand();
      if (r < 0.1) return 'tmud';
      if (r < 0.15) return ver === 42 ? 'r5rep' : 'rep';
      if (ver === 42 && r < 0.5) return `r${Math.floor(rand() * 4)}`;
      return `rf${Math.floor(rand() * 6)}`;
    };
    const half = (): PartSpec | undefined => {
      if (rand() < 0.15) return undefined;
      const op = pick(ops);
      const a = src(), b = src();
      const abs = op.floatIn && rand() < 0.2;
      return [op.name, dst(), abs && typeof a === 'string' ? { s: a, u: 'abs' } : a, b];
    };
    const spec: AluSpec = { add: half(), mul: half(), flags: {} };
    const fl = spec.flags ?? {};
    if (spec.add) {
      const c = pick(conds), p = pick(pushes), u = p ? undefined : pick(updates);
      if (c) fl.ac = c;
      if (p) fl.apf = p;
      if (u) fl.auf = u;
    }
    if (spec.mul) {
      const c = pick(conds), p = pick(pushes), u = p ? undefined : pick(updates);
      if (c) fl.mc = c;
      if (p) fl.mpf = p;
      if (u) fl.muf = u;
    }
    if (rand() < 0.15) spec.sig = { ldunif: true };
    let instr;
    try {
      instr = alu(ver, spec);
    } catch {
      continue; // out of 4.2 register-file ports, two immediates: not encodable
    }
    const address = 0x1000;
    const interp = compileInstr(instr, address, ver) as CompiledAlu;
    const gen = compileInstr(instr, address, ver) as CompiledAlu;
    gen.run = generateAlu(gen);
    if (gen.run === null) continue;
    generated++;
    // Two identical threads and executors.
    const mem = new GpuMemory();
    const unif = new Uint8Array(16);
    new DataView(unif.buffer).setUint32(0, pick(VALUES), true);
    mem.map(0x2000, unif);
    const threads = [0, 1].map(() => new ThreadState(0, 0, 0, 0, address, 0x2000, false));
    const seedRegs = Array.from({ length: 70 * 16 }, () => pick(VALUES));
    const seedFlags = Array.from({ length: 32 }, () => (rand() < 0.5 ? 1 : 0));
    const seedRtop = Array.from({ length: 16 }, () => pick(VALUES));
    for (const th of threads) {
      th.regs.set(seedRegs);
      th.flagA.set(seedFlags.slice(0, 16));
      th.flagB.set(seedFlags.slice(16));
      th.rtop.set(seedRtop);
    }
    const [ti, tg] = threads as [ThreadState, ThreadState];
    new QpuExecutor(mem, ver, new SharedTiming()).step(ti, interp, new QpuClock());
    new QpuExecutor(mem, ver, new SharedTiming()).step(tg, gen, new QpuClock());
    const where = `instr ${n} (v${ver}) ${JSON.stringify(spec)}`;
    for (let k = 0; k < ti.regs.length; k++) {
      if (!bitsEqual(ti.regs[k] as number, tg.regs[k] as number)) {
        t.fail(`${where}: row ${k >> 4} lane ${k & 15}: interpreter 0x${(ti.regs[k] as number).toString(16)} generated 0x${(tg.regs[k] as number).toString(16)}`);
        return;
      }
    }
    t.deepEqual([...tg.flagA, ...tg.flagB], [...ti.flagA, ...ti.flagB], `${where}: flags`);
    t.deepEqual([...tg.rtop], [...ti.rtop], `${where}: rtop`);
    t.is(tg.tmu.dataCount, ti.tmu.dataCount, `${where}: tmud words`);
    for (let k = 0; k < ti.tmu.dataCount; k++) {
      const a = ti.tmu.data[k] as Uint32Array, b = tg.tmu.data[k] as Uint32Array;
      t.true([...a].every((x, i) => bitsEqual(x, b[i] as number)), `${where}: tmud word ${k}`);
    }
    compared++;
  }
  // Most random instructions must have gone through the generator (not all skipped).
  t.true(generated > 1500, `only ${generated} generated`);
  t.true(compared === generated);
});

test('instructions the generator does not cover fall back to the interpreter (cross-lane op, f16 unpack, pack, rotate)', (t) => {
  const c = (ver: V3dVersion, spec: AluSpec): CompiledAlu => compileInstr(alu(ver, spec), 0, ver) as CompiledAlu;
  t.is(generateAlu(c(42, { add: ['fdx', 'rf1', 'rf2'] })), null, 'fdx mixes lanes');
  t.is(generateAlu(c(71, { add: ['rot', 'rf1', 'rf2', 'rf3'] })), null, 'rot mixes lanes');
  t.is(generateAlu(c(42, { add: ['fadd', 'rf1', { s: 'rf2', u: 'l' }, 'rf3'] })), null, 'f16 unpack');
  t.is(generateAlu(c(42, { mul: ['fmul', { d: 'rf1', p: 'l' }, 'rf2', 'rf3'] })), null, 'f16 pack');
  t.is(generateAlu(c(42, { mul: ['mov', 'r1', 'r0'], rotate: 2 })), null, 'rotate signal');
  t.not(generateAlu(c(42, { add: ['fadd', 'rf1', 'rf2', 'rf3'], mul: ['fmul', 'r0', 'rf2', 'r1'] })), null);
});

test('f32 results at the denormal boundary: flushed exactly when they round below the smallest normal (both executors)', (t) => {
  // rf1 * rf2 with rf2 = 2^-126 (smallest normal, M): (1 - 2^-24) M is the midpoint M - 2^-150, whose tie rounds
  // up to M (kept); (1 - 2^-23) M is the largest denormal (flushed to +0); -(1 - 2^-24) M rounds to -M.
  const cases: [number, number][] = [[0x3f7fffff, 0x00800000], [0x3f7ffffe, 0x00000000], [0xbf7fffff, 0x80800000], [0xbf7ffffe, 0x80000000]];
  for (const [a, want] of cases) {
    for (const gen of [false, true]) {
      const c = compileInstr(alu(42, { mul: ['fmul', 'rf3', 'rf1', 'rf2'] }), 0, 42) as CompiledAlu;
      c.run = gen ? generateAlu(c) : null;
      const th = new ThreadState(0, 0, 0, 0, 0, 0, false);
      th.regs.fill(a >>> 0, 16, 32);
      th.regs.fill(0x00800000, 32, 48);
      new QpuExecutor(new GpuMemory(), 42, new SharedTiming()).step(th, c, new QpuClock());
      t.is(th.regs[48], want >>> 0, `${gen ? 'generated' : 'interpreter'}: 0x${a.toString(16)} * 2^-126`);
    }
  }
});

test('an instruction is interpreted until it ran HOT_AFTER times, then runs its generated code, with the same results across the switch', (t) => {
  for (const ver of [42, 71] as const) {
    // add rf1 = rf1 + rf2 (a counter), mul rf3 = rf1 (the value from before the instruction): each step's values are checked.
    const c = compileInstr(alu(ver, { add: ['add', 'rf1', 'rf1', 'rf2'], mul: ['mov', 'rf3', 'rf1'] }), 0, ver) as CompiledAlu;
    t.is(c.run, null);
    let generated = 0;
    c.heat = 3;
    c.generate = () => (generated++, generateAlu(c));
    const th = new ThreadState(0, 0, 0, 0, 0, 0, false);
    th.regs.fill(5, 32, 48);
    const ex = new QpuExecutor(new GpuMemory(), ver, new SharedTiming());
    for (let step = 1; step <= 6; step++) {
      ex.step(th, c, new QpuClock());
      t.is(generated, step >= 3 ? 1 : 0, `step ${step}: generated ${generated} times`);
      t.is(c.run === null, step < 3, `step ${step}`);
      t.deepEqual(Array.from(th.regs.subarray(16, 32)), Array(16).fill(5 * step), `step ${step}: rf1`);
      t.deepEqual(Array.from(th.regs.subarray(48, 64)), Array(16).fill(5 * (step - 1)), `step ${step}: rf3`);
    }
  }
});
