/**
 * Memory-access classification, for the backends to choose the TMU or the
 * VPM/DMA path. Each value gets an affine lane stride: the difference
 * between adjacent lanes (0 = uniform), found by abstract interpretation to
 * a fixed point; loads and stores record `attrs.access` = `uniform`,
 * `contiguous` (stride = element size), `strided` (with `attrs.stride` in
 * bytes) or `gather`. Runs on lowered IR, where block parameters are merged
 * only along uniform control flow (every lane takes the same edge).
 */
import type { IrFunction, Value } from '../ir/types.ts';
import { elemSize, isPtr } from '../ir/types.ts';
import { targets } from '../ir/cfg.ts';

/** Stride lattice: undefined = not yet known (optimistic), a number = affine stride, null = not affine. */
type Stride = number | null | undefined;

function meet(a: Stride, b: Stride): Stride {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a === b ? a : null;
}

/** Classifies every load and store in place; returns the function. */
export function classifyMemoryAccesses(fn: IrFunction): IrFunction {
  const stride = new Map<Value, Stride>();
  const consts = new Map<Value, number>();
  for (const p of fn.params) stride.set(p.value, 0);
  const k = (x: Value | undefined) => (x ? consts.get(x) : undefined);
  for (let changed = true, rounds = 0; changed && rounds < 50; rounds++) {
    changed = false;
    const set = (v: Value, s: Stride) => {
      const old = stride.get(v);
      const n = old === undefined ? s : meet(old, s);
      if (n !== old && !(n === undefined && old === undefined)) (stride.set(v, n), (changed = true));
    };
    for (const b of fn.blocks) {
      for (const i of b.instrs) {
        const r = i.result;
        if (!r) continue;
        // The first two operands' strides (read directly: this runs per instruction per round).
        const a = i.args.length > 0 ? stride.get(i.args[0] as Value) : undefined;
        const c = i.args.length > 1 ? stride.get(i.args[1] as Value) : undefined;
        let s: Stride;
        if (i.op === 'const') consts.set(r, Number(i.attrs?.['value']));
        if (r.uniform) s = 0;
        else
          switch (i.op) {
            case 'const': s = 0; consts.set(r, Number(i.attrs?.['value'])); break;
            case 'lane_id': case 'global_id': case 'local_id': s = 1; break;
            case 'add': s = a === undefined || c === undefined ? undefined : a === null || c === null ? null : a + c; break;
            case 'sub': s = a === undefined || c === undefined ? undefined : a === null || c === null ? null : a - c; break;
            case 'mul': {
              const ka = k(i.args[0]);
              const kc = k(i.args[1]);
              s = kc !== undefined && typeof a === 'number' ? a * kc : ka !== undefined && typeof c === 'number' ? c * ka : a === undefined || c === undefined ? undefined : null;
              break;
            }
            case 'shl': {
              const kc = k(i.args[1]);
              s = kc !== undefined && typeof a === 'number' ? a * 2 ** (kc & 31) : a === undefined ? undefined : null;
              break;
            }
            case 'gep': {
              const size = isPtr(r.type) ? elemSize(r.type.ptr) : 1;
              s = a === undefined || c === undefined ? undefined : a === null || c === null ? null : a + c * size;
              break;
            }
            case 'select': {
              const cond = i.args[0]!;
              const x = stride.get(i.args[1]!);
              const y = stride.get(i.args[2]!);
              s = i.args[1] === i.args[2] ? x : cond.uniform ? meet(x, y) : null;
              break;
            }
            default: s = null;
          }
        if (s !== undefined) set(r, s);
      }
      for (const ref of targets(b.term)) ref.args.forEach((a, k) => {
        const s = r0(stride.get(a), a);
        if (s !== undefined) set(ref.block.params[k]!, s);
      });
    }
  }
  for (const b of fn.blocks) {
    for (const i of b.instrs) {
      if (i.op !== 'load' && i.op !== 'store') continue;
      const p = i.args[0]!;
      const s = p.uniform ? 0 : stride.get(p);
      const size = isPtr(p.type) ? elemSize(p.type.ptr) : 4;
      const attrs: Record<string, number | string | boolean> = { ...(i.attrs ?? {}) };
      if (s === 0) attrs['access'] = 'uniform';
      else if (s === size) attrs['access'] = 'contiguous';
      else if (typeof s === 'number') (attrs['access'] = 'strided'), (attrs['stride'] = s);
      else attrs['access'] = 'gather';
      i.attrs = attrs;
    }
  }
  return fn;
}

function r0(s: Stride, v: Value): Stride {
  return v.uniform ? 0 : s;
}
