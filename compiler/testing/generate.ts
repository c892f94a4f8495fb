/**
 * A generator of random well-typed kernels for differential testing
 * (arithmetic, conversions, divergent if/switch/loops with break, continue
 * and early return, loads and stores), and their printer to TypeScript.
 * Deterministic for a seed.
 */
import type { BytesFn, GenExpr, GenHelper, GenKernel, GenStmt, GenType, GenVersion, PipeLoad } from './ast.ts';
import { INPUT_LEN, OUT_SLOTS, PRIVATE_LEN, STREAM_LEN } from './ast.ts';
import { rng } from './rng.ts';

export { rng } from './rng.ts';

const INT_OPS = ['+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>', '>>>'];
const F_OPS = ['+', '-', '*', '/'];
const CMP = ['<', '<=', '>', '>=', '==', '!='];
const F_MATH = ['sqrt', 'abs', 'floor', 'ceil', 'trunc', 'min', 'max', 'round'];
/** Version 3: the atomic operations (`cas`: compare-exchange). */
const BYTES_FNS: readonly BytesFn[] = ['addBytesSat', 'subBytesSat', 'minBytes', 'maxBytes'];
const ATOMIC_OPS = ['add', 'sub', 'min', 'max', 'and', 'or', 'xor', 'xchg', 'cas'];
const ATOMIC_NAMES: Record<string, string> = {
  add: 'atomicAdd', sub: 'atomicSub', min: 'atomicMin', max: 'atomicMax', and: 'atomicAnd', or: 'atomicOr', xor: 'atomicXor', xchg: 'atomicExchange', cas: 'atomicCompareExchange',
};

class Generator {
  private readonly r: () => number;
  private vars: { name: string; t: GenType }[] = [];
  private counters: string[] = [];
  private loopDepth = 0;
  private nextCounter = 0;
  private helpers: GenHelper[] = [];
  /** Inside a helper: its return type (stores and kernel-only ids are not generated there). */
  private inHelper: GenType | undefined;
  /** Version 2: the counter of the enclosing grid-stride loop, if any. */
  private stride: string | undefined;
  /** Version 5: the values of enclosing software-pipelined loops (read, never assigned, in their bodies). */
  private piped: { name: string; t: GenType }[] = [];
  /** Version 5, in a pipelined loop's body: no helper calls and no `&&` / `||` (the body stays one block). */
  private straight = false;
  /** Version 5: pipelined loops generated so far (at most three a kernel). */
  private pipes = 0;

  constructor(seed: number, private readonly version: GenVersion = 1) {
    this.r = rng(seed);
  }
  private int(n: number): number {
    return Math.floor(this.r() * n);
  }
  private pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  private lit(t: GenType): GenExpr {
    if (t === 'bool') return { k: 'lit', t, value: this.int(2) };
    if (t === 'f32') return { k: 'lit', t, value: this.pick([0.5, 1.5, -2.25, 3, 100.125, 0.1, -7]) };
    // Version 2: one literal in three is any 32-bit value (many distinct constants).
    if (this.version === 2 && this.int(3) === 0) return this.anyConst(t);
    const v = this.pick([0, 1, 2, 3, 5, 7, 13, 31, 32, 255, 1000, 65536, 2147483647]);
    return { k: 'lit', t, value: t === 'i32' && this.int(3) === 0 ? -v | 0 : v };
  }

  /** Any 32-bit constant of int type t. */
  private anyConst(t: 'i32' | 'u32'): GenExpr {
    const v = (this.int(0x10000) * 0x10000 + this.int(0x10000)) >>> 0;
    return { k: 'lit', t, value: t === 'i32' ? v | 0 : v };
  }

  /** An in-bounds index into an input array; depth 0 gives a leaf that cannot recurse. */
  private index(depth = 1): GenExpr {
    const a: GenExpr = depth <= 0 ? { k: 'id', t: 'u32', which: 'globalId' } : this.operand('u32', depth - 1);
    return { k: 'bin', t: 'u32', op: '&', a, b: { k: 'lit', t: 'u32', value: INPUT_LEN - 1 } };
  }

