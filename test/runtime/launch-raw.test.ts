// Hand-written machine code next to compiled kernels: Runtime.launchRaw on the vc4 and vc6 emulators.
import test from 'ava';
import { Runtime } from '../../runtime/index.ts';
import { assembleVc4 } from '../../compiler/isa/vc4/index.ts';
import { assembleV3d } from '../../compiler/isa/v3d/index.ts';

function wordsToBytes(words: bigint[]): Uint8Array {
  const b = new Uint8Array(words.length * 8);
  const v = new DataView(b.buffer);
  words.forEach((w, i) => v.setBigUint64(i * 8, w, true));
  return b;
}

test('vc4: each QPU gets its own uniform stream through the execute_qpu control list', async (t) => {
  const rt = await Runtime.open({ target: 'vc4', backend: 'emulator' });
  t.is(rt.backend, 'emulator');
  const out = rt.alloc(Uint32Array, 16 * 3);
  // out[qpu*16 + lane] = 100*qpu + lane, through the VPM and its DMA store engine (each QPU its own VPM row).
  const src = [
    'mov r1, unif', 'mov r2, unif', 'ldi r3, 0x1a00', 'add vw_setup, r3, qpu_num', 'add r0, elem_num, r2', 'mov vpm, r0',
    'mov r3, qpu_num', 'shl r3, r3, 7', 'ldi r0, 0x80904000', 'add vw_setup, r0, r3', 'mov vw_addr, r1', 'mov.never -, vw_wait',
    'mov.never -, vw_wait', 'mov -, vr_wait', 'ldi host_int, 1', 'nop; thrend', 'nop', 'nop',
  ].join('\n');
  const code = wordsToBytes(assembleVc4(src, 'raw.qasm').words);
  const addr = rt.addressOf(out);
  const r = await rt.launchRaw({ code, uniforms: (q) => Uint32Array.of(addr + 64 * q, 100 * q) }, { qpus: 3 });
  t.deepEqual(Array.from(out), Array.from({ length: 48 }, (_, i) => 100 * Math.floor(i / 16) + (i % 16)));
  t.is(r.target, 'vc4');
  t.true((r.profile?.cycles ?? 0) > 0);
  rt.close();
});

test('vc4: a @kernel compiles for vc4 and runs next to raw programs', async (t) => {
  const rt = await Runtime.open({ target: 'vc4', backend: 'emulator' });
  const { Blas } = await import('../../kernels/saxpy.ts');
  const x = rt.alloc(Float32Array, 16);
  x.set(Array.from({ length: 16 }, (_, i) => i));
  // y = 2·x + y with x and y the same array: 3·i.
  const r = await rt.launch(Blas.saxpy, { qpus: 1 }, 16, 2, x, x);
  t.deepEqual(Array.from(x), Array.from({ length: 16 }, (_, i) => 3 * i));
  t.is(r.target, 'vc4');
  rt.close();
});

test('vc6: a raw program reads the shared uniform stream', async (t) => {
  const rt = await Runtime.open({ target: 'vc6', backend: 'emulator' });
  const out = rt.alloc(Uint32Array, 16);
  const addr = rt.addressOf(out);
  // out[lane] = lane + 7 (uniforms: address, 7)
  const src = [
    'nop ; nop ; ldunifrf.rf1', 'nop ; nop ; ldunifrf.rf2', 'eidx rf3 ; nop', 'add rf4, rf3, rf2 ; nop', 'shl rf3, rf3, 2 ; nop',
    'add rf1, rf1, rf3 ; nop', 'or tmud, rf4, rf4 ; nop', 'or tmua, rf1, rf1 ; nop',
    'nop ; nop ; thrsw', 'nop ; nop ; thrsw', 'nop ; nop', 'nop ; nop', 'nop ; nop ; thrsw', 'nop ; nop', 'nop ; nop', 'nop ; nop',
  ].join('\n');
  const code = wordsToBytes(assembleV3d(src, 'raw.s', 42).words);
  await rt.launchRaw({ code, uniforms: Uint32Array.of(addr, 7) }, { qpus: 1 });
  t.deepEqual(Array.from(out), Array.from({ length: 16 }, (_, i) => i + 7));
  rt.close();
});

test('a hazard in a launched kernel names the kernel source line', async (t) => {
  const { compileFile } = await import('../../compiler/compile.ts');
  const { fileURLToPath } = await import('node:url');
  const file = fileURLToPath(new URL('../../kernels/saxpy.ts', import.meta.url));
  const k = compileFile(file, { target: 'vc6' }).kernels[0];
  if (!k) return t.fail('saxpy did not compile');
  // Put a second branch into the first branch's delay slot: hardware runs that wrongly (semantics notes rule 1).
  const at = k.listing.findIndex((l) => /^b/.test(l.text));
  t.true(at >= 0);
  const code = k.code.slice();
  code.set(k.code.subarray(at * 8, at * 8 + 8), (at + 1) * 8);
  const listing = k.listing.map((l, i) => (i === at + 1 ? { ...l, loc: { file, line: 8, col: 5 } } : l));
  const rt = await Runtime.open({ target: 'vc6', backend: 'emulator' });
  const x = rt.alloc(Float32Array, 16);
  await t.throwsAsync(rt.launch({ ...k, code, listing }, { qpus: 1 }, 16, 1, x, x), { message: /branch in the delay slots of a branch.*saxpy\.ts:8:5/ });
  rt.close();
});
