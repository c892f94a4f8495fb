/**
 * Every code of the VC4 tables (compiler/isa/vc4/table.ts) checked against
 * Mesa's vc4_qpu_defines.h / vc4_qpu_disasm.c as transcribed in
 * ../shared/vectors/vc4-opcodes.json (cross-checked there against vc4asm).
 * Op codes go through the decoder, so a swapped table entry shows as a word
 * that decodes to the wrong op. Mesa's spellings differ from vc4asm's (which
 * qpuc prints); SPELLING below maps one to the other where they differ.
 */
import test from 'ava';
import { decodeVc4 } from '../../../../compiler/isa/vc4/encode.ts';
import {
  VC4_BRANCH_CONDS, VC4_CONDS, VC4_PACK_A, VC4_PACK_MUL, VC4_REGS, VC4_SIGNALS, VC4_SMALL_IMMS, VC4_UNPACK,
  type RegRole,
} from '../../../../compiler/isa/vc4/table.ts';
import { haveSharedVectors, readSharedVectors } from '../../../helpers/shared-vectors.ts';

interface Vc4File {
  add_ops: Record<string, string>;
  mul_ops: Record<string, string>;
  signals: Record<string, string>;
  cond: Record<string, string>;
  branch_cond: Record<string, string>;
  regfile_a_read: Record<string, string>;
  regfile_b_read: Record<string, string>;
  regfile_a_write: Record<string, string | null>;
  regfile_b_write: Record<string, string | null>;
  pack: { pack_regfile_a: Record<string, string>; pack_mul: Record<string, string> };
  unpack: Record<string, string>;
  small_immediates: Record<string, { value?: number; mul_rotate?: number | string }>;
}

/** The nop word; fields are replaced in it. */
const NOP = 0x100009e7009e7000n;
const setField = (w: bigint, hi: number, lo: number, v: number): bigint => {
  const mask = ((1n << BigInt(hi - lo + 1)) - 1n) << BigInt(lo);
  return (w & ~mask) | (BigInt(v) << BigInt(lo));
};
const tryDecode = (w: bigint) => {
  try {
    return decodeVc4(w);
  } catch {
    return undefined;
  }
};

/** Mesa signal name → qpuc (vc4asm) signal name. */
const SIGNAL_SPELLING: Record<string, string> = {
  sig_brk: 'bkpt', '': 'none', sig_switch: 'thrsw', sig_end: 'thrend', sig_wait_score: 'sbwait',
  sig_unlock_score: 'sbdone', sig_thread_switch: 'lthrsw', sig_coverage_load: 'loadcv', sig_color_load: 'loadc',
  sig_color_load_end: 'ldcend', load_tmu0: 'ldtmu0', load_tmu1: 'ldtmu1', sig_alpha_mask_load: 'loadam',
  sig_small_imm: 'smi',
};

/** Mesa register name → the role qpuc gives that address (per file where they differ). */
const READ_ROLE: Record<string, RegRole> = {
  uni: 'unif', vary: 'vary', elem: 'elem_num', qpu: 'qpu_num', nop: 'nop', x_pix: 'x_coord', y_pix: 'y_coord',
  ms_flags: 'ms_flags', rev_flag: 'rev_flag', vpm_read: 'vpm', vpm_ld_busy: 'vpm_busy', vpm_st_busy: 'vpm_busy',
  vpm_ld_wait: 'vpm_wait', vpm_st_wait: 'vpm_wait', mutex_acq: 'mutex',
};
const WRITE_ROLE = (name: string, file: 'a' | 'b'): RegRole => {
  if (/^r[0-3]$/.test(name)) return 'acc';
  if (name === 'r5') return file === 'a' ? 'r5quad' : 'r5rep';
  // Mesa has one name for write 42 in both files (QPU_W_MS_FLAGS = QPU_W_REV_FLAG); file B is the rev flag.
  if (name === 'ms_flags') return file === 'a' ? 'ms_flags' : 'rev_flag';
  if (name.startsWith('tlb_')) return 'tlb';
  if (name.startsWith('sfu_')) return 'sfu';
  if (/^tmu[01]_/.test(name)) return 'tmu';
  const m: Record<string, RegRole> = {
    tmu_noswap: 'tmu_noswap', host_int: 'host_int', nop: 'nop', uniforms_addr: 'unif_addr', quad_x: 'x_coord',
    quad_y: 'y_coord', vpm: 'vpm', vr_setup: 'vpm_setup', vw_setup: 'vpm_setup', vr_addr: 'dma_addr', vw_addr: 'dma_addr',
    mutex_release: 'mutex',
  };
  return m[name] ?? 'undefined';
};