  /** An expression of type t; `depth` bounds nesting. Never two literals under one operator (their type would be ambiguous). */
  expr(t: GenType, depth: number): GenExpr {
    const leaf = depth <= 0 || this.r() < 0.25;
    if (leaf) {
      // Version 2, in a grid-stride loop: an element at the counter (w: only the lane's own element).
      if (this.stride && t !== 'bool' && this.int(3) === 0) {
        const array = t === 'f32' ? 'f' : t === 'u32' ? 'b' : this.pick(['a', 'w'] as const);
        return { k: 'elem', t, array, counter: this.stride, offset: array === 'w' ? 0 : this.int(4) };
      }
      // Version 3: an element of the private array, at a constant or a run-time index.
      if (this.version === 3 && !this.inHelper && t === 'i32' && this.int(4) === 0) return { k: 'pelem', t, index: this.privateIndex() };
      const vs = (this.piped.length > 0 ? [...this.vars, ...this.piped] : this.vars).filter((v) => v.t === t);
      const c = this.int(4);
      if (c === 0 && t !== 'bool') return this.lit(t);
      if (c === 1 && t === 'u32' && this.counters.length > 0) return { k: 'var', t, name: this.pick(this.counters) };
      if (c === 2 && t === 'u32') return { k: 'id', t, which: this.pick(['laneId', 'globalId', 'qpuId'] as const) };
      if (vs.length > 0) return { k: 'var', t, name: this.pick(vs).name };
      if (t === 'bool') return { k: 'bin', t, op: '<', a: { k: 'id', t: 'u32', which: 'laneId' }, b: { k: 'lit', t: 'u32', value: 8 } };
      if (this.inHelper) return this.lit(t); // helpers have no pointers
      return { k: 'load', t, array: t === 'i32' ? 'a' : t === 'u32' ? 'b' : 'f', index: this.index(0) };
    }
    const d = depth - 1;
    if (t === 'bool') {
      const c = this.int(5);
      if (c < 2) return this.cmp(d);
      if (c === 2) return { k: 'un', t, op: '!', a: this.expr('bool', d) };
      const op = this.pick(['&&', '||']);
      if (this.straight) return { k: 'bin', t, op: op === '&&' ? '==' : '!=', a: this.expr('bool', d), b: this.expr('bool', d) };
      return { k: 'bin', t, op, a: this.expr('bool', d), b: this.expr('bool', d) };
    }
    const c = this.int(10);
    if (c === 0 && !this.inHelper) return { k: 'load', t, array: t === 'i32' ? 'a' : t === 'u32' ? 'b' : 'f', index: this.index() };
    if (c === 1) {
      const from = this.pick((['i32', 'u32', 'f32'] as const).filter((x) => x !== t));
      return { k: 'cvt', t, a: this.expr(from, d) };
    }
    if (c === 2) return { k: 'sel', t, c: this.expr('bool', d), a: this.expr(t, d), b: this.nonLit(t, d) };
    if (c === 3) {
      if (t === 'f32') {
        const fn = this.pick(F_MATH);
        return { k: 'math', t, fn, args: fn === 'min' || fn === 'max' ? [this.nonLit(t, d), this.expr(t, d)] : [this.expr(t, d)] };
      }
      const fn = this.pick(['min', 'max', 'abs', 'imul', 'clz32']);
      return { k: 'math', t, fn, args: fn === 'abs' || fn === 'clz32' ? [this.nonLit(t, d)] : [this.nonLit(t, d), this.expr(t, d)] };
    }
    // Version 4: one u32 operation in two is a per-byte op.
    if (this.version === 4 && t === 'u32' && (c === 3 || c === 4) && this.int(2) === 0) return this.bytes(this.nonLit('u32', d), this.expr('u32', d));
    if (c === 4) return { k: 'un', t, op: t === 'f32' || this.int(2) === 0 ? '-' : '~', a: this.nonLit(t, d) };
    const callee = this.inHelper || this.straight ? undefined : this.helpers.find((h) => h.ret === t);
    if (c === 5 && callee) return { k: 'call', t, helper: callee.name, args: callee.params.map((p) => this.expr(p.t, d)) };
    const op = this.pick(t === 'f32' ? F_OPS : INT_OPS);
    return { k: 'bin', t, op, a: this.nonLit(t, d), b: this.expr(t, d) };
  }

