// The uniformity rules of docs/language.md: a varying rotate amount or broadcast lane, and a barrier under a
// condition that differs between lanes, are diagnostics at the call (QPU3013, QPU3014) on every target and for the
// reference backend (loadPreparedKernels, which both paths use); the valid neighbours of each case compile.
// Expected positions come from a /*@*/ marker in the source, found here from the text.
import test from 'ava';
import { compileFile, loadPreparedKernels } from '../../../compiler/compile.ts';
import { codeText } from '../../../compiler/diagnostics.ts';

const HEAD = "import { kernel, device, qpu, type f32, type i32, type u32, type Ptr } from 'qpuc';\nexport class K {\n";
const kernelOf = (body: string) => `${HEAD}  @kernel static run(n: u32, x: Ptr<u32>, y: Ptr<u32>): void {\n${body}\n  }\n}\n`;
const MARK = '/*@*/';

/** `QPUnnnn line:col` for each marker, in order. */
function marks(source: string, code: string): string[] {
  const out: string[] = [];
  source.split('\n').forEach((line, i) => {
    for (let at = line.indexOf(MARK); at >= 0; at = line.indexOf(MARK, at + 1)) out.push(`${code} ${i + 1}:${at + MARK.length + 1}`);
  });
  return out;
}

const INVALID: { name: string; code: string; body: string }[] = [
  { name: 'rotate by a lane-dependent amount', code: 'QPU3013', body: '    const g = qpu.globalId();\n    y[g] = /*@*/qpu.rotate(x[g], qpu.laneId());' },
  { name: 'rotate by an amount loaded through a varying address', code: 'QPU3013', body: '    const g = qpu.globalId();\n    y[g] = /*@*/qpu.rotate(x[g], x[g] & 15);' },
  { name: 'broadcast from a lane-dependent lane', code: 'QPU3013', body: '    const g = qpu.globalId();\n    y[g] = /*@*/qpu.broadcast(x[g], 15 - qpu.laneId());' },
  { name: 'rotate by an amount chosen by a varying if', code: 'QPU3013', body: '    const g = qpu.globalId();\n    let a: u32 = 0;\n    if (x[g] > 3) a = 1;\n    y[g] = /*@*/qpu.rotate(x[g], a);' },
  { name: 'broadcast from a counter of a loop lanes leave at different iterations', code: 'QPU3013', body: '    const g = qpu.globalId();\n    let i: u32 = 0;\n    while (i < x[g]) i++;\n    y[g] = /*@*/qpu.broadcast(x[g], i);' },
  { name: 'barrier inside a varying if', code: 'QPU3014', body: '    const g = qpu.globalId();\n    if (x[g] > 3) {\n      y[g] = 1;\n      /*@*/qpu.barrier();\n    }' },
  { name: 'barrier in a loop lanes leave at different iterations', code: 'QPU3014', body: '    const g = qpu.globalId();\n    for (let i: u32 = 0; i < x[g]; i++) {\n      /*@*/qpu.barrier();\n    }\n    y[g] = 1;' },
  { name: 'barrier at the top of a loop some lanes break out of', code: 'QPU3014', body: '    const g = qpu.globalId();\n    let i: u32 = 0;\n    while (true) {\n      /*@*/qpu.barrier();\n      if (x[g] < i) break;\n      i++;\n    }\n    y[g] = i;' },
  { name: 'workgroup barrier under an if on the local id', code: 'QPU3014', body: '    const l = qpu.localId();\n    if (l < 8) {\n      /*@*/qpu.workgroupBarrier();\n    }\n    y[qpu.globalId()] = l;' },
  { name: 'workgroup barrier in a loop lanes leave at different iterations', code: 'QPU3014', body: '    const g = qpu.globalId();\n    for (let i: u32 = 0; i < x[g]; i++) {\n      /*@*/qpu.workgroupBarrier();\n    }\n    y[g] = 1;' },
  { name: 'barrier after a varying early return', code: 'QPU3014', body: '    const g = qpu.globalId();\n    if (g >= n) return;\n    y[g] = x[g];\n    /*@*/qpu.barrier();\n    y[g] = y[g] + 1;' },
];

const VALID: { name: string; body: string }[] = [
  { name: 'rotate by a parameter and by a constant', body: '    const g = qpu.globalId();\n    y[g] = qpu.rotate(x[g], n) + qpu.rotate(x[g], 3);' },
  { name: 'broadcast from a uniform loop counter', body: '    const g = qpu.globalId();\n    let s: u32 = 0;\n    for (let l: u32 = 0; l < 16; l++) s += qpu.broadcast(x[g], l);\n    y[g] = s;' },
  { name: 'rotate by loop counters inside varying ifs with a varying continue', body: '    const g = qpu.globalId();\n    let r: u32 = 0;\n    for (let k: u32 = 0; k < 4; k++) {\n      if ((x[g] & (1 << k)) != 0) {\n        r += qpu.broadcast(x[g], k * 3);\n        for (let j: u32 = 0; j < k; j++) {\n          if (((x[g] + j) & 1) == 0) continue;\n          r ^= qpu.rotate(x[g], j);\n        }\n      }\n    }\n    y[g] = r;' },
  { name: 'workgroup barriers in a uniform loop around a varying if', body: '    const t = qpu.shared<u32>(16);\n    const l = qpu.localId();\n    t[l] = x[qpu.globalId()];\n    qpu.workgroupBarrier();\n    for (let s: u32 = 8; s > 0; s >>= 1) {\n      if (l < s) t[l] = t[l] + t[l + s];\n      qpu.workgroupBarrier();\n    }\n    y[qpu.globalId()] = t[0];' },
  { name: 'barrier in uniform control flow and after a varying if has joined', body: '    const g = qpu.globalId();\n    if (x[g] > 3) y[g] = 1;\n    qpu.barrier();\n    if (n > 2) {\n      qpu.barrier();\n    }\n    y[g] = y[g] + 1;' },
];

for (const c of INVALID) {
  const source = kernelOf(c.body);
  for (const target of ['vc4', 'vc6', 'vc7'] as const) {
    test(`${c.name}: ${c.code} on ${target}`, (t) => {
      const r = compileFile('/kernels/k.ts', { target, source });
      t.deepEqual(r.diagnostics.map((d) => `${codeText(d.code)} ${d.line}:${d.col}`), marks(source, c.code));
      t.is(r.kernels.length, 0);
    });
  }
  test(`${c.name}: ${c.code} for the reference backend`, (t) => {
    const r = loadPreparedKernels('/kernels/k.ts', source);
    t.deepEqual(r.diagnostics.map((d) => codeText(d.code)), [c.code]);
    t.is(r.kernels.size, 0);
    t.regex(r.diagnostics[0]?.hint ?? '', c.code === 'QPU3013' ? /qpu\.broadcast\(x, 0\)/ : /move it out/);
    if (c.code === 'QPU3014') t.regex(r.diagnostics[0]?.message ?? '', c.body.includes('workgroupBarrier') ? /^qpu\.workgroupBarrier\(\) is reached/ : /^qpu\.barrier\(\) is reached/);
  });
}

for (const c of VALID) {
  test(`valid: ${c.name}`, (t) => {
    for (const target of ['vc4', 'vc6', 'vc7'] as const) {
      const r = compileFile('/kernels/k.ts', { target, source: kernelOf(c.body) });
      t.deepEqual(r.diagnostics.map((d) => `${codeText(d.code)} ${d.message}`), [], target);
      t.is(r.kernels.length, 1);
    }
  });
}