if (haveSharedVectors('vc4-opcodes.json')) {
  const v = readSharedVectors<Vc4File>('vc4-opcodes.json');

  test('every add opcode 0..31 decodes to the op Mesa names (reserved codes are rejected)', (t) => {
    for (let c = 0; c < 32; c++) {
      const i = tryDecode(setField(NOP, 28, 24, c));
      t.is<string | null, string | null>(i?.kind === 'alu' ? i.opAdd : null, v.add_ops[String(c)] ?? null, `add opcode ${c}`);
    }
  });

  test('every mul opcode 0..7 decodes to the op Mesa names', (t) => {
    for (let c = 0; c < 8; c++) {
      const i = tryDecode(setField(NOP, 31, 29, c));
      t.is<string | null, string | null>(i?.kind === 'alu' ? i.opMul : null, v.mul_ops[String(c)] ?? null, `mul opcode ${c}`);
    }
  });

  test('signals 0..13 decode as Mesa numbers them; 14 and 15 are load-immediate and branch', (t) => {
    for (let c = 0; c < 14; c++) {
      const i = tryDecode(setField(NOP, 63, 60, c));
      t.is<string | null | undefined, string | null | undefined>(i?.kind === 'alu' ? i.sig : null, SIGNAL_SPELLING[v.signals[String(c)] as string], `sig ${c}`);
      t.is<string | undefined, string | undefined>(VC4_SIGNALS.find((s) => s.code === c)?.name, SIGNAL_SPELLING[v.signals[String(c)] as string]);
    }
    t.is(v.signals['14'], 'sig_load_imm');
    t.is(tryDecode(setField(NOP, 63, 60, 14))?.kind, 'ldi');
    t.is(v.signals['15'], 'sig_branch');
    t.is(tryDecode(0xf00009e7_00000000n)?.kind, 'branch');
  });

  test('write conditions and branch conditions match Mesa code for code', (t) => {
    for (let c = 0; c < 8; c++) {
      const mesa = (v.cond[String(c)] as string).replace(/^\./, '');
      t.is<string | undefined, string | undefined>(VC4_CONDS.find((x) => x.code === c)?.name, mesa === '' ? 'always' : mesa, `cond ${c}`);
      const i = tryDecode(setField(NOP, 51, 49, c));
      t.is<string | null, string | null>(i?.kind === 'alu' ? i.condAdd : null, mesa === '' ? 'always' : mesa);
    }
    for (let c = 0; c < 16; c++) {
      const mesa = v.branch_cond[String(c)];
      const ours = VC4_BRANCH_CONDS.find((x) => x.code === c);
      if (mesa === undefined) {
        t.is(ours, undefined, `branch cond ${c} reserved`);
        t.is(tryDecode(setField(0xf00009e7_00000000n, 55, 52, c)), undefined);
        continue;
      }
      // Mesa .all_zs / .any_nc ... ; qpuc allz / anync ...; 15 = always.
      const m = /^\.(all|any)_(z|n|c)(s|c)$/.exec(mesa);
      if (!m) {
        t.is(ours?.name, 'always', `branch cond ${c}`);
        continue;
      }
      t.truthy(ours, `branch cond ${c}`);
      t.is(ours?.all, m[1] === 'all', `branch cond ${c} all/any`);
      t.is<string | undefined, string | undefined>(ours?.flag, m[2], `branch cond ${c} flag`);
      t.is(ours?.set, m[3] === 's', `branch cond ${c} set/clear`);
    }
  });

  test('pack and unpack codes match Mesa (regfile-A pack, mul pack, unpack)', (t) => {
    const norm = (s: string) => s.replace(/^\./, '').replace('8888', '8abcd').replace(/\.?sat$/, 's').replace(/^s$/, '32s');
    for (let c = 0; c < 16; c++) {
      t.is(VC4_PACK_A.find((p) => p.code === c)?.suffix.replace(/^\./, ''), norm(v.pack.pack_regfile_a[String(c)] as string), `pack a ${c}`);
      const mesaMul = v.pack.pack_mul[String(c)];
      t.is(VC4_PACK_MUL.find((p) => p.code === c)?.suffix.replace(/^\./, ''), mesaMul === undefined ? undefined : norm(mesaMul), `pack mul ${c}`);
      const i = tryDecode(setField(setField(NOP, 56, 56, 1), 55, 52, c));
      t.is(i !== undefined, mesaMul !== undefined, `pm=1 pack ${c} decodes iff Mesa names it`);
    }
    for (let c = 0; c < 8; c++) {
      const mesa = (v.unpack[String(c)] as string).replace('8d_rep', '8dr');
      t.is(VC4_UNPACK.find((u) => u.code === c)?.suffix.replace(/^\./, ''), mesa, `unpack ${c}`);
    }
  });

  test('register addresses: every special read/write address has the role Mesa names', (t) => {
    for (const [file, reads, writes] of [['a', v.regfile_a_read, v.regfile_a_write], ['b', v.regfile_b_read, v.regfile_b_write]] as const) {
      const ourReads = file === 'a' ? VC4_REGS.readA : VC4_REGS.readB;
      const ourWrites = file === 'a' ? VC4_REGS.writeA : VC4_REGS.writeB;
      for (let r = 0; r < 64; r++) {
        const mesaRead = reads[String(r)];
        const wantRead: RegRole = r < 32 ? 'regfile' : mesaRead === undefined ? 'undefined' : (READ_ROLE[mesaRead] ?? 'undefined');
        t.is(ourReads[r]?.role, wantRead, `read ${file}${r} (${mesaRead ?? 'unnamed'})`);
        const mesaWrite = writes[String(r)];
        // 47 has no printed name in Mesa but is QPU_W_TLB_ALPHA_MASK in its enum.
        const wantWrite: RegRole = r < 32 ? 'regfile' : r === 47 ? 'tlb' : mesaWrite ? WRITE_ROLE(mesaWrite, file) : 'undefined';
        t.is(ourWrites[r]?.role, wantWrite, `write ${file}${r} (${mesaWrite ?? 'unnamed'})`);
      }
    }
  });

  test('small immediates 0..47 have Mesa\'s values; 48..63 are mul rotations', (t) => {
    for (let c = 0; c < 64; c++) {
      const m = v.small_immediates[String(c)];
      const ours = VC4_SMALL_IMMS.find((s) => s.code === c);
      if (m?.value !== undefined) t.is(ours?.value, m.value, `small immediate ${c}`);
      else {
        t.is(ours, undefined, `small immediate ${c} is a rotation`);
        t.is(m?.mul_rotate, c === 48 ? 'r5' : c - 48);
      }
    }
  });
}
