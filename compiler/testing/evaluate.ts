/**
 * Direct evaluation of a generated kernel (compiler/testing/ast.ts) with the
 * semantics of docs/language.md, lane by lane. Written independently of the
 * compiler (no IR, no compiler/ir/eval.ts), so the differential test checks
 * the whole compiler against the documented meaning.
 */
import type { GenExpr, GenHelper, GenKernel, GenStmt, GenType } from './ast.ts';
import { INPUT_LEN, OUT_SLOTS, PRIVATE_LEN } from './ast.ts';

/** Inputs and outputs of a generated kernel. */
export interface GenMemory {
  a: Int32Array;
  b: Uint32Array;
  f: Float32Array;
  out: Int32Array;
  outf: Float32Array;
  /** Version 2 kernels: the sixth array, read and written at grid-stride counters. */
  w?: Int32Array;
}

const MIN = -2147483648;
/** Smallest normal f32: values below it (and not 0) are denormal, which the V3D float ALU flushes to zero. */
const MIN_NORMAL = 2 ** -126;
/** Set when an f32 value in the denormal range appears during {@link evaluateKernel}. */
let denormalSeen = false;

/** f32 rounding, noting denormal results. */
const f = (x: number): number => {
  const r = Math.fround(x);
  if (r !== 0 && Math.abs(r) < MIN_NORMAL) denormalSeen = true;
  return r;
};

function wrap(t: GenType, x: number): number {
  return t === 'i32' ? x | 0 : t === 'u32' ? x >>> 0 : t === 'f32' ? f(x) : x ? 1 : 0;
}

function binary(t: GenType, op: string, x: number, y: number): number {
  if (t === 'f32') {
    switch (op) {
      case '+': return f(x + y);
      case '-': return f(x - y);
      case '*': return f(x * y);
      case '/': return f(x / y);
    }
  }
  const s = y & 31;
  switch (op) {
    case '+': return wrap(t, x + y);
    case '-': return wrap(t, x - y);
    case '*': return wrap(t, Math.imul(x, y));
    case '/':
      if (y === 0) return x; // documented: x / 0 = x
      if (t === 'i32' && x === MIN && y === -1) return MIN;
      return wrap(t, Math.trunc(x / y));
    case '%':
      if (y === 0 || (t === 'i32' && x === MIN && y === -1)) return 0;
      return wrap(t, x % y);
    case '&': return wrap(t, x & y);
    case '|': return wrap(t, x | y);
    case '^': return wrap(t, x ^ y);
    case '<<': return wrap(t, x << s);
    case '>>': return t === 'i32' ? x >> s : x >>> s;
    case '>>>': return wrap(t, x >>> s);
  }
  throw new Error(`no binary ${op} on ${t}`);
}

function convert(to: GenType, from: GenType, x: number): number {
  if (to === 'f32') return f(x);
  if (from === 'f32') {
    if (Number.isNaN(x)) return 0;
    const tr = Math.trunc(x) + 0; // integers have no -0
    return to === 'i32' ? Math.min(2147483647, Math.max(MIN, tr)) : Math.min(4294967295, Math.max(0, tr));
  }
  return wrap(to, x);
}

/** Per-lane evaluation context: memory, lane, helpers, and the value of the last `return`. */
interface Ctx {
  mem: GenMemory;
  g: number;
  /** Work items in the launch (qpu.globalCount()). */
  count: number;
  helpers: Map<string, GenHelper>;
  returned: number;
}

