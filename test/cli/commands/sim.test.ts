import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../cli/main.ts';
import { assembleV3d } from '../../../compiler/isa/v3d/asm.ts';

const END = 'nop ; nop ; thrsw\nnop ; nop ; thrsw\nnop ; nop\nnop ; nop\nnop ; nop ; thrsw\nnop ; nop\nnop ; nop\nnop ; nop';
const BASE = 0x4000_0000;

/** Image: code at +0, uniforms at +0x1000, data at +0x2000 (16 words of eidx * 2 stored by the kernel). */
function image(body: string): { path: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'qpuc-sim-'));
  const img = new Uint8Array(0x3000);
  const dv = new DataView(img.buffer);
  assembleV3d(`${body}\n${END}`, 'k.s', 42).words.forEach((w, i) => dv.setBigUint64(i * 8, w, true));
  dv.setUint32(0x1000, BASE + 0x2000, true);
  const path = join(dir, 'mem.bin');
  writeFileSync(path, img);
  return { path, dir };
}

const STORE = `eidx r0 ; nop ; ldunif
  shl r1, r0, 2 ; nop
  add r1, r1, r5 ; nop
  add r0, r0, r0 ; nop
  nop ; mov tmud, r0
  nop ; mov tmua, r1
  tmuwt - ; nop`;

function capture() {
  const c = { out: '', err: '' };
  return { c, io: { out: (t: string) => void (c.out += t), err: (t: string) => void (c.err += t) } };
}
const csd = `${1 << 16},${1 << 16},${1 << 16},${(16 << 8) | 16},0,${BASE},${BASE + 0x1000}`;

test('sim runs an image and writes memory back to --out (same path allowed)', async (t) => {
  const { path } = image(STORE);
  const { c, io } = capture();
  t.is(await main(['sim', '--target', 'vc6', '--memory', path, '--base', `0x${BASE.toString(16)}`, '--csd', csd, '--out', path, '--report', 'json'], io), 0, c.err);
  const out = new DataView(readFileSync(path).buffer);
  t.deepEqual(Array.from({ length: 16 }, (_, i) => out.getUint32(0x2000 + 4 * i, true)), Array.from({ length: 16 }, (_, i) => 2 * i));
  const rep = JSON.parse(c.out) as { profile: { instructions: number; bytesWritten: number }; hazards: unknown[] };
  t.is(rep.profile.bytesWritten, 64);
  t.deepEqual(rep.hazards, []);
});

test('sim exit codes: hazard 3 (0 with --hazards warn), fault 4, cycle limit 5, usage 2', async (t) => {
  const hazard = image(`nop ; mov recip, r0\nnop ; mov r1, r4`).path;
  const args = (p: string, ...more: string[]) => ['sim', '--target', 'vc6', '--memory', p, '--base', String(BASE), '--csd', csd, ...more];
  let cap = capture();
  t.is(await main(args(hazard), cap.io), 3);
  t.regex(cap.c.err, /r10-r4-too-soon.*0x40000008 on QPU 0/);
  cap = capture();
  t.is(await main(args(hazard, '--hazards', 'warn'), cap.io), 0);
  t.regex(cap.c.out, /r10-r4-too-soon/);
  const fault = image(`nop ; mov tmua, r0\nnop ; nop ; ldtmu.r1`).path;
  cap = capture();
  t.is(await main(args(fault), cap.io), 4);
  t.regex(cap.c.err, /read of 4 bytes at 0x00000000 is outside every mapped buffer/);
  const loop = image(`l:\nb  l\nnop ; nop\nnop ; nop\nnop ; nop`).path;
  cap = capture();
  t.is(await main(args(loop, '--max-cycles', '10000'), cap.io), 5);
  t.regex(cap.c.err, /cycle limit 10000/);
  cap = capture();
  t.is(await main(['sim', '--target', 'vc6', '--memory', loop], cap.io), 2);
  t.regex(cap.c.err, /--base is required/);
  cap = capture();
  t.is(await main(args(loop, '--target', 'vc4').filter((_, i) => i !== 1 && i !== 2), cap.io), 2);
  t.regex(cap.c.err, /execute-qpu/);
});
