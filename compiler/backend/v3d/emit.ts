/**
 * From machine IR to V3D instructions: register allocation onto the
 * register file, operand encoding per version (4.2 muxes and two read ports;
 * 7.1 one address per operand), branch layout with the three delay slots,
 * and the thread-end sequence.
 */
import type { SourceLoc } from '../../ir/types.ts';
import type { V3dAluInstr, V3dAluPart, V3dBranchInstr, V3dInput, V3dInstr, V3dVersion } from '../../isa/v3d/instr.ts';
import { MAGIC, MUX, nopInstr, smallImmIndex } from '../../isa/v3d/instr.ts';
import type { FlowBlock, RegisterView } from '../common/liveness.ts';
import { allocateRegisters } from '../common/regalloc.ts';
import type { MFunction, MInstr, MSrc, UniformSlot } from './mir.ts';
import { defOf, usesOf } from './mir.ts';
import { BackendError } from './isel.ts';

/** Machine code for one kernel, before encoding. */
export interface V3dCode {
  instrs: V3dInstr[];
  /** Source location per instruction (undefined for glue: delay-slot nops, the end sequence). */
  locs: (SourceLoc | undefined)[];
  /** What each uniform-stream word holds, in stream order. */
  uniforms: UniformSlot[];
  /** Number of register-file entries used. */
  registersUsed: number;
}

const keyOf = (r: { kind: 'vreg'; id: number } | { kind: 'rf'; index: number }): string =>
  r.kind === 'vreg' ? `v${r.id}` : `rf${r.index}`;

const view: RegisterView<MInstr> = {
  uses: (i) => usesOf(i).map(keyOf),
  def: (i) => {
    const d = defOf(i);
    return d ? keyOf(d) : undefined;
  },
};

/** Registers per thread with two threads per QPU (cfg5 THREADING = 0): rf0..rf63. */
const REGISTER_COUNT = 64;

/** Allocate registers and lay out the code. */
export function emitV3d(mf: MFunction, ver: V3dVersion): V3dCode {
  const END = -1;
  const flow: FlowBlock<MInstr>[] = mf.blocks.map((b, k) => {
    const last = b.instrs[b.instrs.length - 1];
    const succs: number[] = [];
    const falls = !(last?.unit === 'branch' && last.branch?.cond === 'always');
    const next = mf.blocks[k + 1];
    if (falls && next) succs.push(next.id);
    for (const i of b.instrs) if (i.branch && i.branch.target !== END) succs.push(i.branch.target);
    return { id: b.id, instrs: b.instrs, succs };
  });
  const colours = Array.from({ length: REGISTER_COUNT }, (_, k) => k);
  const assignment = allocateRegisters(flow, view, {
    colours,
    precoloured: (k) => (k.startsWith('rf') ? Number(k.slice(2)) : undefined),
    copyOf: (i) => {
      const m = i as MInstr;
      const s = m.srcs[0];
      if (m.op !== 'mov' || m.cond || !m.dst || m.dst.kind === 'magic' || !s || s.kind === 'imm') return undefined;
      return [keyOf(m.dst), keyOf(s)];
    },
  });
  const phys = (r: { kind: 'vreg'; id: number } | { kind: 'rf'; index: number }): number => {
    const c = assignment.get(keyOf(r));
    if (c === undefined) throw new BackendError(`register ${keyOf(r)} has no allocation`);
    return c;
  };

  const instrs: V3dInstr[] = [];
  const locs: (SourceLoc | undefined)[] = [];
  const blockStart = new Map<number, number>();
  const fixups: { at: number; target: number }[] = [];
  const push = (i: V3dInstr, loc?: SourceLoc) => {
    instrs.push(i);
    locs.push(loc);
  };
  for (const b of mf.blocks) {
    blockStart.set(b.id, instrs.length);
    for (const m of b.instrs) {
      if (m.unit === 'branch') {
        const br: V3dBranchInstr = {
          kind: 'branch', cond: m.branch?.cond ?? 'always', msfign: 'none', bdi: 'rel', ub: false, bdu: 'rel', raddrA: 0, offset: 0,
        };
        fixups.push({ at: instrs.length, target: m.branch?.target ?? END });
        push(br, m.loc);
        for (let k = 0; k < 3; k++) push(nopInstr()); // delay slots
        continue;
      }
      // Copies that coalescing made into self-moves vanish.
      const s0 = m.srcs[0];
      if (m.op === 'mov' && !m.cond && !m.pf && m.dst && m.dst.kind !== 'magic' && s0 && s0.kind !== 'imm' && phys(m.dst) === phys(s0)) {
        continue;
      }
      push(toAlu(m, ver, phys), m.loc);
    }
  }
  // Thread end (py-videocore6/7 and Mesa): a thrsw pair marks the last switch, the next thrsw ends the thread after its two delay slots.
  blockStart.set(END, instrs.length);
  const sig = (thrsw: boolean): V3dInstr => {
    const n = nopInstr();
    n.sig.thrsw = thrsw;
    return n;
  };
  for (const t of [true, true, false, false, true, false, false, false]) push(sig(t));
  for (const f of fixups) {
    const target = blockStart.get(f.target);
    if (target === undefined) throw new BackendError(`branch to unknown block ${f.target}`);
    (instrs[f.at] as V3dBranchInstr).offset = (target - (f.at + 4)) * 8;
  }
  const used = new Set(assignment.values());
  return { instrs, locs, uniforms: mf.uniforms, registersUsed: used.size };
}

