/**
 * Atomics for VC4, which has no atomic memory operation: the read-modify-
 * write runs under the V3D's one hardware mutex (notes §7: a read of
 * `mutex` stalls until granted, a write releases it).
 *
 * Inside the mutex, per atomic instruction of one QPU:
 * 1. Gather: 16 one-word DMA loads (VCD, notes §3.3), lane l's word into
 *    the QPU's first store row (isel-memory.ts storeRowShl), column l, then
 *    one wait and a VPM read of the row.
 *    The TMU is not used: its per-slice L1 cache is not known to see the
 *    DMA stores of other QPUs made during the job (notes §8 lists "coherence
 *    of TMU reads after in-run VDW writes" as unconfirmed), and VCD/VDW
 *    reach memory directly (notes §3.4).
 * 2. Combine in registers, lane by lane in lane order: lane l's old value
 *    is the current value of its word (`cur`, which already holds the
 *    updates of lanes before it that hit the same word); its new value
 *    replaces `cur` in every lane with the same address. So colliding lanes
 *    get the sequential meaning the reference defines.
 * 3. Scatter: each lane's final `cur` back through 16 one-element DMA
 *    stores (lanes with one address store the same word), wait, release.
 * Inactive lanes use the scratch sink as their address, so they never
 * meet an active lane's word.
 *
 * Cost (docs/backend-vc4.md): about 16 DMA loads + 16 DMA stores + ~23
 * instructions per lane, all serialised across QPUs by the mutex.
 */
import type { Instr } from '../../ir/types.ts';
import { isPtr } from '../../ir/types.ts';
import type { AtomicRmw } from '../../ir/ops.ts';
import type { Src, VReg } from './mir.ts';
import { acc } from './mir.ts';
import { alu, arg, BackendError, elemReg, emit, entryReg, flags, IO, k32, mov, newVReg, op, src, type Ctx } from './isel-ctx.ts';
import { simm } from './isel-int.ts';
import { broadcastLane } from './isel-lanes.ts';
import { maskedAddr, storeLanesAt, storeRowShl, waitForPendingDma } from './isel-memory.ts';

const QPU_NUM = { k: 'io', file: 'B', addr: IO.QPU_NUM } as const;
const VR_SETUP = { k: 'io', file: 'A', addr: IO.VPM_SETUP } as const;
const VR_ADDR = { k: 'io', file: 'A', addr: IO.DMA_ADDR } as const;
const VR_WAIT = { k: 'io', file: 'A', addr: IO.VPM_WAIT } as const;
const VPM_READ = { k: 'io', file: 'A', addr: IO.VPM } as const;
const MUTEX_READ = { k: 'io', file: 'A', addr: IO.MUTEX } as const;
const NOP = { k: 'io', addr: IO.NOP } as const;

/**
 * VCD setup [ARG Table 36, notes §3.3]: MODEW 32-bit, ROWLEN 1, NROWS 1, VPITCH 1, horizontal, VPM {Y = the QPU's
 * first store row, X = 0}; adding l selects column l.
 */
function dmaLoadSetup(c: Ctx): VReg {
  return entryReg(c, 'vcd1', (cc, d) => alu(cc, 'or', d, storeRowShl(cc, 4), k32(cc, 0x80111000)));
}

/** Generic VPM read setup [ARG Table 32]: NUM 1, STRIDE 1, horizontal, 32-bit, the QPU's first store row. */
function vpmReadSetup(c: Ctx): VReg {
  return entryReg(c, 'vpmr', (cc, d) => alu(cc, 'or', d, storeRowShl(cc, 0), k32(cc, 0x101a00)));
}

