/**
 * The independent vectors: hello_fft's 1k FFT shader as printed by vc4asm's
 * vc4dis (text + field dump), and Broadcom GLES compiler output
 * (shared/vectors/vc4-disasm.json, read from ../shared; a missing file fails the run).
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { haveSharedVectors, sharedVectorPath } from '../../../helpers/shared-vectors.ts';
import { assembleVc4, decodeVc4, disassembleVc4, encodeVc4, validateVc4, type Vc4Instr } from '../../../../compiler/isa/vc4/index.ts';

const PATH = sharedVectorPath('vc4-disasm.json');

interface Vector { hex: string; asm: string; fields?: string }
interface VectorFile { vectors: Vector[]; extra_sets: { vectors: Vector[] }[] }

const norm = (s: string): string => s.replace(/\s+/g, ' ').replace(/\s*([,;])\s*/g, '$1').trim();

if (haveSharedVectors('vc4-disasm.json')) {
  const file = JSON.parse(readFileSync(PATH, 'utf8')) as VectorFile;
  const main = file.vectors;
  const extra = (file.extra_sets[0] as { vectors: Vector[] }).vectors;

  test('vector file has the documented sizes', (t) => {
    t.is(main.length, 447);
    t.is(new Set(main.map((v) => v.hex)).size, 217);
    t.is(extra.length, 279);
  });

  test('every hello_fft word disassembles to vc4dis text and assembles back', (t) => {
    let checked = 0;
    for (const v of main) {
      const w = BigInt(v.hex);
      const text = disassembleVc4(w);
      t.is(norm(text), norm(v.asm), v.hex);
      t.is(assembleVc4(v.asm, 'vec.qasm').words[0], w, `asm '${v.asm}'`);
      t.is(encodeVc4(decodeVc4(w)), w, v.hex);
      checked++;
    }
    t.is(checked, 447);
  });

  test('decoded fields match the vc4dis field dump', (t) => {
    // The dump is vc4dis's own reading of the word: an independent check of every field position.
    for (const v of main) {
      const i = decodeVc4(BigInt(v.hex));
      const f = Object.fromEntries((v.fields ?? '').split(' ').map((x) => {
        const m = /^([A-Za-z]+?)([0-9A-F]+)$/.exec(x) as RegExpExecArray;
        return [m[1] as string, m[2] as string];
      }));
      const num = (k: string, hex = false): number => parseInt(f[k] as string, hex ? 16 : 10);
      if (i.kind === 'alu') {
        t.is(num('Aw'), i.waddrAdd, v.hex);
        t.is(num('Mw'), i.waddrMul, v.hex);
        t.is(num('ra'), i.raddrA, v.hex);
        t.is(num('rb'), i.raddrB, v.hex);
        t.is(num('ws') === 1, i.ws, v.hex);
        t.is(num('sf') === 1, i.sf, v.hex);
        t.is(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'ra', 'rb'][num('Aa')], i.addA, v.hex);
        t.is(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'ra', 'rb'][num('Mb')], i.mulB, v.hex);
      } else if (i.kind === 'branch') {
        t.is(num('rel') === 1, i.rel, v.hex);
        t.is(num('reg') === 1, i.reg, v.hex);
        t.is(num('ra'), i.raddrA, v.hex);
        t.is(num('Aw'), i.waddrAdd, v.hex);
      } else {
        t.is(num('Aw'), i.waddrAdd, v.hex);
        t.is(num('md'), i.kind === 'sem' ? 4 : 0, v.hex);
      }
    }
  });

  test('every Broadcom-compiler word decodes, re-encodes and round-trips through text', (t) => {
    const kinds = new Map<Vc4Instr['kind'], number>();
    for (const v of extra) {
      const w = BigInt(v.hex);
      const i = decodeVc4(w);
      kinds.set(i.kind, (kinds.get(i.kind) ?? 0) + 1);
      t.is(encodeVc4(i), w, v.hex);
      t.is(assembleVc4(disassembleVc4(w), 'x').words[0], w, `${v.hex}: ${disassembleVc4(w)}`);
    }
    t.is(kinds.get('alu'), 279);
  });

  test('real shader words pass validation', (t) => {
    for (const v of [...main, ...extra]) t.deepEqual(validateVc4(decodeVc4(BigInt(v.hex))), [], `${v.hex} ${v.asm}`);
  });

  test('Broadcom pack/unpack/signal words mean what qpudis printed', (t) => {
    // qpudis' text is a second opinion on the semantics (its syntax differs): check a few fields.
    const byHex = new Map(extra.map((v) => [v.hex, v.asm]));
    const pack = decodeVc4(0x114258a095827d80n); // 'mov r2, unif; mov r0.8a, r0'
    t.truthy(byHex.get('0x114258a095827d80'));
    t.true(pack.kind === 'alu' && pack.pm && pack.pack === 4 && pack.opMul === 'v8min');
    const unpack = decodeVc4(0x1b024839839e7909n); // 'fmin r0, r4.8b, r4.8b; mov t0t, r1'
    t.true(unpack.kind === 'alu' && unpack.pm && unpack.unpack === 5 && unpack.addA === 'r4');
    t.is(disassembleVc4(0x1b024839839e7909n), 'fmin r0, r4.8b, r4.8b; mov t0t, r1');
    const sb = decodeVc4(0x500009e7009e7000n); // 'nop; nop; sbdone'
    t.true(sb.kind === 'alu' && sb.sig === 'sbdone');
  });
}
