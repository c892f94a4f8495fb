import test from 'ava';
import { DATA, END, runAsm, words } from './builder.ts';

const STORE_TMUWT = `tmuwt - ; nop`;

test('4.2: load, umul24, add eidx, store', (t) => {
  const input = new Uint8Array(64);
  const dv = new DataView(input.buffer);
  for (let i = 0; i < 16; i++) dv.setUint32(i * 4, 100 + i * 7, true);
  const r = runAsm(42, `
    .uniform ${DATA}, ${DATA + 0x100}
    eidx r0 ; nop ; ldunif
    shl r0, r0, 2 ; nop
    add rf1, r5, r0 ; nop ; ldunif
    add rf2, r5, r0 ; mov tmua, rf1
    nop ; nop ; ldtmu.r1
    nop ; umul24 r1, r1, 3
    eidx r2 ; nop
    add r1, r1, r2 ; nop
    nop ; mov tmud, r1
    nop ; mov tmua, rf2
    ${STORE_TMUWT}
    ${END}`, { data: input });
  t.deepEqual(words(r, 0x100), Array.from({ length: 16 }, (_, i) => (100 + i * 7) * 3 + i));
  t.deepEqual(r.result.hazards, []);
  t.is(r.result.profile.bytesRead, 64);
  t.is(r.result.profile.bytesWritten, 64);
});

test('7.1: the same kernel with ldunif into rf0', (t) => {
  const input = new Uint8Array(64);
  const dv = new DataView(input.buffer);
  for (let i = 0; i < 16; i++) dv.setUint32(i * 4, 100 + i * 7, true);
  const r = runAsm(71, `
    .uniform ${DATA}, ${DATA + 0x100}
    eidx rf1 ; nop ; ldunif
    shl rf1, rf1, 2 ; nop
    add rf2, rf0, rf1 ; nop ; ldunif
    add rf3, rf0, rf1 ; nop
    mov tmua, rf2 ; nop
    nop ; nop ; ldtmu.rf4
    nop ; umul24 rf4, rf4, 3
    eidx rf5 ; nop
    add rf4, rf4, rf5 ; nop
    mov tmud, rf4 ; nop
    mov tmua, rf3 ; nop
    ${STORE_TMUWT}
    ${END}`, { data: input });
  t.deepEqual(words(r, 0x100), Array.from({ length: 16 }, (_, i) => (100 + i * 7) * 3 + i));
  t.deepEqual(r.result.hazards, []);
});

const TIDX_STORE = `
    .uniform ${DATA}
    tidx r0 ; nop ; ldunif
    and r1, r0, 62 ; nop
    shr r1, r1, 1 ; nop
    shl r1, r1, 6 ; nop
    eidx r2 ; nop
    shl r2, r2, 2 ; nop
    add r1, r1, r2 ; nop
    add r1, r1, r5 ; mov tmud, r0
    nop ; mov tmua, r1
    ${STORE_TMUWT}
    ${END}`;

test('4.2: 8 batches run one per QPU with tidx = qpu << 2 and the same uniform stream', (t) => {
  // (tidx & 62) >> 1 is py-videocore6's unique thread id; with <= 8 batches each QPU gets one.
  const r = runAsm(42, TIDX_STORE.replace('and r1, r0, 62', 'and r1, r0, -2'), { batches: 8 });
  for (let q = 0; q < 8; q++) t.deepEqual(words(r, ((q << 2) >> 1) * 64), new Array(16).fill(q << 2), `QPU ${q}`);
  t.is(r.result.profile.perQpuCycles.filter((c) => c > 0).length, 8);
});

test('4.2: 16 batches on 8 QPUs use thread slots 0 and 2 (tidx bit 1)', (t) => {
  const r = runAsm(42, TIDX_STORE.replace('and r1, r0, 62', 'and r1, r0, -2'), { batches: 16 });
  const seen = new Set<number>();
  for (let id = 0; id < 16; id++) seen.add(words(r, id * 64)[0] as number);
  const expected = new Set<number>();
  for (let q = 0; q < 8; q++) for (const s of [0, 2]) expected.add((q << 2) | s);
  t.deepEqual([...seen].sort((a, b) => a - b), [...expected].sort((a, b) => a - b));
});

