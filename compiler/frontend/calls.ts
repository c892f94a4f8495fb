/**
 * Call lowering: the conversion functions `f32 i32 u32`, the `qpu.*`,
 * `qpu.fast.*` and `Math.*` intrinsics (from the tables in intrinsics.ts),
 * and `@device` functions, inlined at each call.
 */
import type { ts } from 'ts-morph';
import { typescript } from './typescript.ts';
import { isPtr } from '../ir/types.ts';
import { skipParens } from './expr.ts';
import { ArrayLowerer } from './arrays.ts';
import type { Typed } from './expr.ts';
import type { LangType } from './types.ts';
import { isIntType, isNumericType, langTypeText, sameType } from './types.ts';
import { FAST_INTRINSICS, MATH_INTRINSICS, QPU_INTRINSICS } from './intrinsics.ts';
import type { Intrinsic } from './intrinsics.ts';
import type { MethodInfo } from './discover.ts';
import { lowerWorkgroupCall, WORKGROUP_INTRINSICS } from './workgroups.ts';

/** Expression lowering plus calls. */
export abstract class CallLowerer extends ArrayLowerer {
  protected call(e: ts.CallExpression, expected?: LangType): Typed {
    const callee = skipParens(e.expression);
    if (e.arguments.some((a) => typescript.isSpreadElement(a))) {
      this.error(e, 'spreadArgs');
      return this.bad();
    }
    if (typescript.isIdentifier(callee) && (callee.text === 'f32' || callee.text === 'i32' || callee.text === 'u32')) return this.conversion(e, callee.text);
    if (typescript.isPropertyAccessExpression(callee)) {
      const obj = skipParens(callee.expression);
      const name = callee.name.text;
      if (typescript.isIdentifier(obj) && obj.text === 'qpu' && WORKGROUP_INTRINSICS.has(name)) return this.workgroupCall(e, name);
      if (typescript.isIdentifier(obj) && obj.text === 'qpu' && QPU_INTRINSICS[name]) return this.intrinsic(e, QPU_INTRINSICS[name], `qpu.${name}`, expected);
      if (typescript.isIdentifier(obj) && obj.text === 'Math' && MATH_INTRINSICS[name]) return this.intrinsic(e, MATH_INTRINSICS[name], `Math.${name}`, expected);
      if (typescript.isPropertyAccessExpression(obj) && obj.name.text === 'fast' && typescript.isIdentifier(obj.expression) && obj.expression.text === 'qpu' && FAST_INTRINSICS[name]) return this.intrinsic(e, FAST_INTRINSICS[name], `qpu.fast.${name}`, expected);
      if (typescript.isIdentifier(obj)) {
        const cls = this.prog.classAliases.get(this.file.file)?.get(obj.text) ?? obj.text;
        const m = this.prog.methods.get(`${cls}.${name}`);
        if (m && m.kind === 'device') return this.deviceCall(e, m);
      }
    }
    this.error(e.expression, 'kernelCall', [callee.getText(this.file.sf)]);
    for (const a of e.arguments) this.expr(a);
    return this.bad(expected);
  }

  /** `qpu.localId()`, `qpu.shared<T>(n)` and the rest of compiler/frontend/workgroups.ts. */
  private workgroupCall(e: ts.CallExpression, name: string): Typed {
    const r = lowerWorkgroupCall({
      ctx: this,
      emitAt: (node, op, args, type, attrs) => this.emitAt(node, op, args, type, attrs),
      constant: (x) => this.flex(x)?.value,
      inKernelBody: () => this.callStack.length === 0,
    }, e, name);
    if ('bad' in r) {
      for (const a of e.arguments) if (this.flex(a) === undefined) this.expr(a);
      // A value of the type the call would have had, so later uses report nothing more.
      return this.bad(name === 'shared' ? { ptr: 'f32' } : name === 'workgroupBarrier' ? 'void' : 'u32');
    }
    return { v: r.v, t: r.t };
  }

  private argCount(e: ts.CallExpression, n: number): boolean {
    if (e.arguments.length === n) return true;
    this.error(e, 'argumentCount', [n, e.arguments.length]);
    return false;
  }

