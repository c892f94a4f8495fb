/**
 * The invalid-kernel corpus: each file under test/fixtures/invalid starts
 * with `// expect: QPUnnnn …`; each code without an explicit `@line:col` is
 * expected at the position right after the next `/*@*\/` marker in the file
 * (computed here from the text, independently of the compiler).
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadKernels } from '../../../compiler/frontend/index.ts';
import { codeText, formatDiagnostic } from '../../../compiler/diagnostics.ts';

const dir = new URL('../../fixtures/invalid/', import.meta.url).pathname;
const MARK = '/*@*/';

function expectations(text: string): string[] {
  const header = /^\/\/ expect: (.*)$/m.exec(text);
  if (!header) throw new Error('missing // expect: header');
  const marks: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (let at = line.indexOf(MARK); at >= 0; at = line.indexOf(MARK, at + 1)) marks.push(`${i + 1}:${at + MARK.length + 1}`);
  });
  let next = 0;
  return header[1]!.trim().split(/\s+/).map((c) => {
    const [code, pos] = c.split('@');
    return `${code} ${pos ?? marks[next++] ?? '?'}`;
  });
}

const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();

test('the corpus has at least 40 invalid kernels', (t) => {
  t.true(files.length >= 40, `${files.length} files`);
});

for (const f of files) {
  test(`invalid: ${f}`, (t) => {
    const path = join(dir, f);
    const text = readFileSync(path, 'utf8');
    const m = loadKernels(path);
    const got = m.diagnostics.map((d) => `${codeText(d.code)} ${d.line}:${d.col}`);
    t.deepEqual(got, expectations(text));
    t.is(m.diagnostics.filter((d) => d.code >= 9000).length, 0, 'no internal errors');
    for (const d of m.diagnostics) {
      const s = formatDiagnostic(d, m.sources.get(d.file));
      t.true(s.startsWith(`${path}:${d.line}:${d.col} - error ${codeText(d.code)}: `));
      t.regex(s, /\n {2}hint: /);
    }
  });
}
