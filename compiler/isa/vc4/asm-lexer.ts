/**
 * Tokens and constant expressions of vc4asm-syntax assembly: numbers,
 * identifiers with `.suffix` modifiers (`ra0.16a`, `fmul.ifzc`), label
 * references (`:name`, `r:name`) and C operators.
 */
import { f32Bits } from '../../ir/f32.ts';

/** One token with its 1-based column. */
export type Token =
  | { t: 'ident'; v: string; col: number }
  | { t: 'suffix'; v: string; col: number } // `.16a` glued to the previous token
  | { t: 'num'; v: number; float: boolean; col: number }
  | { t: 'op'; v: string; col: number };

/** A syntax error at a column of the current line. */
export class LineError extends Error {
  constructor(message: string, readonly col: number) {
    super(message);
  }
}

const OPS = ['<<', '>>', '==', '!=', '<=', '>=', '&&', '||', ',', ';', ':', '+', '-', '*', '/', '%', '(', ')', '[', ']', '&', '|', '^', '~', '!', '<', '>', '='];

/** Split one line (comments already removed) into tokens. */
export function tokenize(line: string, colBase = 1): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i] as string;
    const col = i + colBase;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    const prev = out[out.length - 1];
    const glued = i > 0 && !/\s/.test(line[i - 1] as string);
    if (c === '.' && glued && prev && (prev.t === 'ident' || prev.t === 'suffix') && /[A-Za-z0-9_]/.test(line[i + 1] ?? '')) {
      const m = /^[A-Za-z0-9_]+/.exec(line.slice(i + 1)) as RegExpExecArray;
      out.push({ t: 'suffix', v: m[0].toLowerCase(), col });
      i += 1 + m[0].length;
      continue;
    }
    const num = /^(0x[0-9a-f]+|0b[01]+|(\d+\.\d*|\.\d+|\d+)(e[+-]?\d+)?)/i.exec(line.slice(i));
    if (num && /[0-9.]/.test(c) && !(c === '.' && !/\d/.test(line[i + 1] ?? ''))) {
      const s = num[0];
      const lower = s.toLowerCase();
      let v: number;
      let float = false;
      if (lower.startsWith('0x')) v = parseInt(s.slice(2), 16);
      else if (lower.startsWith('0b')) v = parseInt(s.slice(2), 2);
      else {
        float = /[.e]/i.test(s);
        v = Number(s);
      }
      if (/[A-Za-z_]/.test(line[i + s.length] ?? '')) throw new LineError(`bad number '${line.slice(i).split(/[\s,;]/)[0]}'`, col);
      out.push({ t: 'num', v, float, col });
      i += s.length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(line.slice(i));
    if (id) {
      out.push({ t: 'ident', v: id[0], col });
      i += id[0].length;
      continue;
    }
    const op = OPS.find((o) => line.startsWith(o, i));
    if (!op) throw new LineError(`unexpected character '${c}'`, col);
    out.push({ t: 'op', v: op, col });
    i += op.length;
  }
  return out;
}

/** A value an expression can have. `label` marks a bare label reference (for branch targets). */
export type Value =
  | { t: 'int'; v: number; label?: boolean }
  | { t: 'float'; v: number }
  | { t: 'reg'; name: string; suffixes: { v: string; col: number }[] };

/** How the expression evaluator resolves names. */
export interface Scope {
  /** A symbol's value, or undefined when it is not a symbol. */
  lookup(name: string): Value | undefined;
  /** Byte offset of a label; undefined if unknown (throws in the final pass). */
  label(name: string, col: number): number | undefined;
  /** Whether a plain identifier is a register name. */
  isRegister(name: string): boolean;
}

const BINARY: Record<string, number> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6, '<': 7, '>': 7, '<=': 7, '>=': 7,
  '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
};

/** A cursor over a token list with a recursive-descent expression parser. */
export class TokenStream {
  pos = 0;
  constructor(readonly toks: Token[], readonly endCol: number) {}

  peek(): Token | undefined {
    return this.toks[this.pos];
  }
  col(): number {
    return this.peek()?.col ?? this.endCol;
  }
  atEnd(): boolean {
    return this.pos >= this.toks.length;
  }
  isOp(v: string): boolean {
    const t = this.peek();
    return t !== undefined && t.t === 'op' && t.v === v;
  }
  eatOp(v: string): boolean {
    if (!this.isOp(v)) return false;
    this.pos++;
    return true;
  }
  expectOp(v: string): void {
    if (!this.eatOp(v)) throw new LineError(`expected '${v}'`, this.col());
  }
  suffixes(): { v: string; col: number }[] {
    const out: { v: string; col: number }[] = [];
    for (let t = this.peek(); t && t.t === 'suffix'; t = this.peek()) {
      out.push({ v: t.v, col: t.col });
      this.pos++;
    }
    return out;
  }

