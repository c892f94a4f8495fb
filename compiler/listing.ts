/**
 * Human-readable output of a compiled kernel: an assembly listing with the
 * TypeScript line each instruction came from, and a standard (v3) source map
 * from listing lines to kernel source positions.
 */
import { SourceMapGenerator } from 'source-map';
import type { KernelImage } from './kernel-image.ts';
import { type CompilerHost, hostOrDefault } from './host.ts';

const HEADER_LINES = 3;

/** The `.asm` listing: one instruction per line with its byte address, then `// file:line  source`. */
export function formatListing(k: KernelImage, compilerHost?: CompilerHost): string {
  const host = hostOrDefault(compilerHost);
  const sources = new Map<string, string[]>();
  const sourceLine = (file: string, line: number): string => {
    let lines = sources.get(file);
    if (!lines) {
      lines = host.readFile(file)?.split(/\r?\n/) ?? [];
      sources.set(file, lines);
    }
    return (lines[line - 1] ?? '').trim();
  };
  const out = [
    `// ${k.name} for ${k.target}: ${k.instructionCount} instructions, ${k.registersUsed} registers, ${k.uniforms.length} uniforms`,
    `// uniforms: ${k.uniforms.map((u) => (u.kind === 'param' ? k.params[u.index]?.name ?? `param${u.index}` : u.kind === 'const' ? `0x${u.value.toString(16)}` : u.kind)).join(', ')}`,
    '',
  ];
  if (out.length !== HEADER_LINES) throw new Error('listing header size changed');
  k.listing.forEach((l, i) => {
    const addr = `${(i * 8).toString(16).padStart(4, '0')}:`;
    const text = `${addr} ${l.text}`;
    out.push(l.loc ? `${text.padEnd(100)} // ${l.loc.line}: ${sourceLine(l.loc.file, l.loc.line)}` : text);
  });
  return `${out.join('\n')}\n`;
}

/** Source map (v3) from listing lines to kernel source; `listingFile` is the .asm path it describes. */
export function listingSourceMap(k: KernelImage, listingFile: string, compilerHost?: CompilerHost): string {
  const host = hostOrDefault(compilerHost);
  const gen = new SourceMapGenerator({ file: listingFile.split('/').pop() ?? listingFile });
  k.listing.forEach((l, i) => {
    if (!l.loc) return;
    gen.addMapping({
      generated: { line: HEADER_LINES + i + 1, column: 0 },
      source: host.relative(host.dirname(listingFile), l.loc.file),
      original: { line: l.loc.line, column: l.loc.col - 1 },
    });
  });
  return gen.toString();
}
