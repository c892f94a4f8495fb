/**
 * The textual form of the IR. Example:
 *
 * ```
 * func Blas.saxpy(n %0: u32, x %1: ptr<f32>) {
 * b0:
 *   %2: u32 varying = global_id
 *   br b1(%2)
 * b1(%3: u32 varying):
 *   %4: bool varying = cmp %3, %0 [pred=lt]
 *   condbr %4, b2, b3
 * ...
 * }
 * ```
 * Uniform values print without a marker, varying ones with `varying`.
 * compiler/ir/parse.ts reads exactly this form back.
 */
import type { Block, BlockRef, Instr, IrFunction, Terminator, Value } from './types.ts';
import { typeText } from './types.ts';

/** Options of {@link printFunction}. */
export interface PrintOptions {
  /** Append `; line:col` source locations to instructions. */
  locs?: boolean;
}

function val(v: Value): string {
  return `%${v.id}`;
}

function decl(v: Value): string {
  return `%${v.id}: ${typeText(v.type)}${v.uniform ? '' : ' varying'}`;
}

function attrText(attrs: Instr['attrs']): string {
  if (!attrs) return '';
  const keys = Object.keys(attrs).filter((k) => k !== 'value');
  if (keys.length === 0) return '';
  return ` [${keys.map((k) => `${k}=${String(attrs[k])}`).join(' ')}]`;
}

/** Number text that round-trips exactly, with NaN and infinities spelled out. */
export function numberText(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (Object.is(x, -0)) return '-0';
  return String(x);
}

function refText(r: BlockRef): string {
  return `b${r.block.id}${r.args.length > 0 ? `(${r.args.map(val).join(', ')})` : ''}`;
}

function termText(t: Terminator): string {
  switch (t.kind) {
    case 'br':
      return `br ${refText(t.target)}`;
    case 'condbr':
      return `condbr ${val(t.cond)}, ${refText(t.then)}, ${refText(t.else)}`;
    case 'ret':
      return 'ret';
  }
}

/** One instruction's text (without indentation). */
export function printInstr(i: Instr): string {
  const lhs = i.result ? `${decl(i.result)} = ` : '';
  const imm = i.op === 'const' ? ` ${numberText(Number(i.attrs?.['value'] ?? 0))}` : '';
  const args = i.args.length > 0 ? ` ${i.args.map(val).join(', ')}` : '';
  return `${lhs}${i.op}${imm}${args}${attrText(i.attrs)}`;
}

function blockText(b: Block, opts: PrintOptions): string {
  const head = `b${b.id}${b.params.length > 0 ? `(${b.params.map(decl).join(', ')})` : ''}:`;
  const loc = (l: Instr['loc']) => (opts.locs && l ? `  ; ${l.line}:${l.col}` : '');
  const lines = [head, ...b.instrs.map((i) => `  ${printInstr(i)}${loc(i.loc)}`), `  ${termText(b.term)}${loc(b.term.loc)}`];
  return lines.join('\n');
}

/** Prints a function in the textual IR form. */
export function printFunction(fn: IrFunction, opts: PrintOptions = {}): string {
  const params = fn.params.map((p) => `${p.name} ${decl(p.value)}`).join(', ');
  const launch = [fn.workgroupSize !== undefined ? `workgroupSize=${fn.workgroupSize}` : '', fn.sharedBytes ? `sharedBytes=${fn.sharedBytes}` : '', fn.noalias ? 'noalias' : '', fn.threadSwitch ? 'threadSwitch' : ''].filter((x) => x !== '');
  return `func ${fn.name}(${params})${launch.length > 0 ? ` [${launch.join(' ')}]` : ''} {\n${fn.blocks.map((b) => blockText(b, opts)).join('\n')}\n}\n`;
}