test('4.2: relative branch loop runs its three delay slots every time', (t) => {
  const r = runAsm(42, `
    .uniform ${DATA}
    nop ; mov r0, 5
    nop ; mov r1, 0
    loop:
    sub.pushz r0, r0, 1 ; nop
    b.anyna loop
    add r1, r1, 1 ; nop
    add r1, r1, 2 ; nop
    nop ; nop
    eidx r2 ; nop ; ldunif
    shl r2, r2, 2 ; nop
    add r2, r2, r5 ; mov tmud, r1
    nop ; mov tmua, r2
    ${STORE_TMUWT}
    ${END}`);
  // 5 passes through the loop body, each running both slot adds (+3): 15.
  t.deepEqual(words(r, 0), new Array(16).fill(15));
});

test('payload: rf0 = wg_y << 16 | wg_x, rf2 = z | wg-in-sg << 16 | local << (32 - B) (4.2), rf3/rf2 (7.1)', (t) => {
  for (const ver of [42, 71] as const) {
    const xy = ver === 42 ? 'rf0' : 'rf3';
    const src = ver === 42 ? `
      .uniform ${DATA}
      eidx r0 ; nop ; ldunif
      shl r0, r0, 2 ; nop
      and r1, ${xy}, 15 ; nop
      shl r1, r1, 7 ; nop
      add r1, r1, r0 ; nop
      add r1, r1, r5 ; nop
      shl r2, 4, 4 ; mov tmud, ${xy}
      nop ; mov tmua, r1
      add r1, r1, r2 ; mov tmud, rf2
      nop ; mov tmua, r1
      ${STORE_TMUWT}
      ${END}` : `
      .uniform ${DATA}
      eidx rf10 ; nop ; ldunif
      shl rf10, rf10, 2 ; nop
      and rf11, ${xy}, 15 ; nop
      shl rf11, rf11, 7 ; nop
      add rf11, rf11, rf10 ; nop
      add rf11, rf11, rf0 ; nop
      mov tmud, ${xy} ; nop
      mov tmua, rf11 ; nop
      mov rf12, 4 ; nop
      shl rf12, rf12, 4 ; nop
      add rf11, rf11, rf12 ; nop
      mov tmud, rf2 ; nop
      mov tmua, rf11 ; nop
      ${STORE_TMUWT}
      ${END}`;
    // Four workgroups of 8 invocations, two per supergroup: each batch holds two workgroups.
    const r = runAsm(ver, src, { batches: 2, cfg0: 4 << 16, cfg3: (2 << 8) | 8 });
    for (let x = 0; x < 4; x++) {
      const lanes = words(r, x * 128);
      const zs = words(r, x * 128 + 64);
      // Batch b holds workgroups 2b (lanes 0-7) and 2b+1 (lanes 8-15); each lane stores at its own x.
      const mine = (l: number): boolean => l >> 3 === (x & 1);
      t.deepEqual(lanes, Array.from({ length: 16 }, (_, l) => (mine(l) ? x : 0)), `v${ver} wg ${x} rf xy`);
      t.deepEqual(zs, Array.from({ length: 16 }, (_, l) => (mine(l) ? (((x & 1) << 16) | ((l & 7) << 26)) >>> 0 : 0)), `v${ver} wg ${x} rf2`);
    }
  }
});

test('7.1 with THREADING: 48 batches fill 12 QPUs x 4 threads, every tidx 0..47 seen (pv7 test_parallel_full)', (t) => {
  const r = runAsm(71, `
    .uniform ${DATA}
    tidx rf1 ; nop ; ldunif
    shl rf2, rf1, 6 ; nop
    eidx rf3 ; nop
    shl rf3, rf3, 2 ; nop
    add rf2, rf2, rf3 ; nop
    add rf2, rf2, rf0 ; nop
    mov tmud, rf1 ; nop
    mov tmua, rf2 ; nop
    ${STORE_TMUWT}
    ${END}`, { batches: 48, cfg5Flags: 1 });
  for (let id = 0; id < 48; id++) t.deepEqual(words(r, id * 64), new Array(16).fill(id), `tidx ${id}`);
  t.is(r.result.profile.perQpuCycles.length, 12);
});
