/**
 * Parser of the textual IR printed by compiler/ir/print.ts, so tests can be
 * written as IR text. Throws an Error naming the line on malformed input
 * (IR text is written by developers, not kernel users).
 */
import type { Block, BlockRef, ElemType, Instr, IrFunction, IrType, Value } from './types.ts';
import { createFunction } from './builder.ts';
import { isOpName } from './ops.ts';

const ELEM_TYPES: readonly string[] = ['f32', 'i32', 'u32', 'u8', 'u16', 'i8', 'i16'];

function parseType(s: string, line: number): IrType {
  const m = /^ptr<(\w+)>$/.exec(s);
  if (m && ELEM_TYPES.includes(m[1]!)) return { ptr: m[1] as ElemType };
  if (s === 'i32' || s === 'u32' || s === 'f32' || s === 'bool') return s;
  throw new Error(`line ${line}: unknown type '${s}'`);
}

function parseNumber(s: string, line: number): number {
  if (s === 'nan') return NaN;
  if (s === 'inf') return Infinity;
  if (s === '-inf') return -Infinity;
  const x = Number(s);
  if (s === '' || Number.isNaN(x)) throw new Error(`line ${line}: bad number '${s}'`);
  return x;
}

/** Parses one function in the textual IR form. */
export function parseFunction(text: string): IrFunction {
  const lines = text.split('\n');
  let fn: IrFunction | undefined;
  const values = new Map<number, Value>();
  const blocks = new Map<number, Block>();
  let maxValue = -1;
  let maxBlock = -1;
  let current: Block | undefined;
  const fixups: (() => void)[] = [];

  const define = (id: number, type: IrType, uniform: boolean, line: number): Value => {
    if (values.has(id)) throw new Error(`line ${line}: %${id} defined twice`);
    const v: Value = { id, type, uniform };
    values.set(id, v);
    maxValue = Math.max(maxValue, id);
    return v;
  };
  const parseDecl = (s: string, line: number): Value => {
    const m = /^%(\d+):\s*(\S+)(\s+varying)?$/.exec(s.trim());
    if (!m) throw new Error(`line ${line}: expected '%N: type [varying]', got '${s.trim()}'`);
    return define(Number(m[1]), parseType(m[2]!, line), !m[3], line);
  };
  const block = (id: number): Block => {
    let b = blocks.get(id);
    if (!b) {
      b = { id, params: [], instrs: [], term: { kind: 'ret' } };
      blocks.set(id, b);
      maxBlock = Math.max(maxBlock, id);
    }
    return b;
  };
  // Operands may refer to values defined later in the text (loops), so they resolve at the end.
  const use = (s: string, line: number, set: (v: Value) => void): void => {
    const m = /^%(\d+)$/.exec(s.trim());
    if (!m) throw new Error(`line ${line}: expected a value, got '${s.trim()}'`);
    const id = Number(m[1]);
    fixups.push(() => {
      const v = values.get(id);
      if (!v) throw new Error(`line ${line}: %${id} is never defined`);
      set(v);
    });
  };
  const splitArgs = (s: string): string[] => (s.trim() === '' ? [] : s.split(',').map((x) => x.trim()));
  const ref = (s: string, line: number): BlockRef => {
    const m = /^b(\d+)(?:\((.*)\))?$/.exec(s.trim());
    if (!m) throw new Error(`line ${line}: expected a block reference, got '${s.trim()}'`);
    const r: BlockRef = { block: block(Number(m[1])), args: [] };
    splitArgs(m[2] ?? '').forEach((a, i) => use(a, line, (v) => (r.args[i] = v)));
    return r;
  };

  for (let n = 0; n < lines.length; n++) {
    const line = n + 1;
    const raw = lines[n]!.replace(/;.*$/, '').trim();
    if (raw === '' || raw === '}') continue;
    let m: RegExpExecArray | null;
    if ((m = /^func\s+([\w.$]+)\((.*)\)\s*(?:\[([^\]]*)\]\s*)?\{$/.exec(raw))) {
      fn = createFunction(m[1]!);
      for (const kv of (m[3] ?? '').split(/\s+/).filter((x) => x !== '')) {
        if (kv === 'noalias' || kv === 'threadSwitch') {
          fn[kv] = true;
          continue;
        }
        const km = /^(workgroupSize|sharedBytes)=(\d+)$/.exec(kv);
        if (!km) throw new Error(`line ${line}: unknown function attribute '${kv}' (expected workgroupSize=N, sharedBytes=N, noalias or threadSwitch)`);
        fn[km[1] as 'workgroupSize' | 'sharedBytes'] = Number(km[2]);
      }
      for (const p of splitArgs(m[2]!)) {
        const pm = /^([\w$]+)\s+(.*)$/.exec(p);
        if (!pm) throw new Error(`line ${line}: bad parameter '${p}'`);
        fn.params.push({ name: pm[1]!, value: parseDecl(pm[2]!, line) });
      }
      continue;
    }
    if (!fn) throw new Error(`line ${line}: expected 'func'`);
    if ((m = /^b(\d+)(?:\((.*)\))?:$/.exec(raw))) {
      current = block(Number(m[1]));
      if (fn.blocks.includes(current)) throw new Error(`line ${line}: block b${m[1]} defined twice`);
      fn.blocks.push(current);
      current.params = splitArgs(m[2] ?? '').map((d) => parseDecl(d, line));
      continue;
    }
    if (!current) throw new Error(`line ${line}: instruction outside a block`);
    const b = current;
    if (raw === 'ret') {
      b.term = { kind: 'ret' };
    } else if ((m = /^br\s+(.*)$/.exec(raw))) {
      b.term = { kind: 'br', target: ref(m[1]!, line) };
    } else if ((m = /^condbr\s+(%\d+)\s*,\s*(b\d+(?:\([^)]*\))?)\s*,\s*(b\d+(?:\([^)]*\))?)$/.exec(raw))) {
      const t = { kind: 'condbr' as const, cond: undefined as unknown as Value, then: ref(m[2]!, line), else: ref(m[3]!, line) };
      use(m[1]!, line, (v) => (t.cond = v));
      b.term = t;
    } else if ((m = /^(?:(%\d+:\s*\S+(?:\s+varying)?)\s*=\s*)?([a-z_0-9]+)(.*?)(?:\[(.*)\])?$/.exec(raw))) {
      const name = m[2]!;
      if (!isOpName(name)) throw new Error(`line ${line}: unknown op '${name}'`);
      const instr: Instr = { op: name, args: [] };
      if (m[1]) instr.result = parseDecl(m[1], line);
      let rest = m[3]!.trim();
      const attrs: Record<string, number | string | boolean> = {};
      if (instr.op === 'const') {
        const [num, ...more] = rest.split(/\s+/);
        attrs['value'] = parseNumber(num ?? '', line);
        rest = more.join(' ');
      }
      splitArgs(rest).forEach((a, i) => use(a, line, (v) => (instr.args[i] = v)));
      for (const kv of (m[4] ?? '').trim().split(/\s+/).filter((x) => x !== '')) {
        const [k, v] = kv.split('=');
        if (!k || v === undefined) throw new Error(`line ${line}: bad attribute '${kv}'`);
        attrs[k] = v === 'true' ? true : v === 'false' ? false : /^-?\d/.test(v) ? Number(v) : v;
      }
      if (Object.keys(attrs).length > 0) instr.attrs = attrs;
      b.instrs.push(instr);
    } else {
      throw new Error(`line ${line}: cannot parse '${raw}'`);
    }
  }
  if (!fn) throw new Error('no function in IR text');
  for (const f of fixups) f();
  for (const [id, b] of blocks) if (!fn.blocks.includes(b)) throw new Error(`block b${id} is referenced but not defined`);
  fn.nextValueId = maxValue + 1;
  fn.nextBlockId = maxBlock + 1;
  return fn;
}
