/**
 * The VideoCore IV text assembler: vc4asm syntax with labels (`:name` or
 * `name:`), `r:name`/`:name` references, constant expressions and the
 * directives real programs (hello_fft, py-videocore ports) rely on:
 * `.set`/`.const`/`.equ` (numbers or register aliases), `.unset`,
 * `.if`/`.elseif`/`.else`/`.endif`, `.macro`/`.endm`, `.rep`/`.endr`,
 * `.align`, and data directives `.long`/`.int`/`.word`/`.float` (32-bit
 * values); `.word 0x` with 9 to 16 hex digits is a raw 64-bit instruction
 * word, which is how `qpuc disasm` prints a word it cannot decode.
 */
import { AsmError, type AssembledProgram } from '../isa.ts';
import { LineError, TokenStream, tokenize, valueBits, type Token, type Value } from './asm-lexer.ts';
import { isVc4RegisterName, parseVc4Line, type LineContext } from './asm-line.ts';
import { Vc4EncodeError, packVc4Fields, vc4Fields } from './encode.ts';
import { VC4_FORMATS } from './table.ts';

const NOP_WORD = 0x100009e7009e7000n;

interface SrcLine {
  text: string;
  line: number;
}
interface Macro {
  params: string[];
  body: SrcLine[];
}

/** State of one assembly pass. */
class Pass {
  words: bigint[] = [];
  data: AssembledProgram['data'] = [];
  labels = new Map<string, number>();
  symbols = new Map<string, Value>();
  macros = new Map<string, Macro>();
  depth = 0;

  constructor(readonly file: string, readonly known: Map<string, number> | undefined) {}

  err(message: string, line: number, col: number): never {
    throw new AsmError(message, this.file, line, col);
  }

  scope(address: number): LineContext {
    return {
      address,
      lookup: (n) => this.symbols.get(n),
      isRegister: (n) => isVc4RegisterName(n),
      label: (n, col) => {
        if (!this.known) return this.labels.get(n);
        const v = this.known.get(n);
        if (v === undefined) throw new LineError(`undefined label or symbol '${n}'`, col);
        return v;
      },
    };
  }

  run(lines: SrcLine[]): void {
    let i = 0;
    // Conditional stack: each entry says whether the current branch is active and whether any branch was taken.
    const conds: { active: boolean; taken: boolean; line: number }[] = [];
    const active = (): boolean => conds.every((c) => c.active);
    while (i < lines.length) {
      const src = lines[i++] as SrcLine;
      const { text, offset } = stripComment(src.text);
      const trimmed = text.trim();
      if (!trimmed) continue;
      const col0 = offset + text.indexOf(trimmed) + 1;
      const dir = /^\.([A-Za-z]+)\b/.exec(trimmed);
      const name = dir?.[1]?.toLowerCase();
      if (name === 'if' || name === 'ifset') {
        const on = active() && (name === 'if' ? this.condition(trimmed.slice(3), src, col0 + 3) : this.symbols.has(trimmed.slice(6).trim()));
        conds.push({ active: on, taken: on, line: src.line });
        continue;
      }
      if (name === 'elseif' || name === 'else' || name === 'endif') {
        const top = conds[conds.length - 1];
        if (!top) this.err(`.${name} without .if`, src.line, col0);
        if (name === 'endif') conds.pop();
        else {
          const outer = conds.slice(0, -1).every((c) => c.active);
          const on = outer && !top.taken && (name === 'else' || this.condition(trimmed.slice(7), src, col0 + 7));
          top.active = on;
          top.taken ||= on;
        }
        continue;
      }
      if (!active()) continue;
      if (name === 'macro') {
        const parts = trimmed.slice(6).split(',').map((s) => s.trim()).filter(Boolean);
        const mname = parts[0];
        if (!mname || !/^[A-Za-z_]\w*$/.test(mname)) this.err('.macro needs a name', src.line, col0);
        const body: SrcLine[] = [];
        let nest = 0;
        for (;;) {
          const l = lines[i++];
          if (!l) this.err(`.macro ${mname} without .endm`, src.line, col0);
          const t = stripComment(l.text).text.trim().toLowerCase();
          if (/^\.macro\b/.test(t)) nest++;
          if (/^\.endm\b/.test(t)) {
            if (nest === 0) break;
            nest--;
          }
          body.push(l);
        }
        this.macros.set(mname, { params: parts.slice(1), body });
        continue;
      }
      if (name === 'rep') {
        const m = /^\.rep\s+([A-Za-z_]\w*)\s*,(.*)$/i.exec(trimmed);
        if (!m) this.err('expected .rep name, count', src.line, col0);
        const count = this.intExpr(m[2] as string, src, col0 + trimmed.indexOf(',') + 1);
        const body: SrcLine[] = [];
        let nest = 0;
        for (;;) {
          const l = lines[i++];
          if (!l) this.err('.rep without .endr', src.line, col0);
          const t = stripComment(l.text).text.trim().toLowerCase();
          if (/^\.rep\b/.test(t)) nest++;
          if (/^\.endr\b/.test(t)) {
            if (nest === 0) break;
            nest--;
          }
          body.push(l);
        }
        const saved = this.symbols.get(m[1] as string);
        for (let k = 0; k < count; k++) {
          this.symbols.set(m[1] as string, { t: 'int', v: k });
          this.nested(body, src);
        }
        if (saved) this.symbols.set(m[1] as string, saved);
        else this.symbols.delete(m[1] as string);
        continue;
      }
      if (name) {
        this.directive(name, trimmed.slice(name.length + 1), src, col0);
        continue;
      }
      this.statement(trimmed, src, col0);
    }
    if (conds.length) this.err('.if without .endif', (conds[conds.length - 1] as { line: number }).line, 1);
  }

