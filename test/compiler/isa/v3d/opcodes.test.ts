/**
 * Every opcode of the V3D 4.2 and 7.1 tables checked against Mesa's pack
 * tables as transcribed in ../shared/vectors/v3d-opcodes.json (an oracle that
 * does not read compiler/isa/v3d/table.ts). For every add/mul opcode and every
 * value of the selector fields, the op Mesa's first-match lookup finds (plus
 * the post-lookup rules the vector notes describe) must be the op our decoder
 * returns, and a word Mesa rejects must not decode. Signals, magic write
 * addresses and small immediates are compared entry by entry.
 *
 * Where qpuc deliberately differs from Mesa the difference is listed in
 * KNOWN_DIFFERENCES with the reason; nothing else may differ.
 */
import test from 'ava';
import { decodeInstr } from '../../../../compiler/isa/v3d/decode.ts';
import { smallImmValue } from '../../../../compiler/isa/v3d/instr.ts';
import { isaTable } from '../../../../compiler/isa/v3d/table.ts';
import { haveSharedVectors, readSharedVectors } from '../../../helpers/shared-vectors.ts';

interface MesaOp {
  name: string;
  table_index: number;
  opcode_min: number;
  opcode_max: number;
  mux_a_values?: number[];
  mux_b_values?: number[];
  raddr_values?: [number, number][];
  valid_in_version: boolean;
  args: string;
}
interface MesaVersion {
  add_ops: MesaOp[];
  mul_ops: MesaOp[];
  add_opcode_remap_before_lookup: { from: [number, number]; to: [number, number] }[];
  magic_waddr: Record<string, string>;
  signals: { sig: number; signals: string[]; reserved: boolean }[];
  small_immediates: { index: number; value: number }[];
}
type MesaFile = Record<'4.2' | '7.1', MesaVersion>;

/**
 * Deliberate differences from Mesa's lookup, by "ver alu opcode sel a": what
 * Mesa returns → what qpuc returns, and why. Keys are matched exactly.
 */
const KNOWN_DIFFERENCES: Record<string, { mesa: string | null; qpuc: string | null; why: string }> = {};
// 4.2 add 187, mux_b 2, mux_a 2: Mesa's 4.2 table keeps the 3.3-only vdwwt row (no last_ver) ahead of iid,
// so its lookup says vdwwt; on 4.x hardware the encoding is iid (Mesa's own v3d_qpu_add_op names it for ver >= 40).
KNOWN_DIFFERENCES['42 add 187 2 2'] = { mesa: 'vdwwt', qpuc: 'iid', why: 'vdwwt is V3D 3.3 only (quirk 15.1)' };

function mesaLookup(rows: MesaOp[], ver: 42 | 71, op: number, a: number, b: number): MesaOp | undefined {
  for (const r of [...rows].sort((x, y) => x.table_index - y.table_index)) {
    if (!r.valid_in_version) continue;
    if (op < r.opcode_min || op > r.opcode_max) continue;
    if (ver === 42) {
      if (!(r.mux_a_values ?? []).includes(a) || !(r.mux_b_values ?? []).includes(b)) continue;
    } else if (!(r.raddr_values ?? []).some(([lo, hi]) => b >= lo && b <= hi)) continue;
    return r;
  }
  return undefined;
}

/**
 * The op name Mesa's unpack ends with, or null if it rejects the word: the
 * lookup, then (vector notes) the fadd/faddnf and fmin/fmax operand-order
 * rule, and the modifier codes that have no meaning (f16 unpack codes 5..7,
 * f32 unpack code 7 in 7.1 fmov).
 */
function mesaName(v: MesaVersion, ver: 42 | 71, isAdd: boolean, opIn: number, a: number, b: number): string | null {
  let op = opIn;
  if (isAdd) for (const m of v.add_opcode_remap_before_lookup) if (op >= m.from[0] && op <= m.from[1]) op = op - m.from[0] + m.to[0];
  const row = mesaLookup(isAdd ? v.add_ops : v.mul_ops, ver, op, a, b);
  if (!row) return null;
  const name = row.name;
  if (name === 'fadd' || name === 'fmin') {
    const ka = ver === 42 ? ((opIn >> 2) & 3) * 8 + a : ((opIn >> 2) & 3) * 64 + a;
    const kb = ver === 42 ? (opIn & 3) * 8 + b : (opIn & 3) * 64 + b;
    if (ka > kb) return name === 'fadd' ? 'faddnf' : 'fmax';
  }
  if (isAdd && ['vfmin', 'vfmax', 'vfadd', 'vfsub', 'vfcmp'].includes(name) && (opIn & 7) > 4) return null;
  if (!isAdd && ver === 71 && name === 'fmov' && ((b >> 2) & 7) === 7) return null;
  return name;
}

/** Build an ALU word with the other ALU a nop: add fields (op, a, b) or mul fields. */
function word(ver: 42 | 71, isAdd: boolean, op: number, a: number, b: number): bigint {
  const addNop = { op: 187, a: 0, b: 0 };
  const mulNop = ver === 42 ? { op: 15, a: 0, b: 4 } : { op: 14, a: 0, b: 63 };
  const add = isAdd ? { op, a, b } : addNop;
  const mul = isAdd ? mulNop : { op, a, b };
  let w = (BigInt(mul.op) << 58n) | (BigInt(add.op) << 24n);
  w |= 6n << 38n | 1n << 45n; // mul waddr: magic nop
  // add waddr 0, not magic: rf0 (stvpm* select stvpmv with it, ldvpm* pick the _in form)
  if (ver === 42) {
    w |= (BigInt(add.a) << 12n) | (BigInt(add.b) << 15n) | (BigInt(mul.a) << 18n) | (BigInt(mul.b) << 21n);
  } else {
    w |= (BigInt(add.a) << 6n) | BigInt(add.b) | (BigInt(mul.a) << 18n) | (BigInt(mul.b) << 12n);
  }
  return w;
}

