/**
 * Generated instruction functions (codegen.ts) against the interpreter's
 * closures (compile.ts) on seeded random ALU instructions and random QPU
 * states: registers, accumulators, flags, hazard notes and the I/O side
 * effects must come out identical (or both runs fail with the same message).
 */
import test from 'ava';
import type { Vc4AluInstr, Vc4Cond, Vc4Mux, Vc4Signal } from '../../../../compiler/isa/vc4/instr.ts';
import { VC4_ADD_OPS, VC4_CONDS, VC4_MUL_OPS } from '../../../../compiler/isa/vc4/table.ts';
import { generateAlu } from '../../../../runtime/emulator/vc4/codegen.ts';
import { compileVc4 } from '../../../../runtime/emulator/vc4/compile.ts';
import { SIMD } from '../../../../runtime/emulator/vc4/simd.ts';
import { GpuMemory } from '../../../../runtime/emulator/vc4/memory.ts';
import { Qpu, ROW, Vc4Shared } from '../../../../runtime/emulator/vc4/qpu.ts';

const BASE = 0xc0000000;
const MUXES: Vc4Mux[] = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'ra', 'rb'];
// Register file and accumulator writes mostly, plus I/O writes (VPM setups, DMA addresses, the mutex; r5 quad/rep falls back).
const WADDRS = [0, 1, 2, 5, 14, 31, 32, 33, 34, 35, 36, 37, 38, 39, 39, 48, 49, 50, 51, 52, 53, 56, 60];
// Reads: registers, and I/O reads with and without side effects (uniform pop, element / QPU number, nop).
const RADDRS = [0, 1, 3, 7, 14, 31, 32, 38, 39, 39, 49, 50];
const SIGNALS: Vc4Signal[] = ['none', 'none', 'none', 'smi', 'smi', 'thrend', 'ldtmu0', 'bkpt'];

/** xorshift32: a seeded stream of unsigned words. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return x >>> 0;
  };
}

function pick<T>(next: () => number, xs: readonly T[]): T {
  return xs[next() % xs.length] as T;
}

function randomInstr(next: () => number): Vc4AluInstr {
  const sig = pick(next, SIGNALS);
  return {
    kind: 'alu', sig, unpack: 0, pm: next() % 2 === 0, pack: 0,
    condAdd: pick(next, VC4_CONDS).name as Vc4Cond, condMul: pick(next, VC4_CONDS).name as Vc4Cond,
    sf: next() % 2 === 0, ws: next() % 2 === 0, waddrAdd: pick(next, WADDRS), waddrMul: pick(next, WADDRS),
    opAdd: pick(next, VC4_ADD_OPS).name, opMul: pick(next, VC4_MUL_OPS).name,
    raddrA: pick(next, RADDRS), raddrB: sig === 'smi' ? next() % 48 : pick(next, RADDRS),
    addA: pick(next, MUXES), addB: pick(next, MUXES), mulA: pick(next, MUXES), mulB: pick(next, MUXES),
  };
}

/** A register word of row kind `kind`: floats of nearby exponents (sums that round), specials, small integers (valid TMU addresses), anything. */
function randomWord(next: () => number, kind: number): number {
  const x = next();
  switch (kind === 5 ? x % 6 : kind) {
    case 0: return (0x3f000000 + (next() % 0x02000000)) ^ (x & 64 ? 0x80000000 : 0);
    case 1: return pick(next, [0, 0x80000000, 1, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001, 0x7f7fffff, 0x00800000]);
    case 2: return next() % 64;
    default: return next();
  }
}

/** Two QPUs in the same random state (memory holds uniforms and TMU data). */
function twins(next: () => number): [Qpu, Qpu] {
  const kinds = Array.from({ length: ROW.PORT_A }, () => next() % 6);
  const seedWords = Array.from({ length: ROW.PORT_A * 16 }, (_, k) => randomWord(next, kinds[k >> 4] as number));
  const flags = Array.from({ length: 48 }, () => next() & 1);
  const make = (): Qpu => {
    const bytes = new Uint8Array(0x1000);
    for (let k = 0; k < bytes.length; k++) bytes[k] = (k * 37) & 255;
    const q = new Qpu(0, new Vc4Shared(new GpuMemory(bytes, BASE)), BASE, BASE + 0x100);
    q.R.set(seedWords);
    q.flags.set(flags);
    // One TMU result outstanding, so ldtmu0 has something to pop.
    q.R.fill(BASE + 0x200, ROW.MUL_RES * 16, ROW.MUL_RES * 16 + 16);
    q.writeIo('tmu', false, 't0s', ROW.MUL_RES, true);
    q.R.set(seedWords.slice(ROW.MUL_RES * 16, ROW.MUL_RES * 16 + 16), ROW.MUL_RES * 16);
    return q;
  };
  return [make(), make()];
}

