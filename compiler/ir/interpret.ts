/**
 * The reference interpreter: runs IR for N QPUs × 16 lanes with exactly the
 * semantics of docs/language.md. Every compiled result is checked against it.
 *
 * Each lane runs as its own thread of control, so IR with varying branches
 * (before SPMD lowering) runs per lane, and lowered IR runs the same way with
 * every lane taking the same path. Cross-lane ops (rotate, broadcast, any,
 * all, reduce_*) are rendezvous points: a lane stops at one until every
 * unfinished lane of its QPU has stopped at one; then the lanes stopped at the
 * earliest such op (in reverse postorder of blocks) execute it together, as
 * the active lanes. `barrier` waits for every lane of every QPU.
 */
import type { Block, ElemType, Instr, IrFunction } from './types.ts';
import { isPtr, workgroupSizeOf } from './types.ts';
import { normalize, scalarOp, widenedType } from './eval.ts';
import { reversePostorder } from './cfg.ts';
import { opInfo } from './ops.ts';

/** Byte-addressed little-endian memory the interpreter loads from and stores to. */
export interface InterpreterMemory {
  /** Reads one element; u8/u16 zero-extend, i8/i16 sign-extend, f32 gives the float. */
  read(address: number, type: ElemType): number;
  /** Writes one element; integers are truncated to the element's width. */
  write(address: number, type: ElemType, value: number): void;
}

/** Options of {@link interpretKernel}. */
export interface InterpretOptions {
  /** Number of QPU batches; each runs 16 lanes (a workgroup is `workgroupSize / 16` consecutive batches). */
  qpus: number;
  /** Workgroups along each grid dimension (default: `[qpus / batches per workgroup, 1, 1]`); their product times the batches per workgroup must be `qpus`. */
  grid?: readonly [number, number, number];
  /** Address of the launch's shared memory: `sharedBytes` per workgroup, workgroup g (linear, X fastest) at g times that. Needed when the function has `qpu.shared` arrays. */
  sharedBase?: number;
  /** Abort after this many executed instructions per lane (default 50 million), to catch endless loops. */
  maxSteps?: number;
}

/** Lanes per QPU. */
export const LANES = 16;


interface Lane {
  qpu: number;
  lane: number;
  regs: Float64Array;
  block: Block;
  ip: number;
  done: boolean;
  steps: number;
}

/** A memory backed by an ArrayBuffer starting at address `base` (for tests and the reference runtime). */
export class ArrayMemory implements InterpreterMemory {
  readonly view: DataView;
  constructor(
    readonly buffer: ArrayBuffer,
    readonly base = 0,
  ) {
    this.view = new DataView(buffer);
  }
  private at(address: number, size: number): number {
    const off = address - this.base;
    if (off < 0 || off + size > this.view.byteLength || off % size !== 0) throw new RangeError(`memory access of ${size} bytes at 0x${address.toString(16)} is out of bounds or misaligned`);
    return off;
  }
  /** Reads one element. */
  read(address: number, type: ElemType): number {
    const v = this.view;
    switch (type) {
      case 'f32': return v.getFloat32(this.at(address, 4), true);
      case 'i32': return v.getInt32(this.at(address, 4), true);
      case 'u32': return v.getUint32(this.at(address, 4), true);
      case 'u16': return v.getUint16(this.at(address, 2), true);
      case 'i16': return v.getInt16(this.at(address, 2), true);
      case 'u8': return v.getUint8(this.at(address, 1));
      case 'i8': return v.getInt8(this.at(address, 1));
    }
  }
  /** Writes one element. */
  write(address: number, type: ElemType, value: number): void {
    const v = this.view;
    switch (type) {
      case 'f32': return v.setFloat32(this.at(address, 4), value, true);
      case 'i32': case 'u32': return v.setUint32(this.at(address, 4), value >>> 0, true);
      case 'u16': case 'i16': return v.setUint16(this.at(address, 2), value & 0xffff, true);
      case 'u8': case 'i8': return v.setUint8(this.at(address, 1), value & 0xff);
    }
  }
}

/**
 * Runs `fn` on `options.qpus` QPUs × 16 lanes. `args` are the kernel's
 * parameters in order: numbers for scalars, `{ address }` for pointers.
 * Throws an Error for malformed IR, bad arguments or a step-limit overrun.
 */