  /**
   * The left operand of `x & mask`: any expression in version 1 (whose seeds keep their kernels), never a literal
   * in version 2 (two literals under one operator are typed i32, and version 2's u32 literals may not fit).
   */
  private operand(t: GenType, depth: number): GenExpr {
    return this.version === 2 ? this.nonLit(t, depth) : this.expr(t, depth);
  }

  private nonLit(t: GenType, depth: number): GenExpr {
    for (let i = 0; i < 4; i++) {
      const e = this.expr(t, depth);
      if (e.k !== 'lit') return e;
    }
    if (this.inHelper) return this.nonLitFallback(t);
    return { k: 'load', t, array: t === 'i32' ? 'a' : t === 'u32' ? 'b' : 'f', index: this.index(0) };
  }

  /** A non-literal leaf inside a helper, where there is no memory: a lane id, converted to t. */
  private nonLitFallback(t: GenType): GenExpr {
    const id: GenExpr = { k: 'id', t: 'u32', which: 'laneId' };
    if (t === 'bool') return { k: 'bin', t, op: '<', a: id, b: { k: 'lit', t: 'u32', value: 8 } };
    return t === 'u32' ? id : { k: 'cvt', t, a: id };
  }

  /** Version 4: a per-byte op of a and b. */
  private bytes(a: GenExpr, b: GenExpr): GenExpr {
    return { k: 'bytes', t: 'u32', fn: this.pick(BYTES_FNS), a, b };
  }

  private cmp(d: number): GenExpr {
    const t = this.pick(['i32', 'u32', 'f32'] as const);
    return { k: 'bin', t: 'bool', op: this.pick(CMP), a: this.nonLit(t, d), b: this.expr(t, d) };
  }

  private stmts(n: number, depth: number): GenStmt[] {
    const out: GenStmt[] = [];
    for (let i = 0; i < n; i++) out.push(this.stmt(depth));
    return out;
  }

  /** Version 3: an index into `pa`: a constant in range, or a run-time value that may be past its end. */
  private privateIndex(): GenExpr {
    if (this.int(2) === 0) return { k: 'lit', t: 'u32', value: this.int(PRIVATE_LEN) };
    // Mixed with the lane id, so it never folds to a constant (a constant past the end is a compile error).
    const a: GenExpr = { k: 'bin', t: 'u32', op: '^', a: { k: 'id', t: 'u32', which: 'laneId' }, b: this.nonLit('u32', 1) };
    return { k: 'bin', t: 'u32', op: '&', a, b: { k: 'lit', t: 'u32', value: 2 * PRIVATE_LEN - 1 } };
  }

