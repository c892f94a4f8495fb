/** Test helper: assemble a VC4 program, lay out memory like a host would, run it through execute_qpu. */
import { assembleVc4 } from '../../../../compiler/isa/vc4/index.ts';
import { runExecuteQpu, type ExecuteQpuResult } from '../../../../runtime/emulator/vc4/execute.ts';

/** Bus address the test image starts at (uncached alias, as QPULib allocates). */
export const BASE = 0xc0000000;
export const CODE = BASE;
export const CONTROL = BASE + 0x8000;
export const UNIFORMS = BASE + 0x9000;
export const DATA = BASE + 0x10000;
export const SIZE = 0x20000;

/** The exit sequence py-videocore uses: host interrupt, thrend, two nops. */
export const EXIT = ['mov irq, 1', 'nop; thrend', 'nop', 'nop'].join('\n');

export interface Run extends ExecuteQpuResult {
  mem: DataView;
  word(bus: number): number;
  float(bus: number): number;
}

/** Run `src` on `numQpus` QPUs; QPU k gets uniforms `uniforms(k)` (numbers; floats via f()). */
export function run(src: string, opts: { uniforms?: (k: number) => number[]; numQpus?: number; init?: (m: DataView) => void } = {}): Run {
  const bytes = new Uint8Array(SIZE);
  const mem = new DataView(bytes.buffer);
  const p = assembleVc4(src, 'test.qasm');
  p.words.forEach((w, i) => {
    mem.setUint32(i * 8, Number(w & 0xffffffffn), true);
    mem.setUint32(i * 8 + 4, Number(w >> 32n), true);
  });
  const n = opts.numQpus ?? 1;
  for (let k = 0; k < n; k++) {
    const u = opts.uniforms?.(k) ?? [];
    const at = UNIFORMS - BASE + k * 0x100;
    u.forEach((v, i) => mem.setUint32(at + 4 * i, v >>> 0, true));
    mem.setUint32(CONTROL - BASE + 8 * k, UNIFORMS + k * 0x100, true);
    mem.setUint32(CONTROL - BASE + 8 * k + 4, CODE, true);
  }
  opts.init?.(mem);
  const r = runExecuteQpu({ bytes, base: BASE }, { numQpus: n, controlAddress: CONTROL, maxCycles: 4e6 });
  return {
    ...r, mem,
    word: (bus) => mem.getUint32(bus - BASE, true),
    float: (bus) => mem.getFloat32(bus - BASE, true),
  };
}

/** Float → bits. */
export function f(x: number): number {
  return new Uint32Array(new Float32Array([x]).buffer)[0] as number;
}

/** Store 16 vectors of r0's… : the VPM + DMA store epilogue writing `reg` (16 lanes) to the address in `addrReg`. */
export function storeVector(reg: string, addrReg: string): string {
  return [
    'mov vw_setup, 0x00001a00', // generic write: horizontal 32-bit, stride 1, row 0  (ARG Table 32)
    `mov vpm, ${reg}`,
    'mov vw_setup, 0x80904000', // DMA store: 1 row of 16 words, horizontal, VPM (0,0)  (ARG Table 34)
    `mov vw_addr, ${addrReg}`,
    'mov.never -, vw_wait',
  ].join('\n');
}
