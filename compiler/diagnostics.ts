/**
 * Compiler diagnostics: every code, message and hint lives in the one table
 * below, so codes stay stable and the messages can be reviewed together.
 *
 * Ranges: QPU1xxx unsupported construct, QPU2xxx types, QPU3xxx kernel
 * discovery and calls, QPU4xxx literals and constants, QPU5xxx backend limits, QPU9xxx internal errors.
 * Retired codes are never reused: QPU1013 (switch fall-through is allowed, as
 * in TypeScript) and QPU2012 (pointer values may live in `let` variables).
 */

/** A diagnostic definition: message template (`{0}`, `{1}`… are filled in) and a hint. */
interface DiagnosticDef {
  readonly code: number;
  readonly message: string;
  readonly hint: string;
}

/** The one table of diagnostics, keyed by a short stable name. */
export const DIAGNOSTICS = {
  unsupportedStatement: { code: 1001, message: "'{0}' statements are not supported in kernels", hint: 'Kernels support const/let, assignments, if/else, for, while, do-while, switch, break, continue and return.' },
  unsupportedExpression: { code: 1002, message: "{0} is not supported in kernels", hint: "Kernels compute on f32/i32/u32/bool scalars and Ptr<T> memory; 'qpuc help language' lists what they may use." },
  unsupportedOperator: { code: 1003, message: "operator '{0}' is not supported in kernels", hint: "Use the arithmetic, bitwise, comparison and logical operators that 'qpuc help language' lists." },
  varDeclaration: { code: 1004, message: "'var' declarations are not supported", hint: "Use 'let' or 'const'." },
  destructuring: { code: 1005, message: 'destructuring is not supported in kernels', hint: 'Declare one scalar variable per declaration.' },
  missingInitializer: { code: 1006, message: "variable '{0}' must be initialised where it is declared", hint: "Write 'let {0}: i32 = 0;' — kernels have no undefined values." },
  unknownIdentifier: { code: 1007, message: "cannot find name '{0}'", hint: 'Kernels may use their parameters, local variables, module-level number constants (const NAME = 16), static readonly class constants, qpu.*, Math.* and the conversion functions f32/i32/u32.' },
  assignToConst: { code: 1008, message: "cannot assign to '{0}' because it is a constant", hint: "Declare it with 'let' if it changes." },
  assignToParam: { code: 1009, message: "cannot assign to parameter '{0}'", hint: 'Kernel parameters are uniform inputs; copy it into a local with let.' },
  invalidAssignTarget: { code: 1010, message: 'invalid assignment target', hint: 'Assign to a local variable or to a pointer element p[i].' },
  breakOutsideLoop: { code: 1011, message: "'{0}' outside of a loop", hint: "'break' needs an enclosing loop or switch; 'continue' an enclosing loop." },
  unknownLabel: { code: 1012, message: "unknown label '{0}'", hint: 'Labels must name an enclosing loop.' },
  duplicateCase: { code: 1014, message: 'duplicate case value {0}', hint: 'Each case label of a switch must be a distinct constant.' },
  caseNotConstant: { code: 1015, message: 'case label must be an integer constant', hint: 'Use an integer literal or a constant expression.' },
  returnValueInKernel: { code: 1016, message: 'a kernel cannot return a value', hint: 'Kernels return void; write results through a Ptr<T> parameter.' },
  missingReturn: { code: 1017, message: "device function '{0}' must end with a return statement", hint: 'Every path of a device function that returns a value must return one.' },
  shadowing: { code: 1018, message: "'{0}' is already declared in this scope", hint: 'Use a different name.' },
  optionalChaining: { code: 1019, message: 'optional chaining is not supported', hint: 'Kernel values are never null or undefined.' },
  nestedFunction: { code: 1020, message: 'functions and closures are not supported inside kernels', hint: 'Move the helper to a @device static method and call it.' },
  labeledNonLoop: { code: 1021, message: 'labels are only allowed on loops', hint: 'Remove the label.' },
  nestingTooDeep: { code: 1023, message: 'code nested more than {0} levels deep', hint: 'Split the expression or statement into several, with intermediate variables (qpuc lowers nested code recursively).' },
  moduleVariable: { code: 1024, message: "kernels can read module-level and static constants only, and '{0}' can change", hint: "Declare it 'const NAME = 16' at module level or 'static readonly NAME = 16' in a class, or pass the value as a kernel parameter." },
  constantNotNumber: { code: 1025, message: "'{0}' is not a number constant a kernel can read", hint: 'A constant kernels read is initialised with a number literal, a Math constant or another such constant; a constant array of such numbers is read by index (TABLE[i]); pass computed values as parameters.' },
  arrayLength: { code: 1030, message: "private array '{0}' needs a compile-time length from 1 to {2}, got {1}", hint: 'Write the length as a literal or a named constant; pass larger arrays as a Ptr<T> buffer.' },
  arrayInit: { code: 1031, message: "private array '{0}' must be created by an array literal, new Array<T>(n).fill(x) or new Float32Array(n) / Int32Array(n) / Uint32Array(n)", hint: "For example: const acc: f32[] = [0, 0, 0, 0]; or const acc = new Float32Array(4);" },
  switchNotInt: { code: 1022, message: "switch discriminant must be i32 or u32, got '{0}'", hint: 'Convert it with i32(x) or u32(x).' },
  typeMismatch: { code: 2001, message: "type '{0}' is not assignable to type '{1}'", hint: 'Convert explicitly with f32(x), i32(x) or u32(x).' },
  operandMismatch: { code: 2002, message: "operator '{0}' cannot be applied to types '{1}' and '{2}'", hint: 'Both operands must have the same type: convert one with f32(x), i32(x) or u32(x), or declare the variable with the type it needs (let i: u32 = 0).' },
  operandType: { code: 2003, message: "operator '{0}' cannot be applied to type '{1}'", hint: "'qpuc help language' lists which types each operator accepts." },
  unknownType: { code: 2004, message: "unsupported type '{0}'", hint: 'Kernel types are f32, i32, u32, bool and Ptr<T> with T one of f32 i32 u32 u8 u16 i8 i16.' },
  missingType: { code: 2005, message: "parameter '{0}' needs a type annotation", hint: 'Annotate it: (n: u32, x: Ptr<f32>).' },
  conditionType: { code: 2006, message: "condition must be bool, got '{0}'", hint: 'Compare explicitly, for example x != 0.' },
  notAPointer: { code: 2007, message: "only Ptr<T> values can be indexed, got '{0}'", hint: 'Declare the parameter as Ptr<T>.' },
  indexType: { code: 2008, message: "pointer index must be i32 or u32, got '{0}'", hint: 'Convert the index with i32(x) or u32(x).' },
  argumentType: { code: 2009, message: "argument of type '{0}' is not assignable to parameter of type '{1}'", hint: 'Convert explicitly with f32(x), i32(x) or u32(x).' },
  pointerArithmetic: { code: 2010, message: 'pointer values can only be indexed or passed to device functions', hint: 'Index the pointer: p[i].' },
  returnType: { code: 2011, message: "kernel return type must be void, got '{0}'", hint: 'Kernels return void; write results through a Ptr<T> parameter.' },
  voidValue: { code: 2013, message: 'a void call has no value', hint: 'Call it as a statement.' },
  arrayValue: { code: 2031, message: "'{0}' is a private array: a kernel uses it only as '{0}[i]' or '{0}.length'", hint: 'Index it; to give a device function several values, pass them as separate parameters.' },
  arrayIndexRange: { code: 2032, message: "index {0} is out of range for '{1}' of length {2}", hint: 'Private array indices run from 0 to length - 1.' },
  arrayElementType: { code: 2033, message: "private array elements must be f32, i32 or u32, got '{0}'", hint: 'Declare it as f32[], i32[] or u32[].' },
  atomicPointer: { code: 2030, message: "{0} needs a Ptr<i32> or Ptr<u32>, got '{1}'", hint: 'Atomics read and write one 32-bit integer word; keep counters and bins in a Ptr<i32> or Ptr<u32> buffer.' },
  kernelCall: { code: 3001, message: "'{0}' is not a @device function", hint: 'Kernels can call @device static methods, qpu.*, Math.* and f32/i32/u32; mark helpers with @device.' },
  recursion: { code: 3002, message: "recursive call to '{0}'", hint: 'Device functions are inlined, so recursion is impossible; write a loop.' },
  argumentCount: { code: 3003, message: "expected {0} arguments, got {1}", hint: 'Check the signature of the function.' },
  notStatic: { code: 3004, message: "@{0} method '{1}' must be static", hint: "Declare it 'static'." },
  notExported: { code: 3005, message: "class '{0}' declares kernels but is not exported", hint: "Add 'export' so the runtime can launch its kernels." },
  fileNotFound: { code: 3006, message: "cannot read file '{0}'", hint: 'Check the path.' },
  noKernels: { code: 3007, message: 'no @kernel methods found', hint: 'Decorate a static method of an exported class with @kernel from qpuc.' },
  syntaxError: { code: 3008, message: '{0}', hint: 'Fix the TypeScript syntax error first.' },
  laneConstant: { code: 3009, message: '{0} argument must be a constant', hint: 'Pass an integer literal.' },
  spreadArgs: { code: 3010, message: 'spread arguments are not supported', hint: 'Pass each argument explicitly.' },
  unknownDecorator: { code: 3011, message: "unknown decorator '@{0}' on static method '{1}'", hint: "Did you mean '@{2}'? qpuc's decorators are @kernel and @device, imported from 'qpuc'; without one the method is neither launched nor callable from kernels." },
  inlineTooLarge: { code: 3012, message: "inlining '{0}' here would make the kernel larger than {1} characters of inlined source", hint: 'Device functions are inlined at every call: call large ones fewer times, for example once inside a loop instead of many times in a row.' },
  varyingLaneArgument: { code: 3013, message: "the {0} of qpu.{1} must be the same in every lane, but this one depends on the lane", hint: 'The hardware takes one {0} per instruction. Compute it from uniform values (parameters, constants, qpu.qpuId(), counters of loops every lane runs alike), or pick one lane\'s value with qpu.broadcast(x, 0).' },
  divergentBarrier: { code: 3014, message: 'qpu.{0}() is reached under a condition that differs between lanes', hint: 'Every lane {1} must reach the barrier together: move it out of the if, loop or early return whose condition depends on the lane.' },
  kernelOptions: { code: 3015, message: 'bad @kernel options: {0}', hint: 'Write @kernel, or @kernel({ … }) with an object literal of constant values (literals, named constants); the options are {1}.' },
  workgroupSizeTooLarge: { code: 3032, message: 'workgroupSize {0} is more than the {1} work items a workgroup may have on {2}', hint: 'A workgroup is whole 16-lane QPU batches, all resident at once (QPUs x threads x 16, and the dispatcher\'s limit): use a smaller workgroup, or compile for another target.' },
  sharedDeclaration: { code: 3033, message: 'qpu.shared must be the initialiser of a const in a kernel body', hint: 'Declare shared arrays at the top of the kernel: const tile = qpu.shared<f32>(256); pass the pointer to @device functions that need it.' },
  sharedElementType: { code: 3034, message: "qpu.shared needs its element type as a type argument (f32 i32 u32 u8 u16 i8 i16), got '{0}'", hint: 'Write qpu.shared<f32>(256).' },
  sharedLength: { code: 3035, message: "qpu.shared length must be a positive integer constant, got '{0}'", hint: 'Use literals and named constants (const TILE = 16 at module level), combined with + - * / % << >>: qpu.shared<f32>(TILE * TILE).' },
  sharedTooLarge: { code: 3036, message: 'the kernel declares {0} bytes of workgroup-shared memory, more than the {1} a workgroup may have', hint: 'Use smaller tiles, or keep the data in global memory (Ptr<T> parameters).' },
  mixedBarriers: { code: 3037, message: 'a kernel with qpu.workgroupBarrier() cannot also use qpu.barrier()', hint: 'qpu.barrier() holds every batch of the launch in one supergroup, qpu.workgroupBarrier() one workgroup per supergroup; use one kind.' },
  dimensionArgument: { code: 3038, message: "the dimension of qpu.{0} must be the constant 0, 1 or 2, got '{1}'", hint: 'Write qpu.{0}(0), qpu.{0}(1) or qpu.{0}(2) (grids have up to three dimensions).' },
  literalRange: { code: 4001, message: "literal {0} does not fit in type '{1}'", hint: 'Use a value in range or convert explicitly.' },
  literalNotInteger: { code: 4002, message: "literal {0} is not an integer but type '{1}' is", hint: 'Use an integer literal or f32(…).' },
  backendUnsupported: { code: 5001, message: 'the {0} backend cannot compile this yet: {1}', hint: 'Rewrite the construct, or run the kernel with backend: \'reference\' meanwhile.' },
  noBackend: { code: 5002, message: "kernel '{0}' cannot be compiled for {1}: qpuc has no {1} code generator yet", hint: "Compile for vc6 or vc7, run it with backend: 'reference', or hand-write the code and run it with Runtime.launchRaw." },
  internal: { code: 9001, message: 'internal compiler error: {0}', hint: 'This is a bug in qpuc; please report it with the kernel that triggers it.' },
} as const satisfies Record<string, DiagnosticDef>;

