/**
 * State shared by expression and statement lowering: the function being
 * built, the current block, lexical scopes of variables, and the helpers that
 * build SSA joins. Mutable variables (`let`) are carried across control flow
 * as block parameters; a later cleanup removes the trivial ones.
 */
import type { ts } from 'ts-morph';
import type { Block, Instr, IrFunction, SourceLoc, Value } from '../ir/types.ts';
import { evalOp } from '../ir/eval.ts';
import { opInfo } from '../ir/ops.ts';
import type { Diagnostic, DiagnosticName } from '../diagnostics.ts';
import { BlockWriter, addParam, newBlock } from '../ir/builder.ts';
import type { LangType } from './types.ts';
import type { Program } from './discover.ts';
import { diagAt } from './discover.ts';
import type { PrivateArray } from './arrays.ts';

/**
 * The constant an IR value is known to hold: a `const`, or a foldable op
 * over such values (loop counters of unrolled loops, `k + 1`, …).
 */
export function constantOf(fn: IrFunction, v: Value): number | undefined {
  const defs = new Map<Value, Instr>();
  for (const b of fn.blocks) for (const i of b.instrs) if (i.result) defs.set(i.result, i);
  const seen = new Map<Value, number | undefined>();
  const walk = (x: Value, depth: number): number | undefined => {
    if (seen.has(x)) return seen.get(x);
    const d = defs.get(x);
    let r: number | undefined;
    if (d && depth < 16) {
      if (d.op === 'const') r = Number(d.attrs?.['value']);
      else if (opInfo(d.op)?.foldable) {
        const args = d.args.map((a) => walk(a, depth + 1));
        if (args.every((a) => a !== undefined)) {
          const t = opInfo(d.op)?.evalInOperandType ? d.args[0]!.type : d.result!.type;
          r = evalOp(d.op, t, args as number[], d.attrs, d.result!.type);
        }
      }
    }
    seen.set(x, r);
    return r;
  };
  return walk(v, 0);
}

/** A named variable or parameter in scope. */
export interface Binding {
  name: string;
  type: LangType;
  kind: 'param' | 'let' | 'const';
  value: Value;
  /** An unannotated `const` initialised by a literal: like a literal, it takes its context's type. */
  literal?: { value: number; float: boolean };
  /** A private array (compiler/frontend/arrays.ts): the name stands for its elements, which are bindings of their own. */
  array?: PrivateArray;
}

/** A lexical scope. */
export class Scope {
  readonly vars = new Map<string, Binding>();
  constructor(readonly parent?: Scope) {}
  /** Finds a binding by name in this scope or an enclosing one. */
  lookup(name: string): Binding | undefined {
    return this.vars.get(name) ?? this.parent?.lookup(name);
  }
}

/** Where `break` and `continue` go from inside a loop or switch. */
export interface JumpTarget {
  label?: string;
  isSwitch: boolean;
  breakTo: Block;
  continueTo?: Block;
  /** Mutable bindings passed as arguments to breakTo/continueTo. */
  vars: Binding[];
}

/** What `return` does in the function being lowered (a kernel, or a device function inlined at a call). */
export interface ReturnTarget {
  block: Block;
  type: LangType;
  vars: Binding[];
}

/** Source file context of the method being lowered. */
export interface FileContext {
  sf: ts.SourceFile;
  file: string;
}

/** Base of the lowering classes: scopes, blocks, diagnostics. */
export class LowerContext {
  readonly w: BlockWriter;
  scope: Scope = new Scope();
  jumps: JumpTarget[] = [];
  ret!: ReturnTarget;
  file!: FileContext;
  /** Device functions being inlined (to detect recursion). */
  readonly callStack: string[] = [];
  /** Every device function inlined so far. */
  readonly inlined = new Set<string>();
  /** Source characters inlined from device functions so far (bounded by MAX_INLINED_CHARS). */
  inlinedChars = 0;
  /** Whether the inlining limit was reported (once per kernel). */
  inlineLimitReported = false;
  /** `@kernel({ fastMath: true })`: f32 `+ - *` and int→f32 conversions carry `attrs.fast` (docs/language.md). */
  fastMath = false;
  /**
   * Arms being lowered that a constant condition never runs (`if (k >= 2)` in an unrolled loop at k = 0): a constant
   * index out of range there is no error (QPU2032), as the access never happens.
   */
  unreachableArms = 0;

