/**
 * Kernel discovery: parses a file and the relative files it imports (parsing
 * only, no type-check program: that keeps a warm compile in milliseconds) and
 * finds the `@kernel` and `@device` static methods of their classes.
 */
import type { ts } from 'ts-morph';
import { typescript } from './typescript.ts';
import { type CompilerHost, hostOrDefault } from '../host.ts';
import type { Diagnostic, DiagnosticName } from '../diagnostics.ts';
import { makeDiagnostic } from '../diagnostics.ts';
import { MAX_NESTING, deepestBracket, tooDeep } from './limits.ts';
import type { KernelOptions } from '../../lang/index.ts';
import { literalValue } from './literals.ts';
import { moduleConstant, staticConstant } from './constants.ts';
import { constantExpression } from './workgroups.ts';
import { maxWorkgroupSize, TARGET_NAMES } from '../target/targets.ts';

/** A decorated static method found in a source file. */
export interface MethodInfo {
  kind: 'kernel' | 'device';
  /** `@kernel({ … })` options ({} for a bare decorator and for device functions). */
  options: KernelOptions;
  className: string;
  name: string;
  decl: ts.MethodDeclaration;
  /** The qpuc decorator applied (`@kernel` or `@kernel({ ... })`), read by readKernelOptions. */
  decorator?: ts.Decorator;
  source: ts.SourceFile;
  file: string;
}

/** Every parsed file and decorated method of one compilation. */
export interface Program {
  files: Map<string, ts.SourceFile>;
  /** Methods by `Class.method`. */
  methods: Map<string, MethodInfo>;
  /** Per file: local identifier → class name it refers to (imports may rename). */
  classAliases: Map<string, Map<string, string>>;
  /** Per file: local name of each named import of a parsed file → that file and the name it exports. */
  importedNames: Map<string, Map<string, { file: string; name: string }>>;
  /** Every class declared in a parsed file, by name (for `static readonly` constants). */
  classes: Map<string, { decl: ts.ClassDeclaration; file: string }>;
  diagnostics: Diagnostic[];
}

/** Reports a diagnostic at a node. */
export function diagAt(sf: ts.SourceFile, file: string, node: ts.Node, name: DiagnosticName, args: readonly (string | number)[] = []): Diagnostic {
  const start = node.getStart(sf);
  const { line, character } = sf.getLineAndCharacterOfPosition(start);
  return makeDiagnostic(name, args, { file, line: line + 1, col: character + 1, length: node.getEnd() - start });
}

/** Parsed files by path, reused while their text is unchanged (ts-morph trees are immutable once parsed). */
const parseCache = new Map<string, { text: string; sf: ts.SourceFile }>();

function decoratorName(d: ts.Decorator): string | undefined {
  const e = d.expression;
  if (typescript.isIdentifier(e)) return e.text;
  if (typescript.isCallExpression(e) && typescript.isIdentifier(e.expression)) return e.expression.text;
  return undefined;
}

const DECORATORS = ['kernel', 'device'] as const;

/** The largest workgroup of any target (compiler/target/targets.ts maxWorkgroupSize). */
const MAX_WORKGROUP_SIZE = Math.max(...TARGET_NAMES.map(maxWorkgroupSize));

/** Mutable form of {@link KernelOptions} while reading them. */
type OptionValues = { -readonly [K in keyof KernelOptions]: KernelOptions[K] };

/**
 * How each `@kernel` option is read from its initializer: the value, or what
 * was expected (a diagnostic). One row per field of {@link KernelOptions}.
 */
const KERNEL_OPTION_READERS: {
  [K in keyof KernelOptions]-?: { expected: string; read: (e: ts.Expression, constant: (e: ts.Expression) => number | undefined) => KernelOptions[K] | undefined };
} = {
  fastMath: {
    expected: 'true or false',
    read: (e) => (e.kind === typescript.SyntaxKind.TrueKeyword ? true : e.kind === typescript.SyntaxKind.FalseKeyword ? false : undefined),
  },
  noalias: {
    expected: 'true or false',
    read: (e) => (e.kind === typescript.SyntaxKind.TrueKeyword ? true : e.kind === typescript.SyntaxKind.FalseKeyword ? false : undefined),
  },
  threadSwitch: {
    expected: 'true or false',
    read: (e) => (e.kind === typescript.SyntaxKind.TrueKeyword ? true : e.kind === typescript.SyntaxKind.FalseKeyword ? false : undefined),
  },
  // The largest any target allows; a target's own limit is checked when compiling for it (QPU3032, frontend/index.ts).
  workgroupSize: {
    expected: `a constant multiple of 16 from 16 to ${MAX_WORKGROUP_SIZE}`,
    read: (e, constant) => {
      const v = constantExpression(e, constant);
      return v !== undefined && Number.isInteger(v) && v >= 16 && v <= MAX_WORKGROUP_SIZE && v % 16 === 0 ? v : undefined;
    },
  },
};


