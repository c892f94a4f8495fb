/**
 * Statement lowering and the entry points that lower one kernel (with its
 * `@device` callees inlined at every call) to IR.
 */
import type { ts } from 'ts-morph';
import { typescript } from './typescript.ts';
import type { Block, IrFunction } from '../ir/types.ts';
import { newBlock } from '../ir/builder.ts';
import type { Diagnostic } from '../diagnostics.ts';
import type { MethodInfo, Program } from './discover.ts';
import { Scope } from './context.ts';
import type { Binding, JumpTarget } from './context.ts';
import { CallLowerer } from './calls.ts';
import { constantOf } from './context.ts';
import { MAX_INLINED_CHARS } from './limits.ts';
import type { Typed } from './expr.ts';
import type { LangType } from './types.ts';
import { langTypeText, sameType, typeFromNode, isIntType } from './types.ts';

const UNSUPPORTED_STATEMENTS: Partial<Record<ts.SyntaxKind, string>> = {
  [typescript.SyntaxKind.ThrowStatement]: 'throw', [typescript.SyntaxKind.TryStatement]: 'try', [typescript.SyntaxKind.ForOfStatement]: 'for...of',
  [typescript.SyntaxKind.ForInStatement]: 'for...in', [typescript.SyntaxKind.WithStatement]: 'with', [typescript.SyntaxKind.DebuggerStatement]: 'debugger',
  [typescript.SyntaxKind.ClassDeclaration]: 'class', [typescript.SyntaxKind.ImportDeclaration]: 'import', [typescript.SyntaxKind.EnumDeclaration]: 'enum',
  [typescript.SyntaxKind.InterfaceDeclaration]: 'interface', [typescript.SyntaxKind.TypeAliasDeclaration]: 'type',
};

/** Lowers statements; together with ExprLowerer, a whole kernel. */
export class Lowerer extends CallLowerer {
  /** Lowers the kernel `m` into this.fn. */
  lowerKernel(m: MethodInfo): void {
    this.file = { sf: m.source, file: m.file };
    const exit = newBlock(this.fn);
    this.ret = { block: exit, type: 'void', vars: [] };
    const rt = m.decl.type ? typeFromNode(typescript, m.decl.type) : 'void';
    if (m.decl.type && rt !== 'void') this.error(m.decl.type, 'returnType', [m.decl.type.getText(m.source)]);
    for (const p of m.decl.parameters) {
      const t = this.paramType(p);
      const name = p.name.getText(m.source);
      const v = { id: this.fn.nextValueId++, type: t === 'void' ? ('i32' as const) : t, uniform: true, name };
      this.fn.params.push({ name, value: v });
      this.scope.vars.set(name, { name, type: t, kind: 'param', value: v });
    }
    if (m.decl.body) this.block(m.decl.body.statements);
    if (!this.dead) this.jump(exit, []);
    this.finishHiddenParams();
    // Keep the exit block last: it reads best and backends fall through into it.
    this.fn.blocks = [...this.fn.blocks.filter((b) => b !== exit), exit];
  }

  private paramType(p: ts.ParameterDeclaration): LangType {
    const name = p.name.getText(this.file.sf);
    if (!typescript.isIdentifier(p.name)) this.error(p.name, 'destructuring');
    if (p.initializer || p.questionToken || p.dotDotDotToken) this.error(p, 'unsupportedExpression', ['an optional, default or rest parameter']);
    if (!p.type) {
      this.error(p, 'missingType', [name]);
      return 'i32';
    }
    const t = typeFromNode(typescript, p.type);
    if (!t || t === 'void') {
      this.error(p.type, 'unknownType', [p.type.getText(this.file.sf)]);
      return 'i32';
    }
    return t;
  }

