/** Property tests: random valid instruction objects and random words round-trip (seeded, reproducible). */
import test from 'ava';
import {
  assembleVc4, decodeVc4, disassembleVc4, encodeVc4, validateVc4, type Vc4Instr,
} from '../../../../compiler/isa/vc4/index.ts';
import {
  VC4_ADD_OPS, VC4_BRANCH_CONDS, VC4_CONDS, VC4_LDI_MODES, VC4_MUL_OPS, VC4_MUXES, VC4_PACK_MUL, VC4_SIGNALS,
} from '../../../../compiler/isa/vc4/table.ts';
import { DecodeError } from '../../../../compiler/isa/isa.ts';
import { rng as prng } from '../../../../compiler/testing/rng.ts';


function randomInstr(r: () => number): Vc4Instr {
  const int = (n: number): number => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const pm = r() < 0.3;
  const w = {
    pm, pack: pm ? pick(VC4_PACK_MUL).code : int(16), condAdd: pick(VC4_CONDS).name, condMul: pick(VC4_CONDS).name,
    sf: r() < 0.5, ws: r() < 0.5, waddrAdd: int(64), waddrMul: int(64),
  };
  switch (int(4)) {
    case 0:
      return { kind: 'ldi', mode: pick(VC4_LDI_MODES).name, imm: int(2 ** 32), ...w };
    case 1:
      return { kind: 'sem', acquire: r() < 0.5, semaphore: int(16), high: int(2 ** 27), ...w };
    case 2:
      return {
        kind: 'branch', cond: pick(VC4_BRANCH_CONDS).name, rel: r() < 0.5, reg: r() < 0.5, raddrA: int(32), ws: r() < 0.5,
        waddrAdd: int(64), waddrMul: int(64), imm: int(2 ** 32) | 0, unused: int(16),
      };
    default:
      return {
        kind: 'alu', sig: pick(VC4_SIGNALS).name, unpack: int(8), ...w, opAdd: pick(VC4_ADD_OPS).name, opMul: pick(VC4_MUL_OPS).name,
        raddrA: int(64), raddrB: int(64), addA: pick(VC4_MUXES), addB: pick(VC4_MUXES), mulA: pick(VC4_MUXES), mulB: pick(VC4_MUXES),
      };
  }
}

test('random instruction objects: decode(encode(i)) deep-equals i, and text round-trips', (t) => {
  const r = prng(0x5eed);
  const kinds: Record<string, number> = {};
  for (let n = 0; n < 4000; n++) {
    const i = randomInstr(r);
    kinds[i.kind] = (kinds[i.kind] ?? 0) + 1;
    const w = encodeVc4(i);
    t.deepEqual(decodeVc4(w), i);
    if (n % 4 === 0) t.is(assembleVc4(disassembleVc4(i), 'p').words[0], w, disassembleVc4(i));
  }
  t.log(`4000 objects: ${JSON.stringify(kinds)}`);
  t.true(Object.values(kinds).every((k) => k > 500));
});

test('random 64-bit words: every decodable word re-encodes and round-trips through text', (t) => {
  const r = prng(42);
  let decoded = 0;
  let rejected = 0;
  for (let n = 0; n < 3000; n++) {
    const w = (BigInt(Math.floor(r() * 2 ** 32)) << 32n) | BigInt(Math.floor(r() * 2 ** 32));
    let i: Vc4Instr;
    try {
      i = decodeVc4(w);
    } catch (e) {
      t.true(e instanceof DecodeError);
      rejected++;
      continue;
    }
    decoded++;
    t.is(encodeVc4(i), w);
    const text = disassembleVc4(w);
    t.is(assembleVc4(text, 'p').words[0], w, text);
  }
  t.log(`3000 words: ${decoded} decoded, ${rejected} rejected as reserved`);
  t.true(decoded > 1000);
});

test('plain (raw-free) text for typical instructions', (t) => {
  // Instructions an assembler writes: canonical don't-care bits give text without a raw clause.
  for (const src of ['fadd.ifzs ra1.16a, r0, rb3; fmul r1, r2, r3', 'ldipes r0, [0,1,-1,-2,0,1,-1,-2,0,1,-1,-2,0,1,-1,-2]',
    'sacq -, 3', 'brr.anync ra4, +64', 'bra -, ra8, 1024', 'itof r0, ra3.8c', 'nop; mov.rot r5, r1, r0', 'mov r0, 1./4']) {
    const w = assembleVc4(src, 'x').words[0] as bigint;
    const text = disassembleVc4(w);
    t.notRegex(text, /raw/, src);
    t.deepEqual(validateVc4(decodeVc4(w)), [], src);
  }
});