  private nested(body: SrcLine[], at: SrcLine): void {
    if (++this.depth > 64) this.err('macro or .rep nesting deeper than 64', at.line, 1);
    this.run(body);
    this.depth--;
  }

  private tokens(text: string, src: SrcLine, col: number): Token[] {
    try {
      return tokenize(text, col);
    } catch (e) {
      if (e instanceof LineError) this.err(e.message, src.line, e.col);
      throw e;
    }
  }

  private value(text: string, src: SrcLine, col: number): Value {
    const ts = new TokenStream(this.tokens(text, src, col), col + text.length);
    try {
      const v = ts.expr(this.scope(this.words.length * 8));
      if (!ts.atEnd()) throw new LineError('unexpected text after expression', ts.col());
      return v;
    } catch (e) {
      if (e instanceof LineError) this.err(e.message, src.line, e.col);
      throw e;
    }
  }

  private intExpr(text: string, src: SrcLine, col: number): number {
    const v = this.value(text, src, col);
    if (v.t !== 'int') this.err('expected an integer expression', src.line, col);
    return v.v;
  }

  private condition(text: string, src: SrcLine, col: number): boolean {
    return this.intExpr(text, src, col) !== 0;
  }

  private directive(name: string, rest: string, src: SrcLine, col0: number): void {
    const argCol = col0 + name.length + 1;
    switch (name) {
      case 'set': case 'equ': case 'const': case 'define': case 'lset': case 'lconst': {
        const m = /^\s*([A-Za-z_]\w*)\s*,(.*)$/.exec(rest);
        if (!m) this.err(`expected .${name} name, value`, src.line, col0);
        if ((name === 'const' || name === 'lconst') && this.symbols.has(m[1] as string) && !this.known) {
          this.err(`constant '${m[1]}' is already defined`, src.line, argCol);
        }
        this.symbols.set(m[1] as string, this.value(m[2] as string, src, argCol + rest.indexOf(',') + 1));
        return;
      }
      case 'unset': case 'lunset':
        this.symbols.delete(rest.trim());
        return;
      case 'align': {
        const n = this.intExpr(rest, src, argCol);
        if (n < 8 || (n & (n - 1)) !== 0) this.err('.align takes a power of two ≥ 8 (bytes)', src.line, argCol);
        while ((this.words.length * 8) % n !== 0) this.words.push(NOP_WORD);
        return;
      }
      case 'long': case 'int': case 'word': case 'float': {
        // `.word 0x` + 16 hex digits is a raw 64-bit instruction word (what 'qpuc disasm' prints for a word it cannot
        // decode): it goes into the code, so that every disassembled word assembles back. Shorter values are 32-bit data.
        const raw = name === 'word' ? /^\s*0x([0-9a-f]{9,16})\s*$/i.exec(rest) : null;
        if (raw) {
          this.words.push(BigInt(`0x${raw[1] as string}`));
          return;
        }
        const values: number[] = [];
        let col = argCol;
        for (const part of splitTop(rest)) {
          const v = this.value(part, src, col);
          if (v.t === 'reg') this.err('data values are numbers', src.line, col);
          values.push(name === 'float' ? valueBits({ t: 'float', v: v.v }) : valueBits(v));
          col += part.length + 1;
        }
        this.data.push({ directive: name, values, line: src.line });
        return;
      }
      case 'text': case 'code': case 'global':
        return;
      case 'include':
        this.err('.include is not supported: assemble a single self-contained file', src.line, col0);
      // falls through (err never returns)
      default:
        this.err(`unknown directive '.${name}'`, src.line, col0);
    }
  }