  private stmt(depth: number): GenStmt {
    if (this.version === 3 && !this.inHelper) {
      const c3 = this.int(6);
      if (c3 === 0) return { k: 'pstore', index: this.privateIndex(), value: this.expr('i32', 2) };
      if (c3 === 1) {
        const op = this.pick(ATOMIC_OPS);
        const targets = this.vars.filter((v) => v.t === 'i32');
        const assign = targets.length > 0 && this.int(2) === 0 ? this.pick(targets).name : undefined;
        return { k: 'atomic', op, slot: this.int(OUT_SLOTS), value: this.expr('i32', 2), ...(op === 'cas' ? { desired: this.expr('i32', 2) } : {}), ...(assign ? { assign } : {}) };
      }
    }
    if (this.version === 4) {
      // The conditional forms a backend may fuse into one conditional op: v = c ? op(v, e) : v, v = op(v, c ? e : 0).
      const us = this.vars.filter((v) => v.t === 'u32');
      if (us.length > 0 && this.int(4) === 0) {
        const v = this.pick(us);
        const self: GenExpr = { k: 'var', t: 'u32', name: v.name };
        const cond = this.expr('bool', 2);
        const e = this.expr('u32', 2);
        const value: GenExpr = this.int(2) === 0
          ? { k: 'sel', t: 'u32', c: cond, a: this.bytes(self, e), b: self }
          : this.bytes(self, { k: 'sel', t: 'u32', c: cond, a: e, b: { k: 'lit', t: 'u32', value: 0 } });
        return { k: 'assign', name: v.name, value };
      }
    }
    if (this.version === 5 && !this.inHelper && this.pipes < 3 && this.int(5) === 0) return this.pipe();
    if (this.version === 2 && !this.inHelper) {
      if (this.stride && this.int(4) === 0) return { k: 'wstore', counter: this.stride, value: this.expr('i32', 3) };
      if (!this.stride && this.int(6) === 0) {
        // A grid-stride loop to a bound with room for offsets up to 3 (main loop plus remainder when long enough).
        const counter = `k${this.nextCounter++}`;
        this.loopDepth++;
        this.counters.push(counter);
        this.stride = counter;
        const body = this.stmts(1 + this.int(4), Math.max(depth - 1, 0));
        this.stride = undefined;
        this.counters.pop();
        this.loopDepth--;
        return { k: 'stride', counter, n: 1 + this.int(STREAM_LEN - 4), body };
      }
    }
    const c = this.int(depth <= 0 ? 4 : 10);
    if (c <= 1) {
      const v = this.pick(this.vars);
      return { k: 'assign', name: v.name, value: this.expr(v.t, 3) };
    }
    if (c === 2 && this.inHelper) {
      const v = this.pick(this.vars);
      return { k: 'assign', name: v.name, value: this.expr(v.t, 2) };
    }
    if (c === 2) {
      const f = this.int(2) === 0;
      return { k: 'store', array: f ? 'outf' : 'out', slot: this.int(OUT_SLOTS), value: this.expr(f ? 'f32' : 'i32', 3) };
    }
    if (c === 3) {
      if (this.loopDepth > 0 && this.int(2) === 0) return { k: this.pick(['break', 'continue'] as const) };
      if (this.int(4) === 0) return { k: 'if', c: this.expr('bool', 2), then: [this.inHelper ? { k: 'return', value: this.expr(this.inHelper, 2) } : { k: 'return' }], else: [] };
      const v = this.pick(this.vars);
      return { k: 'assign', name: v.name, value: this.expr(v.t, 1) };
    }
    if (c <= 5) return { k: 'if', c: this.expr('bool', 2), then: this.stmts(1 + this.int(3), depth - 1), else: this.int(2) ? this.stmts(this.int(3), depth - 1) : [] };
    if (c === 6) {
      const cases = [0, 1, 2].filter(() => this.r() < 0.7).map((value) => ({ value, body: this.stmts(1 + this.int(2), depth - 1), brk: this.r() < 0.7 }));
      return { k: 'switch', on: { k: 'bin', t: 'u32', op: '&', a: this.operand('u32', 1), b: { k: 'lit', t: 'u32', value: 3 } }, cases, dflt: this.stmts(this.int(2), depth - 1) };
    }
    const counter = `k${this.nextCounter++}`;
    this.loopDepth++;
    this.counters.push(counter);
    let s: GenStmt;
    if (c <= 8) s = { k: 'for', counter, bound: { k: 'bin', t: 'u32', op: '&', a: this.operand('u32', 1), b: { k: 'lit', t: 'u32', value: 7 } }, body: this.stmts(1 + this.int(3), depth - 1) };
    else s = { k: 'do', counter, bound: 1 + this.int(5), c: this.expr('bool', 1), body: this.stmts(1 + this.int(3), depth - 1) };
    this.counters.pop();
    this.loopDepth--;
    return s;
  }

