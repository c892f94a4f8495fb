// Every worked example under examples/ (one per family of the kernel library, docs/kernels.md) runs on the
// emulator with `npx qpuc run`, exits 0 and reports no failed check against its own plain-JS reference.
import test from 'ava';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Small sizes per example (its own command-line arguments after the target). */
const SIZES: Record<string, string[]> = {
  'blas.ts': ['2000'],
  'compact.ts': ['3000'],
  'fft.ts': ['256', '4'],
  'image.ts': ['64', '48'],
  'reduce.ts': ['5000'],
  'saxpy.ts': ['1000', '4'],
  'sort.ts': ['512'],
};

function run(args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(root, 'bin/qpuc.js'), 'run', ...args], { cwd: root });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', (status) => resolve({ status, out }));
  });
}

const examples = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.ts'));

test('every example has test sizes here', (t) => {
  t.deepEqual(examples.filter((f) => !(f in SIZES)), []);
});

for (const file of examples) {
  for (const target of file === 'saxpy.ts' ? ['vc6'] : ['vc4', 'vc6', 'vc7']) {
    test(`examples/${file} on ${target}: exit 0, every check correct`, async (t) => {
      const args = file === 'saxpy.ts' ? [join(root, 'examples', file), '--', ...(SIZES[file] ?? [])] : [join(root, 'examples', file), '--', '--target', target, ...(SIZES[file] ?? [])];
      const r = await run(args);
      t.is(r.status, 0, r.out);
      // Each example prints WRONG (fft: TOO LARGE) for a failed check and exits 1; it prints `ok` or `correct` for a passed one.
      t.notRegex(r.out, /WRONG|TOO LARGE/);
      t.regex(r.out, /\b(ok|correct)\b/);
    });
  }
}