/** The architectural state an instruction can change. */
function state(q: Qpu): unknown {
  return {
    regs: Array.from(q.R.subarray(0, ROW.PORT_A * 16)), flags: Array.from(q.flags), notes: [q.wA, q.wB, q.accW],
    io: [q.hostInterrupt, q.noswap, q.unifPtr, q.endDelay, q.readyAt, q.tmuCount.join(), q.shared.flops, q.shared.bytesRead],
  };
}

function runOn(q: Qpu, exec: (q: Qpu) => void): string {
  q.wA = -1;
  q.wB = -1;
  q.accW = 0;
  try {
    exec(q);
    // Three finishes land SFU and ldtmu results in r4, so those writes are compared too.
    for (let k = 0; k < 3; k++) q.finish();
  } catch (e) {
    return `threw ${(e as Error).message}`;
  }
  return 'ok';
}

/** What must match: the state after a clean run; only the fault after a failed one (a fault ends the run). */
function outcome(q: Qpu, exec: (q: Qpu) => void): string {
  const r = runOn(q, exec);
  return r === 'ok' ? JSON.stringify(state(q)) : r;
}

test('generated code = interpreter on 3000 random ALU instructions', (t) => {
  const next = rng(0x5eed);
  let generated = 0;
  let faults = 0;
  for (let n = 0; n < 3000; n++) {
    const instr = randomInstr(next);
    const [a, b] = twins(next);
    if (!generateAlu(instr)) {
      a.release();
      b.release();
      continue;
    }
    generated++;
    const interp = compileVc4(BASE, instr, false);
    const gen = compileVc4(BASE, instr, true);
    const sa = outcome(a, interp.exec);
    const sb = outcome(b, gen.exec);
    a.release();
    b.release();
    if (sa.startsWith('threw')) faults++;
    if (sa !== sb) return t.fail(`instruction ${n}: ${JSON.stringify(instr)}\ninterpreter ${sa.slice(0, 300)}\ngenerated   ${sb.slice(0, 300)}`);
  }
  // Most random instructions must take the generated path, or the test proves little.
  t.true(generated > 2200, `${generated} generated`);
  t.true(faults < generated / 4, `${faults} faults`);
  t.log(`${generated} generated, ${faults} faulted in both`);
});

test('float multiply-adds in the WebAssembly SIMD kernels = interpreter, operand order, uniforms and specials included', (t) => {
  // fadd/fsub/fmul pairs written on every lane to registers (or one half to host_int), the shape simd.ts takes; random operand rows hold
  // specials too, so the finite check and the JavaScript fallback run as well.
  const next = rng(0xadd);
  const floatAdd = ['fadd', 'fsub', 'fadd', 'nop'] as const;
  const floatMul = ['fmul', 'fmul', 'nop'] as const;
  let simd = 0;
  for (let n = 0; n < 1500; n++) {
    const instr: Vc4AluInstr = {
      ...randomInstr(next), sig: next() % 4 === 0 ? 'ldtmu0' : 'none', sf: false, condAdd: 'always', condMul: 'always',
      opAdd: pick(next, floatAdd), opMul: pick(next, floatMul),
      waddrAdd: pick(next, [0, 1, 5, 31, 32, 33, 34, 35, 38]), waddrMul: pick(next, [0, 2, 5, 31, 32, 33, 34, 35, 38]),
      raddrA: pick(next, [0, 1, 5, 32]), raddrB: pick(next, [0, 2, 5, 32]),
    };
    const [a, b] = twins(next);
    if (b.simdBase >= 0) simd++;
    const sa = outcome(a, compileVc4(BASE, instr, false).exec);
    const sb = outcome(b, compileVc4(BASE, instr, true).exec);
    a.release();
    b.release();
    if (sa !== sb) return t.fail(`instruction ${n}: ${JSON.stringify(instr)}\ninterpreter ${sa.slice(0, 300)}\ngenerated   ${sb.slice(0, 300)}`);
  }
  t.not(SIMD, null);
  t.is(simd, 1500, 'every QPU here has its registers where the kernels reach them');
});

test('unpack, pack, rotation and r5 quad writes keep the interpreter', (t) => {
  const base = randomInstr(rng(3));
  const plain: Vc4AluInstr = { ...base, sig: 'none', opAdd: 'add', opMul: 'fmul', waddrAdd: 0, waddrMul: 1, raddrA: 0, raddrB: 0, unpack: 0, pack: 0 };
  t.truthy(generateAlu(plain));
  t.is(generateAlu({ ...plain, unpack: 1 }), null);
  t.is(generateAlu({ ...plain, pack: 3 }), null);
  t.is(generateAlu({ ...plain, sig: 'smi', raddrB: 50 }), null);
  t.is(generateAlu({ ...plain, ws: false, waddrAdd: 37, condAdd: 'always' }), null);
});