  private conversion(e: ts.CallExpression, to: 'f32' | 'i32' | 'u32'): Typed {
    if (!this.argCount(e, 1)) return this.bad(to);
    const arg = e.arguments[0]!;
    const f = this.flex(arg);
    if (f !== undefined) {
      const lit = f.value;
      // A literal argument has its own type first (f32 when written as a float; else i32, or u32 when
      // only that fits), then converts by the typed rules — folded here at compile time.
      const from = f.float ? 'f32' : lit >= -2147483648 && lit <= 2147483647 ? 'i32' : 'u32';
      const x = this.literal(arg, lit, from);
      if (x.bad) return this.bad(to);
      const v = from === to ? lit : to === 'f32' ? Math.fround(lit) : from === 'f32' ? convertLiteral(Math.fround(lit), to) : to === 'i32' ? lit | 0 : lit >>> 0;
      this.w.loc = this.locOf(e);
      return { v: this.w.const(to, to === 'f32' ? Math.fround(v) : v), t: to };
    }
    const x = this.expr(arg);
    if (x.bad) return this.bad(to);
    if (x.t === to) return x;
    if (x.t === 'void' || isPtr(x.t)) {
      this.error(arg, 'argumentType', [langTypeText(x.t), 'f32 | i32 | u32 | bool']);
      return this.bad(to);
    }
    if (x.t === 'bool') {
      const one = this.w.const(to, 1);
      const zero = this.w.const(to, 0);
      return { v: this.emitAt(e, 'select', [x.v, one, zero], to), t: to };
    }
    return { v: this.emitAt(e, 'cvt', [x.v], to), t: to };
  }

  private intrinsic(e: ts.CallExpression, k: Intrinsic, name: string, expected?: LangType): Typed {
    const arity = { id: 0, void0: 0, f32: 1, abs: 1, int1: 1, bool1: 1, reduce: 1, fround: 1, f32x2: 2, num2: 2, int2: 2, bytes2: 2, lanes: 2, atomic: 3, atomicCas: 4 }[k.shape];
    if (!this.argCount(e, arity)) return this.bad();
    const a = e.arguments;
    const numeric = (x: Typed, node: ts.Node, ok: (t: LangType) => boolean, what: string): boolean => {
      if (x.bad) return false;
      if (ok(x.t)) return true;
      this.error(node, 'argumentType', [langTypeText(x.t), what]);
      return false;
    };
    switch (k.shape) {
      case 'id':
        return { v: this.emitAt(e, k.op, [], 'u32'), t: 'u32' };
      case 'void0':
        this.w.loc = this.locOf(e);
        this.w.effect(k.op, []);
        return { v: this.w.const('i32', 0), t: 'void' };
      case 'f32':
      case 'fround': {
        const x = this.expr(a[0]!, 'f32');
        if (!numeric(x, a[0]!, (t) => t === 'f32', 'f32')) return this.bad('f32');
        return k.shape === 'fround' ? x : { v: this.emitAt(e, k.op, [x.v], 'f32', k.fast ? { fast: true } : undefined), t: 'f32' };
      }
      case 'f32x2': {
        const x = this.expr(a[0]!, 'f32');
        const y = this.expr(a[1]!, 'f32');
        if (!numeric(x, a[0]!, (t) => t === 'f32', 'f32') || !numeric(y, a[1]!, (t) => t === 'f32', 'f32')) return this.bad('f32');
        return { v: this.emitAt(e, k.op, [x.v, y.v], 'f32'), t: 'f32' };
      }
      case 'num2':
      case 'int2': {
        const ok = k.shape === 'int2' ? isIntType : isNumericType;
        const what = k.shape === 'int2' ? 'i32 | u32' : 'f32 | i32 | u32';
        const want = expected && ok(expected) ? expected : undefined;
        const lit0 = this.flex(a[0]!) !== undefined;
        const y0 = lit0 ? this.expr(a[1]!, want) : undefined;
        const x = this.expr(a[0]!, y0 ? y0.t : want);
        const y = y0 ?? this.expr(a[1]!, x.t);
        if (!numeric(x, a[0]!, ok, what) || !numeric(y, a[1]!, ok, what)) return this.bad(x.t);
        if (!sameType(x.t, y.t)) {
          this.error(e, 'operandMismatch', [name, langTypeText(x.t), langTypeText(y.t)]);
          return this.bad(x.t);
        }
        return { v: this.emitAt(e, x.t === 'f32' ? (k.fop ?? k.op) : k.op, [x.v, y.v], x.t), t: x.t };
      }
      case 'bytes2': {
        const x = this.expr(a[0]!, 'u32');
        const y = this.expr(a[1]!, 'u32');
        const u = (t: LangType): boolean => t === 'u32';
        if (!numeric(x, a[0]!, u, 'u32') || !numeric(y, a[1]!, u, 'u32')) return this.bad('u32');
        return { v: this.emitAt(e, k.op, [x.v, y.v], 'u32'), t: 'u32' };
      }
      case 'abs': {
        const x = this.expr(a[0]!, expected && isNumericType(expected) ? expected : undefined);
        if (!numeric(x, a[0]!, isNumericType, 'f32 | i32 | u32')) return this.bad(x.t);
        if (x.t === 'f32') return { v: this.emitAt(e, 'fabs', [x.v], 'f32'), t: 'f32' };
        if (x.t === 'u32') return x;
        // |x| = max(x, -x); |MIN| wraps to MIN, as i32 arithmetic does.
        const n = this.emitAt(e, 'neg', [x.v], 'i32');
        return { v: this.emitAt(e, 'max', [x.v, n], 'i32'), t: 'i32' };
      }
      case 'int1': {
        const x = this.expr(a[0]!, 'i32');
        if (!numeric(x, a[0]!, isIntType, 'i32 | u32')) return this.bad(x.t);
        return { v: this.emitAt(e, k.op, [x.v], x.t), t: x.t };
      }
      case 'bool1': {
        const c = this.cond(a[0]!);
        return { v: this.emitAt(e, k.op, [c], 'bool'), t: 'bool' };
      }
      case 'reduce': {
        const x = this.expr(a[0]!, expected && isNumericType(expected) ? expected : undefined);
        if (!numeric(x, a[0]!, isNumericType, 'f32 | i32 | u32')) return this.bad(x.t);
        return { v: this.emitAt(e, k.op, [x.v], x.t), t: x.t };
      }
      case 'atomic':
      case 'atomicCas':
        return this.atomic(e, k, name);
      case 'lanes': {
        const x = this.expr(a[0]!, expected && isNumericType(expected) ? expected : undefined);
        const n = this.expr(a[1]!, 'u32');
        if (!numeric(x, a[0]!, isNumericType, 'f32 | i32 | u32') || !numeric(n, a[1]!, isIntType, 'i32 | u32')) return this.bad(x.t);
        return { v: this.emitAt(e, k.op, [x.v, n.v], x.t), t: x.t };
      }
    }
  }

