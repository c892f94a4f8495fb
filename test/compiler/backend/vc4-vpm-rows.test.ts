// VC4 VPM store rows per batch (docs/backend-vc4.md "Conventions", stores): a streaming copy or scale owns
// `DmaStore.wideRows` rows from its 'vpmRow' uniform and stores one DMA of that many rows per pass, and the launcher
// runs at most storeRows / rows batches per job, so the rows of batches that run together never meet, nor meet the
// spill rows. Row ranges are read back from the uniform streams the real vc4 launcher builds; results against plain JS.
import test from 'ava';
import type { Device, DeviceBuffer, JobResult, QpuJob } from '../../../runtime/device.ts';
import { vc4Launcher } from '../../../runtime/launchers/vc4.ts';
import { uniformWords, vpmBatchesAtOnce, vpmRowsOf } from '../../../runtime/launchers/uniforms.ts';
import { TARGETS } from '../../../compiler/target/targets.ts';
import { Runtime } from '../../../runtime/index.ts';
import { Blas1 } from '../../../kernels/blas1.ts';
import { vpmRowsFor, type StoreGroup } from '../../../compiler/backend/vc4/isel-memory.ts';
import type { Block, Instr } from '../../../compiler/ir/types.ts';

const STORE = TARGETS.vc4.dmaStore;
/** VPM rows a user program can address (vc4 notes §3.1). */
const VPM_ROWS = 64;

/** A device that runs nothing: it records, per execute_qpu job, the first uniform word of each QPU's stream. */
function recordingDevice(numQpus: number): { device: Device; jobs: number[][] } {
  const buffers = new Map<number, DeviceBuffer>();
  let next = 0x1000;
  const jobs: number[][] = [];
  const wordAt = (address: number): number => {
    for (const b of buffers.values()) {
      if (address >= b.gpuAddress && address < b.gpuAddress + b.size) return new DataView(b.bytes.buffer, b.bytes.byteOffset).getUint32(address - b.gpuAddress, true);
    }
    throw new Error(`no buffer at 0x${address.toString(16)}`);
  };
  const device: Device = {
    target: 'vc4',
    backend: 'emulator',
    description: 'recording stub',
    numQpus,
    allocate(size: number): DeviceBuffer {
      const b = { handle: next, gpuAddress: next, size, bytes: new Uint8Array(size) };
      buffers.set(b.handle, b);
      next += size + 0x100;
      return b;
    },
    free(b: DeviceBuffer): void {
      buffers.delete(b.handle);
    },
    async run(job): Promise<JobResult> {
      const q = job as QpuJob;
      const rows: number[] = [];
      for (let k = 0; k < q.numQpus; k++) rows.push(wordAt(wordAt(q.controlAddress + 8 * k)));
      jobs.push(rows);
      return { profile: { cycles: 0, clockHz: 1, seconds: 0, instructions: 0, bytesRead: 0, bytesWritten: 0, flops: 0, stalls: {}, perQpuCycles: [] }, hazards: [] };
    },
    close(): void {},
  };
  return { device, jobs };
}

test('vc4: the batches of one job own store rows that never meet, below the spill rows, for every rows per batch and batch count', async (t) => {
  for (const rows of [STORE.rows, STORE.wideRows, 5, 6, 12, 16, 24, STORE.storeRows]) {
    const atOnce = vpmBatchesAtOnce(rows);
    t.true(atOnce * rows <= STORE.storeRows, `${rows} rows: ${atOnce} batches at once fit`);
    for (const numQpus of [1, 4, 7, 12]) {
      for (let qpus = 1; qpus <= 2 * numQpus + 3; qpus++) {
        const { device, jobs } = recordingDevice(numQpus);
        const slots = [{ kind: 'vpmRow' as const, rows }];
        await vc4Launcher.run(device, {
          codeAddress: 0, qpus, uniforms: (q) => uniformWords(slots, [], qpus, undefined, q), barrier: false, consecutive: true, atOnce, buffers: [],
        });
        t.is(jobs.flat().length, qpus, `${rows} rows, ${qpus} batches on ${numQpus} QPUs: every batch runs once`);
        for (const job of jobs) {
          t.true(job.length <= Math.min(numQpus, atOnce));
          const used = new Set<number>();
          for (const first of job) {
            for (let r = first; r < first + rows; r++) {
              t.false(used.has(r), `${rows} rows, ${qpus} batches on ${numQpus} QPUs: row ${r} twice in one job`);
              used.add(r);
            }
          }
          t.true([...used].every((r) => r >= 0 && r < STORE.storeRows), `${rows} rows: rows ${[...used].join(' ')} below the spill rows`);
        }
      }
    }
  }
  // The default layout (no 'vpmRow' uniform): rows · qpu_num … for each physical QPU, then the spill rows 48 + qpu_num.
  const all = new Set<number>();
  for (let q = 0; q < TARGETS.vc4.qpus; q++) {
    for (let r = STORE.rows * q; r < STORE.rows * (q + 1); r++) all.add(r);
    all.add(STORE.storeRows + q);
  }
  t.is(all.size, TARGETS.vc4.qpus * (STORE.rows + 1));
  t.true([...all].every((r) => r < VPM_ROWS));
});