  /** Parse an expression; registers are only valid as a whole operand. */
  expr(scope: Scope, minPrec = 1): Value {
    let left = this.unary(scope);
    for (;;) {
      const t = this.peek();
      if (!t || t.t !== 'op') break;
      const prec = BINARY[t.v];
      if (prec === undefined || prec < minPrec) break;
      this.pos++;
      const right = this.expr(scope, prec + 1);
      left = binary(t.v, left, right, t.col);
    }
    return left;
  }

  private unary(scope: Scope): Value {
    const t = this.peek();
    if (!t) throw new LineError('expected an operand', this.endCol);
    if (t.t === 'op' && (t.v === '-' || t.v === '+' || t.v === '~' || t.v === '!')) {
      this.pos++;
      const v = this.unary(scope);
      if (v.t === 'reg') throw new LineError(`operator '${t.v}' on register ${v.name}`, t.col);
      if (t.v === '+') return v;
      if (t.v === '-') return v.t === 'float' ? { t: 'float', v: -v.v } : { t: 'int', v: -v.v | 0 };
      if (v.t === 'float') throw new LineError(`operator '${t.v}' on a float`, t.col);
      return { t: 'int', v: t.v === '~' ? ~v.v : v.v === 0 ? 1 : 0 };
    }
    if (t.t === 'op' && t.v === '(') {
      this.pos++;
      const v = this.expr(scope);
      this.expectOp(')');
      return v;
    }
    if (t.t === 'op' && t.v === ':') {
      this.pos++;
      const n = this.peek();
      if (!n || n.t !== 'ident') throw new LineError("expected a label name after ':'", this.col());
      this.pos++;
      return { t: 'int', v: scope.label(n.v, n.col) ?? 0, label: true };
    }
    if (t.t === 'num') {
      this.pos++;
      return t.float ? { t: 'float', v: t.v } : { t: 'int', v: t.v | 0 };
    }
    if (t.t === 'ident') {
      this.pos++;
      if (t.v === 'r' && this.isOp(':')) {
        this.pos++;
        const n = this.peek();
        if (!n || n.t !== 'ident') throw new LineError("expected a label name after 'r:'", this.col());
        this.pos++;
        return { t: 'int', v: scope.label(n.v, n.col) ?? 0, label: true };
      }
      const sym = scope.lookup(t.v);
      if (sym) {
        if (sym.t === 'reg') return { t: 'reg', name: sym.name, suffixes: [...sym.suffixes.map((s) => ({ v: s.v, col: t.col })), ...this.suffixes()] };
        return sym;
      }
      if (scope.isRegister(t.v)) return { t: 'reg', name: t.v.toLowerCase(), suffixes: this.suffixes() };
      const lab = scope.label(t.v, t.col);
      return { t: 'int', v: lab ?? 0, label: true };
    }
    throw new LineError(`unexpected '${t.t === 'op' ? t.v : String((t as { v: unknown }).v)}'`, t.col);
  }
}

function binary(op: string, a: Value, b: Value, col: number): Value {
  if (a.t === 'reg' || b.t === 'reg') throw new LineError(`operator '${op}' on a register`, col);
  if (a.t === 'float' || b.t === 'float') {
    const x = a.v;
    const y = b.v;
    switch (op) {
      case '+': return { t: 'float', v: x + y };
      case '-': return { t: 'float', v: x - y };
      case '*': return { t: 'float', v: x * y };
      case '/': return { t: 'float', v: x / y };
      default: throw new LineError(`operator '${op}' on a float`, col);
    }
  }
  const x = a.v | 0;
  const y = b.v | 0;
  switch (op) {
    case '+': return { t: 'int', v: (x + y) | 0 };
    case '-': return { t: 'int', v: (x - y) | 0 };
    case '*': return { t: 'int', v: Math.imul(x, y) };
    case '/':
    case '%':
      if (y === 0) throw new LineError('division by zero', col);
      return { t: 'int', v: op === '/' ? (x / y) | 0 : x % y };
    case '<<': return { t: 'int', v: x << (y & 31) };
    case '>>': return { t: 'int', v: x >> (y & 31) };
    case '&': return { t: 'int', v: x & y };
    case '|': return { t: 'int', v: x | y };
    case '^': return { t: 'int', v: x ^ y };
    case '==': return { t: 'int', v: x === y ? 1 : 0 };
    case '!=': return { t: 'int', v: x !== y ? 1 : 0 };
    case '<': return { t: 'int', v: x < y ? 1 : 0 };
    case '>': return { t: 'int', v: x > y ? 1 : 0 };
    case '<=': return { t: 'int', v: x <= y ? 1 : 0 };
    case '>=': return { t: 'int', v: x >= y ? 1 : 0 };
    case '&&': return { t: 'int', v: x && y ? 1 : 0 };
    case '||': return { t: 'int', v: x || y ? 1 : 0 };
  }
  throw new LineError(`unknown operator '${op}'`, col);
}

/** The 32-bit pattern of a number value (floats as IEEE single). */
export function valueBits(v: Value): number {
  if (v.t === 'float') return f32Bits(v.v);
  if (v.t === 'int') return v.v >>> 0;
  throw new Error('register has no bits');
}