/** The word at each lane's address, read by DMA into this QPU's VPM row and back. */
function gather(c: Ctx, addr: Src): VReg {
  const setup = dmaLoadSetup(c);
  mov(c, acc(0), addr);
  for (let l = 0; l < 16; l++) {
    if (l === 0) mov(c, VR_SETUP, setup);
    else alu(c, 'add', VR_SETUP, setup, simm(l));
    mov(c, VR_ADDR, acc(0)); // element 0: lane l's address
    if (l === 15) break;
    // Rotate by 15: element 0 receives lane l + 1.
    emit(c, { k: 'alu', unit: 'mul', op: 'v8min', dst: acc(0), a: acc(0), b: acc(0), rot: 15 });
  }
  mov(c, NOP, VR_WAIT);
  mov(c, VR_SETUP, vpmReadSetup(c));
  // Read data is ready three instructions after the setup [ARG p.56].
  for (let k = 0; k < 3; k++) emit(c, { k: 'nop' });
  const d = newVReg(c);
  mov(c, d, VPM_READ);
  return d;
}

/** nl := rmw(ol, vl) for uniform operands (every lane holds the same values). */
function combine(c: Ctx, rmw: AtomicRmw | 'cas', signed: boolean, ol: Src, vl: Src, wl: Src | undefined): VReg {
  const d = newVReg(c);
  switch (rmw) {
    case 'add': alu(c, 'add', d, ol, vl); break;
    case 'sub': alu(c, 'sub', d, ol, vl); break;
    case 'and': alu(c, 'and', d, ol, vl); break;
    case 'or': alu(c, 'or', d, ol, vl); break;
    case 'xor': alu(c, 'xor', d, ol, vl); break;
    case 'xchg': mov(c, d, vl); break;
    case 'min': case 'max':
      if (signed) alu(c, rmw, d, ol, vl);
      else {
        // Unsigned: `sub` sets C where ol < vl.
        flags(c, 'sub', ol, vl);
        mov(c, d, rmw === 'max' ? ol : vl);
        mov(c, d, rmw === 'max' ? vl : ol, 'cs');
      }
      break;
    case 'cas':
      if (!wl) throw new BackendError('atomic_cas needs a desired value', c.loc);
      flags(c, 'xor', ol, vl);
      mov(c, d, ol);
      mov(c, d, wl, 'zs');
      break;
  }
  return d;
}

/** `atomic` / `atomic_cas` (see the file comment). */
export function selectAtomic(c: Ctx, ins: Instr, d: VReg): void {
  waitForPendingDma(c);
  const cas = ins.op === 'atomic_cas';
  const p = arg(c, ins, 0);
  if (!isPtr(p.type) || (p.type.ptr !== 'i32' && p.type.ptr !== 'u32')) throw new BackendError(`${ins.op} needs a pointer to i32 or u32`, c.loc);
  const rmw: AtomicRmw | 'cas' = cas ? 'cas' : (String(ins.attrs?.['rmw']) as AtomicRmw);
  const signed = p.type.ptr === 'i32';
  const v = src(c, arg(c, ins, 1));
  const w = cas ? src(c, arg(c, ins, 2)) : undefined;
  const addr = maskedAddr(c, ins, src(c, p), cas ? 3 : 2);
  mov(c, NOP, MUTEX_READ); // acquire: stalls until granted
  const cur = gather(c, addr);
  const elem = elemReg(c);
  mov(c, d, simm(0)); // every lane gets its result below; the allocator sees a full definition first
  for (let l = 0; l < 16; l++) {
    const al = broadcastLane(c, addr, l);
    const ol = broadcastLane(c, cur, l);
    const vl = broadcastLane(c, v, l);
    const wl = w ? broadcastLane(c, w, l) : undefined;
    flags(c, 'sub', elem, simm(l));
    mov(c, d, ol, 'zs'); // lane l's result: its word before its own update
    const nl = combine(c, rmw, signed, ol, vl, wl);
    flags(c, 'xor', addr, al);
    mov(c, cur, nl, 'zs'); // every lane on lane l's word now sees lane l's update
  }
  storeLanesAt(c, addr, cur, 0);
  mov(c, { k: 'io', addr: IO.MUTEX }, simm(1)); // release
}
