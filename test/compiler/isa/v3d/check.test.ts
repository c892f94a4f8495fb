// The static V3D program checker names the rule when a compiled program is broken on purpose — the same rule id
// the emulator's dynamic checker reports. (That it is quiet on correct code is checked on every compile: the
// backend runs it on each kernel and fails on an error, so the e2e and differential suites cover it.)
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../../../../compiler/compile.ts';
import { decodeInstr } from '../../../../compiler/isa/v3d/decode.ts';
import { encodeInstr } from '../../../../compiler/isa/v3d/encode.ts';
import { checkV3dProgram } from '../../../../compiler/isa/v3d/check.ts';
import { V3D_HAZARD_RULES } from '../../../../compiler/isa/v3d/rules.ts';
import type { V3dAluInstr, V3dInstr, V3dVersion } from '../../../../compiler/isa/v3d/instr.ts';
import { MAGIC } from '../../../../compiler/isa/v3d/instr.ts';
import { Runtime } from '../../../../runtime/index.ts';

const SAXPY = fileURLToPath(new URL('../../../../kernels/saxpy.ts', import.meta.url));

function program(code: Uint8Array, ver: V3dVersion): V3dInstr[] {
  const dv = new DataView(code.buffer, code.byteOffset, code.byteLength);
  return Array.from({ length: code.length / 8 }, (_, k) => decodeInstr(dv.getBigUint64(8 * k, true), ver));
}
function bytes(instrs: V3dInstr[], ver: V3dVersion): Uint8Array {
  const out = new Uint8Array(instrs.length * 8);
  const dv = new DataView(out.buffer);
  instrs.forEach((ins, k) => dv.setBigUint64(8 * k, encodeInstr(ins, ver), true));
  return out;
}
const clone = <T>(x: T): T => structuredClone(x);

for (const [target, ver] of [['vc6', 42], ['vc7', 71]] as const) {
  test(`${target}: a program broken on purpose is reported with the rule's id`, (t) => {
    const saxpy = compileFile(SAXPY, { target }).kernels[0]!;
    const code = program(saxpy.code, ver);
    const b = code.findIndex((i) => i.kind === 'branch');
    t.true(b >= 0);
    // A branch in a branch's delay slot (rule 1).
    const r1 = clone(code);
    r1[b + 1] = clone(code[b]!);
    t.true(checkV3dProgram(r1, ver).some((i) => i.rule === 'r1-branch-in-branch-slot' && i.index === b + 1));
    // A thrsw in a branch's delay slot (rule 2).
    const r2 = clone(code);
    const slot = r2[b + 2];
    if (slot?.kind === 'alu') slot.sig.thrsw = true;
    t.true(checkV3dProgram(r2, ver).some((i) => i.rule === 'r2-thrsw-in-branch-slot' && i.index === b + 2));
    // A uniform read in the slot after the ending thrsw (rule 8).
    const end = code.map((i) => i.kind === 'alu' && i.sig.thrsw).lastIndexOf(true);
    const r8 = clone(code);
    (r8[end + 1] as V3dAluInstr).sig.ldunif = true;
    const issues = checkV3dProgram(r8, ver);
    t.true(issues.some((i) => i.rule === 'r8-uniform-in-end-slot' && i.index === end + 1), JSON.stringify(issues));
    for (const i of [...issues, ...checkV3dProgram(r1, ver), ...checkV3dProgram(r2, ver)]) t.is(i.severity, V3D_HAZARD_RULES[i.rule]);
    if (ver === 42) {
      // 4.2: a write to the legacy SFU address in a thrsw slot (rule 9), then r4 read right after an SFU write (rule 10).
      const r9 = clone(code);
      const s9 = r9[end + 1] as V3dAluInstr;
      s9.add = { ...s9.add, op: 'or', a: { mux: 0, raddr: 0, unpack: 'none' }, b: { mux: 0, raddr: 0, unpack: 'none' }, waddr: MAGIC.RECIP, magic: true };
      t.true(checkV3dProgram(r9, ver).some((i) => i.rule === 'r9-sfu-in-thrsw-slot' && i.index === end + 1));
      const r10 = clone(r9);
      const s10 = r10[end + 2] as V3dAluInstr;
      s10.add = { ...s10.add, op: 'or', a: { mux: 4, raddr: 0, unpack: 'none' }, b: { mux: 4, raddr: 0, unpack: 'none' }, waddr: MAGIC.NOP, magic: true };
      t.true(checkV3dProgram(r10, ver).some((i) => i.rule === 'r10-r4-too-soon' && i.index === end + 2));
    }
  });

  test(`${target}: the emulator's dynamic checker reports the same rule id on the same broken program`, async (t) => {
    const saxpy = compileFile(SAXPY, { target }).kernels[0]!;
    const code = program(saxpy.code, ver);
    const end = code.map((i) => i.kind === 'alu' && i.sig.thrsw).lastIndexOf(true);
    const broken = clone(code);
    (broken[end + 1] as V3dAluInstr).sig.ldunif = true;
    const rule = checkV3dProgram(broken, ver).find((i) => i.severity === 'error')?.rule;
    t.is(rule, 'r8-uniform-in-end-slot');
    const rt = await Runtime.open({ backend: 'emulator', target, log: () => {}, emulator: { hazards: 'warn' } });
    try {
      const x = rt.alloc(Float32Array, 16);
      // saxpy(n, a, x, y): one batch over 16 elements; the uniforms in the kernel's own layout.
      const args = [16, 2, rt.addressOf(x), rt.addressOf(x)];
      // One spare word at the end: the injected ldunif reads a uniform past the kernel's own stream, and the
      // emulator checks the stream buffer at its exact size.
      const words = Uint32Array.from([...saxpy.uniforms.map((s) => (s.kind === 'param' ? args[s.index]! : s.kind === 'numQpus' ? 1 : s.kind === 'globalCount' ? 16 : s.kind === 'const' ? s.value : 0)), 0]);
      const r = await rt.launchRaw({ code: bytes(broken, ver), uniforms: words }, { qpus: 1 });
      t.true(r.hazards.some((h) => h.rule === rule), JSON.stringify(r.hazards.map((h) => h.rule)));
    } finally {
      rt.close();
    }
  });
}
