/**
 * py-videocore6's summation / memset / scopy and py-videocore7's scopy
 * (`examples/*.py`) restated in qpuc's assembler text with the same
 * instruction sequence, uniform layout and dispatch: one thread per QPU, vec4
 * TMU lookups whose config bytes come from the uniform stream (`tmuau`), a
 * relative uniform branch (`bu ..., r:unif`) that rewinds the stream each pass,
 * and (scopy) a prefetch lookup (config byte 0x80). Alignment padding to
 * pv6's instruction offsets is left out (the model has no instruction cache).
 * Each run checks its result and reports MB/s the way the published figure
 * counts it: length * 4 bytes / time.
 */
import { assembleV3d } from '../../compiler/isa/v3d/asm.ts';
import type { V3dVersion } from '../../compiler/isa/v3d/instr.ts';
import { GpuMemory } from '../../runtime/emulator/memory.ts';
import { runCsd, type EmulatorResult } from '../../runtime/emulator/v3d/run.ts';

const END = ['nop ; nop ; thrsw', 'nop ; nop ; thrsw', 'nop ; nop', 'nop ; nop', 'nop ; nop ; thrsw', 'nop ; nop', 'nop ; nop', 'nop ; nop'];
const CODE = 0x10000, UNIF = 0x40000, SRC = 0x1000000;

/** Add-ALU move: 4.2 has none (`or d, s, s`, as pv6's assembler emits), 7.1 has `mov`. */
const movA = (ver: V3dVersion, d: string, s: string) => (ver === 42 ? `or ${d}, ${s}, ${s}` : `mov ${d}, ${s}`);

/** QPU-number prologue: reg = (tidx >> 2) & 15, or 0 for one QPU. `t` is a scratch register. */
function qpuNum(ver: V3dVersion, reg: string, t: string, many: boolean): string[] {
  if (!many) return [ver === 42 ? `nop ; mov ${reg}, 0` : `mov ${reg}, 0`];
  return [`tidx ${t}`, `shr ${t}, ${t}, 2`, `and ${reg}, ${t}, 15`].map((l) => (ver === 42 ? `${l} ; nop` : l));
}

/** pv6 summation (unroll_shift 2, 8 QPUs). */
export function summationSource(): string {
  const L = [
    'nop ; nop ; ldunifrf.rf0', 'nop ; nop ; ldunifrf.rf1', 'nop ; nop ; ldunifrf.rf2',
    ...qpuNum(42, 'rf3', 'r0', true),
    'shl r0, rf3, 4 ; nop', 'eidx r1 ; nop', 'add r0, r0, r1 ; nop', 'shl r0, r0, 2 ; nop', 'shl r0, r0, 2 ; add rf2, rf2, r0',
    'add rf1, rf1, r0 ; nop', 'nop ; mov rf4, 1', 'shl rf4, rf4, 11 ; nop',
    // length /= 16 * 8 * 8 * 4: shift 12 (7 + 3 + 2)
    'shr rf0, rf0, 12 ; nop',
    'nop ; nop ; thrsw', 'xor rf5, 1, 1 ; mov r1, 1', 'sub.pushz rf0, rf0, r1 ; mov r2, rf4',
    'loop:', 'or tmuau, rf1, rf1 ; add rf1, rf1, rf4', 'or tmua, rf1, rf1 ; nop ; ldtmu.r0',
  ];
  for (let i = 0; i < 3; i++) {
    L.push('add rf5, rf5, r0 ; add rf1, rf1, r2 ; ldtmu.r0', 'add rf5, rf5, r0 ; nop ; ldtmu.r0', 'add rf5, rf5, r0 ; nop ; ldtmu.r0',
      `add rf5, rf5, r0 ; mov ${i % 2 === 1 ? 'tmuau' : 'tmua'}, rf1 ; ldtmu.r0`, 'add rf5, rf5, r0 ; add rf1, rf1, r2 ; ldtmu.r0',
      'add rf5, rf5, r0 ; nop ; ldtmu.r0', 'add rf5, rf5, r0 ; nop ; ldtmu.r0', 'add rf5, rf5, r0 ; mov tmua, rf1 ; ldtmu.r0');
  }
  L.push('add rf5, rf5, r0 ; add rf1, rf1, r2 ; ldtmu.r0', 'add rf5, rf5, r0 ; nop ; ldtmu.r0', 'add rf5, rf5, r0 ; nop ; ldtmu.r0',
    'add rf5, rf5, r0 ; nop ; ldtmu.r0', 'add rf5, rf5, r0 ; nop ; ldtmu.r0', 'bu.na0 loop, r:unif',
    'add rf5, rf5, r0 ; nop ; ldtmu.r0', 'add rf5, rf5, r0 ; nop ; ldtmu.r0', 'add rf5, rf5, r0 ; sub.pushz rf0, rf0, r1',
    'nop ; mov tmud, rf5', 'nop ; mov tmua, rf2', 'barrierid syncb ; nop ; thrsw', 'nop ; nop', 'nop ; nop', ...END);
  return L.join('\n');
}

