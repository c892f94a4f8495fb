/**
 * Helpers that create IR functions, blocks, values and instructions while
 * keeping value and block ids dense and unique.
 */
import type { Block, Instr, IrFunction, IrType, SourceLoc, Terminator, Value } from './types.ts';
import type { OpName } from './ops.ts';

/** A fresh, empty function (no blocks yet). */
export function createFunction(name: string, file?: string): IrFunction {
  const fn: IrFunction = { name, params: [], blocks: [], nextValueId: 0, nextBlockId: 0 };
  if (file !== undefined) fn.file = file;
  return fn;
}

/** A fresh value of `type` (not yet defined by anything). */
export function newValue(fn: IrFunction, type: IrType, uniform: boolean, name?: string): Value {
  const v: Value = { id: fn.nextValueId++, type, uniform };
  if (name !== undefined) v.name = name;
  return v;
}

/** A fresh block appended to the function, ending in `ret` until a terminator is set. */
export function newBlock(fn: IrFunction, append = true): Block {
  const b: Block = { id: fn.nextBlockId++, params: [], instrs: [], term: { kind: 'ret' } };
  if (append) fn.blocks.push(b);
  return b;
}

/** Adds a block parameter. */
export function addParam(fn: IrFunction, block: Block, type: IrType, uniform = false, name?: string): Value {
  const v = newValue(fn, type, uniform, name);
  block.params.push(v);
  return v;
}

/** Appends instructions to one block. */
export class BlockWriter {
  constructor(
    readonly fn: IrFunction,
    public block: Block,
    public loc?: SourceLoc,
  ) {}

  /** Appends `op args` with a result of `type`; uniform when every operand is. */
  emit(op: OpName, args: Value[], type: IrType, attrs?: Instr['attrs'], uniform?: boolean): Value {
    const result = newValue(this.fn, type, uniform ?? args.every((a) => a.uniform));
    this.push({ op, args, result, ...(attrs ? { attrs } : {}) });
    return result;
  }

  /** Appends an instruction without a result (store, barrier). */
  effect(op: OpName, args: Value[], attrs?: Instr['attrs']): void {
    this.push({ op, args, ...(attrs ? { attrs } : {}) });
  }

  /** A `const` of `type`. Bools are 0/1. */
  const(type: IrType, value: number): Value {
    return this.emit('const', [], type, { value }, true);
  }

  /** Appends a prepared instruction, stamping the current source location. */
  push(instr: Instr): void {
    if (this.loc && !instr.loc) instr.loc = this.loc;
    this.block.instrs.push(instr);
  }

  /** Ends the block. */
  terminate(term: Terminator): void {
    if (this.loc && !term.loc) term.loc = this.loc;
    this.block.term = term;
  }
}

/** A deep copy of `fn` with the same value and block ids (passes that must not change their input work on one). */
export function cloneFunction(fn: IrFunction): IrFunction {
  const vals = new Map<Value, Value>();
  const v = (x: Value): Value => {
    let c = vals.get(x);
    if (!c) {
      c = { ...x };
      vals.set(x, c);
    }
    return c;
  };
  const blocks = new Map<Block, Block>();
  for (const b of fn.blocks) blocks.set(b, { id: b.id, params: b.params.map(v), instrs: [], term: { kind: 'ret' } });
  const ref = (r: { block: Block; args: Value[] }) => ({ block: blocks.get(r.block) as Block, args: r.args.map(v) });
  for (const b of fn.blocks) {
    const c = blocks.get(b) as Block;
    c.instrs = b.instrs.map((i) => {
      const n: Instr = { op: i.op, args: i.args.map(v) };
      if (i.result) n.result = v(i.result);
      if (i.attrs) n.attrs = { ...i.attrs };
      if (i.loc) n.loc = i.loc;
      return n;
    });
    const t = b.term;
    const loc = t.loc ? { loc: t.loc } : {};
    c.term =
      t.kind === 'ret' ? { kind: 'ret', ...loc }
      : t.kind === 'br' ? { kind: 'br', target: ref(t.target), ...loc }
      : { kind: 'condbr', cond: v(t.cond), then: ref(t.then), else: ref(t.else), ...loc };
  }
  const out: IrFunction = {
    name: fn.name,
    params: fn.params.map((p) => ({ name: p.name, value: v(p.value) })),
    blocks: fn.blocks.map((b) => blocks.get(b) as Block),
    nextValueId: fn.nextValueId,
    nextBlockId: fn.nextBlockId,
  };
  if (fn.file !== undefined) out.file = fn.file;
  if (fn.tables) out.tables = fn.tables.map((t) => ({ ...t, values: [...t.values] }));
  if (fn.privateWords) out.privateWords = fn.privateWords;
  if (fn.workgroupSize !== undefined) out.workgroupSize = fn.workgroupSize;
  if (fn.sharedBytes !== undefined) out.sharedBytes = fn.sharedBytes;
  if (fn.noalias) out.noalias = true;
  if (fn.threadSwitch) out.threadSwitch = true;
  return out;
}
