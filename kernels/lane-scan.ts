/**
 * The inclusive scan of one 16-lane vector, as device functions shared by kernels/scan.ts and
 * kernels/compact.ts. A file of its own, with no kernels, so that importing it pulls no other family's
 * kernels into a family's compile.
 */
import { device, qpu, type f32, type u32 } from 'qpuc';

/** 16-lane inclusive scans. */
export class LaneScan {
  /** The inclusive scan of one 16-lane vector: lane l gets v(0) + … + v(l), as a tree of 4 levels (each addition rounded for f32). */
  @device
  static f32(v: f32): f32 {
    const lane = qpu.laneId();
    // Rotations outside the conditional expressions: a call is not a simple arm, and `?:` with simple arms is a select, not a branch.
    let t = v;
    const r1 = qpu.rotate(t, 1);
    t = lane >= 1 ? t + r1 : t;
    const r2 = qpu.rotate(t, 2);
    t = lane >= 2 ? t + r2 : t;
    const r4 = qpu.rotate(t, 4);
    t = lane >= 4 ? t + r4 : t;
    const r8 = qpu.rotate(t, 8);
    t = lane >= 8 ? t + r8 : t;
    return t;
  }

  /**
   * {@link LaneScan.f32} for 32-bit integers (wrapping), each level one conditional add (`t + (c ? r : 0)`, where the
   * f32 scan keeps `c ? t + r : t`: −0 + 0 is +0): vc7 scans 0.932 → 0.935 of the memory limit.
   */
  @device
  static u32(v: u32): u32 {
    const lane = qpu.laneId();
    // Rotations outside the conditional expressions: a call is not a simple arm, and `?:` with simple arms is a select, not a branch.
    let t = v;
    const r1 = qpu.rotate(t, 1);
    t = t + (lane >= 1 ? r1 : 0);
    const r2 = qpu.rotate(t, 2);
    t = t + (lane >= 2 ? r2 : 0);
    const r4 = qpu.rotate(t, 4);
    t = t + (lane >= 4 ? r4 : 0);
    const r8 = qpu.rotate(t, 8);
    t = t + (lane >= 8 ? r8 : 0);
    return t;
  }
}
