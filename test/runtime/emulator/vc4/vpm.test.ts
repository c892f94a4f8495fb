/**
 * VPM generic 8/16/32-bit access, 16/8-bit DMA, the read-setup queue and DMA
 * starts while busy, from the setup formats of ARG Tables 32–37 as restated in
 * shared/docs/vc4-isa-notes.md §3 (laned = the half/byte of each of 16 words,
 * packed = 16 halves from 8 words / 16 bytes from 4 words).
 */
import test from 'ava';
import { BASE, DATA, EXIT, run } from './program.ts';

const IN = DATA + 0x800;
const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;
/** Generic VPM setup [ARG Tables 32–33]. */
const generic = (o: { num?: number; stride?: number; horiz?: boolean; laned?: boolean; size: 0 | 1 | 2; addr: number }): string =>
  hex(((o.num ?? 0) << 20) | ((o.stride ?? 1) << 12) | ((o.horiz ?? true) ? 1 << 11 : 0) | (o.laned ? 1 << 10 : 0) | (o.size << 8) | o.addr);
/** VDW store setup [ARG Table 34]. */
const vdw = (o: { units: number; depth: number; y?: number; modew?: number }): string =>
  hex(0x80000000 | (o.units << 23) | (o.depth << 16) | (1 << 14) | ((o.y ?? 0) << 7) | (o.modew ?? 0));
/** VCD load setup, horizontal, rows 16 words apart in memory via MPITCH [ARG Table 36]. */
const vcd = (o: { rowlen: number; nrows: number; modew?: number; mpitch?: number; y?: number }): string =>
  hex(0x80000000 | ((o.modew ?? 0) << 28) | ((o.mpitch ?? 0) << 24) | ((o.rowlen & 15) << 20) | ((o.nrows & 15) << 16) | (1 << 12) | ((o.y ?? 0) << 4));

/** Load 64 words (4 VPM rows of 16) from IN: word i = 4 bytes 4i … 4i+3 (little-endian). */
const LOAD_ROWS = ['mov ra1, unif', 'mov ra2, unif', `ldi vr_setup, ${vcd({ rowlen: 16, nrows: 4, mpitch: 3 })}`, 'mov vr_addr, ra2', 'mov.never -, vr_wait'];
const bytesInit = (m: DataView): void => { for (let i = 0; i < 256; i++) m.setUint8(IN - BASE + i, i); };
const word = (i: number): number => ((4 * i) | ((4 * i + 1) << 8) | ((4 * i + 2) << 16) | ((4 * i + 3) << 24)) >>> 0;
const words = (r: { word(a: number): number }, at: number, n = 16): number[] => Array.from({ length: n }, (_, i) => r.word(at + 4 * i));

/** Read one vector with `setup`, write it as 32-bit to VPM row 8 and store that row to DATA. */
function readAs(setup: string): number[] {
  const src = [
    ...LOAD_ROWS, `ldi vr_setup, ${setup}`, 'nop', 'nop', 'nop', 'mov r0, vpm',
    `ldi vw_setup, ${generic({ size: 2, addr: 8 })}`, 'mov vpm, r0',
    `ldi vw_setup, ${vdw({ units: 1, depth: 16, y: 8 })}`, 'mov vw_addr, ra1', 'mov.never -, vw_wait', EXIT,
  ].join('\n');
  const r = run(src, { uniforms: () => [DATA, IN], init: bytesInit });
  if (r.hazards.length) throw new Error(r.hazards[0]?.message);
  return words(r, DATA);
}

test('32-bit horizontal and vertical reads [ARG Table 33]', (t) => {
  t.deepEqual(readAs(generic({ num: 1, size: 2, addr: 1 })), Array.from({ length: 16 }, (_, k) => word(16 + k)));
  // Vertical 32-bit at {Y[5:4] = 0, X = 3}: column 3 of rows 0–15 (only rows 0–3 were loaded).
  t.deepEqual(readAs(generic({ num: 1, size: 2, horiz: false, addr: 3 })).slice(0, 4), [0, 1, 2, 3].map((y) => word(16 * y + 3)));
});

test('16-bit laned and packed reads, zero-extended', (t) => {
  // Laned, H = 1 of row 0: the high half of each of the 16 words.
  t.deepEqual(readAs(generic({ num: 1, size: 1, laned: true, addr: (0 << 1) | 1 })), Array.from({ length: 16 }, (_, k) => word(k) >>> 16));
  // Packed, row 1, H = 1: 16 halves from words 8–15 of row 1, low half first.
  t.deepEqual(readAs(generic({ num: 1, size: 1, addr: (1 << 1) | 1 })), Array.from({ length: 16 }, (_, k) => (word(16 + 8 + (k >> 1)) >>> (16 * (k & 1))) & 0xffff));
});

test('8-bit laned and packed reads', (t) => {
  // Laned, B = 2 of row 2: byte 2 of each word.
  t.deepEqual(readAs(generic({ num: 1, size: 0, laned: true, addr: (2 << 2) | 2 })), Array.from({ length: 16 }, (_, k) => (4 * (32 + k) + 2) & 255));
  // Packed, row 0, B = 1: the 16 bytes of words 4–7, i.e. memory bytes 16–31.
  t.deepEqual(readAs(generic({ num: 1, size: 0, addr: (0 << 2) | 1 })), Array.from({ length: 16 }, (_, k) => 16 + k));
});