  /** `qpu.atomicOp(p, i, v)` / `qpu.atomicCompareExchange(p, i, expected, desired)` on a Ptr<i32|u32>: the old value. */
  private atomic(e: ts.CallExpression, k: Intrinsic, name: string): Typed {
    const [pa, ia, ...va] = e.arguments as unknown as ts.Expression[];
    const p = this.expr(pa!);
    const idx = this.expr(ia!, 'i32');
    if (p.bad) {
      for (const v of va) this.expr(v);
      return this.bad();
    }
    const elem = p.t !== 'void' && isPtr(p.t) ? p.t.ptr : undefined;
    if (elem !== 'i32' && elem !== 'u32') {
      this.error(pa!, 'atomicPointer', [name, langTypeText(p.t)]);
      for (const v of va) this.expr(v);
      return this.bad();
    }
    if (!idx.bad && !isIntType(idx.t)) this.error(ia!, 'indexType', [langTypeText(idx.t)]);
    const vals = va.map((v) => this.expr(v, elem));
    let ok = !idx.bad && isIntType(idx.t);
    vals.forEach((v, j) => {
      if (v.bad) ok = false;
      else if (!sameType(v.t, elem)) {
        this.error(va[j]!, 'argumentType', [langTypeText(v.t), elem]);
        ok = false;
      }
    });
    if (!ok) return this.bad(elem);
    const addr = this.emitAt(e, 'gep', [p.v, idx.v], p.t);
    const args = [addr, ...vals.map((v) => v.v)];
    return { v: this.emitAt(e, k.op, args, elem, k.rmw ? { rmw: k.rmw } : undefined), t: elem };
  }

  private deviceCall(e: ts.CallExpression, m: MethodInfo): Typed {
    const key = `${m.className}.${m.name}`;
    if (this.callStack.includes(key)) {
      this.error(e, 'recursion', [key]);
      return this.bad();
    }
    const params = m.decl.parameters;
    if (!this.argCount(e, params.length)) return this.bad();
    return this.inlineBody(m, e);
  }
}


/** f32 → i32/u32 by the documented rule: truncate toward zero, saturate, NaN → 0. */
function convertLiteral(x: number, to: 'i32' | 'u32'): number {
  if (Number.isNaN(x)) return 0;
  return to === 'i32' ? Math.max(-2147483648, Math.min(2147483647, Math.trunc(x))) : Math.max(0, Math.min(4294967295, Math.trunc(x)));
}

