// The static VC4 program checker names the rule when a compiled program is broken on purpose — the same rule id the
// emulator's dynamic checker reports. (That it is quiet on correct code is checked on every compile: the backend runs
// it on each kernel and fails on an error, so the e2e and differential suites cover it.) The broken programs are
// the compiled saxpy with one word changed in the way each rule of shared/docs/vc4-isa-notes.md §7 forbids.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../../../../compiler/compile.ts';
import { decodeVc4, encodeVc4 } from '../../../../compiler/isa/vc4/encode.ts';
import { checkVc4Program } from '../../../../compiler/isa/vc4/check.ts';
import { VC4_HAZARD_RULES } from '../../../../compiler/isa/vc4/rules.ts';
import type { Vc4AluInstr, Vc4Instr } from '../../../../compiler/isa/vc4/instr.ts';
import { vc4Nop } from '../../../../compiler/isa/vc4/instr.ts';
import { Runtime } from '../../../../runtime/index.ts';

const SAXPY = fileURLToPath(new URL('../../../../kernels/saxpy.ts', import.meta.url));

function program(code: Uint8Array): Vc4Instr[] {
  const dv = new DataView(code.buffer, code.byteOffset, code.byteLength);
  return Array.from({ length: code.length / 8 }, (_, k) => decodeVc4(dv.getBigUint64(8 * k, true)));
}
function bytes(instrs: Vc4Instr[]): Uint8Array {
  const out = new Uint8Array(instrs.length * 8);
  const dv = new DataView(out.buffer);
  instrs.forEach((ins, k) => dv.setBigUint64(8 * k, encodeVc4(ins), true));
  return out;
}
const clone = <T>(x: T): T => structuredClone(x);
/** `mov dst, src` on the add ALU (an `or` of one operand with itself), dst in A space, src through mux `m`. */
function mov(waddr: number, m: Vc4AluInstr['addA'], raddrA = 39, raddrB = 39): Vc4AluInstr {
  return { ...vc4Nop(), opAdd: 'or', condAdd: 'always', waddrAdd: waddr, addA: m, addB: m, raddrA, raddrB };
}
const has = (issues: ReturnType<typeof checkVc4Program>, rule: string, index: number) => issues.some((i) => i.rule === rule && i.index === index);

const saxpy = () => compileFile(SAXPY, { target: 'vc4' }).kernels[0]!;

