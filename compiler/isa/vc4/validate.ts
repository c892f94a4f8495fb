/**
 * Checks a single VideoCore IV instruction for combinations the hardware
 * cannot do or leaves undefined (ARG p.19, 25, 30–34, 37; vc4asm's validator
 * and the addendum, via shared/docs/vc4-isa-notes.md §1, §7). Rules that span
 * several instructions live in the emulator's hazard checker.
 */
import type { Vc4AluInstr, Vc4Instr, Vc4WriteFields } from './instr.ts';
import {
  VC4_ADD_OPS, VC4_BRANCH_CONDS, VC4_CONDS, VC4_MUL_OPS, VC4_MUXES, VC4_PACK_MUL, VC4_REGS, VC4_SIGNALS, REG_NOP,
  SMI_ROTATE_BASE, type RegRole,
} from './table.ts';

const inRange = (v: number, lo: number, hi: number): boolean => Number.isInteger(v) && v >= lo && v <= hi;

function role(ws: boolean, mul: boolean, addr: number): RegRole {
  const bSpace = mul !== ws;
  return (bSpace ? VC4_REGS.writeB : VC4_REGS.writeA)[addr]?.role ?? 'undefined';
}
function wname(ws: boolean, mul: boolean, addr: number): string {
  return ((mul !== ws) ? VC4_REGS.writeB : VC4_REGS.writeA)[addr]?.name ?? String(addr);
}

function writeChecks(i: Vc4WriteFields, out: string[], addUsed: boolean, mulUsed: boolean): void {
  if (!inRange(i.waddrAdd, 0, 63)) out.push(`waddr_add ${i.waddrAdd} is not 0–63`);
  if (!inRange(i.waddrMul, 0, 63)) out.push(`waddr_mul ${i.waddrMul} is not 0–63`);
  if (!inRange(i.pack, 0, 15)) out.push(`pack ${i.pack} is not 0–15`);
  if (!VC4_CONDS.some((c) => c.name === i.condAdd)) out.push(`unknown add condition '${i.condAdd}'`);
  if (!VC4_CONDS.some((c) => c.name === i.condMul)) out.push(`unknown mul condition '${i.condMul}'`);
  if (i.pm && !VC4_PACK_MUL.some((p) => p.code === i.pack)) out.push(`mul pack mode ${i.pack} (pm = 1) is reserved`);
  const addW = addUsed && i.waddrAdd !== REG_NOP && i.condAdd !== 'never';
  const mulW = mulUsed && i.waddrMul !== REG_NOP && i.condMul !== 'never';
  if (addW && mulW && i.waddrAdd === i.waddrMul && i.waddrAdd >= 32) {
    // Both ALUs writing one accumulator or I/O register is undefined [ARG p.19]; vc4asm allows inverse conditions only.
    const inverse = (a: string, b: string): boolean => ['zs:zc', 'ns:nc', 'cs:cc'].some((p) => p === `${a}:${b}` || p === `${b}:${a}`);
    const r = role(i.ws, false, i.waddrAdd);
    if (!inverse(i.condAdd, i.condMul) || (r !== 'acc' && r !== 'r5quad' && r !== 'r5rep')) {
      out.push(`both ALUs write ${wname(i.ws, false, i.waddrAdd)}: undefined unless conditions are inverse (and never for peripherals)`);
    }
  }
  // At most one of: TMU write, SFU write, TLB access per instruction [ARG p.25, 37].
  const roles = [addW ? role(i.ws, false, i.waddrAdd) : undefined, mulW ? role(i.ws, true, i.waddrMul) : undefined];
  const units = roles.filter((r) => r === 'tmu' || r === 'sfu' || r === 'tlb');
  if (units.length > 1) out.push(`more than one TMU/SFU/TLB access in one instruction (${units.join(', ')})`);
  if (roles[0] === 'vpm_setup' && roles[1] === 'vpm_setup') {
    out.push('vr_setup and vw_setup written in one instruction [VC4 addendum]');
  }
}