  /**
   * Version 5: a software-pipelined loop (ast.ts): 1 to 10 values (at times more than the 8 words carry.ts
   * carries) from the input arrays, value j of iteration i at `(globalId + base + i · n + j) & 63`; a trip count from a
   * constant or a per-lane value (a divergent loop); a body of assignments that read the values; after the loop
   * each value folded into a kernel variable of its type.
   */
  private pipe(): GenStmt {
    this.pipes++;
    const id = this.nextCounter++;
    const counter = `k${id}`;
    const limit = `n${id}`;
    const form = this.int(3) === 0 ? 'while' : 'for';
    const n = this.pick([1, 2, 3, 4, 4, 6, 8, 10]);
    // Away from the other loads' `globalId & 63` (equal loads before the loop would be one value, used twice).
    const base = 5 + this.int(40);
    const u = (value: number): GenExpr => ({ k: 'lit', t: 'u32', value });
    const add = (a: GenExpr, b: number): GenExpr => (b === 0 ? a : { k: 'bin', t: 'u32', op: '+', a, b: u(b) });
    // The element of iteration `counter + ahead`: `for` loads the next one before its increment, `while` after it.
    const at = (ahead: number, j: number): GenExpr => {
      const step: GenExpr = { k: 'bin', t: 'u32', op: '*', a: { k: 'var', t: 'u32', name: counter }, b: u(n) };
      return { k: 'bin', t: 'u32', op: '&', a: { k: 'bin', t: 'u32', op: '+', a: { k: 'id', t: 'u32', which: 'globalId' }, b: add(step, base + ahead * n + j) }, b: u(INPUT_LEN - 1) };
    };
    const loads: PipeLoad[] = Array.from({ length: n }, (_, j) => {
      const t = this.pick(['i32', 'u32', 'f32'] as const);
      const array = t === 'i32' ? 'a' : t === 'u32' ? 'b' : 'f';
      const first: Extract<GenExpr, { k: 'load' }> = { k: 'load', t, array, index: { k: 'bin', t: 'u32', op: '&', a: add({ k: 'id', t: 'u32', which: 'globalId' }, base + j), b: u(INPUT_LEN - 1) } };
      return { name: `x${id}_${j}`, t, first, next: { k: 'load', t, array, index: at(form === 'for' ? 1 : 0, j) } };
    });
    // The trip count: a constant, the same run-time value in every lane (a uniform load), or a per-lane value.
    const mask = u(form === 'for' ? 31 : 7);
    const c = this.int(3);
    const bound: GenExpr = c === 0
      ? u(this.pick([0, 1, 2, 3, 5, 9]) * (form === 'for' ? n : 1))
      : { k: 'bin', t: 'u32', op: '&', a: c === 1 ? { k: 'load', t: 'u32', array: 'b', index: u(this.int(INPUT_LEN)) } : this.nonLit('u32', 1), b: mask };
    const outer = this.straight;
    this.piped.push(...loads.map((l) => ({ name: l.name, t: l.t })));
    this.counters.push(counter);
    this.straight = true;
    const body: GenStmt[] = [];
    for (let i = 1 + this.int(4); i > 0; i--) {
      const v = this.pick(this.vars);
      body.push({ k: 'assign', name: v.name, value: this.expr(v.t, 3) });
    }
    this.straight = outer;
    this.counters.pop();
    this.piped.splice(this.piped.length - loads.length);
    const after: GenStmt[] = loads.flatMap((l): GenStmt[] => {
      const v = this.vars.find((x) => x.t === l.t);
      if (!v) return [];
      const self: GenExpr = { k: 'var', t: l.t, name: v.name };
      return [{ k: 'assign', name: v.name, value: { k: 'bin', t: l.t, op: l.t === 'f32' ? '+' : '^', a: self, b: { k: 'var', t: l.t, name: l.name } } }];
    });
    return { k: 'pipe', form, counter, limit, bound, loads, body, after };
  }