/** Build one ALU instruction word from a machine op whose registers are allocated. */
function toAlu(m: MInstr, ver: V3dVersion, phys: (r: { kind: 'vreg'; id: number } | { kind: 'rf'; index: number }) => number): V3dAluInstr {
  const ins = nopInstr();
  const dst = (): { waddr: number; magic: boolean } => {
    if (!m.dst) return { waddr: MAGIC.NOP, magic: true };
    return m.dst.kind === 'magic' ? { waddr: m.dst.addr, magic: true } : { waddr: phys(m.dst), magic: false };
  };
  if (m.unit === 'sig') {
    const d = dst();
    if (m.op === 'ldunifrf') ins.sig.ldunifrf = true;
    else if (m.op === 'ldtmu') ins.sig.ldtmu = true;
    else if (m.op === 'thrsw') ins.sig.thrsw = true;
    else throw new BackendError(`unknown signal '${m.op}'`, m.loc);
    if (m.op !== 'thrsw') {
      ins.sigAddr = d.waddr;
      ins.sigMagic = d.magic;
    }
    return ins;
  }
  let op = m.op;
  let srcs: MSrc[] = m.srcs;
  if (op === 'mov' && ver === 42) {
    // 4.2's add unit has no mov: or x, x is the same copy.
    op = 'or';
    srcs = [m.srcs[0] as MSrc, m.srcs[0] as MSrc];
  }
  const part: V3dAluPart = { op, a: input(), b: input(), ...dst(), pack: 'none' };
  let smallImm: number | undefined;
  const ports: number[] = []; // 4.2: rf indices on raddr_a, raddr_b
  srcs.forEach((s, k) => {
    const inp = k === 0 ? part.a : part.b;
    if (s.kind === 'imm') {
      const idx = smallImmIndex(s.value);
      if (idx === undefined) throw new BackendError(`0x${s.value.toString(16)} is not a small immediate`, m.loc);
      if (smallImm !== undefined && smallImm !== idx) throw new BackendError('two different small immediates in one instruction', m.loc);
      smallImm = idx;
      if (ver === 42) {
        inp.mux = MUX.B;
        ins.sig.smallImmB = true;
        ins.raddrB = idx;
      } else {
        inp.raddr = idx;
        const which = m.unit === 'add' ? (k === 0 ? 'smallImmA' : 'smallImmB') : k === 0 ? 'smallImmC' : 'smallImmD';
        ins.sig[which] = true;
        if (m.unit === 'add') k === 0 ? (ins.raddrA = idx) : (ins.raddrB = idx);
      }
      return;
    }
    const r = phys(s);
    if (ver === 42) {
      if (ports[0] === undefined || ports[0] === r) {
        ports[0] = r;
        inp.mux = MUX.A;
        ins.raddrA = r;
      } else if (smallImm === undefined && (ports[1] === undefined || ports[1] === r)) {
        ports[1] = r;
        inp.mux = MUX.B;
        ins.raddrB = r;
      } else throw new BackendError('more than two register-file reads in one instruction', m.loc);
    } else {
      inp.raddr = r;
      if (m.unit === 'add') k === 0 ? (ins.raddrA = r) : (ins.raddrB = r);
    }
  });
  if (m.unit === 'add') {
    ins.add = part;
    if (m.cond) ins.flags.ac = m.cond;
    if (m.pf) ins.flags.apf = m.pf;
    if (m.uf) ins.flags.auf = m.uf;
  } else {
    ins.mul = part;
    if (m.cond) ins.flags.mc = m.cond;
    if (m.pf) ins.flags.mpf = m.pf;
    if (m.uf) ins.flags.muf = m.uf;
  }
  return ins;
}

function input(): V3dInput {
  return { mux: 0, raddr: 0, unpack: 'none' };
}