test('vc4: the compiled saxpy breaks no rule, and each rule is reported where a program is broken on purpose', (t) => {
  const code = program(saxpy().code);
  t.deepEqual(checkVc4Program(code).filter((i) => i.severity === 'error'), []);
  const b = code.findIndex((i) => i.kind === 'branch');
  const end = code.findIndex((i) => i.kind === 'alu' && i.sig === 'thrend');
  t.true(b > 0 && end > 0);
  const p = 2; // an ALU position early in the program, rewritten below

  // Regfile write at p, read of the same register at p + 1 (no forwarding).
  const raw = clone(code);
  raw[p] = mov(5, 'r0');
  raw[p + 1] = mov(39, 'ra', 5);
  t.true(has(checkVc4Program(raw), 'regfile-read-after-write', p + 1));
  // ... but not two instructions later.
  const raw2 = clone(raw);
  raw2[p + 1] = vc4Nop();
  raw2[p + 2] = mov(39, 'ra', 5);
  t.false(checkVc4Program(raw2).some((i) => i.rule === 'regfile-read-after-write' && i.index === p + 2));
  // A write in B space (waddr with ws) read through the B port right after.
  const rawB = clone(code);
  rawB[p] = { ...mov(7, 'r0'), ws: true };
  rawB[p + 1] = mov(39, 'rb', 39, 7);
  t.true(has(checkVc4Program(rawB), 'regfile-read-after-write', p + 1));

  // SFU write (recip, waddr 52) at p, r4 read at p + 1 and p + 2; fine at p + 3.
  for (const gap of [1, 2, 3]) {
    const sfu = clone(code);
    sfu[p] = mov(52, 'r0');
    for (let s = 1; s < gap; s++) sfu[p + s] = vc4Nop();
    sfu[p + gap] = mov(32, 'r4');
    t.is(has(checkVc4Program(sfu), 'sfu-r4-too-soon', p + gap), gap <= 2, `gap ${gap}`);
  }

  // Rotation of r0 right after writing r0 (mul ALU v8min r0, r0 with the rotate-by-1 small immediate).
  const rot = clone(code);
  rot[p] = mov(32, 'r1');
  rot[p + 1] = { ...vc4Nop(), sig: 'smi', raddrB: 49, opMul: 'v8min', condMul: 'always', waddrMul: 33, mulA: 'r0', mulB: 'r0' };
  t.true(has(checkVc4Program(rot), 'rotate-after-write', p + 1));

  // A branch and a thread end in a branch's delay slots.
  const br = clone(code);
  br[b + 2] = clone(code[b]!);
  t.true(has(checkVc4Program(br), 'branch-in-delay-slot', b + 2));
  const ts = clone(code);
  ts[b + 1] = { ...vc4Nop(), sig: 'thrend' };
  t.true(has(checkVc4Program(ts), 'thread-switch-in-delay-slot', b + 1));

  // thrend writing a regfile location; a uniform read in an end slot.
  const te = clone(code);
  te[end] = { ...mov(3, 'r0'), sig: 'thrend' };
  t.true(has(checkVc4Program(te), 'thrend-regfile-write', end));
  const tu = clone(code);
  tu[end + 1] = mov(39, 'ra', 32);
  t.true(has(checkVc4Program(tu), 'after-thrend-access', end + 1));

  // uniforms_address write (A space 40) then a uniform read at the next instruction.
  const ua = clone(code);
  ua[p] = mov(40, 'r0');
  ua[p + 1] = mov(33, 'ra', 32);
  t.true(has(checkVc4Program(ua), 'uniform-after-unif-addr', p + 1));

  // tmu_noswap write (36) then a TMU write (t0s, 56) right after.
  const ns = clone(code);
  ns[p] = mov(36, 'r0');
  ns[p + 1] = mov(56, 'r0');
  t.true(has(checkVc4Program(ns), 'tmu-noswap-too-late', p + 1));

  // A VPM setup write and a VPM write in one instruction (add → vr_setup 49 in A space, mul → vpm 48 in B space).
  const vs = clone(code);
  vs[p] = { ...mov(49, 'r0'), opMul: 'v8min', condMul: 'always', waddrMul: 48, mulA: 'r0', mulB: 'r0' };
  t.true(has(checkVc4Program(vs), 'vpm-setup-misuse', p));

  // No host_int write anywhere: a warning at the end.
  const nh = code.map((i) => (i.kind !== 'branch' && (i.waddrAdd === 38 || i.waddrMul === 38) ? vc4Nop() : i));
  t.true(checkVc4Program(nh).some((i) => i.rule === 'no-host-interrupt' && i.severity === 'warning'));

  for (const prog of [raw, rawB, rot, br, ts, te, tu, ua, ns, vs, nh]) {
    for (const i of checkVc4Program(prog)) t.is(i.severity, VC4_HAZARD_RULES[i.rule]);
  }
});

test('vc4: across a branch, a regfile write in the last delay slot is too close to a read at the target', (t) => {
  const code = program(saxpy().code);
  const b = code.findIndex((i) => i.kind === 'branch' && !i.reg);
  const br = code[b] as Extract<Vc4Instr, { kind: 'branch' }>;
  const target = (b + 4) + br.imm / 8;
  t.true(Number.isInteger(target) && target >= 0 && target < code.length && target !== b + 4);
  const broken = clone(code);
  broken[b + 3] = mov(9, 'r0');
  broken[target] = mov(39, 'ra', 9);
  t.true(has(checkVc4Program(broken), 'regfile-read-after-write', target));
});

test("vc4: the emulator's dynamic checker reports the same rule id on the same broken program", async (t) => {
  const k = saxpy();
  const code = program(k.code);
  const p = 2;
  const broken = clone(code);
  // A regfile read right after its write, in straight-line code every QPU runs.
  broken[p] = mov(5, 'r0');
  broken[p + 1] = mov(39, 'ra', 5);
  const rule = checkVc4Program(broken).find((i) => i.severity === 'error')?.rule;
  t.is(rule, 'regfile-read-after-write');
  const rt = await Runtime.open({ backend: 'emulator', target: 'vc4', log: () => {}, emulator: { hazards: 'warn' } });
  try {
    const x = rt.alloc(Float32Array, 16);
    const args = [16, 2, rt.addressOf(x), rt.addressOf(x)];
    const words = Uint32Array.from(k.uniforms.map((s) => (s.kind === 'param' ? args[s.index]! : s.kind === 'numQpus' ? 1 : s.kind === 'globalCount' ? 16 : s.kind === 'const' ? s.value : 0)));
    const r = await rt.launchRaw({ code: bytes(broken), uniforms: words }, { qpus: 1 });
    t.true(r.hazards.some((h) => h.rule === rule), JSON.stringify(r.hazards.map((h) => h.rule)));
  } finally {
    rt.close();
  }
});