  /** Checks a device function nobody calls, as if called with fresh arguments, so its errors are reported too. */
  checkDevice(m: MethodInfo): void {
    this.file = { sf: m.source, file: m.file };
    const rt = m.decl.type ? typeFromNode(typescript, m.decl.type) : 'void';
    if (!rt) this.error(m.decl.type!, 'unknownType', [m.decl.type!.getText(m.source)]);
    const ret = rt ?? 'i32';
    this.ret = { block: this.join([], ret === 'void' ? [] : [ret]), type: ret, vars: [] };
    this.callStack.push(`${m.className}.${m.name}`);
    for (const p of m.decl.parameters) {
      const t = this.paramType(p);
      const name = p.name.getText(m.source);
      const v = { id: this.fn.nextValueId++, type: t === 'void' ? ('i32' as const) : t, uniform: true, name };
      this.scope.vars.set(name, { name, type: t, kind: 'param', value: v });
    }
    if (m.decl.body) this.block(m.decl.body.statements);
    if (!this.dead && ret !== 'void') this.error(m.decl.name, 'missingReturn', [`${m.className}.${m.name}`]);
  }

  protected inlineBody(m: MethodInfo, call: ts.CallExpression): Typed {
    const key = `${m.className}.${m.name}`;
    // Each call inlines the whole callee: bound the total, or a chain of functions calling the next twice explodes.
    this.inlinedChars += m.decl.getEnd() - m.decl.getStart(m.source);
    if (this.inlinedChars > MAX_INLINED_CHARS) {
      if (!this.inlineLimitReported) this.error(call, 'inlineTooLarge', [key, MAX_INLINED_CHARS]);
      this.inlineLimitReported = true;
      for (const a of call.arguments) this.expr(a);
      return this.bad();
    }
    this.inlined.add(key);
    // Parameter types come from the callee's file; arguments are lowered in the caller's.
    const callerFile = this.file;
    this.file = { sf: m.source, file: m.file };
    const types = m.decl.parameters.map((p) => this.paramType(p));
    const rt = m.decl.type ? typeFromNode(typescript, m.decl.type) : 'void';
    if (!rt) this.error(m.decl.type!, 'unknownType', [m.decl.type!.getText(m.source)]);
    this.file = callerFile;
    const args = call.arguments.map((a, i) => this.exprOf(a, types[i]!));
    const ret = rt ?? 'i32';
    const cont = this.join([], ret === 'void' ? [] : [ret]);
    const saved = { scope: this.scope, jumps: this.jumps, ret: this.ret, file: this.file };
    this.scope = new Scope();
    this.jumps = [];
    this.ret = { block: cont, type: ret, vars: [] };
    this.file = { sf: m.source, file: m.file };
    this.callStack.push(key);
    try {
      m.decl.parameters.forEach((p, i) => {
        const name = p.name.getText(m.source);
        this.scope.vars.set(name, { name, type: types[i]!, kind: 'param', value: args[i]!.v });
      });
      if (m.decl.body) this.block(m.decl.body.statements);
      if (!this.dead) {
        if (ret === 'void') this.jump(cont, []);
        else {
          this.error(m.decl.name, 'missingReturn', [key]);
          this.jump(cont, [], [this.w.const(ret, 0)]);
        }
      }
    } finally {
      this.callStack.pop();
      Object.assign(this, saved);
    }
    this.enter(cont);
    return ret === 'void' ? { v: this.w.const('i32', 0), t: 'void' } : { v: cont.params[0]!, t: ret };
  }

  private block(stmts: readonly ts.Statement[]): void {
    this.inScope(() => {
      for (const s of stmts) this.stmt(s);
    });
  }