/** pv6 memset (unroll_shift 5, 8 QPUs). */
export function memsetSource(): string {
  const L = [
    'nop ; nop ; ldunifrf.rf0', 'nop ; nop ; ldunifrf.rf1', 'nop ; nop ; ldunifrf.rf2',
    ...qpuNum(42, 'rf3', 'r0', true),
    'shl r0, rf3, 4 ; nop', 'eidx r1 ; nop', 'add r0, r0, r1 ; nop', 'shl r0, r0, 4 ; nop', 'add rf0, rf0, r0 ; nop',
    'nop ; mov r0, 1', 'shl rf4, r0, 11 ; nop', 'shr rf2, rf2, 12 ; nop', 'loop:',
  ];
  for (let i = 0; i < 7; i++) {
    L.push('nop ; mov tmud, rf1', 'nop ; mov tmud, rf1', 'nop ; mov tmud, rf1', 'nop ; mov tmud, rf1',
      `${movA(42, i % 4 === 0 ? 'tmuau' : 'tmua', 'rf0')} ; add rf0, rf0, rf4`);
  }
  L.push('nop ; mov tmud, rf1', 'nop ; mov tmud, rf1', 'nop ; mov r0, 1', 'sub.pushz rf2, rf2, r0 ; mov tmud, rf1', 'bu.na0 loop, r:unif',
    'nop ; mov tmud, rf1', 'nop ; mov tmud, rf1', 'or tmua, rf0, rf0 ; add rf0, rf0, rf4', ...END);
  return L.join('\n');
}

/** pv6 / pv7 scopy (unroll_shift 0): 8 QPUs (4.2), 1 or 12 QPUs (7.1; 12 keeps pv7's 8-QPU stride). */
export function scopySource(ver: V3dVersion, many: boolean): string {
  const R = ver === 42 ? 'r0' : 'rf1';
  const X = ver === 42 ? ' ; nop' : '';
  const [len, src, dst, qn, stride] = ver === 42 ? ['rf0', 'rf1', 'rf2', 'rf3', 'rf4'] : ['rf5', 'rf6', 'rf7', 'rf8', 'rf9'];
  const t1 = ver === 42 ? 'r0' : 'rf1', t2 = ver === 42 ? 'r1' : 'rf2';
  const shift = many ? 3 : 0;
  const L = [
    `nop ; nop ; ldunifrf.${len}`, `nop ; nop ; ldunifrf.${src}`, `nop ; nop ; ldunifrf.${dst}`,
    ...qpuNum(ver, qn, t1, many),
    `shl ${t1}, ${qn}, 4${X}`, `eidx ${t2}${X}`, `add ${t1}, ${t1}, ${t2}${X}`, `shl ${t1}, ${t1}, 4${X}`,
    `add ${src}, ${src}, ${t1} ; add ${dst}, ${dst}, ${t1}`,
    ver === 42 ? `nop ; mov ${stride}, 1` : `mov ${stride}, 1`, `shl ${stride}, ${stride}, ${8 + shift}${X}`,
    `shr ${len}, ${len}, ${7 + shift}${X}`,
    'nop ; nop ; thrsw', 'nop ; nop', 'nop ; nop', 'loop:',
    `${movA(ver, 'tmuau', src)} ; add ${src}, ${src}, ${stride}`, `${movA(ver, 'tmua', src)} ; add ${src}, ${src}, ${stride}`,
    `${movA(ver, 'tmua', src)}${X}`,
    `nop ; nop ; ldtmu.${R}`, `nop ; mov tmud, ${R} ; ldtmu.${R}`, `nop ; mov tmud, ${R} ; ldtmu.${R}`, `nop ; mov tmud, ${R}`,
    `nop ; nop ; ldtmu.${R}`, `sub.pushz ${len}, ${len}, 1 ; mov tmud, ${R}`, `${movA(ver, 'tmua', dst)} ; add ${dst}, ${dst}, ${stride}`,
    `${movA(ver, 'tmuc', '-4')}${X}`,
    `nop ; nop ; ldtmu.${R}`, `nop ; mov tmud, ${R} ; ldtmu.${R}`, `nop ; mov tmud, ${R} ; ldtmu.${R}`, 'bu.na0 loop, r:unif',
    `nop ; mov tmud, ${R} ; ldtmu.${R}`, `nop ; mov tmud, ${R}`, `${movA(ver, 'tmua', dst)} ; add ${dst}, ${dst}, ${stride}`,
    'barrierid syncb ; nop ; thrsw', 'nop ; nop', 'nop ; nop', ...END,
  ];
  return L.join('\n');
}