  private helper(index: number): GenHelper {
    const ret = (['i32', 'u32', 'f32'] as const)[this.int(3)]!;
    const params = Array.from({ length: 1 + this.int(3) }, (_, i) => ({ name: `p${i}`, t: (['i32', 'u32', 'f32', 'bool'] as const)[this.int(4)]! }));
    const locals = params.map((p, i) => ({ name: `q${i}`, t: p.t, param: p.name }));
    this.vars = locals.map((l) => ({ name: l.name, t: l.t }));
    this.inHelper = ret;
    const body = this.stmts(1 + this.int(3), 2);
    const result = this.expr(ret, 2);
    this.inHelper = undefined;
    return { name: `h${index}`, params, ret, locals, body, result };
  }

  kernel(): GenKernel {
    const helperCount = this.int(3);
    for (let i = 0; i < helperCount; i++) this.helpers.push(this.helper(i));
    this.vars = [];
    const vars: GenKernel['vars'] = [];
    // Version 2: many variables, all live to the end (many live values).
    const n = this.version === 2 ? 8 + this.int(12) : 3 + this.int(4);
    for (let i = 0; i < n; i++) {
      const t = (['i32', 'u32', 'f32', 'bool'] as const)[i % 4]!;
      const init = this.expr(t, 2);
      vars.push({ name: `v${i}`, t, init });
      this.vars.push({ name: `v${i}`, t });
    }
    const body = this.stmts(3 + this.int(5), 3);
    if (this.version === 2) {
      // A hash-like chain of 8..23 arbitrary constants.
      const v = this.pick(vars.filter((x) => x.t === 'u32'));
      let e: GenExpr = { k: 'var', t: 'u32', name: v.name };
      for (let i = 8 + this.int(16); i > 0; i--) e = { k: 'bin', t: 'u32', op: this.pick(['+', '^', '*', '-', '|', '&']), a: e, b: this.anyConst('u32') };
      body.splice(this.int(body.length + 1), 0, { k: 'assign', name: v.name, value: e });
    }
    for (const v of vars.slice(0, 3)) {
      if (v.t === 'f32') body.push({ k: 'store', array: 'outf', slot: 3, value: { k: 'var', t: 'f32', name: v.name } });
      else if (v.t === 'i32') body.push({ k: 'store', array: 'out', slot: 3, value: { k: 'var', t: 'i32', name: v.name } });
    }
    if (this.version === 2) {
      // Every number variable stays live to here: their xor (ints) and sum (floats) go to slot 2.
      const ints = vars.filter((v) => v.t === 'i32' || v.t === 'u32').map((v): GenExpr => (v.t === 'i32' ? { k: 'var', t: 'i32', name: v.name } : { k: 'cvt', t: 'i32', a: { k: 'var', t: 'u32', name: v.name } }));
      const floats = vars.filter((v) => v.t === 'f32').map((v): GenExpr => ({ k: 'var', t: 'f32', name: v.name }));
      body.push({ k: 'store', array: 'out', slot: 2, value: ints.reduce((a, b) => ({ k: 'bin', t: 'i32', op: '^', a, b })) });
      body.push({ k: 'store', array: 'outf', slot: 2, value: floats.reduce((a, b) => ({ k: 'bin', t: 'f32', op: '+', a, b })) });
      return { version: 2, helpers: this.helpers, vars, body };
    }
    if (this.version === 3) {
      // The private array's elements end in slot 1 (their sum), so every write to it shows.
      const sum = Array.from({ length: PRIVATE_LEN }, (_, i): GenExpr => ({ k: 'pelem', t: 'i32', index: { k: 'lit', t: 'u32', value: i } }));
      body.push({ k: 'store', array: 'out', slot: 1, value: sum.reduce((a, b) => ({ k: 'bin', t: 'i32', op: '+', a, b })) });
      return { version: 3, helpers: this.helpers, vars, body };
    }
    return { ...(this.version === 4 || this.version === 5 ? { version: this.version } : {}), helpers: this.helpers, vars, body };
  }
}

