// qpu.barrier() in loops, on 3, 8 and 12 VC4 QPUs (12: all of them) and on vc6/vc7: a loop of bare barriers, and
// rounds with skewed QPUs against the same rounds computed in plain JS. Every round reads values other QPUs wrote
// before the barrier, so a QPU let through early (or one never let through: a deadlock) shows as a wrong value (or
// an execution error).
import test from 'ava';
import { Runtime, type Target } from '../../runtime/index.ts';
import { BarrierLoop } from '../fixtures/runtime/barrier-loop.ts';

/** The kernel's rounds in plain JS (u32 arithmetic). */
function expected(qpus: number, rounds: number): number[] {
  const n = qpus * 16;
  let x = Array.from({ length: n }, (_, g) => Math.imul(g, 2654435761) >>> 0);
  for (let r = 0; r < rounds; r++) {
    const pub = x.map((v, g) => {
      let w = r;
      const spin = ((Math.floor(g / 16) * 5 + r * 3) & 7) * 12;
      for (let k = 0; k < spin; k++) w = (w * 5 + 1) & 0xffff;
      return (v ^ w) >>> 0;
    });
    x = pub.map((v, g) => (Math.imul(v, 3) + (pub[(g + 16 * (r + 1)) % n] as number)) >>> 0);
  }
  return x;
}

const RUNS: [Target, number[]][] = [['vc4', [3, 8, 12]], ['vc6', [8]], ['vc7', [16]]];

for (const [target, counts] of RUNS) {
  test(`${target}: barriers in loops on ${counts.join(', ')} QPUs`, async (t) => {
    const rt = await Runtime.open({ backend: 'emulator', target, log: () => {} });
    try {
      for (const qpus of counts) {
        // Nothing between barriers: a QPU let through early would take a later round's release (a deadlock at the end).
        const count = rt.alloc(Uint32Array, qpus * 16);
        await rt.launch(BarrierLoop.tight, { qpus }, 10, count);
        t.deepEqual(Array.from(count), Array.from({ length: qpus * 16 }, () => 10), `tight, ${qpus} QPUs`);
        const rounds = 12;
        const buf = rt.alloc(Uint32Array, 2 * qpus * 16);
        const out = rt.alloc(Uint32Array, qpus * 16);
        await rt.launch(BarrierLoop.run, { qpus }, rounds, buf, out);
        t.deepEqual(Array.from(out), expected(qpus, rounds), `skewed rounds, ${qpus} QPUs`);
      }
    } finally {
      rt.close();
    }
  });
}