// ---- The same examples before py-videocore6 PR #53 (examples/*.py at e50d53a, 2020): scalar TMU lookups, no
// prefetch, no uniform-rewinding branch. PR #53 published their Pi 4 figures (7010 / 3739 / 2386 MB/s) next to the
// vec4 versions', so the model's constants, fitted on the vec4 programs, predict these.

const QPU8 = ['tidx r0 ; nop', 'shr r0, r0, 2 ; nop', 'and rf3, r0, 15 ; nop', 'shl r0, rf3, 4 ; nop', 'eidx r1 ; nop', 'add r0, r0, r1 ; nop', 'shl r0, r0, 2 ; nop'];

/** pv6 summation before PR #53 (8 QPUs, unroll_shift 5): 8 scalar lookups in flight. Uniforms: length, src, dst. */
export function summationScalarSource(): string {
  const L = ['nop ; nop ; ldunifrf.rf0', 'nop ; nop ; ldunifrf.rf1', 'nop ; nop ; ldunifrf.rf2', ...QPU8,
    'add rf1, rf1, r0 ; add rf2, rf2, r0', 'nop ; mov rf4, 1', 'shl rf4, rf4, 9 ; nop', 'shr rf0, rf0, 15 ; nop',
    'nop ; nop ; thrsw', 'nop ; nop', 'xor rf5, 1, 1 ; mov r1, 1', 'loop:'];
  for (let i = 0; i < 7; i++) L.push('or tmua, rf1, rf1 ; add rf1, rf1, rf4');
  L.push('or tmua, rf1, rf1 ; sub.pushz rf0, rf0, r1', 'add rf1, rf1, rf4 ; nop ; ldtmu.r0');
  for (let j = 0; j < 31 * 8; j++) L.push('or tmua, rf1, rf1 ; add rf1, rf1, rf4', 'add rf5, rf5, r0 ; nop ; ldtmu.r0');
  for (let i = 0; i < 5; i++) L.push('add rf5, rf5, r0 ; nop ; ldtmu.r0');
  L.push('b.na0 loop', 'add rf5, rf5, r0 ; nop ; ldtmu.r0', 'add rf5, rf5, r0 ; nop ; ldtmu.r0', 'add rf5, rf5, r0 ; nop',
    'nop ; mov tmud, rf5', 'nop ; mov tmua, rf2', 'barrierid syncb ; nop ; thrsw', 'nop ; nop', 'nop ; nop', ...END);
  return L.join('\n');
}