export function interpretKernel(fn: IrFunction, args: (number | { address: number })[], memory: InterpreterMemory, options: InterpretOptions): void {
  if (args.length !== fn.params.length) throw new Error(`${fn.name} takes ${fn.params.length} arguments, got ${args.length}`);
  const entry = fn.blocks[0];
  if (!entry) throw new Error(`${fn.name} has no blocks`);
  const maxSteps = options.maxSteps ?? 50_000_000;
  const order = new Map(reversePostorder(fn).map((b, i) => [b, i]));
  const lanes: Lane[] = [];
  for (let q = 0; q < options.qpus; q++) {
    for (let l = 0; l < LANES; l++) {
      const regs = new Float64Array(fn.nextValueId);
      fn.params.forEach((p, k) => {
        const a = args[k]!;
        const x = typeof a === 'number' ? a : a.address;
        if (isPtr(p.value.type) !== (typeof a !== 'number')) throw new Error(`argument ${k} (${p.name}) must be ${isPtr(p.value.type) ? 'a buffer' : 'a number'}`);
        regs[p.value.id] = normalize(p.value.type, x);
      });
      lanes.push({ qpu: q, lane: l, regs, block: entry, ip: 0, done: false, steps: 0 });
    }
  }
  const perGroup = workgroupSizeOf(fn) / LANES;
  if (!Number.isInteger(perGroup) || perGroup < 1) throw new Error(`${fn.name}: workgroup size ${workgroupSizeOf(fn)} is not a multiple of ${LANES}`);
  const grid: readonly [number, number, number] = options.grid ?? [options.qpus / perGroup, 1, 1];
  if (grid.some((g) => !Number.isInteger(g) || g < 1) || grid[0] * grid[1] * grid[2] * perGroup !== options.qpus) {
    throw new Error(`${fn.name}: ${options.qpus} batches are not a grid of [${grid.join(', ')}] workgroups of ${perGroup} batches`);
  }
  if ((fn.sharedBytes ?? 0) > 0 && options.sharedBase === undefined) throw new Error(`${fn.name} declares workgroup-shared memory, and no sharedBase was given`);
  const ctx = { fn, memory, qpus: options.qpus, perGroup, grid, sharedBase: options.sharedBase ?? 0, maxSteps, steps: new Map<Block, (Step | undefined)[]>() };
  const byQpu = Array.from({ length: options.qpus }, (_, q) => lanes.slice(q * LANES, (q + 1) * LANES));
  for (;;) {
    let running = false;
    for (const lane of lanes) if (!lane.done) (runLane(ctx, lane), (running ||= !lane.done));
    if (!running) return;
    let atBarrier = 0;
    let progressed = false;
    for (let q = 0; q < options.qpus; q++) {
      const group = pickGroup(byQpu[q]!, order);
      if (!group) continue;
      const ins = group[0]!.block.instrs[group[0]!.ip]!;
      if (ins.op === 'barrier') {
        atBarrier++;
        continue;
      }
      if (ins.op === 'atomic' || ins.op === 'atomic_cas') atomic(ins, group, memory);
      else crossLane(ins, group, byQpu[q]!);
      for (const l of group) l.ip++;
      progressed = true;
    }
    if (!progressed && atBarrier > 0) {
      // Every unfinished lane waits at a barrier: release them all. (A workgroup barrier needs only its
      // workgroup's lanes, but nothing else can run now, so every workgroup's lanes are all there.)
      for (const l of lanes) if (!l.done && l.block.instrs[l.ip]?.op === 'barrier') l.ip++;
    }
  }
}

function pickGroup(qpuLanes: Lane[], order: Map<Block, number>): Lane[] | undefined {
  let best: Lane | undefined;
  const key = (l: Lane) => (order.get(l.block) ?? 0) * 1e6 + l.ip;
  for (const l of qpuLanes) if (!l.done && (!best || key(l) < key(best))) best = l;
  if (!best) return undefined;
  return qpuLanes.filter((l) => !l.done && l.block === best.block && l.ip === best.ip);
}

/**
 * An atomic read-modify-write by the lanes stopped at it, in lane order: each
 * active lane reads its word, writes the combined value and receives the old
 * one before the next lane reads (so colliding lanes see each other's
 * updates). Masked-off lanes touch nothing and receive 0.
 */