/** Generator options. */
export interface GenOptions {
  /**
   * 1 (default): the kernels seeds have always mapped to. 2: also grid-stride
   * loops with remainders over a sixth array `w` (loads at the counter plus
   * 0..3, in-place stores), arbitrary 32-bit constants and a chain of them,
   * and 8..19 variables live to the end. 3: version 1 plus atomics on the
   * lane's own output words (old values assigned to variables) and a private
   * array indexed at constant and run-time (possibly out-of-range) indices.
   * 4: version 1 plus the per-byte intrinsics (`qpu.addBytesSat` …), also in
   * their conditional forms (`v = c ? op(v, e) : v`, `v = op(v, c ? e : 0)`).
   * 5: version 1 plus software-pipelined loops (values loaded before the
   * loop and again at the end of each iteration for the next one, read after
   * it: the loops compiler/backend/v3d/carry.ts carries loads across).
   * A seed's kernel differs between versions.
   */
  version?: GenVersion;
}

/** A random well-typed kernel for `seed`. */
export function generateKernel(seed: number, options: GenOptions = {}): GenKernel {
  return new Generator(seed, options.version ?? 1).kernel();
}

function num(e: Extract<GenExpr, { k: 'lit' }>): string {
  if (e.t === 'bool') return e.value ? 'true' : 'false';
  if (e.t === 'f32') return Number.isInteger(e.value) ? `${e.value}.0` : String(e.value);
  return String(e.value);
}

/** TypeScript text of an expression (fully parenthesised). */
export function printExpr(e: GenExpr): string {
  switch (e.k) {
    case 'lit': return e.value < 0 ? `(${num(e)})` : num(e);
    case 'var': return e.name;
    case 'bin': return `(${printExpr(e.a)} ${e.op} ${printExpr(e.b)})`;
    case 'un': return `(${e.op}${printExpr(e.a)})`;
    case 'cvt': return `${e.t}(${printExpr(e.a)})`;
    case 'load': return `${e.array}[${printExpr(e.index)}]`;
    case 'sel': return `(${printExpr(e.c)} ? ${printExpr(e.a)} : ${printExpr(e.b)})`;
    case 'math': return `Math.${e.fn}(${e.args.map(printExpr).join(', ')})`;
    case 'bytes': return `qpu.${e.fn}(${printExpr(e.a)}, ${printExpr(e.b)})`;
    case 'id': return `qpu.${e.which}()`;
    case 'call': return `Gen.${e.helper}(${e.args.map(printExpr).join(', ')})`;
    case 'elem': return `${e.array}[${e.offset ? `${e.counter} + ${e.offset}` : e.counter}]`;
    case 'pelem': return `pa[${printExpr(e.index)}]`;
  }
}

function printStmts(ss: GenStmt[], ind: string): string {
  return ss.map((s) => printStmt(s, ind)).join('');
}

