/**
 * Per-instruction validity rules beyond "has an encoding": what the hardware
 * cannot do or what Mesa's validator rejects within one instruction (notes
 * sections 4-6 and 12; semantics notes section 6, rules 12, 18, 18b, 19).
 * Rules that need neighbouring instructions (delay slots, thrsw distance,
 * unifa latency...) belong to a program-level checker, not here.
 */
import type { V3dAluInstr, V3dAluPart, V3dInstr, V3dVersion } from './instr.ts';
import { ADDRESS_SIGNALS, addOpInfo, isaTable, magicRole, mulOpInfo, OP_CLASS, type MagicRole, type V3dOpInfo } from './table.ts';
import { EncodeError, encodeInstr } from './encode.ts';

/** The peripheral class (rule 12) a magic write of each role counts as; roles absent here are not peripherals. */
const PERIPHERAL_OF_ROLE: Partial<Record<MagicRole, string>> = { tmu: 'tmu', tmuc: 'tmuc', sfu: 'sfu', sync: 'tsy', tlb: 'tlb', vpm: 'vpm' };

/** Peripheral accesses of one instruction, by class (semantics notes rule 12/12b). */
function peripheralAccesses(instr: V3dAluInstr, ver: V3dVersion): string[] {
  const out: string[] = [];
  for (const [part, info] of [[instr.add, addOpInfo(instr.add.op, ver)], [instr.mul, mulOpInfo(instr.mul.op, ver)]] as const) {
    if (!info) continue;
    const cls = OP_CLASS[part.op];
    if (cls) out.push(cls);
    if (!info.hasDestination || !part.magic) continue;
    const role = magicRole(part.waddr);
    const peripheral = role && PERIPHERAL_OF_ROLE[role];
    if (peripheral) out.push(peripheral);
  }
  if (instr.sig.ldtlb || instr.sig.ldtlbu) out.push('tlb');
  if (instr.sig.ldtmu) out.push('ldtmu');
  if (instr.sig.wrtmuc) out.push('wrtmuc');
  return out;
}

function checkPeripherals(instr: V3dAluInstr, ver: V3dVersion, errs: string[]): void {
  const acc = peripheralAccesses(instr, ver);
  // wrtmuc goes with a TMU write other than tmuc; ldtmu may pair with VPM (4.2) or any one access (7.1 counts it apart).
  const rest = acc.filter((a) => a !== 'wrtmuc' && !(a === 'ldtmu' && (ver === 71 || acc.includes('vpm'))));
  if (ver === 42) {
    // ldtmu + a TMU write is Mesa-conservative only (py-videocore6 pairs them and works): allowed.
    const i = rest.indexOf('ldtmu');
    if (i >= 0 && rest.some((a) => a === 'tmu')) rest.splice(i, 1);
  }
  if (rest.length > 1) errs.push(`one instruction can access only one peripheral (TMU, SFU, TSY, TLB, VPM); this one has: ${rest.join(', ')}`);
  if (acc.includes('wrtmuc') && acc.includes('tmuc')) errs.push('wrtmuc cannot go with a tmuc write');
  if (acc.filter((a) => a === 'ldtmu').length > 1) errs.push('one ldtmu per instruction');
}

function checkPart(instr: V3dAluInstr, part: V3dAluPart, info: V3dOpInfo | undefined, which: string, ver: V3dVersion, errs: string[]): void {
  if (!info) {
    errs.push(`V3D ${ver / 10} has no ${which} op '${part.op}'`);
    return;
  }
  const t = isaTable(ver);
  for (const [name, input] of [['a', part.a], ['b', part.b]] as const) {
    if (ver === 42 && input.raddr !== 0) errs.push(`${which} input ${name}: V3D 4.2 selects inputs by mux; raddr must be 0 (use raddrA/raddrB)`);
    if (ver === 71 && input.mux !== 0) errs.push(`${which} input ${name}: V3D 7.1 has no input muxes; mux must be 0`);
  }
  if (ver === 42) {
    const reads = [part.a, part.b].slice(0, info.numSrc);
    if (instr.sig.rotate && reads.some((i) => i.mux === 7)) errs.push(`${which}: with rotate, port B (raddr_b) holds the rotation, not a register`);
  }
  if (!info.hasDestination || !part.magic) return;
  if (!t.magic[part.waddr]) errs.push(`${which} writes magic waddr ${part.waddr}, which does not exist`);
  else if (t.reservedMagic.includes(part.waddr)) {
    errs.push(`${which} writes magic '${t.magic[part.waddr]}' (${part.waddr}), which V3D ${ver / 10} does not have (no accumulators or legacy SFU writes)`);
  }
}