  private stmt(s: ts.Statement): void {
    this.peeked.clear();
    this.w.loc = this.locOf(s);
    if (typescript.isBlock(s)) return this.block(s.statements);
    if (typescript.isEmptyStatement(s)) return;
    if (typescript.isVariableStatement(s)) return this.varDecl(s.declarationList);
    if (typescript.isExpressionStatement(s)) {
      this.expr(s.expression);
      return;
    }
    if (typescript.isIfStatement(s)) return this.ifStmt(s);
    if (typescript.isWhileStatement(s)) return this.loop(undefined, s.expression, undefined, s.statement, false);
    if (typescript.isDoStatement(s)) return this.loop(undefined, s.expression, undefined, s.statement, true);
    if (typescript.isForStatement(s)) {
      this.inScope(() => {
        const counts = this.countedLoop(s);
        const unroll = counts && this.indexesArray(s.statement) ? counts : undefined;
        if (unroll) this.unrolled(s, unroll);
        else this.loop(s.initializer, s.condition, s.incrementor, s.statement, false);
      });
      return;
    }
    if (typescript.isLabeledStatement(s)) {
      const inner = s.statement;
      if (!(typescript.isForStatement(inner) || typescript.isWhileStatement(inner) || typescript.isDoStatement(inner))) {
        this.error(s.label, 'labeledNonLoop');
        return this.stmt(inner);
      }
      this.pendingLabel = s.label.text;
      return this.stmt(inner);
    }
    if (typescript.isBreakStatement(s) || typescript.isContinueStatement(s)) return this.breakContinue(s);
    if (typescript.isReturnStatement(s)) return this.returnStmt(s);
    if (typescript.isSwitchStatement(s)) return this.switchStmt(s);
    if (typescript.isFunctionDeclaration(s)) return this.error(s, 'nestedFunction');
    const what = UNSUPPORTED_STATEMENTS[s.kind] ?? typescript.SyntaxKind[s.kind];
    this.error(s, 'unsupportedStatement', [what]);
  }

  private pendingLabel: string | undefined;

  private varDecl(list: ts.VariableDeclarationList): void {
    const isConst = (list.flags & typescript.NodeFlags.Const) !== 0;
    const isLet = (list.flags & typescript.NodeFlags.Let) !== 0;
    if (!isConst && !isLet) this.error(list, 'varDeclaration');
    for (const d of list.declarations) {
      if (!typescript.isIdentifier(d.name)) {
        this.error(d.name, 'destructuring');
        continue;
      }
      const name = d.name.text;
      if (this.scope.vars.has(name)) this.error(d.name, 'shadowing', [name]);
      if (this.arrayDecl(d, name)) continue;
      let declared: LangType | undefined;
      if (d.type) {
        declared = typeFromNode(typescript, d.type);
        if (!declared || declared === 'void') {
          this.error(d.type, 'unknownType', [d.type.getText(this.file.sf)]);
          declared = undefined;
        }
      }
      if (!d.initializer) {
        this.error(d.name, 'missingInitializer', [name]);
        this.scope.vars.set(name, { name, type: declared ?? 'i32', kind: isConst ? 'const' : 'let', value: this.bad(declared ?? 'i32').v });
        continue;
      }
      const lit = isConst && !declared ? this.flex(d.initializer) : undefined;
      // A literal const's own type matters only where context gives none: i32 when it fits, else u32.
      const own = lit && !lit.float && Number.isInteger(lit.value) && (lit.value < -2147483648 || lit.value > 2147483647) ? 'u32' : undefined;
      const v = declared ? this.exprOf(d.initializer, declared) : this.expr(d.initializer, own);
      if (v.t === 'void' && !v.bad) this.error(d.initializer, 'voidValue');
      this.scope.vars.set(name, { name, type: v.t === 'void' ? 'i32' : v.t, kind: isConst ? 'const' : 'let', value: v.v, ...(lit && !v.bad ? { literal: lit } : {}) });
    }
  }

  private ifStmt(s: ts.IfStatement): void {
    const c = this.cond(s.expression);
    // A constant condition (after unrolling) leaves one arm unreachable: lowered as usual, but its constant indices
    // are not checked against array lengths (it never runs).
    const k = constantOf(this.fn, c);
    const vars = this.mutables();
    const saved = vars.map((v) => v.value);
    const thenB = this.join([]);
    const merge = this.join(vars);
    const elseB = s.elseStatement ? this.join([]) : merge;
    this.branch(c, thenB, [], elseB, s.elseStatement ? [] : vars);
    this.enter(thenB);
    this.unreachableIf(k === 0, () => this.inScope(() => this.stmt(s.thenStatement)));
    if (!this.dead) this.jump(merge, vars);
    if (s.elseStatement) {
      vars.forEach((v, i) => (v.value = saved[i]!));
      this.enter(elseB);
      this.unreachableIf(k !== undefined && k !== 0, () => this.inScope(() => this.stmt(s.elseStatement!)));
      if (!this.dead) this.jump(merge, vars);
    }
    this.enter(merge, vars);
  }