/** Stable name of a diagnostic in {@link DIAGNOSTICS}. */
export type DiagnosticName = keyof typeof DIAGNOSTICS;

/** One reported problem, located in a source file. */
export interface Diagnostic {
  /** Numeric code: printed as `QPU` + code. */
  code: number;
  /** Key of the definition in {@link DIAGNOSTICS}. */
  name: DiagnosticName;
  message: string;
  hint: string;
  file: string;
  /** 1-based line and column of the offending construct. */
  line: number;
  col: number;
  /** Length of the underlined span (at least 1). */
  length: number;
}

/** Fills a table entry's placeholders and locates it. */
export function makeDiagnostic(name: DiagnosticName, args: readonly (string | number)[], at: { file: string; line: number; col: number; length?: number }): Diagnostic {
  const def: DiagnosticDef = DIAGNOSTICS[name];
  const fill = (s: string) => s.replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)] ?? ''));
  return { code: def.code, name, message: fill(def.message), hint: fill(def.hint), file: at.file, line: at.line, col: at.col, length: Math.max(1, at.length ?? 1) };
}

/** `QPU1003` style code text. */
export function codeText(code: number): string {
  return `QPU${String(code).padStart(4, '0')}`;
}

/**
 * Formats a diagnostic like tsc: `file:line:col - error QPUnnnn: message`,
 * then the source line with the span underlined, then the hint.
 * `source` is the file's text (omit it to print the first line only).
 */
export function formatDiagnostic(d: Diagnostic, source?: string, style: { color?: boolean } = {}): string {
  // tsc's colours: cyan file, yellow position, red 'error', grey code; the underline red.
  const paint = (code: string, text: string) => (style.color ? `\x1b[${code}m${text}\x1b[0m` : text);
  let out = `${paint('96', d.file)}:${paint('93', String(d.line))}:${paint('93', String(d.col))} - ${paint('91', 'error')} ${paint('90', `${codeText(d.code)}:`)} ${d.message}\n`;
  const lines = source?.split(/\r?\n/);
  const text = lines?.[d.line - 1];
  if (text !== undefined) {
    const gutter = String(d.line);
    const width = Math.max(1, Math.min(d.length, text.length - d.col + 1));
    out += `\n${paint('7', gutter)} ${text}\n${paint('7', ' '.repeat(gutter.length))} ${' '.repeat(d.col - 1)}${paint('91', '~'.repeat(width))}\n`;
  }
  out += `  hint: ${d.hint}\n`;
  return out;
}