function validateAlu(instr: V3dAluInstr, ver: V3dVersion, errs: string[]): void {
  const t = isaTable(ver);
  const addInfo = addOpInfo(instr.add.op, ver);
  const mulInfo = mulOpInfo(instr.mul.op, ver);
  checkPart(instr, instr.add, addInfo, 'add', ver, errs);
  checkPart(instr, instr.mul, mulInfo, 'mul', ver, errs);
  const s = instr.sig;
  if (s.ldvpm) errs.push('ldvpm is a V3D 3.3 signal');
  if (ADDRESS_SIGNALS.some((n) => s[n])) {
    if (instr.sigMagic) {
      if (!t.magic[instr.sigAddr]) errs.push(`signal writes magic address ${instr.sigAddr}, which does not exist`);
      else if (t.reservedMagic.includes(instr.sigAddr)) errs.push(`signal writes magic '${t.magic[instr.sigAddr]}', which V3D ${ver / 10} does not have`);
    }
  }
  if (ver === 42) {
    if (s.smallImmA || s.smallImmC || s.smallImmD) errs.push('V3D 4.2 has only one small-immediate port (B): smallImmA/C/D do not exist');
    const reads = [...[instr.add.a, instr.add.b].slice(0, addInfo?.numSrc ?? 0), ...[instr.mul.a, instr.mul.b].slice(0, mulInfo?.numSrc ?? 0)];
    if (s.smallImmB && instr.raddrB > 47) errs.push(`small immediate index ${instr.raddrB} out of range 0..47 (raddr_b holds the index)`);
    if (s.smallImmB && !reads.some((i) => i.mux === 7)) errs.push('small-immediate signal set but no input reads port B');
  } else {
    if (instr.raddrA !== instr.add.a.raddr || instr.raddrB !== instr.add.b.raddr) {
      errs.push('on V3D 7.1 raddrA/raddrB must mirror add.a.raddr/add.b.raddr');
    }
    const imm = [
      ['smallImmA', s.smallImmA, (addInfo?.numSrc ?? 0) >= 1, instr.add.a.raddr, 'add input a'],
      ['smallImmB', s.smallImmB, (addInfo?.numSrc ?? 0) >= 2, instr.add.b.raddr, 'add input b'],
      ['smallImmC', s.smallImmC, (mulInfo?.numSrc ?? 0) >= 1, instr.mul.a.raddr, 'mul input a'],
      ['smallImmD', s.smallImmD, (mulInfo?.numSrc ?? 0) >= 2, instr.mul.b.raddr, 'mul input b'],
    ] as const;
    for (const [name, on, read, raddr, what] of imm) {
      if (!on) continue;
      if (!read) errs.push(`${name} makes ${what} a small immediate, but the op does not read ${what}`);
      if (raddr > 47) errs.push(`small immediate index ${raddr} (${what}) out of range 0..47`);
    }
  }
  checkPeripherals(instr, ver, errs);
}

/**
 * Problems that make `instr` invalid on `ver`, as messages (empty = valid).
 * Includes everything the encoder rejects (unknown op, unencodable modifier,
 * signal or flag combination) plus rules the encoding cannot express.
 */
export function validateInstr(instr: V3dInstr, ver: V3dVersion): string[] {
  const errs: string[] = [];
  try {
    encodeInstr(instr, ver);
  } catch (e) {
    if (!(e instanceof EncodeError || e instanceof RangeError)) throw e;
    errs.push(e.message);
  }
  if (instr.kind === 'alu') validateAlu(instr, ver, errs);
  else if (instr.bdi !== 'reg' && !(instr.ub && instr.bdu === 'reg') && instr.raddrA !== 0) {
    errs.push('branch raddrA is only read for register destinations; it must be 0 otherwise');
  }
  return [...new Set(errs)];
}