function atomic(ins: Instr, group: Lane[], memory: InterpreterMemory): void {
  const [p, a, b] = ins.args;
  const res = ins.result;
  if (!p || !a || !res || !isPtr(p.type)) throw new Error(`${ins.op} needs a pointer, a value and a result`);
  const elem = p.type.ptr;
  const cas = ins.op === 'atomic_cas';
  if (cas && !b) throw new Error('atomic_cas needs an expected and a desired value');
  const mask = ins.args[opInfo(ins.op)!.mask!];
  const rmw = String(ins.attrs?.['rmw']);
  const t = res.type;
  for (const l of group) {
    if (mask && l.regs[mask.id] === 0) {
      l.regs[res.id] = 0;
      continue;
    }
    const addr = l.regs[p.id]!;
    const old = normalize(t, memory.read(addr, elem));
    const x = l.regs[a.id]!;
    let v: number;
    if (cas) v = old === x ? l.regs[b!.id]! : old;
    else {
      switch (rmw) {
        case 'add': v = old + x; break;
        case 'sub': v = old - x; break;
        case 'min': v = Math.min(old, x); break; // both normalized to the element type: signed for i32, unsigned for u32
        case 'max': v = Math.max(old, x); break;
        case 'and': v = old & x; break;
        case 'or': v = old | x; break;
        case 'xor': v = old ^ x; break;
        case 'xchg': v = x; break;
        default: throw new Error(`atomic: unknown operation '${rmw}'`);
      }
    }
    memory.write(addr, elem, normalize(t, v));
    l.regs[res.id] = old;
  }
}

function crossLane(ins: Instr, group: Lane[], qpuLanes: Lane[]): void {
  const [v, n] = ins.args;
  const res = ins.result;
  if (!v || !res) throw new Error(`${ins.op} needs an operand and a result`);
  const maskAt = opInfo(ins.op)?.mask;
  const mask = maskAt !== undefined ? ins.args[maskAt] : undefined;
  const active = group.filter((l) => !mask || l.regs[mask.id] !== 0);
  const vals = active.map((l) => l.regs[v.id]!);
  let out: ((l: Lane) => number) | undefined;
  switch (ins.op) {
    case 'any': { const r = vals.some((x) => x !== 0) ? 1 : 0; out = () => r; break; }
    case 'all': { const r = vals.every((x) => x !== 0) ? 1 : 0; out = () => r; break; }
    case 'reduce_add': {
      // Sequential sum in lane order: the documented reference order for f32 rounding.
      let s = 0;
      for (const x of vals) s = res.type === 'f32' ? Math.fround(s + x) : normalize(res.type, s + x);
      out = () => s;
      break;
    }
    case 'reduce_min': case 'reduce_max': {
      // With no active lane the result is 0 (documented).
      const r = vals.length === 0 ? 0 : vals.reduce((a, b) => (ins.op === 'reduce_min' ? Math.min(a, b) : Math.max(a, b)));
      out = () => normalize(res.type, r);
      break;
    }
    case 'rotate': {
      if (!n) throw new Error('rotate needs a lane count');
      const k = group[0]!.regs[n.id]!;
      out = (l) => qpuLanes[(((l.lane - k) % LANES) + LANES) % LANES]!.regs[v.id]!;
      break;
    }
    case 'broadcast': {
      if (!n) throw new Error('broadcast needs a lane');
      const src = qpuLanes[(group[0]!.regs[n.id]! >>> 0) % LANES]!;
      out = () => src.regs[v.id]!;
      break;
    }
  }
  if (!out) throw new Error(`unknown cross-lane op ${ins.op}`);
  const results = group.map((l) => out(l));
  group.forEach((l, i) => (l.regs[res.id] = results[i]!));
}

/** What one launch's instructions need to know about it. */
interface LaunchContext {
  fn: IrFunction;
  memory: InterpreterMemory;
  qpus: number;
  perGroup: number;
  grid: readonly [number, number, number];
  sharedBase: number;
}