test('vc4: a streaming copy and scale store one DMA of wideRows rows per pass from their vpmRow uniform; sswap one per array from rows of its own; saxpy keeps four rows at qpu_num', async (t) => {
  const rt = await Runtime.open({ target: 'vc4', backend: 'emulator', log: () => undefined });
  try {
    // VDW basic setup [ARG Table 34]: ID 2, UNITS = rows, DEPTH 16, HORIZ, VPMBASE Y = `row` plus the register it is or'ed with.
    const vdw = (rows: number, row = 0) => `0x${(((2 << 30) | (rows << 23) | (16 << 16) | (1 << 14) | (row << 7)) >>> 0).toString(16)}`;
    for (const k of [Blas1.copy, Blas1.scal]) {
      const image = await rt.compile(k);
      const text = image.listing.map((l) => l.text).join('\n');
      t.is(vpmRowsOf(image.uniforms), STORE.wideRows, image.name);
      t.true(text.includes(vdw(STORE.wideRows)), `${image.name}: an ${STORE.wideRows}-row DMA`);
      t.false(text.includes('qpu_num'), `${image.name}: rows from the uniform, not qpu_num`);
      t.is(await rt.batchesAtOnce(k), vpmBatchesAtOnce(STORE.wideRows));
    }
    // sswap: x's rows first, y's after them, each array's loads on a TMU of its own.
    const swap = await rt.compile(Blas1.swap);
    const text = swap.listing.map((l) => l.text).join('\n');
    t.is(vpmRowsOf(swap.uniforms), 2 * STORE.wideRows);
    t.true(text.includes(vdw(STORE.wideRows)) && text.includes(vdw(STORE.wideRows, STORE.wideRows)), text);
    t.false(text.includes('qpu_num'));
    t.regex(text, /\bt0s\b/);
    t.regex(text, /\bt1s\b/);
    t.is(await rt.batchesAtOnce(Blas1.swap), vpmBatchesAtOnce(2 * STORE.wideRows));
    const axpy = await rt.compile(Blas1.axpy);
    t.is(vpmRowsOf(axpy.uniforms), undefined);
    t.true(axpy.listing.some((l) => l.text.includes(vdw(STORE.rows))), 'saxpy: four-row DMAs');
    t.is(await rt.batchesAtOnce(Blas1.axpy), rt.numQpus);
  } finally {
    rt.close();
  }
});

test('vc4: wide copies, scales and swaps on 1 to 13 batches (one job or several) write what plain JS says, with no hazard', async (t) => {
  const rt = await Runtime.open({ target: 'vc4', backend: 'emulator', log: () => undefined, emulator: { hazards: 'error' } });
  try {
    for (const qpus of [1, 2, 5, 6, 7, 12, 13]) {
      const g = 16 * qpus;
      for (const n of [1, 17, 8 * g - 1, 8 * g, 8 * g + 1, 17 * g + 5]) {
        const x0 = Float32Array.from({ length: n + 16 }, (_, i) => ((i * 29 + n) % 61) / 4 - 7.125); // never 0: vc4 fastMath gives +0 for -0.5 · 0
        const x = rt.alloc(Float32Array, n + 16), y = rt.alloc(Float32Array, n + 16).fill(-3);
        x.set(x0);
        const c = await rt.launch(Blas1.copy, { qpus }, n, x, y);
        t.deepEqual(Array.from(y), Array.from(x0, (v, i) => (i < n ? v : -3)), `copy n = ${n}, ${qpus} batches`);
        t.deepEqual(c.hazards, []);
        await rt.launch(Blas1.scal, { qpus }, n, -0.5, x);
        t.deepEqual(Array.from(x), Array.from(x0, (v, i) => (i < n ? Math.fround(-0.5 * v) : v)), `scal n = ${n}, ${qpus} batches`);
        // Swap back what the copy wrote (y = x0) against the scaled x.
        const x1 = Float32Array.from(x);
        const w = await rt.launch(Blas1.swap, { qpus }, n, x, y);
        t.deepEqual(Array.from(x), Array.from(x1, (v, i) => (i < n ? (x0[i] as number) : v)), `swap x n = ${n}, ${qpus} batches`);
        t.deepEqual(Array.from(y), Array.from(x1, (v, i) => (i < n ? v : -3)), `swap y n = ${n}, ${qpus} batches`);
        t.deepEqual(w.hazards, []);
        rt.free(x);
        rt.free(y);
      }
    }
  } finally {
    rt.close();
  }
});

test('vc4: wide store groups get rows of their own up to two per block, in the order they go out; more share the first rows', (t) => {
  // Hand-made blocks: stores that are the groups' members (only their positions in the block matter here).
  const store = (): Instr => ({ op: 'store', args: [] });
  const group = (n: number): StoreGroup => ({ stores: Array.from({ length: n }, store), tag: 1, pitch: { bytes: 64 }, row: 0 });
  const layout = (sizes: number[], order: number[]) => {
    const groups = sizes.map(group);
    // The block holds the groups' stores in `order` of the groups (each group's stores together).
    const block: Block = { id: 0, params: [], instrs: order.flatMap((k) => (groups[k] as StoreGroup).stores), term: { kind: 'ret' } };
    const m = new Map<Instr, StoreGroup>();
    for (const g of groups) for (const s of g.stores) m.set(s, g);
    return { rows: vpmRowsFor([block], [m]), at: groups.map((g) => g.row) };
  };
  const wide = STORE.wideRows;
  t.deepEqual(layout([STORE.rows], [0]), { rows: STORE.rows, at: [0] });
  t.deepEqual(layout([wide], [0]), { rows: wide, at: [0] });
  // The group whose stores come later in the block goes out later and takes the second rows.
  t.deepEqual(layout([wide, wide], [1, 0]), { rows: 2 * wide, at: [wide, 0] });
  t.deepEqual(layout([wide, wide, wide], [0, 1, 2]), { rows: wide, at: [0, 0, 0] });
  t.true(2 * wide <= STORE.storeRows);
});