/** Evaluates an expression in environment `env`. */
function expr(e: GenExpr, env: Map<string, number>, ctx: Ctx): number {
  const { mem, g } = ctx;
  const ev = (x: GenExpr) => expr(x, env, ctx);
  switch (e.k) {
    case 'lit': return e.t === 'f32' ? f(e.value) : e.value; // a literal takes its type: f32 literals round
    case 'var': return env.get(e.name)!;
    case 'id': return e.which === 'laneId' ? g % 16 : e.which === 'globalId' ? g : Math.floor(g / 16);
    case 'load': {
      const i = ev(e.index) % INPUT_LEN;
      return e.array === 'a' ? mem.a[i]! : e.array === 'b' ? mem.b[i]! : f(mem.f[i]!);
    }
    case 'elem': {
      const i = env.get(e.counter)! + e.offset;
      const arr = e.array === 'a' ? mem.a : e.array === 'b' ? mem.b : e.array === 'f' ? mem.f : mem.w!;
      if (i >= arr.length) throw new Error(`generated kernel reads ${e.array}[${i}] out of bounds`);
      return e.array === 'f' ? f(arr[i]!) : arr[i]!;
    }
    case 'pelem': {
      const i = ev(e.index);
      return i < PRIVATE_LEN ? env.get(`pa${i}`)! : 0; // documented: a run-time index past the end reads 0
    }
    case 'cvt': return convert(e.t, e.a.t, ev(e.a));
    case 'sel': return ev(e.c) ? ev(e.a) : ev(e.b);
    case 'un': {
      const x = ev(e.a);
      if (e.op === '!') return x ? 0 : 1;
      if (e.op === '~') return wrap(e.t, ~x);
      return e.t === 'f32' ? f(-x) : wrap(e.t, -x);
    }
    case 'bytes': {
      // Each of the four bytes on its own, as unsigned 8-bit values: a sum or difference saturates to 0 … 255.
      const x = ev(e.a) >>> 0;
      const y = ev(e.b) >>> 0;
      let r = 0;
      for (let k = 0; k < 32; k += 8) {
        const p = (x >>> k) & 0xff;
        const q = (y >>> k) & 0xff;
        const v = e.fn === 'addBytesSat' ? Math.min(p + q, 255) : e.fn === 'subBytesSat' ? Math.max(p - q, 0) : e.fn === 'minBytes' ? Math.min(p, q) : Math.max(p, q);
        r = (r | (v << k)) >>> 0;
      }
      return r;
    }
    case 'math': {
      const [x, y] = e.args.map(ev) as [number, number];
      switch (e.fn) {
        case 'min': return e.t === 'f32' ? f(Math.min(x, y)) : Math.min(x, y);
        case 'max': return e.t === 'f32' ? f(Math.max(x, y)) : Math.max(x, y);
        case 'abs': return e.t === 'f32' ? f(Math.abs(x)) : e.t === 'i32' ? Math.abs(x) | 0 : x;
        case 'imul': return wrap(e.t, Math.imul(x, y));
        case 'clz32': return Math.clz32(x);
        case 'sqrt': return f(Math.sqrt(x));
        case 'floor': return Math.floor(x);
        case 'ceil': return Math.ceil(x);
        case 'trunc': return Math.trunc(x);
        case 'round': return Math.round(x);
      }
      throw new Error(`no Math.${e.fn}`);
    }
    case 'call': {
      // Arguments are evaluated left to right, then the helper runs in its own environment.
      const h = ctx.helpers.get(e.helper)!;
      const local = new Map<string, number>();
      e.args.forEach((a, i) => local.set(h.params[i]!.name, ev(a)));
      for (const l of h.locals) local.set(l.name, local.get(l.param)!);
      if (stmts(h.body, local, ctx) === 'return') return ctx.returned;
      return expr(h.result, local, ctx);
    }
    case 'bin': {
      if (e.op === '&&') return ev(e.a) && ev(e.b) ? 1 : 0;
      if (e.op === '||') return ev(e.a) || ev(e.b) ? 1 : 0;
      const x = ev(e.a);
      const y = ev(e.b);
      switch (e.op) {
        case '<': return x < y ? 1 : 0;
        case '<=': return x <= y ? 1 : 0;
        case '>': return x > y ? 1 : 0;
        case '>=': return x >= y ? 1 : 0;
        case '==': return x === y ? 1 : 0;
        case '!=': return x !== y ? 1 : 0;
      }
      return binary(e.t, e.op, x, y);
    }
  }
}

/** The word an atomic leaves (docs/language.md, "Atomics"), on i32 words. */
function atomicResult(op: string, old: number, v: number, desired: number): number {
  switch (op) {
    case 'add': return (old + v) | 0;
    case 'sub': return (old - v) | 0;
    case 'min': return Math.min(old, v);
    case 'max': return Math.max(old, v);
    case 'and': return old & v;
    case 'or': return old | v;
    case 'xor': return old ^ v;
    case 'xchg': return v;
    case 'cas': return old === v ? desired : old;
  }
  throw new Error(`no atomic ${op}`);
}

type Signal = 'normal' | 'break' | 'continue' | 'return';

function stmts(ss: GenStmt[], env: Map<string, number>, ctx: Ctx): Signal {
  for (const s of ss) {
    const r = stmt(s, env, ctx);
    if (r !== 'normal') return r;
  }
  return 'normal';
}

