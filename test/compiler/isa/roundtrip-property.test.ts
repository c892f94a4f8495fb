/**
 * Assembler/disassembler totality on every target (fixed seeds; `npm run
 * fuzz -- asm` runs the same checks for as long as asked): every word
 * `qpuc disasm` prints assembles back to the same word, random programs
 * assemble to their words, and mutated programs give an AsmError or
 * assemble — never another exception.
 */
import test from 'ava';
import { getIsaTools } from '../../../compiler/isa/targets.ts';
import { checkMutant, checkProgram, checkWord, randomWord } from '../../../compiler/testing/asm-fuzz.ts';
import { rng } from '../../../compiler/testing/rng.ts';

for (const target of ['vc4', 'vc6', 'vc7'] as const) {
  test(`${target}: 3000 random words survive disasm → asm unchanged (.word lines included)`, async (t) => {
    const tools = await getIsaTools(target);
    const r = rng(17_000 + target.length);
    const failures: string[] = [];
    let words = 0;
    for (let k = 0; k < 3000; k++) {
      const f = checkWord(tools, randomWord(r));
      words++;
      if (f) failures.push(f);
    }
    t.deepEqual(failures.slice(0, 5), []);
    t.is(words, 3000);
  });

  test(`${target}: 200 random programs with labels and comments assemble to their words`, async (t) => {
    const tools = await getIsaTools(target);
    const failures: string[] = [];
    for (let seed = 1; seed <= 200; seed++) {
      const f = checkProgram(tools, seed);
      if (f) failures.push(f);
    }
    t.deepEqual(failures.slice(0, 5), []);
  });

  test(`${target}: 300 mutated programs give an assembly error or assemble, never another exception`, async (t) => {
    const tools = await getIsaTools(target);
    const failures: string[] = [];
    for (let seed = 1; seed <= 300; seed++) {
      const f = checkMutant(tools, seed);
      if (f) failures.push(f);
    }
    t.deepEqual(failures.slice(0, 3), []);
  });
}

test('register names are not labels: rf1: and lri: on vc6, ra1: on vc4', async (t) => {
  const v3d = await getIsaTools('vc6');
  t.throws(() => v3d.assemble('rf1:\n nop ; nop\n b rf1\n', 'l.s'), { message: /l\.s:1:1 - error: 'rf1' is a register name, not usable as a label/ });
  t.throws(() => v3d.assemble('lri: nop ; nop\n', 'l.s'), { message: /'lri' is a register name/ });
  t.throws(() => v3d.assemble('tmua:\n', 'l.s'), { message: /'tmua' is a register name/ });
  const vc4 = await getIsaTools('vc4');
  t.throws(() => vc4.assemble('ra1:\n nop\n', 'l.s'), { message: /'ra1' is a register name/ });
  // Ordinary labels still work.
  t.is(v3d.assemble('top:\n nop ; nop\n b top\n nop\n nop\n nop\n', 'l.s').words.length, 5);
});
