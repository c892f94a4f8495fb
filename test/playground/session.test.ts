// The playground's worker logic (playground/session.ts) in Node, on every
// target: diagnostics located in the editor's file, listings mapped to source
// lines, the dual-issue count against the disassembly text, runs whose
// buffers match plain JavaScript, failures naming their line.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { handle } from '../../playground/session.ts';
import type { InputSpec, Reply } from '../../playground/protocol.ts';
import { OUTPUT_ROWS } from '../../playground/protocol.ts';
import type { Target } from '../../compiler/target/targets.ts';

const source = readFileSync(fileURLToPath(new URL('../../kernels/saxpy.ts', import.meta.url)), 'utf8');
const lines = source.split('\n');
const bodyLine = lines.findIndex((l) => l.includes('y[i] = a * x[i] + y[i];')) + 1;
const QPUS: Record<Target, number> = { vc4: 12, vc6: 8, vc7: 12 };

const inputs = (xSize: number): Record<string, InputSpec> => ({
  n: { kind: 'scalar', value: 300 },
  a: { kind: 'scalar', value: 2.5 },
  x: { kind: 'buffer', size: xSize, fill: 'index', c: 0.5 },
  y: { kind: 'buffer', size: 300, fill: 'sin', c: 100 },
});

for (const target of ['vc4', 'vc6', 'vc7'] as const) {
  test(`${target}: saxpy compiles, maps its listing to its lines and runs as plain JavaScript computes it`, async (t) => {
    const c = await handle({ kind: 'compile', id: 1, source, target });
    if (c.kind !== 'compiled') return t.fail(JSON.stringify(c));
    t.deepEqual(c.diagnostics, []);
    const [k] = c.kernels;
    t.is(k?.name, 'Blas.saxpy');
    t.deepEqual(k?.params.map((p) => `${p.name}: ${p.type}`), ['n: u32', 'a: f32', 'x: ptr<f32>', 'y: ptr<f32>']);
    t.is(k?.listing.length, k?.instructionCount);
    t.true((k?.listing ?? []).every((l) => l.line === 0 || lines[l.line - 1]?.trim() !== ''), 'listing lines point at source lines with code');
    const body = (k?.listing ?? []).filter((l) => l.line === bodyLine).map((l) => l.text);
    t.true(body.some((x) => /\bfmul\b/.test(x)) && body.some((x) => /\bfadd\b/.test(x)), 'the body line has the float multiply and add');
    if (target !== 'vc4') {
      // V3D listing text: "add part ; mul part [; signals]" — both parts other than nop is a dual issue.
      const both = (k?.listing ?? []).filter((l) => {
        const [add = '', mul = ''] = l.text.split(';').map((x) => x.trim());
        return /^\w/.test(add) && /^\w/.test(mul) && !/^nop\b/.test(add) && !/^nop\b/.test(mul) && !/^b/.test(add);
      }).length;
      t.is(k?.dualIssued, both);
    }

    const r = await handle({ kind: 'run', id: 2, source, target, kernel: 'Blas.saxpy', qpus: QPUS[target], inputs: inputs(300) });
    if (r.kind !== 'ran') return t.fail(JSON.stringify(r));
    t.deepEqual(r.outputs.map((o) => [o.name, o.type, o.length, o.values.length]), [['x', 'ptr<f32>', 300, OUTPUT_ROWS], ['y', 'ptr<f32>', 300, OUTPUT_ROWS]]);
    const [x, y] = r.outputs;
    let wrong = 0;
    for (let i = 0; i < OUTPUT_ROWS; i++) {
      const xi = Math.fround(0.5 * i);
      if (x?.values[i] !== xi || y?.values[i] !== Math.fround(Math.fround(2.5 * xi) + Math.fround(100 * Math.sin(i)))) wrong++;
    }
    t.is(wrong, 0);
    t.is(r.profile.perQpuCycles.length, QPUS[target]);
    t.true((r.profile.stalls.tmu ?? 0) > 0, 'saxpy waits for its loads');
    t.deepEqual(r.hazards, []);
  });
}

