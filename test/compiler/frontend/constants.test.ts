// Module-level constants, imported constants and `static readonly` class constants in kernels: their values and
// types (a bare constant takes its context's type like a literal; an annotated one has its type), checked by running
// the compiled kernels on the reference interpreter against the same arithmetic in plain JavaScript; and the
// diagnostics for module-level names a kernel cannot read.
import test from 'ava';
import { compileFile, loadPreparedKernels } from '../../../compiler/compile.ts';
import { codeText } from '../../../compiler/diagnostics.ts';
import { memoryHost } from '../../../compiler/host.ts';
import { runKernel } from '../../helpers/kernels.ts';

const IMPORT = "import { kernel, device, qpu, type f32, type i32, type u32, type Ptr } from 'qpuc';\n";

const files = new Map([
  ['/k/consts.ts', 'export const STRIDE = 3;\nexport const HALF: f32 = 0.5;\nexport const BIG = 3_000_000_000;\n'],
  ['/k/main.ts', `${IMPORT}import { STRIDE, HALF as H, BIG } from './consts.js';
const TILE = 16;
const NEG = -TILE;
const SCALE: f32 = 2.5;
const ALIAS = Tiles.EDGE;
export class Tiles {
  static readonly EDGE = 4;
  static readonly GAIN: f32 = 1.25;
  @kernel static run(n: u32, x: Ptr<f32>, out: Ptr<f32>, iout: Ptr<i32>, uout: Ptr<u32>): void {
    const g = qpu.globalId();
    if (g < n) {
      out[g] = x[g] * SCALE + H * Tiles.GAIN + f32(TILE);
      iout[g] = i32(g) * NEG + STRIDE + ALIAS;
      uout[g] = (g % Tiles.EDGE) * TILE + BIG;
    }
  }
}
`],
]);

test('module, imported and static readonly constants have their values and types in kernels', (t) => {
  const host = memoryHost(files);
  const { kernels, diagnostics } = loadPreparedKernels('/k/main.ts', undefined, host);
  t.deepEqual(diagnostics.map((d) => `${codeText(d.code)} ${d.message}`), []);
  const fn = kernels.get('Tiles.run');
  t.truthy(fn);
  const n = 32;
  const x = Float32Array.from({ length: n + 8 }, (_, i) => i / 3 - 5);
  const out = new Float32Array(n + 8);
  const iout = new Int32Array(n + 8);
  const uout = new Uint32Array(n + 8);
  runKernel(fn!, [n, x, out, iout, uout], 2);
  const f = Math.fround;
  for (let g = 0; g < n; g++) {
    t.is(out[g], f(f(f(x[g]! * 2.5) + f(0.5 * 1.25)) + 16), `out[${g}]`);
    t.is(iout[g], g * -16 + 3 + 4, `iout[${g}]`);
    t.is(uout[g], ((g % 4) * 16 + 3_000_000_000) >>> 0, `uout[${g}]`);
  }
  t.is(out[n], 0, 'nothing past n');
  for (const target of ['vc4', 'vc6', 'vc7'] as const) t.deepEqual(compileFile('/k/main.ts', { target, host }).diagnostics, [], target);
});

const BAD: { name: string; source: string; code: string; text: string }[] = [
  { name: 'a module-level let', source: 'let LIMIT = 4;', code: 'QPU1024', text: 'LIMIT' },
  { name: 'a static property that is not readonly', source: 'class C { static LIMIT = 4; }', code: 'QPU1024', text: 'C.LIMIT' },
  { name: 'a module-level array', source: 'const TABLE = [1, 2, 3];', code: 'QPU1025', text: 'TABLE' },
  { name: 'a constant computed by a call', source: 'const R = Math.sqrt(2);', code: 'QPU1025', text: 'R' },
  { name: 'constants defined by each other', source: 'const A = B;\nconst B = A;', code: 'QPU1025', text: 'A' },
];

for (const c of BAD) {
  test(`diagnostic: ${c.name}`, (t) => {
    const use = c.text;
    const source = `${IMPORT}${c.source}\nexport class K {\n  @kernel static run(out: Ptr<i32>): void {\n    out[qpu.globalId()] = ${use};\n  }\n}\n`;
    const r = compileFile('/k/bad.ts', { target: 'vc6', source });
    const line = source.split('\n').findIndex((l) => l.includes(`] = ${use};`)) + 1;
    const col = source.split('\n')[line - 1]!.indexOf(`] = ${use};`) + 5;
    t.deepEqual(r.diagnostics.map((d) => `${codeText(d.code)} ${d.line}:${d.col}`), [`${c.code} ${line}:${col}`]);
    t.true(r.diagnostics[0]!.message.includes(`'${use}'`), r.diagnostics[0]!.message);
  });
}

test('a local or parameter of the same name hides a module constant', (t) => {
  const source = `${IMPORT}const K = 100;\nexport class S {\n  @kernel static run(K: u32, out: Ptr<u32>): void {\n    out[qpu.globalId()] = K;\n  }\n}\n`;
  const { kernels, diagnostics } = loadPreparedKernels('/k/s.ts', source);
  t.deepEqual(diagnostics, []);
  const out = new Uint32Array(16);
  runKernel(kernels.get('S.run')!, [7, out], 1);
  t.deepEqual(Array.from(out), Array(16).fill(7));
});