/**
 * The options of one qpuc decorator, read from the source (the one place the
 * compiler reads `@kernel({ … })`): {} for `@kernel` and `@device`; a
 * diagnostic for anything but an object literal of known options with
 * literal values.
 */
export function readKernelOptions(sf: ts.SourceFile, file: string, d: ts.Decorator, kind: 'kernel' | 'device', diagnostics: Diagnostic[], constant: (e: ts.Expression) => number | undefined = literalValue): KernelOptions {
  const e = d.expression;
  if (!typescript.isCallExpression(e)) return {};
  const known = Object.keys(KERNEL_OPTION_READERS).map((k) => `${k} (${KERNEL_OPTION_READERS[k as keyof KernelOptions].expected})`).join(', ');
  const bad = (node: ts.Node, what: string): KernelOptions => (diagnostics.push(diagAt(sf, file, node, 'kernelOptions', [what, known])), {});
  if (kind === 'device') return bad(e, '@device takes no options');
  const [arg] = e.arguments;
  if (e.arguments.length !== 1 || !arg || !typescript.isObjectLiteralExpression(arg)) return bad(e, 'expected one object literal');
  const out: OptionValues = {};
  for (const p of arg.properties) {
    if (!typescript.isPropertyAssignment(p) || !(typescript.isIdentifier(p.name) || typescript.isStringLiteral(p.name))) return bad(p, `'${p.getText(sf)}' is not a 'name: value' entry`);
    const name = p.name.text;
    if (!Object.hasOwn(KERNEL_OPTION_READERS, name)) return bad(p.name, `unknown option '${name}'`);
    const key = name as keyof KernelOptions;
    const reader = KERNEL_OPTION_READERS[key];
    const v = reader.read(p.initializer, constant);
    if (v === undefined) return bad(p.initializer, `'${name}' must be ${reader.expected}, not '${p.initializer.getText(sf)}'`);
    (out as Record<string, unknown>)[key] = v;
  }
  return out;
}

/** A literal or named number constant (module-level `const`, `static readonly`) as an option value. */
function optionConstant(prog: Program, file: string, e: ts.Expression): number | undefined {
  const lit = literalValue(e);
  if (lit !== undefined) return lit;
  let inner = e;
  while (typescript.isParenthesizedExpression(inner)) inner = inner.expression;
  const c = typescript.isIdentifier(inner)
    ? moduleConstant(prog, file, inner.text)
    : typescript.isPropertyAccessExpression(inner) && typescript.isIdentifier(inner.expression)
      ? staticConstant(prog, file, inner.expression.text, inner.name.text)
      : undefined;
  return c && !('problem' in c) ? c.value : undefined;
}

/** Levenshtein distance, for telling a misspelt decorator (`@kernal`) from an unrelated one. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row.push(Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    prev = row;
  }
  return prev[b.length] as number;
}

/** The qpuc decorator a misspelt name probably meant, if any. */
function nearDecorator(name: string): (typeof DECORATORS)[number] | undefined {
  const lower = name.toLowerCase();
  return DECORATORS.find((d) => lower === d || editDistance(lower, d) <= 2);
}

function resolveImport(host: CompilerHost, from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = host.resolve(host.dirname(from), spec);
  for (const c of [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, host.resolve(base, 'index.ts')]) if (c.endsWith('.ts') && host.fileExists(c)) return c;
  return undefined;
}

/**
 * Parses `file` (from `sourceText` when given) and its relative imports,
 * collecting decorated methods. Problems become diagnostics, never throws.
 */