  private loop(init: ts.ForInitializer | undefined, cond: ts.Expression | undefined, incr: ts.Expression | undefined, body: ts.Statement, bodyFirst: boolean): void {
    const label = this.pendingLabel;
    this.pendingLabel = undefined;
    if (init) {
      if (typescript.isVariableDeclarationList(init)) this.varDecl(init);
      else this.expr(init);
    }
    const vars = this.mutables();
    const header = this.join(vars);
    const exit = this.join(vars);
    // `continue` goes to the increment (for), the condition (do-while) or the header (while).
    const latch = incr || bodyFirst ? this.join(vars) : header;
    this.jump(header, vars);
    this.enter(header, vars);
    const bodyB = this.join([]);
    if (bodyFirst || !cond) this.jump(bodyB, []);
    else {
      this.w.loc = this.locOf(cond);
      this.branch(this.cond(cond), bodyB, [], exit, vars);
    }
    this.enter(bodyB);
    const target: JumpTarget = { isSwitch: false, breakTo: exit, continueTo: latch, vars, ...(label ? { label } : {}) };
    this.jumps.push(target);
    this.inScope(() => this.stmt(body));
    this.jumps.pop();
    if (!this.dead) this.jump(latch, vars);
    if (latch !== header) {
      this.enter(latch, vars);
      if (incr) this.expr(incr);
      if (bodyFirst && cond) {
        this.w.loc = this.locOf(cond);
        this.branch(this.cond(cond), header, vars, exit, vars);
      } else this.jump(header, vars);
    }
    this.enter(exit, vars);
  }

  /** A `for` loop lowered once per counter value (see countedLoop, arrays.ts); `break` leaves, `continue` goes to the next copy. */
  private unrolled(s: ts.ForStatement, counts: number[]): void {
    const label = this.pendingLabel;
    this.pendingLabel = undefined;
    this.varDecl(s.initializer as ts.VariableDeclarationList);
    const d = (s.initializer as ts.VariableDeclarationList).declarations[0]!;
    const counter = this.scope.vars.get((d.name as ts.Identifier).text);
    if (!counter || !isIntType(counter.type)) {
      // An f32 or ill-typed counter: lower the loop as written.
      this.loop(undefined, s.condition, s.incrementor, s.statement, false);
      return;
    }
    // Constant in each copy (the body never assigns it): not carried through joins, so indices stay constants.
    counter.kind = 'const';
    const vars = this.mutables();
    const exit = this.join(vars);
    for (const k of counts) {
      this.w.loc = this.locOf(s);
      counter.value = this.w.const(counter.type, counter.type === 'u32' ? k >>> 0 : k | 0);
      const next = this.join(vars);
      this.jumps.push({ isSwitch: false, breakTo: exit, continueTo: next, vars, ...(label ? { label } : {}) });
      this.inScope(() => this.stmt(s.statement));
      this.jumps.pop();
      if (!this.dead) this.jump(next, vars);
      this.enter(next, vars);
    }
    this.jump(exit, vars);
    this.enter(exit, vars);
  }

  private breakContinue(s: ts.BreakStatement | ts.ContinueStatement): void {
    const isBreak = typescript.isBreakStatement(s);
    const label = s.label?.text;
    let t: JumpTarget | undefined;
    for (let i = this.jumps.length - 1; i >= 0; i--) {
      const j = this.jumps[i]!;
      if (label ? j.label === label : isBreak || !j.isSwitch) {
        t = j;
        break;
      }
    }
    if (!t) {
      if (label) this.error(s.label!, 'unknownLabel', [label]);
      else this.error(s, 'breakOutsideLoop', [isBreak ? 'break' : 'continue']);
      return;
    }
    const dest = isBreak ? t.breakTo : t.continueTo;
    if (!dest) {
      this.error(s, 'breakOutsideLoop', ['continue']);
      return;
    }
    this.jump(dest, t.vars);
  }