  private statement(text: string, src: SrcLine, col: number): void {
    // Labels: `:name` or `name:` at the start, possibly followed by an instruction.
    const colon = /^:([A-Za-z_]\w*)\s*/.exec(text) ?? /^([A-Za-z_]\w*):(?!:)\s*/.exec(text);
    if (colon && !(text.startsWith('r:'))) {
      const label = colon[1] as string;
      if (isVc4RegisterName(label)) this.err(`'${label}' is a register name, not usable as a label`, src.line, col);
      if (!this.known && this.labels.has(label)) this.err(`label '${label}' defined twice`, src.line, col);
      this.labels.set(label, this.words.length * 8);
      const rest = text.slice(colon[0].length).trim();
      // A data directive may follow a label on its line (`tbl: .word 0x…`).
      const dir = /^\.([A-Za-z]+)\b/.exec(rest)?.[1]?.toLowerCase();
      if (dir && ['long', 'int', 'word', 'float', 'align'].includes(dir)) this.directive(dir, rest.slice(dir.length + 1), src, col + colon[0].length);
      else if (rest) this.statement(rest, src, col + colon[0].length);
      return;
    }
    const first = /^([A-Za-z_]\w*)/.exec(text)?.[1];
    const macro = first ? this.macros.get(first) : undefined;
    if (macro && first) {
      const args = splitTop(text.slice(first.length));
      if (args.length !== macro.params.length && !(macro.params.length === 0 && args.length === 0)) {
        this.err(`macro ${first} takes ${macro.params.length} argument(s), got ${args.length}`, src.line, col);
      }
      const saved = macro.params.map((p) => this.symbols.get(p));
      let acol = col + first.length;
      macro.params.forEach((p, k) => {
        const a = args[k] as string;
        this.symbols.set(p, this.value(a, src, acol));
        acol += a.length + 1;
      });
      this.nested(macro.body, src);
      macro.params.forEach((p, k) => {
        const s = saved[k];
        if (s) this.symbols.set(p, s);
        else this.symbols.delete(p);
      });
      return;
    }
    const toks = this.tokens(text, src, col);
    const address = this.words.length * 8;
    try {
      const { instr, raw } = parseVc4Line(toks, this.scope(address), col + text.length);
      const f = vc4Fields(instr);
      for (const [k, v] of Object.entries(raw)) {
        if (!(k in VC4_FORMATS[f.format])) throw new LineError(`raw field '${k}' does not exist in a ${f.format} instruction`, col);
        f.fields[k] = v;
      }
      this.words.push(packVc4Fields(f.format, f.fields));
    } catch (e) {
      if (e instanceof LineError) this.err(e.message, src.line, e.col);
      if (e instanceof Vc4EncodeError) this.err(e.message, src.line, col);
      throw e;
    }
  }
}

/** Remove a `#` or `//` comment; returns the text and the column offset (0). */
function stripComment(line: string): { text: string; offset: number } {
  let end = line.length;
  const hash = line.indexOf('#');
  if (hash >= 0) end = hash;
  const slashes = line.indexOf('//');
  if (slashes >= 0 && slashes < end) end = slashes;
  return { text: line.slice(0, end), offset: 0 };
}

/** Split on commas outside parentheses and brackets. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(' || ch === '[') depth++;
    if (ch === ')' || ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() || out.length) out.push(cur);
  return out.filter((x, i, a) => x.trim() !== '' || i < a.length - 1);
}

/**
 * Assemble vc4asm-syntax source. Two passes: the first finds label offsets,
 * the second encodes. Throws AsmError with file, line and column.
 */
export function assembleVc4(source: string, file: string): AssembledProgram {
  const lines = source.split('\n').map((text, k) => ({ text, line: k + 1 }));
  const first = new Pass(file, undefined);
  first.run(lines);
  const second = new Pass(file, first.labels);
  second.run(lines);
  return { words: second.words, labels: second.labels, data: second.data };
}
