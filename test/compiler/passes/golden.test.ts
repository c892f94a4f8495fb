/**
 * Golden tests: each kernel in test/fixtures/golden is compiled, and the IR
 * text after the frontend and after every backend pass is compared with
 * `<kernel>.<pass>.ir` (the expected files were reviewed by hand; regenerate
 * with QPUC_UPDATE_GOLDEN=1 and review the diff). The verifier runs after
 * every pass, and the interpreter checks that every pass preserves the
 * kernel's effect on memory. The target passes (math expansions) run after
 * them for vc4 and vc6, with a `<kernel>.<target>.<pass>.ir` file where the
 * pass changed the IR; their effect may differ from the reference by the
 * expansions' accuracy (a few ulp, docs/backend-v3d.md). A fixture named
 * `NAME.vc6.ts` runs the passes with vc6's options (lanes regrouped for vec4
 * lookups, compiler/passes/loopshape.ts).
 */
import test from 'ava';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadKernels } from '../../../compiler/frontend/index.ts';
import { BACKEND_PASSES, prepareOptionsFor, TARGET_PASSES } from '../../../compiler/passes/pipeline.ts';
import { cloneFunction } from '../../../compiler/ir/builder.ts';
import { TARGETS } from '../../../compiler/target/targets.ts';
import { printFunction } from '../../../compiler/ir/print.ts';
import { parseFunction } from '../../../compiler/ir/parse.ts';
import { verifyFunction } from '../../../compiler/ir/verify.ts';
import type { IrFunction } from '../../../compiler/ir/types.ts';
import { isPtr } from '../../../compiler/ir/types.ts';
import { runKernel } from '../../helpers/kernels.ts';

const dir = new URL('../../fixtures/golden/', import.meta.url).pathname;
const update = process.env['QPUC_UPDATE_GOLDEN'] === '1';

/** Memory after running `fn` on fixed inputs: 256 elements per pointer, small deterministic values. */
function effect(fn: IrFunction): unknown[] {
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) % 64;
  const args = fn.params.map((p) => {
    const t = p.value.type;
    if (!isPtr(t)) return t === 'f32' ? 1.5 : 37;
    const arr = t.ptr === 'f32' ? new Float32Array(256) : t.ptr === 'i32' ? new Int32Array(256) : new Uint32Array(256);
    for (let i = 0; i < arr.length; i++) arr[i] = t.ptr === 'f32' ? rnd() / 8 : rnd();
    return arr;
  });
  runKernel(fn, args, 2);
  return args.map((a) => (typeof a === 'number' ? a : [...a]));
}

/**
 * Equal memory, f32 elements within 2^-18 of max(|reference|, 1): the accurate expansions are within a few ulp,
 * and qpu.fast.sin's reduction through x/π loses up to |x| * 2^-24 absolutely.
 */
function close(a: unknown[], b: unknown[]): boolean {
  return a.every((x, k) => {
    const y = b[k];
    if (!Array.isArray(x) || !Array.isArray(y)) return x === y;
    return x.every((v: number, i: number) => {
      const w = y[i] as number;
      return Object.is(v, w) || Math.abs(v - w) <= Math.max(Math.abs(w), 1) * 2 ** -18;
    });
  });
}

for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts')).sort()) {
  test(`golden: ${f}`, (t) => {
    const m = loadKernels(join(dir, f));
    t.deepEqual(m.diagnostics, []);
    // A fixture named NAME.vc6.ts runs the passes with vc6's options (unrolling for its TMU depth, lanes regrouped
    // for its vec4 lookups); the others with the defaults every target can take.
    const options = f.endsWith('.vc6.ts') ? prepareOptionsFor(TARGETS.vc6) : {};
    for (const [name, fn0] of m.kernels) {
      const reference = effect(parseFunction(printFunction(fn0)));
      let fn = fn0;
      const stages: [string, string][] = [['frontend', printFunction(fn)]];
      t.deepEqual(verifyFunction(fn), [], `${name} after frontend`);
      for (const p of BACKEND_PASSES) {
        fn = p.run(fn, options);
        t.deepEqual(verifyFunction(fn, { lowered: true }), [], `${name} after ${p.name}`);
        t.deepEqual(effect(parseFunction(printFunction(fn))), reference, `${name}: ${p.name} changed the result`);
        stages.push([p.name, printFunction(fn)]);
      }
      for (const target of ['vc4', 'vc6'] as const) {
        let lowered = cloneFunction(fn);
        for (const p of TARGET_PASSES) {
          const before = printFunction(lowered);
          lowered = p.run(lowered, TARGETS[target]);
          t.deepEqual(verifyFunction(lowered, { lowered: true }), [], `${name} after ${target} ${p.name}`);
          const text = printFunction(lowered);
          if (text !== before) stages.push([`${target}.${p.name}`, text]);
        }
        t.true(close(effect(parseFunction(printFunction(lowered))), reference), `${name}: the ${target} expansions changed the result`);
      }
      for (const [stage, text] of stages) {
        const path = join(dir, `${f.replace(/\.ts$/, '')}.${name}.${stage}.ir`);
        if (update) writeFileSync(path, text);
        // A stage without its golden file fails (a new pass's output is reviewed and committed, not written silently).
        if (!existsSync(path)) {
          t.fail(`${path} is missing: run QPUC_UPDATE_GOLDEN=1 npx ava ${relative(process.cwd(), fileURLToPath(import.meta.url))}, review the file and commit it`);
          continue;
        }
        t.is(text, readFileSync(path, 'utf8'), `${path}`);
      }
    }
  });
}