  constructor(
    readonly fn: IrFunction,
    readonly prog: Program,
    readonly diagnostics: Diagnostic[],
  ) {
    this.w = new BlockWriter(fn, newBlock(fn));
  }

  /**
   * Runs `f` counted as lowering an arm that never runs when `unreachable` ({@link unreachableArms}); returns its
   * result.
   */
  unreachableIf<T>(unreachable: boolean, f: () => T): T {
    if (unreachable) this.unreachableArms++;
    try {
      return f();
    } finally {
      if (unreachable) this.unreachableArms--;
    }
  }

  /** Records a diagnostic at `node`. */
  error(node: ts.Node, name: DiagnosticName, args: readonly (string | number)[] = []): void {
    this.diagnostics.push(diagAt(this.file.sf, this.file.file, node, name, args));
  }

  /** Source location of a node, stamped on the instructions lowered from it. */
  locOf(node: ts.Node): SourceLoc {
    const { line, character } = this.file.sf.getLineAndCharacterOfPosition(node.getStart(this.file.sf));
    return { file: this.file.file, line: line + 1, col: character + 1 };
  }

  /** Every mutable binding in scope (shadowed ones too: their values live on after the inner scope). */
  mutables(): Binding[] {
    const out: Binding[] = [];
    for (let s: Scope | undefined = this.scope; s; s = s.parent) for (const b of s.vars.values()) if (b.kind === 'let') out.push(b);
    return out;
  }

  /** A join block with one parameter per binding (plus `extra` trailing parameter types). */
  join(vars: Binding[], extra: LangType[] = []): Block {
    const b = newBlock(this.fn);
    for (const v of vars) addParam(this.fn, b, v.type === 'void' ? 'i32' : v.type, false, v.name);
    for (const t of extra) addParam(this.fn, b, t === 'void' ? 'i32' : t, false);
    return b;
  }

  /** Ends the current block with a jump to `target`, passing the bindings' current values. */
  jump(target: Block, vars: Binding[], extra: Value[] = []): void {
    this.markLive(target);
    this.w.terminate({ kind: 'br', target: { block: target, args: [...vars.map((v) => v.value), ...extra] } });
    this.startDead();
  }

  /** Ends the current block with a conditional branch. */
  branch(cond: Value, then: Block, thenVars: Binding[] | undefined, els: Block, elseVars: Binding[] | undefined, extraElse: Value[] = []): void {
    this.markLive(then);
    this.markLive(els);
    this.w.terminate({
      kind: 'condbr',
      cond,
      then: { block: then, args: thenVars ? thenVars.map((v) => v.value) : [] },
      else: { block: els, args: elseVars ? [...elseVars.map((v) => v.value), ...extraElse] : [] },
    });
    this.startDead();
  }

  /** Continues in `block`, whose parameters become the bindings' values. */
  enter(block: Block, vars: Binding[] = []): void {
    this.w.block = block;
    this.dead = !this.live.has(block);
    vars.forEach((v, i) => (v.value = block.params[i]!));
  }

  /** After a jump, code until the next join is unreachable: lower it into a fresh block that cleanup removes. */
  startDead(): void {
    this.w.block = newBlock(this.fn);
    this.dead = true;
  }

  /** True while lowering code after a jump (unreachable). */
  dead = false;
  private readonly live = new Set<Block>();

  /** Records that live code branches to `b`, so code lowered into it is reachable. */
  markLive(b: Block): void {
    if (!this.dead) this.live.add(b);
  }

  /** Runs `f` with a fresh nested scope. */
  inScope<T>(f: () => T): T {
    const saved = this.scope;
    this.scope = new Scope(saved);
    try {
      return f();
    } finally {
      this.scope = saved;
    }
  }
}
