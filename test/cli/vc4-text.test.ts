// qpuc disasm/asm with --target vc4, checked against vc4asm's own text for hello_fft words (shared vectors).
import test from 'ava';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { haveSharedVectors, readSharedVectors } from '../helpers/shared-vectors.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main.ts';

const have = haveSharedVectors('vc4-disasm.json');
const vectors = have ? readSharedVectors<{ vectors: { hex: string; asm: string }[] }>('vc4-disasm.json').vectors.slice(0, 40) : [];

function capture() {
  const c = { out: '', err: '', io: { out: (s: string) => void (c.out += s), err: (s: string) => void (c.err += s) } };
  return c;
}
const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

if (have) test('disasm --target vc4 prints vc4asm text; asm turns it back into the same words', async (t) => {
  const c = capture();
  t.is(await main(['disasm', '--target', 'vc4', '--hex', vectors.map((v) => v.hex).join(' ')], c.io), 0, c.err);
  const lines = c.out.trimEnd().split('\n');
  t.deepEqual(lines.map(norm), vectors.map((v) => norm(v.asm)));
  const dir = mkdtempSync(join(tmpdir(), 'qpuc-vc4-'));
  // Branch targets in the text are relative to each word's own address: assemble each line on its own.
  const src = join(dir, 'one.s');
  for (const v of vectors.filter((x) => !/^br|^b[a-z]*\s/.test(x.asm))) {
    writeFileSync(src, `${v.asm}\n`);
    const a = capture();
    t.is(await main(['asm', '--target', 'vc4', src, '-o', join(dir, 'one.bin')], a.io), 0, a.err);
    const word = readFileSync(join(dir, 'one.bin')).readBigUInt64LE(0);
    t.is(word, BigInt(v.hex), v.asm);
  }
});

test('asm --target vc4 reports an unknown mnemonic with its position and exit 1', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'qpuc-vc4-'));
  const src = join(dir, 'bad.s');
  writeFileSync(src, 'nop\nfrobnicate ra1, rb2\n');
  const c = capture();
  t.is(await main(['asm', '--target', 'vc4', src, '-o', join(dir, 'bad.bin')], c.io), 1);
  t.regex(c.err, /bad\.s:2:\d+/);
});