export function discover(file: string, sourceText?: string, compilerHost?: CompilerHost): Program {
  const host = hostOrDefault(compilerHost);
  const prog: Program = { files: new Map(), methods: new Map(), classAliases: new Map(), importedNames: new Map(), classes: new Map(), diagnostics: [] };
  const load = (path: string, text: string | undefined) => {
    if (prog.files.has(path)) return;
    let src = text;
    if (src === undefined) src = host.readFile(path);
    if (src === undefined) {
      prog.diagnostics.push(makeDiagnostic('fileNotFound', [path], { file: path, line: 1, col: 1 }));
      return;
    }
    // Parsing dominates a warm compile; an unchanged file's tree is reused.
    const cached = parseCache.get(path);
    let sf: ts.SourceFile;
    try {
      sf = cached && cached.text === src ? cached.sf : typescript.createSourceFile(path, src, typescript.ScriptTarget.ES2022, true, typescript.ScriptKind.TS);
    } catch (e) {
      // TypeScript's parser is recursive: thousands of nested parentheses or ternaries overflow its stack.
      if (!(e instanceof RangeError)) throw e;
      const at = deepestBracket(src);
      const before = src.slice(0, at).split('\n');
      prog.diagnostics.push(makeDiagnostic('nestingTooDeep', [MAX_NESTING], { file: path, line: before.length, col: (before[before.length - 1]?.length ?? 0) + 1 }));
      return;
    }
    if (!cached || cached.sf !== sf) parseCache.set(path, { text: src, sf });
    prog.files.set(path, sf);
    // Syntax errors first: lowering a broken tree would only produce noise.
    const parseDiags = (sf as unknown as { parseDiagnostics?: readonly ts.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
    for (const d of parseDiags) {
      const { line, character } = sf.getLineAndCharacterOfPosition(d.start);
      prog.diagnostics.push(makeDiagnostic('syntaxError', [typescript.flattenDiagnosticMessageText(d.messageText, '\n')], { file: path, line: line + 1, col: character + 1, length: d.length }));
    }
    const aliases = new Map<string, string>();
    prog.classAliases.set(path, aliases);
    const importedNames = new Map<string, { file: string; name: string }>();
    prog.importedNames.set(path, importedNames);
    const imports: string[] = [];
    // Local names of qpuc's decorators (`import { kernel as gpu } from 'qpuc'` makes '@gpu' a kernel).
    const qpucDecorators = new Map<string, 'kernel' | 'device'>(DECORATORS.map((d) => [d, d]));
    for (const st of sf.statements) {
      if (typescript.isImportDeclaration(st) && typescript.isStringLiteral(st.moduleSpecifier) && st.moduleSpecifier.text === 'qpuc') {
        const named = st.importClause?.namedBindings;
        if (named && typescript.isNamedImports(named)) {
          for (const el of named.elements) {
            const imported = (el.propertyName ?? el.name).text;
            if (imported === 'kernel' || imported === 'device') qpucDecorators.set(el.name.text, imported);
          }
        }
      }
    }
    for (const st of sf.statements) {
      if (typescript.isImportDeclaration(st) && typescript.isStringLiteral(st.moduleSpecifier)) {
        const target = resolveImport(host, path, st.moduleSpecifier.text);
        if (!target) continue;
        imports.push(target);
        const named = st.importClause?.namedBindings;
        if (named && typescript.isNamedImports(named)) {
          for (const el of named.elements) {
            aliases.set(el.name.text, (el.propertyName ?? el.name).text);
            importedNames.set(el.name.text, { file: target, name: (el.propertyName ?? el.name).text });
          }
        }
      }
      if (typescript.isClassDeclaration(st) && st.name) {
        const className = st.name.text;
        aliases.set(className, className);
        prog.classes.set(className, { decl: st, file: path });
        const exported = st.modifiers?.some((m) => m.kind === typescript.SyntaxKind.ExportKeyword) ?? false;
        let reportedExport = false;
        for (const m of st.members) {
          if (!typescript.isMethodDeclaration(m) || !typescript.isIdentifier(m.name)) continue;
          const decos = typescript.getDecorators(m) ?? [];
          const names = decos.map(decoratorName);
          const at = names.findIndex((n) => n !== undefined && qpucDecorators.has(n));
          const kind = at < 0 ? undefined : qpucDecorators.get(names[at] as string);
          if (!kind) {
            // A misspelt decorator would otherwise make a kernel silently disappear.
            const isStatic = m.modifiers?.some((x) => x.kind === typescript.SyntaxKind.StaticKeyword) ?? false;
            decos.forEach((d, k) => {
              const n = names[k];
              const meant = n === undefined ? undefined : nearDecorator(n);
              if (isStatic && n !== undefined && meant) prog.diagnostics.push(diagAt(sf, path, d, 'unknownDecorator', [n, m.name.getText(sf), meant]));
            });
            continue;
          }
          const isStatic = m.modifiers?.some((x) => x.kind === typescript.SyntaxKind.StaticKeyword) ?? false;
          if (!isStatic) prog.diagnostics.push(diagAt(sf, path, m.name, 'notStatic', [kind, m.name.text]));
          if (kind === 'kernel' && !exported && !reportedExport) {
            prog.diagnostics.push(diagAt(sf, path, st.name, 'notExported', [className]));
            reportedExport = true;
          }
          prog.methods.set(`${className}.${m.name.text}`, { kind, options: {}, className, name: m.name.text, decl: m, decorator: decos[at] as ts.Decorator, source: sf, file: path });
          const deep = m.body && tooDeep(m.body);
          if (deep) prog.diagnostics.push(diagAt(sf, path, deep, 'nestingTooDeep', [MAX_NESTING]));
        }
      }
    }
    for (const i of imports) load(i, undefined);
  };
  load(host.resolve(file), sourceText);
  // Options are read once every file is parsed, so that a value may name a constant of an imported file.
  for (const m of prog.methods.values()) {
    if (m.decorator) m.options = readKernelOptions(m.source, m.file, m.decorator, m.kind, prog.diagnostics, (e) => optionConstant(prog, m.file, e));
  }
  return prog;
}