/** pv6 memset before PR #53 (8 QPUs, unroll_shift 1): scalar stores. Uniforms: dst, fill, length. */
export function memsetScalarSource(): string {
  return ['nop ; nop ; ldunifrf.rf0', 'nop ; nop ; ldunifrf.rf1', 'nop ; nop ; ldunifrf.rf2', ...QPU8,
    'add rf0, rf0, r0 ; nop', 'nop ; mov r0, 1', 'shl rf4, r0, 9 ; nop', 'shr rf2, rf2, 8 ; nop', 'loop:',
    'or tmud, rf1, rf1 ; sub.pushz rf2, rf2, r0', 'b.na0 loop', 'or tmua, rf0, rf0 ; add rf0, rf0, rf4', 'nop ; mov tmud, rf1',
    'or tmua, rf0, rf0 ; add rf0, rf0, rf4', ...END].join('\n');
}

/** pv6 scopy before PR #53 (8 QPUs, unroll_shift 0): 8 scalar loads, then 8 scalar stores. Uniforms: length, src, dst. */
export function scopyScalarSource(): string {
  const L = ['nop ; nop ; ldunifrf.rf0', 'nop ; nop ; ldunifrf.rf1', 'nop ; nop ; ldunifrf.rf2', ...QPU8,
    'add rf1, rf1, r0 ; add rf2, rf2, r0', 'nop ; mov rf4, 1', 'shl rf4, rf4, 9 ; nop', 'shr rf0, rf0, 10 ; nop',
    'nop ; nop ; thrsw', 'nop ; nop', 'nop ; nop', 'loop:'];
  for (let i = 0; i < 8; i++) L.push('or tmua, rf1, rf1 ; add rf1, rf1, rf4');
  for (let i = 0; i < 6; i++) L.push('nop ; nop ; ldtmu.r0', 'nop ; mov tmud, r0', 'or tmua, rf2, rf2 ; add rf2, rf2, rf4');
  L.push('nop ; nop ; ldtmu.r0', 'or tmud, r0, r0 ; sub.pushz rf0, rf0, 1', 'or tmua, rf2, rf2 ; add rf2, rf2, rf4', 'b.na0 loop',
    'nop ; nop ; ldtmu.r0', 'nop ; mov tmud, r0', 'or tmua, rf2, rf2 ; add rf2, rf2, rf4',
    'barrierid syncb ; nop ; thrsw', 'nop ; nop', 'nop ; nop', ...END);
  return L.join('\n');
}

/** A bandwidth run: modelled MB/s as the published figure counts it (length * 4 / time), and the job result. */
export interface BandwidthRun {
  mbps: number;
  result: EmulatorResult;
}

function run(ver: V3dVersion, source: string, qpus: number, uniforms: number[], mem: GpuMemory, lengthBytes: number): BandwidthRun {
  const prog = assembleV3d(source, 'bw.s', ver);
  const code = new Uint8Array(prog.words.length * 8);
  prog.words.forEach((w, i) => new DataView(code.buffer).setBigUint64(i * 8, w, true));
  mem.map(CODE, code);
  mem.map(UNIF, new Uint8Array(new Uint32Array(uniforms.map((u) => u >>> 0)).buffer));
  const cfg3 = (16 << 8) | 16 | (15 << 12);
  const result = runCsd(mem, [qpus << 16, 1 << 16, 1 << 16, cfg3, ver === 42 ? qpus - 1 : qpus, CODE, UNIF], { version: ver, hazards: 'off', numQpus: ver === 42 ? 8 : 12 });
  return { mbps: lengthBytes / result.profile.seconds / 1e6, result };
}

/** pv6 summation of `length` u32 on 8 QPUs; throws if the sum is wrong. */
export function runSummation(length: number): BandwidthRun {
  const mem = new GpuMemory();
  const x = new Uint32Array(length + 1024);
  for (let i = 0; i < length; i++) x[i] = i;
  mem.map(SRC, new Uint8Array(x.buffer));
  const Y = SRC + ((x.byteLength + 0xfff) & ~0xfff);
  const y = new Uint32Array(16 * 8);
  mem.map(Y, new Uint8Array(y.buffer));
  const r = run(42, summationSource(), 8, [length, SRC, Y, 0xfcfcfcfc, 0xfcfcfcfc, (4 * (-6 + 3)) >>> 0], mem, length * 4);
  let s = 0;
  for (const v of y) s = (s + v) >>> 0;
  const want = Number((BigInt(length - 1) * BigInt(length) / 2n) % 2n ** 32n);
  if (s !== want) throw new Error(`summation model run computed ${s}, expected ${want}`);
  return r;
}

