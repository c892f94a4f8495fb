// Decorators in kernel files: a misspelt @kernel/@device is a diagnostic (not
// a kernel that silently disappears), renamed imports of qpuc's decorators
// count, unrelated decorators are left alone, and `x[i]!` is accepted.
import test from 'ava';
import { loadKernels } from '../../../compiler/frontend/index.ts';
import { printFunction } from '../../../compiler/ir/print.ts';
import { parseFunction } from '../../../compiler/ir/parse.ts';

const file = '/virtual/decorators.ts';

test('a misspelt decorator on a static method is QPU3011 with the name it probably meant', (t) => {
  const m = loadKernels(file, {
    source: [
      "import { kernel, type u32, type Ptr } from 'qpuc';",
      'export class K {',
      '  @kernal',
      '  static a(n: u32, y: Ptr<u32>): void { y[0] = n; }',
      '  @Device',
      '  static h(v: u32): u32 { return v; }',
      '  @kernel',
      '  static ok(n: u32, y: Ptr<u32>): void { y[0] = n; }',
      '}',
    ].join('\n'),
  });
  t.deepEqual(
    m.diagnostics.map((d) => `${d.line}:${d.col} QPU${d.code} ${d.message} / ${d.hint.split('?')[0]}`),
    ["3:3 QPU3011 unknown decorator '@kernal' on static method 'a' / Did you mean '@kernel'", "5:3 QPU3011 unknown decorator '@Device' on static method 'h' / Did you mean '@device'"],
  );
});

test("renamed imports of qpuc's decorators count; unrelated decorators are not reported; x[i]! compiles", (t) => {
  const m = loadKernels(file, {
    source: [
      "import { kernel as gpu, device as helper, qpu, type f32, type u32, type Ptr } from 'qpuc';",
      'function logged<T>(f: T, _c: unknown): T { return f; }',
      'export class K {',
      '  @helper',
      '  static twice(v: f32): f32 { return v * 2; }',
      '  @gpu',
      '  static run(n: u32, x: Ptr<f32>, y: Ptr<f32>): void {',
      '    for (let i = qpu.globalId(); i < n; i += qpu.globalCount()) y[i] = K.twice(x[i]!);',
      '  }',
      '  @logged',
      '  static other(): void {}',
      '}',
    ].join('\n'),
  });
  t.deepEqual(m.diagnostics, []);
  t.deepEqual([...m.kernels.keys()], ['K.run']);
});

test('@kernel({ fastMath: true }) marks the f32 + - * and int→f32 conversions of the kernel and its device functions fast; bare @kernel does not', (t) => {
  const m = loadKernels(file, {
    source: [
      "import { kernel, device, qpu, f32, type i32, type u32, type Ptr } from 'qpuc';",
      'export class K {',
      '  @device',
      '  static sq(v: f32): f32 { return v * v; }',
      '  @kernel({ fastMath: true })',
      '  static fast(k: i32, x: Ptr<f32>): void { const i = qpu.globalId(); x[i] = K.sq(x[i]! + 1) - f32(k) / 3; }',
      '  @kernel({ fastMath: false })',
      '  static off(k: i32, x: Ptr<f32>): void { const i = qpu.globalId(); x[i] = K.sq(x[i]! + 1) - f32(k) / 3; }',
      '  @kernel',
      '  static bare(k: i32, x: Ptr<f32>): void { const i = qpu.globalId(); x[i] = K.sq(x[i]! + 1) - f32(k) / 3; }',
      '}',
    ].join('\n'),
  });
  t.deepEqual(m.diagnostics, []);
  const ops = (name: string) => m.kernels.get(name)!.blocks.flatMap((b) => b.instrs).filter((i) => ['fadd', 'fsub', 'fmul', 'fdiv', 'cvt'].includes(i.op));
  const fast = ops('K.fast');
  t.deepEqual(fast.map((i) => `${i.op}${i.attrs?.['fast'] === true ? ' fast' : ''}`).sort(), ['cvt fast', 'fadd fast', 'fdiv', 'fmul fast', 'fsub fast']);
  for (const name of ['K.off', 'K.bare']) t.true(ops(name).length === 5 && ops(name).every((i) => i.attrs?.['fast'] === undefined), name);
});

// The two flag options the IR carries as function attributes: each marks its kernel (in its IR and both ways through
// the IR text form, beside another attribute); false or a bare @kernel does not.
for (const option of ['noalias', 'threadSwitch'] as const) {
  test(`@kernel({ ${option}: true }) marks the kernel (its IR, the IR text form both ways); false or bare @kernel does not`, (t) => {
    const body = '(n: u32, x: Ptr<u32>, y: Ptr<u32>): void { const i = qpu.globalId(); if (i < n) y[i] = x[i]!; }';
    const m = loadKernels(file, {
      source: [
        "import { kernel, qpu, type u32, type Ptr } from 'qpuc';",
        'export class K {',
        `  @kernel({ ${option}: true, workgroupSize: 32 })`,
        `  static on${body}`,
        `  @kernel({ ${option}: false })`,
        `  static off${body}`,
        '  @kernel',
        `  static bare${body}`,
        '}',
      ].join('\n'),
    });
    t.deepEqual(m.diagnostics, []);
    const on = m.kernels.get('K.on')!;
    t.is(on[option], true);
    t.is(m.kernels.get('K.off')?.[option], undefined);
    t.is(m.kernels.get('K.bare')?.[option], undefined);
    const text = printFunction(on);
    t.regex(text, new RegExp(`^func K\\.on\\(.*\\) \\[workgroupSize=32 ${option}\\] \\{`, 'm'));
    const back = parseFunction(text);
    t.is(back[option], true);
    t.is(back.workgroupSize, 32);
  });
}

test('bad @kernel options are QPU3015 naming the problem and the known options', (t) => {
  const cases: [string, string][] = [
    ['@kernel({ fastMath: 1 })', "'fastMath' must be true or false, not '1'"],
    ['@kernel({ noalias: 1 })', "'noalias' must be true or false, not '1'"],
    ['@kernel({ threadSwitch: 2 })', "'threadSwitch' must be true or false, not '2'"],
    ['@kernel({ fast: true })', "unknown option 'fast'"],
    ['@kernel(opts)', 'expected one object literal'],
    ['@kernel({ ...opts })', "'...opts' is not a 'name: value' entry"],
  ];
  for (const [deco, what] of cases) {
    const m = loadKernels(file, {
      source: ["import { kernel, type u32, type Ptr } from 'qpuc';", 'const opts = {};', 'export class K {', `  ${deco}`, '  static a(n: u32, y: Ptr<u32>): void { y[0] = n; }', '}'].join('\n'),
    });
    t.deepEqual(m.diagnostics.map((d) => `${d.line} QPU${d.code} ${d.message}`), [`4 QPU3015 bad @kernel options: ${what}`], deco);
    t.regex(m.diagnostics[0]?.hint ?? '', /fastMath \(true or false\)/);
  }
});