function runLane(ctx: LaunchContext & { maxSteps: number; steps: Map<Block, (Step | undefined)[]> }, lane: Lane): void {
  const r = lane.regs;
  for (;;) {
    const b = lane.block;
    let steps = ctx.steps.get(b);
    if (!steps) ctx.steps.set(b, (steps = b.instrs.map((ins) => (opInfo(ins.op)?.crossLane ? undefined : compileInstr(ins, ctx)))));
    while (lane.ip < steps.length) {
      const step = steps[lane.ip];
      if (!step) return; // a cross-lane op: wait for the other lanes
      step(lane);
      lane.ip++;
    }
    lane.steps += b.instrs.length + 1;
    if (lane.steps > ctx.maxSteps) throw new Error(`${ctx.fn.name}: step limit of ${ctx.maxSteps} exceeded (endless loop?)`);
    const t = b.term;
    if (t.kind === 'ret') {
      lane.done = true;
      return;
    }
    const ref = t.kind === 'br' ? t.target : r[t.cond.id] !== 0 ? t.then : t.else;
    const vals = ref.args.map((a) => r[a.id]!);
    ref.block.params.forEach((p, i) => (r[p.id] = vals[i]!));
    lane.block = ref.block;
    lane.ip = 0;
  }
}

/** One instruction compiled to a closure over its operand slots (built once per launch: the hot loop does no dispatch on op names). */
type Step = (lane: Lane) => void;

function compileInstr(ins: Instr, ctx: LaunchContext): Step {
  const res = ins.result;
  const out = res ? res.id : -1;
  const [a0, a1, a2] = ins.args;
  switch (ins.op) {
    case 'lane_id': return (l) => void (l.regs[out] = l.lane);
    case 'qpu_id': return (l) => void (l.regs[out] = l.qpu);
    case 'num_qpus': return (l) => void (l.regs[out] = ctx.qpus);
    case 'global_id': return (l) => void (l.regs[out] = l.qpu * LANES + l.lane);
    case 'global_count': return (l) => void (l.regs[out] = ctx.qpus * LANES);
    case 'local_id': return (l) => void (l.regs[out] = (l.qpu % ctx.perGroup) * LANES + l.lane);
    case 'group_id': return (l) => void (l.regs[out] = Math.floor(l.qpu / ctx.perGroup));
    case 'num_groups': {
      const n = ctx.grid[Number(ins.attrs?.['dim'] ?? 0)] ?? 1;
      return (l) => void (l.regs[out] = n);
    }
    case 'shared_ptr': {
      const bytes = ctx.fn.sharedBytes ?? 0;
      const offset = Number(ins.attrs?.['offset'] ?? 0);
      return (l) => void (l.regs[out] = (ctx.sharedBase + Math.floor(l.qpu / ctx.perGroup) * bytes + offset) >>> 0);
    }
    case 'load': {
      if (!a0 || !isPtr(a0.type) || !res) throw new Error('load needs a pointer and a result');
      const elem = a0.type.ptr;
      const wide = widenedType(elem);
      const p = a0.id;
      const m = a1 ? a1.id : -1;
      // Masked-off lanes read 0.
      return (l) => void (l.regs[out] = m >= 0 && l.regs[m] === 0 ? 0 : normalize(wide, ctx.memory.read(l.regs[p]!, elem)));
    }
    case 'store': {
      if (!a0 || !a1 || !isPtr(a0.type)) throw new Error('store needs a pointer and a value');
      const elem = a0.type.ptr;
      const p = a0.id;
      const v = a1.id;
      const m = a2 ? a2.id : -1;
      return (l) => {
        if (m < 0 || l.regs[m] !== 0) ctx.memory.write(l.regs[p]!, elem, l.regs[v]!);
      };
    }
  }
  if (!res) throw new Error(`${ins.op} has no result`);
  // cmp, cvt, bitcast and gep compute in their first operand's type; everything else in its result type.
  const t = opInfo(ins.op)?.evalInOperandType ? a0!.type : res.type;
  const f = scalarOp(ins.op, t, ins.attrs, res.type);
  const x = a0 ? a0.id : -1;
  const y = a1 ? a1.id : -1;
  const z = a2 ? a2.id : -1;
  return (l) => {
    const r = l.regs;
    r[out] = f(x >= 0 ? r[x]! : 0, y >= 0 ? r[y]! : 0, z >= 0 ? r[z]! : 0);
  };
}