test('an error is a diagnostic in the editor file, with its code and span', async (t) => {
  const bad = source.replace('y[i] = a * x[i] + y[i];', 'y[i] = a * x[i] + y[i];\n      let b: i32 = a;');
  const c = (await handle({ kind: 'compile', id: 1, source: bad, target: 'vc6' })) as Extract<Reply, { kind: 'compiled' }>;
  t.deepEqual(c.kernels, []);
  t.deepEqual(c.diagnostics.map((d) => [d.code, d.line, d.col, d.length, d.message]), [['QPU2001', bodyLine + 1, 20, 1, "type 'f32' is not assignable to type 'i32'"]]);
  const r = await handle({ kind: 'run', id: 2, source: bad, target: 'vc6', kernel: 'Blas.saxpy', qpus: 8, inputs: inputs(300) });
  t.deepEqual(r, { kind: 'failed', id: 2, what: 'run', message: 'the kernel file has errors: fix them first' });
});

test('a run that reads past a buffer fails naming the line; bad inputs are refused with what to give', async (t) => {
  const r = await handle({ kind: 'run', id: 3, source, target: 'vc6', kernel: 'Blas.saxpy', qpus: 8, inputs: inputs(100) });
  if (r.kind !== 'failed') return t.fail(JSON.stringify(r));
  t.is(r.line, bodyLine);
  t.regex(r.message, new RegExp(`out-of-bounds read .* kernel\\.ts:${bodyLine}:`));
  t.notRegex(r.message, /\/playground\//);
  const noN = await handle({ kind: 'run', id: 4, source, target: 'vc6', kernel: 'Blas.saxpy', qpus: 8, inputs: { ...inputs(300), n: { kind: 'scalar', value: 2.5 } } });
  t.like(noN, { kind: 'failed', message: 'parameter n is u32: give a whole number, not 2.5' });
  const noSize = await handle({ kind: 'run', id: 5, source, target: 'vc6', kernel: 'Blas.saxpy', qpus: 8, inputs: { ...inputs(300), x: { kind: 'buffer', size: 0, fill: 'zero', c: 0 } } });
  t.like(noSize, { kind: 'failed', message: `parameter x: size must be a whole number from 1 to ${1 << 22}, got 0` });
});

test('random fills are in [0, c) and the same on every run (a link reproduces a run)', async (t) => {
  const copy = "import { kernel, qpu, type u32, type f32, type Ptr } from 'qpuc';\nexport class C {\n  @kernel\n  static run(n: u32, src: Ptr<f32>, dst: Ptr<f32>): void {\n    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) dst[i] = src[i];\n  }\n}\n";
  const req = { kind: 'run', id: 6, source: copy, target: 'vc6', kernel: 'C.run', qpus: 2, inputs: { n: { kind: 'scalar', value: 64 }, src: { kind: 'buffer', size: 64, fill: 'random', c: 10 }, dst: { kind: 'buffer', size: 64, fill: 'zero', c: 0 } } } as const;
  const a = (await handle(req)) as Extract<Reply, { kind: 'ran' }>;
  const b = (await handle({ ...req, id: 7 })) as Extract<Reply, { kind: 'ran' }>;
  const src = a.outputs[0]?.values ?? [];
  t.is(src.length, 64);
  t.true(src.every((v) => v >= 0 && v < 10));
  t.true(new Set(src).size > 60, 'not a constant');
  t.deepEqual(a.outputs[1]?.values, src, 'the kernel copied them');
  t.deepEqual(b.outputs, a.outputs);
});

test('a kernel indexing a constant table at run time: the table is no input, the page uploads it', async (t) => {
  const src = "import { kernel, qpu, type u32, type Ptr } from 'qpuc';\nconst SQ = [0, 1, 4, 9];\nexport class C {\n  @kernel\n  static run(k: Ptr<u32>, out: Ptr<u32>): void {\n    const g = qpu.globalId();\n    out[g] = u32(SQ[k[g] & 3]);\n  }\n}\n";
  const c = (await handle({ kind: 'compile', id: 8, source: src, target: 'vc6' })) as Extract<Reply, { kind: 'compiled' }>;
  t.deepEqual(c.kernels[0]?.params.map((p) => p.name), ['k', 'out']);
  const r = (await handle({ kind: 'run', id: 9, source: src, target: 'vc6', kernel: 'C.run', qpus: 1, inputs: { k: { kind: 'buffer', size: 16, fill: 'index', c: 1 }, out: { kind: 'buffer', size: 16, fill: 'zero', c: 0 } } })) as Extract<Reply, { kind: 'ran' }>;
  t.deepEqual(r.outputs[1]?.values, Array.from({ length: 16 }, (_, i) => [0, 1, 4, 9][i & 3]));
});