function aluChecks(i: Vc4AluInstr, out: string[]): void {
  if (!VC4_SIGNALS.some((s) => s.name === i.sig)) out.push(`unknown signal '${i.sig}'`);
  if (!VC4_ADD_OPS.some((o) => o.name === i.opAdd)) out.push(`unknown add op '${i.opAdd}'`);
  if (!VC4_MUL_OPS.some((o) => o.name === i.opMul)) out.push(`unknown mul op '${i.opMul}'`);
  for (const m of [i.addA, i.addB, i.mulA, i.mulB]) if (!(VC4_MUXES as readonly string[]).includes(m)) out.push(`unknown input mux '${m}'`);
  if (!inRange(i.unpack, 0, 7)) out.push(`unpack ${i.unpack} is not 0–7`);
  if (!inRange(i.raddrA, 0, 63)) out.push(`raddr_a ${i.raddrA} is not 0–63`);
  if (!inRange(i.raddrB, 0, 63)) out.push(`raddr_b / small immediate ${i.raddrB} is not 0–63`);
  const addUsed = i.opAdd !== 'nop';
  const mulUsed = i.opMul !== 'nop';
  writeChecks(i, out, addUsed, mulUsed);
  const muxes = [...(addUsed ? [i.addA, i.addB] : []), ...(mulUsed ? [i.mulA, i.mulB] : [])];
  if (i.sig === 'smi' && i.raddrB >= SMI_ROTATE_BASE) {
    if (!mulUsed) out.push('vector rotation (small immediate ≥ 48) without a mul op has no effect');
    else if (![i.mulA, i.mulB].every((m) => m === 'r0' || m === 'r1' || m === 'r2' || m === 'r3' || m === 'rb')) {
      // Only accumulators r0–r3 rotate across the full vector; r4 and regfile A rotate within quads [ADD, PVC rotate tests].
      out.push('full vector rotation needs mul inputs from r0–r3');
    }
  }
  if (i.pm && i.pack !== 0 && !mulUsed) out.push('mul pack (pm = 1) without a mul op');
  if (!i.pm && i.unpack !== 0 && !muxes.includes('ra')) out.push('regfile A unpack without a regfile A operand');
  if (i.pm && i.unpack !== 0 && !muxes.includes('r4')) out.push('r4 unpack without an r4 operand');
  if (i.sf && !addUsed && !mulUsed) out.push('.setf without an add or mul op');
  // TMU write, SFU write or TLB access together with a signal that loads r4 or the TMU [ARG p.25, PVC checker].
  const r4Sig = VC4_SIGNALS.find((s) => s.name === i.sig)?.r4 ?? false;
  const rA = (addUsed && i.condAdd !== 'never') ? role(i.ws, false, i.waddrAdd) : undefined;
  const rM = (mulUsed && i.condMul !== 'never') ? role(i.ws, true, i.waddrMul) : undefined;
  if (r4Sig && [rA, rM].some((r) => r === 'tmu' || r === 'sfu')) out.push(`signal '${i.sig}' together with a TMU or SFU write`);
  const reads = new Set<RegRole>();
  if (muxes.includes('ra') || i.raddrA !== REG_NOP) reads.add(VC4_REGS.readA[i.raddrA]?.role ?? 'undefined');
  if (i.sig !== 'smi' && (muxes.includes('rb') || i.raddrB !== REG_NOP)) reads.add(VC4_REGS.readB[i.raddrB]?.role ?? 'undefined');
  if (reads.has('vpm') && [rA, rM].includes('vpm_setup')) out.push('VPM read combined with a VPM setup write [VC4 addendum]');
}

/**
 * Problems with one instruction, as messages; empty when it is a valid,
 * meaningful combination.
 */
export function validateVc4(instr: Vc4Instr): string[] {
  const out: string[] = [];
  switch (instr.kind) {
    case 'alu':
      aluChecks(instr, out);
      break;
    case 'ldi':
    case 'sem': {
      writeChecks(instr, out, true, true);
      if (instr.kind === 'ldi' && !inRange(instr.imm, 0, 0xffffffff)) out.push(`immediate ${instr.imm} is not a 32-bit unsigned value`);
      if (instr.kind === 'sem') {
        if (!inRange(instr.semaphore, 0, 15)) out.push(`semaphore ${instr.semaphore} is not 0–15`);
        if (!inRange(instr.high, 0, 2 ** 27 - 1)) out.push('semaphore bits 31:5 out of range');
        // The semaphore instruction's destinations must not name TLB, TMU or SFU [ARG p.33].
        for (const [mul, addr] of [[false, instr.waddrAdd], [true, instr.waddrMul]] as const) {
          const r = role(instr.ws, mul, addr);
          if (r === 'tlb' || r === 'tmu' || r === 'sfu') out.push(`semaphore instruction writes ${wname(instr.ws, mul, addr)} (TLB/TMU/SFU not allowed)`);
        }
      }
      break;
    }
    case 'branch':
      if (!VC4_BRANCH_CONDS.some((c) => c.name === instr.cond)) out.push(`unknown branch condition '${instr.cond}'`);
      if (!inRange(instr.raddrA, 0, 31)) out.push(`branch register ra${instr.raddrA} is not ra0–ra31`);
      if (!inRange(instr.waddrAdd, 0, 63) || !inRange(instr.waddrMul, 0, 63)) out.push('link address out of range 0–63');
      if (!inRange(instr.imm, -(2 ** 31), 2 ** 31 - 1)) out.push('branch offset is not a signed 32-bit value');
      if (instr.imm % 8 !== 0) out.push(`branch offset ${instr.imm} is not a multiple of 8 (instructions are 8 bytes)`);
      if (!instr.reg && instr.raddrA !== 0) out.push('raddr_a set on a branch that adds no register (odd values set flags [VC4 addendum])');
      if (!inRange(instr.unused, 0, 15)) out.push('unused bits 59:56 out of range');
      break;
  }
  return out;
}
