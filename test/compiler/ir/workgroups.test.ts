// The workgroup IR ops on hand-written IR (docs/language.md "Workgroups", "The IR"): the function header's
// [workgroupSize=N sharedBytes=M] round-trips through the text form, and the interpreter gives local_id,
// group_id, num_groups, shared_ptr and barrier [scope=workgroup] the documented meaning (expected values from
// the definitions, computed here).
import test from 'ava';
import { parseFunction } from '../../../compiler/ir/parse.ts';
import { printFunction } from '../../../compiler/ir/print.ts';
import { verifyFunction } from '../../../compiler/ir/verify.ts';
import { ArrayMemory, interpretKernel } from '../../../compiler/ir/interpret.ts';

const IDS = `func W.ids(out %0: ptr<u32>) [workgroupSize=32] {
b0:
  %1: u32 varying = global_id
  %2: u32 varying = local_id
  %3: u32 = group_id
  %4: u32 = num_groups [dim=1]
  %5: u32 = const 3
  %6: u32 varying = mul %1, %5
  %7: ptr<u32> varying = gep %0, %6
  store %7, %2
  %8: u32 = const 1
  %9: u32 varying = add %6, %8
  %10: ptr<u32> varying = gep %0, %9
  store %10, %3
  %11: u32 = const 2
  %12: u32 varying = add %6, %11
  %13: ptr<u32> varying = gep %0, %12
  store %13, %4
  ret
}
`;

test('workgroup ids: local_id, the linear group_id and num_groups of a [2, 3] grid of 32-item workgroups', (t) => {
  const fn = parseFunction(IDS);
  t.deepEqual(verifyFunction(fn), []);
  t.is(fn.workgroupSize, 32);
  t.regex(printFunction(fn), /^func W\.ids\(out %0: ptr<u32>\) \[workgroupSize=32\] \{/);
  const mem = new ArrayMemory(new ArrayBuffer(2 * 3 * 32 * 12), 0x1000);
  interpretKernel(fn, [{ address: 0x1000 }], mem, { qpus: 12, grid: [2, 3, 1] });
  const out = new Uint32Array(mem.buffer);
  const want: number[] = [];
  for (let g = 0; g < 6 * 32; g++) want.push(g % 32, Math.floor(g / 32), 3);
  t.deepEqual(Array.from(out), want);
  t.throws(() => interpretKernel(fn, [{ address: 0x1000 }], mem, { qpus: 12, grid: [2, 2, 1] }), { message: /12 batches are not a grid of \[2, 2, 1\] workgroups of 2 batches/ });
});

const SHARED = `func W.swap(x %0: ptr<f32>, y %1: ptr<f32>) [workgroupSize=32 sharedBytes=128] {
b0:
  %2: ptr<f32> = shared_ptr [offset=0]
  %3: u32 varying = local_id
  %4: u32 varying = global_id
  %5: ptr<f32> varying = gep %0, %4
  %6: f32 varying = load %5
  %7: ptr<f32> varying = gep %2, %3
  store %7, %6
  barrier [scope=workgroup]
  %8: u32 = const 31
  %9: u32 varying = sub %8, %3
  %10: ptr<f32> varying = gep %2, %9
  %11: f32 varying = load %10
  %12: ptr<f32> varying = gep %1, %4
  store %12, %11
  ret
}
`;

test('shared_ptr gives each workgroup its own region and barrier [scope=workgroup] orders it', (t) => {
  const fn = parseFunction(SHARED);
  t.deepEqual(verifyFunction(fn), []);
  t.is(fn.sharedBytes, 128);
  t.is(printFunction(parseFunction(printFunction(fn))), printFunction(fn));
  const mem = new ArrayMemory(new ArrayBuffer(4096), 0x1000);
  const f = new Float32Array(mem.buffer);
  for (let i = 0; i < 96; i++) f[i] = i + 0.5;
  // x at 0x1000 (96 floats), y at 0x1000 + 512, shared memory (3 workgroups x 128 bytes) at 0x1000 + 1024.
  interpretKernel(fn, [{ address: 0x1000 }, { address: 0x1200 }], mem, { qpus: 6, sharedBase: 0x1400 });
  t.deepEqual(Array.from(f.slice(128, 224)), Array.from({ length: 96 }, (_, i) => Math.floor(i / 32) * 32 + 31 - (i % 32) + 0.5));
  // Each workgroup's region holds its own 32 elements.
  t.deepEqual(Array.from(f.slice(256, 352)), Array.from({ length: 96 }, (_, i) => i + 0.5));
  t.throws(() => interpretKernel(fn, [{ address: 0x1000 }, { address: 0x1200 }], mem, { qpus: 6 }), { message: /declares workgroup-shared memory, and no sharedBase was given/ });
});

test('the text form rejects unknown function attributes and the verifier unknown barrier scopes', (t) => {
  t.throws(() => parseFunction('func K() [threads=2] {\nb0:\n  ret\n}\n'), { message: /unknown function attribute 'threads=2'/ });
  const fn = parseFunction('func K() {\nb0:\n  barrier [scope=galaxy]\n  ret\n}\n');
  t.true(verifyFunction(fn).some((e) => /unknown scope 'galaxy'/.test(e)));
});