test('8-bit laned write replaces one byte per word; several vectors in a row advance by the stride', (t) => {
  const src = [
    ...LOAD_ROWS,
    'ldi r1, 0x1ff', // only the low byte is written
    `ldi vw_setup, ${generic({ size: 0, laned: true, addr: (0 << 2) | 3 })}`, 'mov vpm, r1',
    `ldi vw_setup, ${generic({ size: 2, stride: 2, addr: 4 })}`, 'mov vpm, elem_num', 'mov vpm, elem_num', 'mov vpm, elem_num', // rows 4, 6, 8
    `ldi vw_setup, ${vdw({ units: 9, depth: 16 })}`, 'mov vw_addr, ra1', 'mov.never -, vw_wait', EXIT,
  ].join('\n');
  const r = run(src, { uniforms: () => [DATA, IN], init: bytesInit });
  t.deepEqual(r.hazards, []);
  t.deepEqual(words(r, DATA), Array.from({ length: 16 }, (_, k) => ((word(k) & 0x00ffffff) | 0xff000000) >>> 0));
  const elem = Array.from({ length: 16 }, (_, k) => k);
  t.deepEqual(words(r, DATA + 4 * 64), elem);
  t.deepEqual(words(r, DATA + 6 * 64), elem);
  t.deepEqual(words(r, DATA + 8 * 64), elem);
  t.deepEqual(words(r, DATA + 5 * 64), Array(16).fill(0), 'row 5 is skipped by stride 2 (the VPM starts zeroed here)');
});

test('16-bit and 8-bit DMA stores take the half / byte MODEW selects [ARG Table 34]', (t) => {
  const src = [
    ...LOAD_ROWS,
    `ldi vw_setup, ${vdw({ units: 1, depth: 16, modew: 3 })}`, 'mov vw_addr, ra1', 'mov.never -, vw_wait', // high halves of row 0
    'ldi r1, 64', 'add r2, ra1, r1', `ldi vw_setup, ${vdw({ units: 1, depth: 16, modew: 6 })}`, 'mov vw_addr, r2', 'mov.never -, vw_wait', // byte 2
    EXIT,
  ].join('\n');
  const r = run(src, { uniforms: () => [DATA, IN], init: bytesInit });
  t.deepEqual(r.hazards, []);
  t.deepEqual(Array.from({ length: 16 }, (_, k) => r.mem.getUint16(DATA - BASE + 2 * k, true)), Array.from({ length: 16 }, (_, k) => word(k) >>> 16));
  t.deepEqual(Array.from({ length: 16 }, (_, k) => r.mem.getUint8(DATA - BASE + 64 + k)), Array.from({ length: 16 }, (_, k) => 4 * k + 2));
  t.is(r.profile.bytesWritten, 32 + 16);
});

test('16-bit DMA load fills one half of each VPM word and keeps the other [ARG Table 36]', (t) => {
  const src = [
    ...LOAD_ROWS,
    'mov r1, unif', `ldi vr_setup, ${vcd({ rowlen: 0, nrows: 1, modew: 2 | 1 })}`, 'mov vr_addr, r1', 'mov.never -, vr_wait', // 16 halves → high halves of row 0
    `ldi vw_setup, ${vdw({ units: 1, depth: 16 })}`, 'mov vw_addr, ra1', 'mov.never -, vw_wait', EXIT,
  ].join('\n');
  const halves = DATA + 0x1000;
  const r = run(src, { uniforms: () => [DATA, IN, halves], init: (m) => { bytesInit(m); for (let k = 0; k < 16; k++) m.setUint16(halves - BASE + 2 * k, 0xa000 + k, true); } });
  t.deepEqual(words(r, DATA), Array.from({ length: 16 }, (_, k) => (((0xa000 + k) << 16) | (word(k) & 0xffff)) >>> 0));
});

test('two read setups queue, a third is ignored and reported [ARG p.56]', (t) => {
  const src = [
    ...LOAD_ROWS,
    `ldi vr_setup, ${generic({ num: 1, size: 2, addr: 1 })}`, `ldi vr_setup, ${generic({ num: 1, size: 2, addr: 2 })}`,
    `ldi vr_setup, ${generic({ num: 1, size: 2, addr: 3 })}`, 'nop',
    'mov r0, vpm', 'mov r1, vpm',
    `ldi vw_setup, ${generic({ size: 2, addr: 8 })}`, 'mov vpm, r0', 'mov vpm, r1',
    `ldi vw_setup, ${vdw({ units: 2, depth: 16, y: 8 })}`, 'mov vw_addr, ra1', 'mov.never -, vw_wait', EXIT,
  ].join('\n');
  const r = run(src, { uniforms: () => [DATA, IN], init: bytesInit });
  t.deepEqual(words(r, DATA, 32), Array.from({ length: 32 }, (_, k) => word(16 + k)));
  t.deepEqual(r.hazards.map((h) => h.rule), ['vpm-setup-misuse']);
});

test('a DMA store started while the previous one runs waits for it; both land', (t) => {
  const src = [
    ...LOAD_ROWS, 'ldi r1, 64', 'add r2, ra1, r1',
    `ldi vw_setup, ${vdw({ units: 1, depth: 16, y: 0 })}`, 'mov vw_addr, ra1',
    `ldi vw_setup, ${vdw({ units: 1, depth: 16, y: 1 })}`, 'mov vw_addr, r2', 'mov.never -, vw_wait', EXIT,
  ].join('\n');
  const r = run(src, { uniforms: () => [DATA, IN], init: bytesInit });
  t.deepEqual(words(r, DATA, 32), Array.from({ length: 32 }, (_, k) => word(k)));
  t.true((r.profile.stalls.dma ?? 0) > 0, 'the second start stalled');
});