  private returnStmt(s: ts.ReturnStatement): void {
    const r = this.ret;
    if (r.type === 'void') {
      if (s.expression) {
        const isKernel = this.callStack.length === 0;
        this.error(s.expression, isKernel ? 'returnValueInKernel' : 'typeMismatch', isKernel ? [] : ['a value', 'void']);
      }
      this.jump(r.block, []);
      return;
    }
    if (!s.expression) {
      this.error(s, 'typeMismatch', ['void', langTypeText(r.type)]);
      this.jump(r.block, [], [this.w.const(r.type, 0)]);
      return;
    }
    const v = this.exprOf(s.expression, r.type);
    this.jump(r.block, [], [v.v]);
  }

  private switchStmt(s: ts.SwitchStatement): void {
    const d = this.expr(s.expression, 'i32');
    if (!d.bad && !isIntType(d.t)) this.error(s.expression, 'switchNotInt', [langTypeText(d.t)]);
    const t = isIntType(d.t) ? d.t : 'i32';
    const vars = this.mutables();
    const exit = this.join(vars);
    const clauses = s.caseBlock.clauses;
    const bodies: Block[] = clauses.map(() => this.join(vars));
    const seen = new Set<number>();
    let defaultBody: Block | undefined;
    // A constant discriminant (after unrolling) enters one clause; the others' bodies run only when one before them
    // that runs falls through into them. A body that never runs is lowered as usual, but its constant indices are
    // not checked against array lengths (as in an `if` arm, ifStmt).
    const known = d.bad ? undefined : constantOf(this.fn, d.v);
    const discriminant = known === undefined ? undefined : t === 'i32' ? known | 0 : known >>> 0;
    const entered: boolean[] = clauses.map(() => discriminant === undefined);
    clauses.forEach((c, i) => {
      if (typescript.isDefaultClause(c)) {
        defaultBody = bodies[i];
        return;
      }
      const x = this.flex(c.expression)?.value;
      if (x === undefined || !Number.isInteger(x)) {
        this.error(c.expression, 'caseNotConstant');
        return;
      }
      if (seen.has(x)) this.error(c.expression, 'duplicateCase', [x]);
      if (discriminant !== undefined && (t === 'i32' ? x | 0 : x >>> 0) === discriminant) entered[i] = true;
      seen.add(x);
      const k = this.literal(c.expression, x, t);
      this.w.loc = this.locOf(c);
      const eq = this.w.emit('cmp', [d.v, k.v], 'bool', { pred: 'eq' });
      const next = this.join([]);
      this.branch(eq, bodies[i]!, vars, next, []);
      this.enter(next);
    });
    this.jump(defaultBody ?? exit, vars);
    if (!entered.some((e) => e)) clauses.forEach((c, i) => (entered[i] = typescript.isDefaultClause(c)));
    this.jumps.push({ isSwitch: true, breakTo: exit, vars });
    let runs = false;
    clauses.forEach((c, i) => {
      this.enter(bodies[i]!, vars);
      runs = entered[i]! || runs;
      this.unreachableIf(!runs, () =>
        this.inScope(() => {
          for (const st of c.statements) this.stmt(st);
        }),
      );
      // Falling through into the next clause is allowed, as in TypeScript.
      if (!this.dead) this.jump(bodies[i + 1] ?? exit, vars);
      else runs = false;
    });
    this.jumps.pop();
    this.enter(exit, vars);
  }
}

/** Lowers one kernel to IR, appending problems to `diagnostics`; returns the device functions it inlined. */
export function lowerKernel(prog: Program, m: MethodInfo, fn: IrFunction, diagnostics: Diagnostic[]): Set<string> {
  const l = new Lowerer(fn, prog, diagnostics);
  l.fastMath = m.options.fastMath === true;
  l.lowerKernel(m);
  return l.inlined;
}

/** Type-checks a device function that no kernel calls (its IR is thrown away). */
export function checkDevice(prog: Program, m: MethodInfo, fn: IrFunction, diagnostics: Diagnostic[]): void {
  new Lowerer(fn, prog, diagnostics).checkDevice(m);
}

