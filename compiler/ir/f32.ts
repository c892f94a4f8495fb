/** Single-precision bit patterns: the one conversion every layer (compiler, runtime, emulators) uses. */

const F = new Float32Array(1);
const U = new Uint32Array(F.buffer);

/** Bits of the f32 nearest to `x` (round to nearest even, as the typed-array store does). */
export function f32Bits(x: number): number {
  F[0] = x;
  return U[0] as number;
}

/** The f32 value of a 32-bit pattern. */
export function bitsToF32(bits: number): number {
  U[0] = bits;
  return F[0] as number;
}
