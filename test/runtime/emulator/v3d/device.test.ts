import test from 'ava';
import { assembleV3d } from '../../../../compiler/isa/v3d/asm.ts';
import { V3dEmulatorDevice } from '../../../../runtime/emulator/v3d/device.ts';
import { END } from './builder.ts';

function load(dev: V3dEmulatorDevice, source: string): { code: number; unif: number; out: DataView } {
  const words = assembleV3d(source, 'k.s', dev.version).words;
  const code = dev.allocate(words.length * 8);
  const cv = new DataView(code.bytes.buffer, code.bytes.byteOffset);
  words.forEach((w, i) => cv.setBigUint64(i * 8, w, true));
  const out = dev.allocate(64);
  const unif = dev.allocate(16);
  new DataView(unif.bytes.buffer, unif.bytes.byteOffset).setUint32(0, out.gpuAddress, true);
  return { code: code.gpuAddress, unif: unif.gpuAddress, out: new DataView(out.bytes.buffer, out.bytes.byteOffset) };
}

const KERNEL = `
  eidx r0 ; nop ; ldunif
  shl r1, r0, 2 ; nop
  add r1, r1, r5 ; mov tmud, r0
  nop ; mov tmua, r1
  tmuwt - ; nop
  ${END}`;

test('allocate gives page-aligned, non-zero, distinct GPU addresses with host views', (t) => {
  const dev = new V3dEmulatorDevice({ target: 'vc6' });
  const a = dev.allocate(10);
  const b = dev.allocate(5000);
  t.not(a.gpuAddress, 0);
  t.is(a.gpuAddress % 4096, 0);
  t.is(b.gpuAddress % 4096, 0);
  t.is(a.size, 4096);
  t.is(b.size, 8192);
  t.true(b.gpuAddress >= a.gpuAddress + a.size);
  a.bytes[3] = 0x12;
  t.is(dev.memory.read32(a.gpuAddress), 0x12000000);
  dev.free(a);
  t.throws(() => dev.memory.read32(a.gpuAddress), { message: /outside every mapped buffer/ });
  t.is(dev.numQpus, 8);
  t.is(new V3dEmulatorDevice({ target: 'vc7' }).numQpus, 12);
});

test('run executes a CSD job in the device memory and returns a profile', async (t) => {
  const dev = new V3dEmulatorDevice({ target: 'vc6' });
  const k = load(dev, KERNEL);
  const res = await dev.run({ kind: 'csd', cfg: [1 << 16, 1 << 16, 1 << 16, (16 << 8) | 16, 0, k.code, k.unif], buffers: [] });
  t.deepEqual(Array.from({ length: 16 }, (_, i) => k.out.getUint32(i * 4, true)), Array.from({ length: 16 }, (_, i) => i));
  // 5 body instructions + the end sequence up to the end thrsw's two delay slots; the padding nop never issues.
  t.is(res.profile.instructions, 12);
  t.is(res.profile.clockHz, 500e6);
  t.true(res.profile.cycles >= 12 * 4);
  t.is(res.profile.seconds, res.profile.cycles / 500e6);
});

test('a hazard in error mode rejects the job naming rule, address and QPU', async (t) => {
  const dev = new V3dEmulatorDevice({ target: 'vc6' });
  // ldtmu with nothing queued hangs real hardware (rule 26).
  const k = load(dev, `nop ; nop ; ldtmu.r0\n${END}`);
  await t.throwsAsync(dev.run({ kind: 'csd', cfg: [1 << 16, 1 << 16, 1 << 16, (16 << 8) | 16, 0, k.code, k.unif], buffers: [] }), {
    message: new RegExp(`r26-ldtmu-empty.*0x${k.code.toString(16).padStart(8, '0')} on QPU 0`),
  });
});