function printStmt(s: GenStmt, ind: string): string {
  const i2 = `${ind}  `;
  switch (s.k) {
    case 'assign': return `${ind}${s.name} = ${printExpr(s.value)};\n`;
    case 'store': return `${ind}${s.array}[g * ${OUT_SLOTS} + ${s.slot}] = ${printExpr(s.value)};\n`;
    case 'if': return `${ind}if (${printExpr(s.c)}) {\n${printStmts(s.then, i2)}${ind}}${s.else.length ? ` else {\n${printStmts(s.else, i2)}${ind}}` : ''}\n`;
    case 'for': return `${ind}for (let ${s.counter}: u32 = 0; ${s.counter} < ${printExpr(s.bound)}; ${s.counter}++) {\n${printStmts(s.body, i2)}${ind}}\n`;
    case 'do': return `${ind}let ${s.counter}: u32 = 0;\n${ind}do {\n${i2}${s.counter}++;\n${printStmts(s.body, i2)}${ind}} while (${s.counter} < ${s.bound} && ${printExpr(s.c)});\n`;
    case 'switch': {
      const cases = s.cases.map((c) => `${i2}case ${c.value}: {\n${printStmts(c.body, `${i2}  `)}${c.brk ? `${i2}  break;\n` : ''}${i2}}\n`).join('');
      return `${ind}switch (${printExpr(s.on)}) {\n${cases}${i2}default: {\n${printStmts(s.dflt, `${i2}  `)}${i2}}\n${ind}}\n`;
    }
    case 'break': return `${ind}break;\n`;
    case 'continue': return `${ind}continue;\n`;
    case 'return': return `${ind}return${s.value ? ` ${printExpr(s.value)}` : ''};\n`;
    case 'stride': return `${ind}for (let ${s.counter}: u32 = qpu.globalId(); ${s.counter} < ${s.n}; ${s.counter} += qpu.globalCount()) {\n${printStmts(s.body, i2)}${ind}}\n`;
    case 'wstore': return `${ind}w[${s.counter}] = ${printExpr(s.value)};\n`;
    case 'pstore': return `${ind}pa[${printExpr(s.index)}] = ${printExpr(s.value)};\n`;
    case 'pipe': {
      const n = s.loads.length;
      const next = s.loads.map((l) => `${i2}${l.name} = ${printExpr(l.next)};\n`).join('');
      const head = s.form === 'for'
        ? `${ind}for (; ((${s.counter} * ${n}) + ${n}) <= ${s.limit}; ${s.counter}++) {\n${printStmts(s.body, i2)}${next}`
        : `${ind}while (${s.limit} > 0) {\n${printStmts(s.body, i2)}${i2}${s.limit}--;\n${i2}${s.counter}++;\n${next}`;
      return `${ind}let ${s.counter}: u32 = 0;\n${ind}let ${s.limit}: u32 = ${printExpr(s.bound)};\n${s.loads.map((l) => `${ind}let ${l.name}: ${l.t} = ${printExpr(l.first)};\n`).join('')}${head}${ind}}\n${printStmts(s.after, ind)}`;
    }
    case 'atomic': {
      const args = [`out`, `g * ${OUT_SLOTS} + ${s.slot}`, printExpr(s.value), ...(s.desired ? [printExpr(s.desired)] : [])];
      return `${ind}${s.assign ? `${s.assign} = ` : ''}qpu.${ATOMIC_NAMES[s.op]}(${args.join(', ')});\n`;
    }
  }
}

/** The kernel as a TypeScript source file: class `Gen`, kernel `k`. */
export function printKernel(k: GenKernel): string {
  const decls = k.vars.map((v) => `    let ${v.name}: ${v.t} = ${printExpr(v.init)};\n`).join('');
  const helpers = k.helpers.map((h) => {
    const locals = h.locals.map((l) => `    let ${l.name}: ${l.t} = ${l.param};\n`).join('');
    return `  @device\n  static ${h.name}(${h.params.map((p) => `${p.name}: ${p.t}`).join(', ')}): ${h.ret} {\n${locals}${printStmts(h.body, '    ')}    return ${printExpr(h.result)};\n  }\n\n`;
  }).join('');
  return `import { kernel, device, qpu, f32, i32, u32, type bool, type Ptr } from 'qpuc';

export class Gen {
${helpers}  @kernel
  static k(a: Ptr<i32>, b: Ptr<u32>, f: Ptr<f32>, out: Ptr<i32>, outf: Ptr<f32>${k.version === 2 ? ', w: Ptr<i32>' : ''}): void {
    const g = qpu.globalId();
${k.version === 3 ? `    const pa: i32[] = [${Array.from({ length: PRIVATE_LEN }, (_, i) => i).join(', ')}];\n` : ''}${decls}${printStmts(k.body, '    ')}  }
}
`;
}