function ourName(w: bigint, ver: 42 | 71, isAdd: boolean): string | null {
  try {
    const i = decodeInstr(w, ver);
    if (i.kind !== 'alu') return `branch?`;
    return isAdd ? i.add.op : i.mul.op;
  } catch {
    return null;
  }
}

if (haveSharedVectors('v3d-opcodes.json')) {
  const file = readSharedVectors<MesaFile>('v3d-opcodes.json');

  for (const ver of [42, 71] as const) {
    const v = file[ver === 42 ? '4.2' : '7.1'];
    for (const isAdd of [true, false]) {
      const alu = isAdd ? 'add' : 'mul';
      test(`${ver / 10} ${alu} ALU: every opcode and selector decodes to the op Mesa's table gives`, (t) => {
        const opCount = isAdd ? 256 : 64;
        const bVals = ver === 42 ? 8 : 64;
        // On 7.1 raddr_a/raddr_c only matter for the fadd/fmin operand order: every value around b suffices.
        const aValues = (b: number): number[] =>
          ver === 42 ? [0, 1, 2, 3, 4, 5, 6, 7] : isAdd ? [...new Set([0, 1, 62, 63, b - 1, b, b + 1])].filter((x) => x >= 0 && x < 64) : [0, 63];
        const diffs: string[] = [];
        let matched = 0;
        for (let op = isAdd ? 0 : 1; op < opCount; op++) {
          for (let b = 0; b < bVals; b++) {
            for (const a of aValues(b)) {
              const mesa = mesaName(v, ver, isAdd, op, a, b);
              const ours = ourName(word(ver, isAdd, op, a, b), ver, isAdd);
              const key = `${ver} ${alu} ${op} ${b} ${a}`;
              const known = KNOWN_DIFFERENCES[key];
              if (known && known.mesa === mesa && known.qpuc === ours) continue;
              if (mesa !== ours) diffs.push(`${alu} opcode ${op} sel ${b} a ${a}: Mesa ${mesa ?? '(invalid)'}, qpuc ${ours ?? '(invalid)'}`);
              else if (mesa) matched++;
            }
          }
        }
        t.deepEqual(diffs.slice(0, 20), [], `${diffs.length} differences`);
        t.true(matched > 0);
      });
    }

    test(`${ver / 10}: every Mesa op name valid on this version is in qpuc's table and vice versa`, (t) => {
      const tab = isaTable(ver);
      const only = new Set(['vdwwt', 'umul24_rtop0']); // 3.3-only / an alias Mesa's lookup never returns
      for (const [rows, ours] of [[v.add_ops, tab.add], [v.mul_ops, tab.mul]] as const) {
        const mesa = new Set(rows.filter((r) => r.valid_in_version && !only.has(r.name)).map((r) => r.name));
        const q = new Set(ours.map((r) => r.op));
        t.deepEqual([...mesa].filter((n) => !q.has(n)), [], 'missing from qpuc');
        // The _out forms of ldvpm* are the _in rows with the MA bit set (vector notes); 7.1's table has no rows for them.
        const outForm = (n: string) => n.endsWith('_out') && mesa.has(n.replace(/_out$/, '_in'));
        t.deepEqual([...q].filter((n) => !mesa.has(n) && !outForm(n)), [], 'not in Mesa');
        // operand counts (D/A/B) agree
        for (const r of ours) {
          const m = rows.find((x) => x.name === r.op && x.valid_in_version);
          if (!m) continue;
          const want = (m.args.includes('D') ? 'd' : '') + (m.args.includes('A') ? 'a' : '') + (m.args.includes('B') ? 'b' : '');
          t.is(r.args as string, want, `${r.op} operands`);
        }
      }
    });

    test(`${ver / 10}: ldvpm*_in with the MA bit set decode as the _out ops`, (t) => {
      for (const [op, sel, name] of [[188, 0, 'ldvpmv'], [188, 1, 'ldvpmd'], [189, 0, 'ldvpmg']] as const) {
        const w = word(ver, true, op, 1, sel);
        t.is(ourName(w, ver, true), `${name}_in`);
        t.is(ourName(w | (1n << 44n), ver, true), `${name}_out`);
      }
    });

    test(`${ver / 10}: signal table matches Mesa's sig map`, (t) => {
      const tab = isaTable(ver);
      const camel = (s: string) => s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
      for (const s of v.signals) {
        const ours = tab.signals[s.sig];
        if (s.reserved) t.is(ours, null, `sig ${s.sig} reserved`);
        else t.deepEqual([...(ours ?? [])].sort(), s.signals.map(camel).sort(), `sig ${s.sig}`);
      }
    });

    test(`${ver / 10}: magic write addresses match Mesa's names`, (t) => {
      const tab = isaTable(ver);
      for (let w = 0; w < 64; w++) {
        const mesa = v.magic_waddr[String(w)] ?? null;
        // 44 is tmuhscm in qpuc (Mesa prints tmuscm for 40 and 44, which cannot round-trip; quirk 15.2).
        const want = w === 44 ? 'tmuhscm' : mesa;
        t.is(tab.magic[w] ?? null, want, `waddr ${w}`);
      }
    });

    test(`${ver / 10}: small immediates match Mesa's table`, (t) => {
      for (const s of v.small_immediates) t.is(smallImmValue(s.index) | 0, s.value | 0, `index ${s.index}`);
    });
  }
}
