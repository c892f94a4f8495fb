/** `qpuc disasm` and `qpuc asm` end to end, through main() with captured output and temporary files. */
import test from 'ava';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../cli/main.ts';

function capture() {
  let out = '';
  let err = '';
  return { io: { out: (t: string) => void (out += t), err: (t: string) => void (err += t) }, get out() { return out; }, get err() { return err; } };
}

/** Little-endian bytes of 64-bit words, computed by hand (low 32 bits first). */
function le(words: bigint[]): Buffer {
  const b = Buffer.alloc(words.length * 8);
  words.forEach((w, i) => {
    b.writeUInt32LE(Number(w & 0xffffffffn), i * 8);
    b.writeUInt32LE(Number(w >> 32n), i * 8 + 4);
  });
  return b;
}

// Mesa vectors (shared/vectors/v3d-disasm.json).
const BARRIER = 0x3c203192bb814000n;
const BARRIER_TEXT = 'barrierid syncb               ; nop                         ; thrsw';
const BRANCH = 0x02679356b4201000n;
const ADD71 = 0x39c0000a3803f042n;

test('disasm --hex prints one Mesa line per word; --addr prefixes byte addresses', async (t) => {
  const c = capture();
  t.is(await main(['disasm', '--target', 'vc6', '--hex', `0x${BARRIER.toString(16)}, ${BRANCH.toString(16)}`, '--addr'], c.io), 0);
  t.is(c.out, `0x00000000: ${BARRIER_TEXT}\n0x00000008: b.anyap  -1268280496\n`);
});

test('disasm FILE reads little-endian words; vc7 uses the 7.1 tables', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qpuc-'));
  await writeFile(join(dir, 'a.bin'), le([ADD71]));
  const c = capture();
  t.is(await main(['disasm', '--target', 'vc7', join(dir, 'a.bin')], c.io), 0);
  t.is(c.out, 'add rf10, 1, rf2              ; nop\n');
});

test('disasm prints an invalid word as a .word line that assembles back', async (t) => {
  const c = capture();
  t.is(await main(['disasm', '--hex', '0'], c.io), 0);
  t.regex(c.out, /^\.word 0x0000000000000000 {2}# invalid: /);
});

test('asm writes the words; disasm of the result gives the source back', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qpuc-'));
  const src = `# a loop\nstart:\n  ${BARRIER_TEXT}\n  b.anya start   // back to start\n  nop\n  nop\n  nop\n.uniform 1, 0x10, 2.0\n`;
  await writeFile(join(dir, 'p.s'), src);
  const c = capture();
  // Without --uniforms the .uniform line is an error naming it (it is not machine code).
  const u = capture();
  t.is(await main(['asm', '--target', 'vc6', join(dir, 'p.s'), '-o', join(dir, 'p.bin')], u.io), 1);
  t.is(u.err, `${join(dir, 'p.s')}:8:1 - error: '.uniform' values are data, not machine code: give --uniforms FILE to write them\n`);
  t.is(await main(['asm', '--target', 'vc6', join(dir, 'p.s'), '-o', join(dir, 'p.bin'), '--uniforms', join(dir, 'p.unif')], c.io), 0, c.err);
  // 1, 0x10 and 2.0 as f32 (sign 0, exponent 128, mantissa 0 = 0x40000000), little-endian.
  t.deepEqual([...new Uint32Array(new Uint8Array(await readFile(join(dir, 'p.unif'))).buffer)], [1, 0x10, 0x40000000]);
  const bin = await readFile(join(dir, 'p.bin'));
  t.is(bin.length, 5 * 8);
  t.is(bin.readBigUInt64LE(0), BARRIER);
  // b.anya back to start: offset = 0 - (8 + 4*8) = -40; cond anya = 6; sig 16 (bits 57:53); rel bdi = 1.
  const off = BigInt.asUintN(32, -40n);
  const branch = (16n << 53n) | (((off & 0xffffffn) >> 3n) << 35n) | (6n << 32n) | ((off >> 24n) << 24n) | (1n << 12n);
  t.is(bin.readBigUInt64LE(8), branch);
  const d = capture();
  t.is(await main(['disasm', join(dir, 'p.bin')], d.io), 0);
  t.is(d.out.split('\n')[1], 'b.anya  -40');
});

test('asm errors: unknown mnemonic and out-of-range immediate give file:line:col and exit 1', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qpuc-'));
  await writeFile(join(dir, 'bad.s'), 'nop\n  fadd rf1, rf2, rf3 ; fmull rf1, rf2, rf3\n');
  const c = capture();
  t.is(await main(['asm', '--target', 'vc6', join(dir, 'bad.s'), '-o', join(dir, 'x.bin')], c.io), 1);
  t.is(c.err, `${join(dir, 'bad.s')}:2:24 - error: unknown mul op 'fmull' on V3D 4.2\n`);
  await writeFile(join(dir, 'imm.s'), 'add rf1, rf2, 17\n');
  const e = capture();
  t.is(await main(['asm', '--target', 'vc7', join(dir, 'imm.s'), '-o', join(dir, 'x.bin')], e.io), 1);
  t.regex(e.err, /imm\.s:1:15 - error: 17 is not a small immediate/);
});

test('disasm errors: odd length, bad hex, missing file, unknown target, no input', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qpuc-'));
  await writeFile(join(dir, 'odd.bin'), Buffer.alloc(12));
  const cases: [string[], RegExp][] = [
    [['disasm', join(dir, 'odd.bin')], /12 bytes, not a whole number of 64-bit instructions/],
    [['disasm', '--hex', '3c203192bb814000 0xzz'], /'0xzz' at column 18 is not a 64-bit hex word/],
    [['disasm', join(dir, 'missing.bin')], /cannot read .*missing\.bin': no such file/],
    [['disasm', '--target', 'vc9', '--hex', '0'], /unknown target 'vc9'/],
    [['disasm'], /nothing to disassemble/],
    [['asm', join(dir, 'nope.s'), '-o', join(dir, 'x.bin')], /cannot read .*nope\.s': no such file/],
    [['asm', join(dir, 'nope.s')], /missing -o/],
  ];
  for (const [args, re] of cases) {
    const c = capture();
    t.is(await main(args, c.io), 2, args.join(' '));
    t.regex(c.err, re);
  }
});
