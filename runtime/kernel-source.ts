/**
 * Which TypeScript file declares a `@kernel` method, from what the decorator
 * recorded (lang/index.ts): the module that defined the class, as the engine
 * named it. That is the `.ts` file itself when the host runs TypeScript
 * through a loader (qpuc run, tsx, Node's type stripping), and compiled
 * JavaScript otherwise (tsc's or esbuild's output, a bundle): then its source
 * map, or a `.ts` file beside it, leads back to the source.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KernelInfo } from '../lang/index.ts';

/** Where a decorated method's source is, or why it cannot be found. */
export type KernelSource = { file: string; error?: undefined } | { file?: undefined; error: string };

const TS_FILE = /\.(c|m)?tsx?$/;

/** The TypeScript source of a decorated method. */
export function kernelSourceOf(info: KernelInfo): KernelSource {
  const name = `${info.className}.${info.methodName}`;
  if (info.file === undefined) {
    return { error: `qpuc cannot tell which file declares ${name} (this JavaScript engine gives no stack positions); load it by path: rt.load('kernels/file.ts', '${info.methodName}')` };
  }
  let path: string;
  try {
    path = info.file.startsWith('file:') ? fileURLToPath(info.file) : info.file;
  } catch {
    return { error: `${name} was declared in ${info.file}, which is not a local file; load the kernel by path: rt.load('kernels/file.ts', '${info.methodName}')` };
  }
  if (TS_FILE.test(path)) return { file: path };
  const mapped = sourceFromMap(path, info.line, info.column);
  if (mapped) return { file: mapped };
  const sibling = path.replace(/\.(c|m)?jsx?$/, '.$1ts');
  if (sibling !== path && existsSync(sibling)) return { file: sibling };
  return {
    error:
      `${name} comes from ${path}, compiled JavaScript with no source map and no .ts file beside it; ` +
      `qpuc compiles kernels from their TypeScript source: compile with source maps ("sourceMap": true), or load the kernel by path: rt.load('path/to/kernel.ts', '${info.methodName}')`,
  };
}

interface RawSourceMap {
  sources?: (string | null)[];
  sourceRoot?: string;
  mappings?: string;
}

/** The `.ts` source a position of compiled JavaScript came from, by the file's source map. */
function sourceFromMap(jsFile: string, line: number | undefined, column: number | undefined): string | undefined {
  let text: string;
  try {
    text = readFileSync(jsFile, 'utf8');
  } catch {
    return undefined;
  }
  // A linked map names itself at the end of the file; an external one (esbuild's 'external', some tools) just sits beside it.
  const ref = /\/\/[#@] sourceMappingURL=(\S+)\s*$/.exec(text.slice(-200_000))?.[1] ?? (existsSync(`${jsFile}.map`) ? `${basename(jsFile)}.map` : undefined);
  if (!ref) return undefined;
  let map: RawSourceMap;
  let mapDir = dirname(jsFile);
  try {
    if (ref.startsWith('data:')) {
      const comma = ref.indexOf(',');
      const data = ref.slice(comma + 1);
      map = JSON.parse(/;base64$/.test(ref.slice(0, comma)) ? Buffer.from(data, 'base64').toString('utf8') : decodeURIComponent(data)) as RawSourceMap;
    } else {
      const mapFile = resolve(mapDir, decodeURIComponent(ref));
      map = JSON.parse(readFileSync(mapFile, 'utf8')) as RawSourceMap;
      mapDir = dirname(mapFile);
    }
  } catch {
    return undefined;
  }
  const root = map.sourceRoot ? resolve(mapDir, map.sourceRoot) : mapDir;
  const sources = (map.sources ?? []).map((s) => (s === null ? undefined : s.startsWith('file:') ? fileURLToPath(s) : resolve(root, s)));
  const tsSources = sources.filter((s): s is string => s !== undefined && TS_FILE.test(s));
  if (tsSources.length === 1) return tsSources[0];
  if (line === undefined || !map.mappings) return undefined;
  const index = sourceIndexAt(map.mappings, line - 1, (column ?? 1) - 1);
  const found = index === undefined ? undefined : sources[index];
  return found !== undefined && TS_FILE.test(found) ? found : undefined;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Source index of the last mapping at or before (line, column) of generated code (both 0-based); source map v3 VLQ. */
export function sourceIndexAt(mappings: string, line: number, column: number): number | undefined {
  let source = 0;
  let found: number | undefined;
  const lines = mappings.split(';');
  for (let l = 0; l <= line && l < lines.length; l++) {
    let genCol = 0;
    for (const segment of (lines[l] as string).split(',')) {
      if (segment === '') continue;
      const fields = decodeVlq(segment);
      genCol += fields[0] ?? 0;
      if (fields.length >= 4) {
        source += fields[1] ?? 0;
        // The source index accumulates over every line; the answer is the last segment not past the position.
        if (l < line || genCol <= column) found = source;
      }
    }
  }
  return found;
}

function decodeVlq(segment: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = BASE64.indexOf(ch);
    if (digit < 0) return out;
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    out.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return out;
}