/** pv6 memset of `length` u32 on 8 QPUs; throws if memory is not filled. */
export function runMemset(length: number): BandwidthRun {
  const mem = new GpuMemory();
  const x = new Uint32Array(length);
  mem.map(SRC, new Uint8Array(x.buffer));
  const fill = 0x5a5a5a5a;
  const r = run(42, memsetSource(), 8, [SRC, fill, length, 0xfcfcfcfc, 0xfcfcfcfc, (4 * (-6 + 3)) >>> 0], mem, length * 4);
  if (!x.every((v) => v === fill)) throw new Error('memset model run left words unfilled');
  return r;
}

/** pv6 (4.2, 8 QPUs) or pv7 (7.1, 1 or 12 QPUs) scopy of `length` u32; throws if the copy is wrong. */
export function runScopy(ver: V3dVersion, qpus: number, length: number): BandwidthRun {
  const mem = new GpuMemory();
  const pad = 64 * 1024; // the prefetch and pv7's 12-QPU overlap read past the end
  const x = new Uint32Array(length + pad / 4);
  for (let i = 0; i < length; i++) x[i] = i;
  mem.map(SRC, new Uint8Array(x.buffer));
  const Y = SRC + ((x.byteLength + 0xfff) & ~0xfff);
  const y = new Uint32Array(length + pad / 4);
  mem.map(Y, new Uint8Array(y.buffer));
  const r = run(ver, scopySource(ver, qpus > 1), qpus, [length, SRC, Y, 0xfc80fcfc, (4 * (-5 + 3)) >>> 0], mem, length * 4);
  for (let i = 0; i < length; i++) if (y[i] !== i) throw new Error(`scopy model run: y[${i}] = ${y[i]}`);
  return r;
}

/** pv6 summation before PR #53 (scalar loads) of `length` u32 on 8 QPUs; throws if the sum is wrong. */
export function runSummationScalar(length: number): BandwidthRun {
  const mem = new GpuMemory();
  const x = new Uint32Array(length + 1024);
  for (let i = 0; i < length; i++) x[i] = i;
  mem.map(SRC, new Uint8Array(x.buffer));
  const Y = SRC + ((x.byteLength + 0xfff) & ~0xfff);
  const y = new Uint32Array(16 * 8);
  mem.map(Y, new Uint8Array(y.buffer));
  const r = run(42, summationScalarSource(), 8, [length, SRC, Y], mem, length * 4);
  let s = 0;
  for (const v of y) s = (s + v) >>> 0;
  const want = Number((BigInt(length - 1) * BigInt(length) / 2n) % 2n ** 32n);
  if (s !== want) throw new Error(`scalar summation model run computed ${s}, expected ${want}`);
  return r;
}

/** pv6 memset before PR #53 (scalar stores) of `length` u32 on 8 QPUs; throws if memory is not filled. */
export function runMemsetScalar(length: number): BandwidthRun {
  const mem = new GpuMemory();
  const x = new Uint32Array(length);
  mem.map(SRC, new Uint8Array(x.buffer));
  const fill = 0x5a5a5a5a;
  const r = run(42, memsetScalarSource(), 8, [SRC, fill, length], mem, length * 4);
  if (!x.every((v) => v === fill)) throw new Error('scalar memset model run left words unfilled');
  return r;
}

/** pv6 scopy before PR #53 (scalar loads and stores) of `length` u32 on 8 QPUs; throws if the copy is wrong. */
export function runScopyScalar(length: number): BandwidthRun {
  const mem = new GpuMemory();
  const x = new Uint32Array(length);
  for (let i = 0; i < length; i++) x[i] = i;
  mem.map(SRC, new Uint8Array(x.buffer));
  const Y = SRC + ((x.byteLength + 0xfff) & ~0xfff);
  const y = new Uint32Array(length);
  mem.map(Y, new Uint8Array(y.buffer));
  const r = run(42, scopyScalarSource(), 8, [length, SRC, Y], mem, length * 4);
  for (let i = 0; i < length; i++) if (y[i] !== i) throw new Error(`scalar scopy model run: y[${i}] = ${y[i]}`);
  return r;
}
