/**
 * f32 comparisons for tests, computed with plain typed arrays (independent of
 * the compiler's own f32 helpers).
 */

const F = new Float32Array(1);
const U = new Uint32Array(F.buffer);

/** Position of `v` (rounded to f32) on the line of f32 values ordered by value: adjacent f32s differ by one, ±0 are both 0. */
function orderKey(v: number): number {
  F[0] = v;
  const b = U[0] as number;
  return b & 0x80000000 ? -(b & 0x7fffffff) : b;
}

/** ulps between two f32 values: how many representable f32s apart they are (NaN equals NaN; NaN against a number is Infinity). */
export function ulps(x: number, y: number): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y) ? 0 : Infinity;
  return Math.abs(orderKey(x) - orderKey(y));
}
