/**
 * Generators of pathological inputs for the hardening corpus
 * (test/fixtures/harden/cases.json): kernels too deep, too long or too
 * large to check in as files, described by a shape and a size.
 */

const HEADER = `import { kernel, device, qpu, type f32, type i32, type u32, type Ptr } from 'qpuc';\n`;

function kernelWith(body: string, members = ''): string {
  return `${HEADER}export class K {\n${members}  @kernel\n  static k(n: u32, x: Ptr<f32>, y: Ptr<i32>): void {\n    let s: i32 = 0;\n    const v: i32 = y[qpu.globalId()];\n${body}\n    y[qpu.globalId()] = s;\n  }\n}\n`;
}

/** Kernel source of one shape at size `n`. */
export function pathologicalKernel(shape: string, n: number): string {
  const range = (k: number) => Array.from({ length: k }, (_, i) => i);
  switch (shape) {
    case 'parens':
      return kernelWith(`    s = ${'('.repeat(n)}v${')'.repeat(n)};`);
    case 'ternary':
      return kernelWith(`    s = ${range(n).map((i) => `v > ${i} ? ${i} : `).join('')}0;`);
    case 'sum':
      return kernelWith(`    s = ${range(n).map(() => 'v').join(' + ')};`);
    case 'literal-sum':
      return kernelWith(`    s = ${range(n).map((i) => String(i % 7)).join(' + ')};`);
    case 'ifs':
      return kernelWith(range(n).map((i) => `    if (v > ${i}) { s += 1; }`).join('\n'));
    case 'uniform-ifs':
      return kernelWith(range(n).map((i) => `    if (n > ${i}) { s += ${i % 5}; }`).join('\n'));
    case 'nested-ifs':
      return kernelWith(`${range(n).map((i) => `    if (n > ${i}) {`).join('\n')}\n    s = 1;\n${'    }\n'.repeat(n)}`);
    case 'chain':
      return kernelWith(range(n).map((i) => `    s = s * 3 + ${i};`).join('\n'));
    case 'device-tree': {
      let dev = '';
      for (let i = 0; i < n; i++) dev += `  @device\n  static d${i}(a: i32): i32 {\n    return ${i === n - 1 ? 'a + 1' : `K.d${i + 1}(a) + K.d${i + 1}(a + 1)`};\n  }\n`;
      return kernelWith('    s = K.d0(v);', dev);
    }
    case 'mixed-ternary':
      return `${HEADER}export class K {\n  @kernel\n  static k(n: u32, x: Ptr<f32>, y: Ptr<u32>): void {\n    const i = qpu.globalId();\n    const a: f32 = x[i];\n    const b: u32 = y[i];\n    y[i] = u32(n > 3 ? a : b);\n  }\n}\n`;
    default:
      throw new Error(`unknown pathological shape '${shape}'`);
  }
}