function stmt(s: GenStmt, env: Map<string, number>, ctx: Ctx): Signal {
  const { mem, g } = ctx;
  const ev = (x: GenExpr) => expr(x, env, ctx);
  switch (s.k) {
    case 'assign': env.set(s.name, ev(s.value)); return 'normal';
    case 'store': {
      const v = ev(s.value);
      if (s.array === 'out') mem.out[g * OUT_SLOTS + s.slot] = v;
      else mem.outf[g * OUT_SLOTS + s.slot] = v;
      return 'normal';
    }
    case 'if': return ev(s.c) ? stmts(s.then, env, ctx) : stmts(s.else, env, ctx);
    case 'return':
      if (s.value) ctx.returned = ev(s.value);
      return 'return';
    case 'break': case 'continue': return s.k;
    case 'wstore': mem.w![env.get(s.counter)!] = ev(s.value); return 'normal';
    case 'pstore': {
      const i = ev(s.index);
      const v = ev(s.value);
      if (i < PRIVATE_LEN) env.set(`pa${i}`, v); // past the end: nothing
      return 'normal';
    }
    case 'atomic': {
      const v = ev(s.value);
      const d = s.desired ? ev(s.desired) : 0;
      const at = g * OUT_SLOTS + s.slot;
      const old = mem.out[at]!;
      mem.out[at] = atomicResult(s.op, old, v, d);
      if (s.assign) env.set(s.assign, old);
      return 'normal';
    }
    case 'stride':
      for (env.set(s.counter, g); env.get(s.counter)! < s.n; env.set(s.counter, env.get(s.counter)! + ctx.count)) {
        const r = stmts(s.body, env, ctx);
        if (r === 'break') break;
        if (r === 'return') return r;
      }
      return 'normal';
    case 'for':
      for (env.set(s.counter, 0); env.get(s.counter)! < ev(s.bound); env.set(s.counter, (env.get(s.counter)! + 1) >>> 0)) {
        const r = stmts(s.body, env, ctx);
        if (r === 'break') break;
        if (r === 'return') return r;
      }
      return 'normal';
    case 'do':
      env.set(s.counter, 0);
      do {
        env.set(s.counter, env.get(s.counter)! + 1);
        const r = stmts(s.body, env, ctx);
        if (r === 'break') break;
        if (r === 'return') return r;
      } while (env.get(s.counter)! < s.bound && ev(s.c));
      return 'normal';
    case 'pipe': {
      const n = s.loads.length;
      const k = () => env.get(s.counter)!;
      env.set(s.counter, 0);
      env.set(s.limit, ev(s.bound));
      for (const l of s.loads) env.set(l.name, ev(l.first));
      // The body is assignments only (no break, continue or return).
      if (s.form === 'for') {
        for (; k() * n + n <= env.get(s.limit)!; env.set(s.counter, k() + 1)) {
          stmts(s.body, env, ctx);
          for (const l of s.loads) env.set(l.name, ev(l.next));
        }
      } else {
        while (env.get(s.limit)! > 0) {
          stmts(s.body, env, ctx);
          env.set(s.limit, env.get(s.limit)! - 1);
          env.set(s.counter, k() + 1);
          for (const l of s.loads) env.set(l.name, ev(l.next));
        }
      }
      return stmts(s.after, env, ctx);
    }
    case 'switch': {
      // Clauses in source order, default last; execution falls through until a break.
      const on = ev(s.on);
      const clauses = [...s.cases.map((c) => ({ body: c.body, brk: c.brk, hit: c.value === on })), { body: s.dflt, brk: false, hit: false }];
      let start = clauses.findIndex((c) => c.hit);
      if (start < 0) start = clauses.length - 1;
      for (const c of clauses.slice(start)) {
        const r = stmts(c.body, env, ctx);
        if (r === 'break') return 'normal';
        if (r !== 'normal') return r;
        if (c.brk) return 'normal';
      }
      return 'normal';
    }
  }
}

/**
 * Runs the kernel for every work item of `qpus` QPUs × 16 lanes (lanes are
 * independent: no cross-lane ops are generated). Returns whether any f32
 * value fell in the denormal range (0 < |x| < 2^-126): hardware that flushes
 * denormals to zero (the V3D float ALU, the emulator) may then differ.
 */
export function evaluateKernel(k: GenKernel, mem: GenMemory, qpus: number): { denormal: boolean } {
  denormalSeen = false;
  const helpers = new Map(k.helpers.map((h) => [h.name, h]));
  for (let g = 0; g < qpus * 16; g++) {
    const ctx: Ctx = { mem, g, count: qpus * 16, helpers, returned: 0 };
    const env = new Map<string, number>();
    env.set('g', g);
    if (k.version === 3) for (let i = 0; i < PRIVATE_LEN; i++) env.set(`pa${i}`, i);
    for (const v of k.vars) env.set(v.name, expr(v.init, env, ctx));
    stmts(k.body, env, ctx);
  }
  return { denormal: denormalSeen };
}
