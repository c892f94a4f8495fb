/**
 * The playground page: a CodeMirror editor for one kernel file, the listing
 * of its compiled kernels with source mapping both ways, inline diagnostics,
 * and runs on the emulator with the profile drawn as charts. Compiling and
 * running happen in playground/worker.ts; the page's state lives in the URL
 * hash, so a link reproduces a kernel and its settings.
 */
import { EditorState, StateEffect, StateField, type Range } from '@codemirror/state';
import { Decoration, type DecorationSet, EditorView, WidgetType, drawSelection, highlightActiveLineGutter, keymap, lineNumbers } from '@codemirror/view';
import { defaultKeymap, history as undoHistory, historyKeymap, indentWithTab } from '@codemirror/commands';
import { bracketMatching, defaultHighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { javascript } from '@codemirror/lang-javascript';
import { EXAMPLES } from 'qpuc:examples';
import { TARGETS, type Target } from '../compiler/target/targets.ts';
import { FILL_PATTERNS, OUTPUT_ROWS, type FillPattern, type InputSpec, type PageDiagnostic, type PageKernel, type Reply, type Request } from './protocol.ts';

/** What the URL hash holds. */
interface PageState {
  /** The example the source came from, when it is unchanged. */
  example?: string;
  source: string;
  target: Target;
  kernel?: string;
  /** QPU batches; absent: the target's QPU count. */
  qpus?: number;
  inputs: Record<string, InputSpec>;
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const DEFAULT_EXAMPLE = 'kernels/saxpy.ts';
const TARGET_NAMES = Object.keys(TARGETS) as Target[];

// ---------------------------------------------------------------- URL state

function encodeState(s: PageState): string {
  const { source, ...rest } = s;
  const example = EXAMPLES.find((e) => e.name === s.example);
  const json = JSON.stringify(example && example.source === source ? rest : { ...rest, example: undefined, source });
  const bytes = new TextEncoder().encode(json);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function decodeState(hash: string): PageState | undefined {
  try {
    const bin = atob(hash.replace(/-/g, '+').replace(/_/g, '/'));
    const raw = JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)))) as Partial<PageState>;
    const example = EXAMPLES.find((e) => e.name === raw.example);
    const source = typeof raw.source === 'string' ? raw.source : example?.source;
    if (source === undefined) return undefined;
    return {
      ...(example ? { example: example.name } : {}),
      source,
      target: TARGET_NAMES.includes(raw.target as Target) ? (raw.target as Target) : 'vc6',
      ...(typeof raw.kernel === 'string' ? { kernel: raw.kernel } : {}),
      ...(typeof raw.qpus === 'number' ? { qpus: raw.qpus } : {}),
      inputs: typeof raw.inputs === 'object' && raw.inputs !== null ? raw.inputs : {},
    };
  } catch {
    return undefined;
  }
}

function exampleState(name: string): PageState {
  const e = EXAMPLES.find((x) => x.name === name) ?? EXAMPLES[0];
  return { example: e?.name ?? '', source: e?.source ?? '', target: state?.target ?? 'vc6', inputs: {} };
}

let state: PageState = decodeState(location.hash.slice(1)) ?? exampleState(DEFAULT_EXAMPLE);
let hashTimer: ReturnType<typeof setTimeout> | undefined;
function saveState(): void {
  clearTimeout(hashTimer);
  hashTimer = setTimeout(() => history.replaceState(null, '', `#${encodeState(state)}`), 250);
}

// ---------------------------------------------------------------- editor

const setDiagnostics = StateEffect.define<PageDiagnostic[]>();
const setSourceLine = StateEffect.define<number>();

/** A diagnostic's code, message and hint under its line. */
class DiagnosticWidget extends WidgetType {
  constructor(readonly d: PageDiagnostic) {
    super();
  }
  override eq(other: DiagnosticWidget): boolean {
    return other.d.code === this.d.code && other.d.message === this.d.message && other.d.col === this.d.col;
  }
  toDOM(): HTMLElement {
    const div = document.createElement('div');
    div.className = 'cm-diag';
    const code = document.createElement('b');
    code.textContent = `error ${this.d.code}`;
    const hint = document.createElement('div');
    hint.className = 'hint';
    hint.textContent = `hint: ${this.d.hint}`;
    div.append(code, `: ${this.d.message} (${this.d.line}:${this.d.col})`, hint);
    return div;
  }
}

const diagnosticField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(decos, tr) {
    let out = decos.map(tr.changes);
    for (const e of tr.effects) {
      if (!e.is(setDiagnostics)) continue;
      const doc = tr.state.doc;
      const ranges: Range<Decoration>[] = [];
      for (const d of e.value) {
        if (d.line < 1 || d.line > doc.lines) continue;
        const line = doc.line(d.line);
        const from = Math.min(line.from + d.col - 1, line.to);
        const to = Math.min(from + Math.max(1, d.length), line.to);
        if (to > from) ranges.push(Decoration.mark({ class: 'cm-diag-span', attributes: { title: `${d.code}: ${d.message}` } }).range(from, to));
        ranges.push(Decoration.widget({ widget: new DiagnosticWidget(d), block: true, side: 1 }).range(line.to));
      }
      out = Decoration.set(ranges, true);
    }
    return out;
  },
  provide: (f) => EditorView.decorations.from(f),
});

/** The TS line an instruction of the listing came from, when one was clicked. */
const sourceLineField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(decos, tr) {
    let out = decos.map(tr.changes);
    for (const e of tr.effects) {
      if (!e.is(setSourceLine)) continue;
      out = e.value >= 1 && e.value <= tr.state.doc.lines ? Decoration.set([Decoration.line({ class: 'src-hl' }).range(tr.state.doc.line(e.value).from)]) : Decoration.none;
    }
    return out;
  },
  provide: (f) => EditorView.decorations.from(f),
});

const view = new EditorView({
  parent: $('editor'),
  state: EditorState.create({
    doc: state.source,
    extensions: [
      lineNumbers(),
      highlightActiveLineGutter(),
      undoHistory(),
      drawSelection(),
      indentOnInput(),
      bracketMatching(),
      syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
      javascript({ typescript: true }),
      EditorView.lineWrapping,
      keymap.of([{ key: 'Mod-Enter', run: () => (runKernel(), true) }, indentWithTab, ...defaultKeymap, ...historyKeymap]),
      diagnosticField,
      sourceLineField,
      EditorView.updateListener.of((u) => {
        if (u.docChanged) {
          state.source = u.state.doc.toString();
          if (state.example !== undefined && EXAMPLES.find((e) => e.name === state.example)?.source !== state.source) {
            delete state.example;
            ($('example') as HTMLSelectElement).value = '';
          }
          scheduleCompile();
          saveState();
        }
        if (u.selectionSet || u.docChanged) highlightListing(selectedLines(u.state));
      }),
    ],
  }),
});

function selectedLines(s: EditorState): [number, number] {
  const sel = s.selection.main;
  return [s.doc.lineAt(sel.from).number, s.doc.lineAt(sel.to).number];
}

function setSource(source: string): void {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: source }, effects: [setDiagnostics.of([]), setSourceLine.of(0)] });
}

// ---------------------------------------------------------------- worker

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
let nextId = 1;
let compileInFlight: { id: number; source: string; target: Target } | undefined;
let compilePending = false;
let compileTimer: ReturnType<typeof setTimeout> | undefined;
let runInFlight: number | undefined;
let kernels: PageKernel[] = [];

function send(req: Request): void {
  worker.postMessage(req);
}

function setStatus(text: string, tone: '' | 'good' | 'bad' = ''): void {
  const el = $('status');
  el.textContent = text;
  el.className = tone;
}

function scheduleCompile(delayMs = 300): void {
  clearTimeout(compileTimer);
  compileTimer = setTimeout(compileNow, delayMs);
}

function compileNow(): void {
  if (compileInFlight) {
    compilePending = true;
    return;
  }
  compileInFlight = { id: nextId++, source: state.source, target: state.target };
  setStatus(`compiling for ${state.target}…`);
  send({ kind: 'compile', ...compileInFlight });
}

worker.onmessage = (e: MessageEvent<Reply>) => {
  const r = e.data;
  if (r.kind === 'ready') return;
  if (r.kind === 'compiled' || (r.kind === 'failed' && r.what === 'compile')) {
    const sent = compileInFlight;
    compileInFlight = undefined;
    if (compilePending || !sent || sent.source !== state.source || sent.target !== state.target) {
      compilePending = false;
      compileNow();
      return;
    }
    if (r.kind === 'failed') setStatus(r.message, 'bad');
    else showCompiled(r);
    return;
  }
  if (r.id !== runInFlight) return;
  runInFlight = undefined;
  ($('run') as HTMLButtonElement).disabled = false;
  if (r.kind === 'failed') {
    showRunError(r.message, r.line);
    setStatus('run failed', 'bad');
  } else if (r.kind === 'ran') showRun(r);
};
worker.onerror = (e) => setStatus(`the worker failed: ${e.message}`, 'bad');

// ---------------------------------------------------------------- listing

function showCompiled(r: Extract<Reply, { kind: 'compiled' }>): void {
  view.dispatch({ effects: setDiagnostics.of(r.diagnostics) });
  const errors = r.diagnostics.length;
  if (errors > 0) {
    setStatus(`${errors} error${errors === 1 ? '' : 's'} (${r.diagnostics.map((d) => d.code).join(', ')})`, 'bad');
    ($('run') as HTMLButtonElement).disabled = true;
    return; // keep the last good listing on screen
  }
  kernels = r.kernels;
  ($('run') as HTMLButtonElement).disabled = kernels.length === 0;
  setStatus(`compiled for ${r.target} in ${Math.round(r.ms)} ms: ${kernels.map((k) => `${k.name} (${k.instructionCount} instructions)`).join(', ')}`, 'good');
  const select = $('kernel') as HTMLSelectElement;
  select.replaceChildren(...kernels.map((k) => new Option(k.name, k.name)));
  if (!kernels.some((k) => k.name === state.kernel)) state.kernel = kernels[0]?.name;
  if (state.kernel) select.value = state.kernel;
  renderListing();
  renderInputs();
}

function currentKernel(): PageKernel | undefined {
  return kernels.find((k) => k.name === state.kernel);
}

function renderListing(): void {
  const k = currentKernel();
  const box = $('listing');
  if (!k) {
    const empty = document.createElement('div');
    empty.className = 'lst-empty';
    empty.textContent = 'no @kernel in this file';
    box.replaceChildren(empty);
    $('listing-info').textContent = '';
    return;
  }
  $('listing-info').textContent = `${k.instructionCount} instructions, ${k.registersUsed} registers, dual issue ${pct(k.dualIssued, k.instructionCount)}`;
  box.replaceChildren(
    ...k.listing.map((l, i) => {
      const row = document.createElement('div');
      row.className = 'lst-row';
      row.dataset.i = String(i);
      row.dataset.line = String(l.line);
      const addr = document.createElement('span');
      addr.className = 'addr';
      addr.textContent = (i * 8).toString(16).padStart(4, '0');
      const asm = document.createElement('span');
      asm.className = 'asm';
      asm.textContent = l.text.replace(/\s+;/g, ' ;').replace(/\s+$/, '');
      const ln = document.createElement('span');
      ln.className = 'ln';
      ln.textContent = l.line > 0 ? String(l.line) : '';
      row.append(addr, asm, ln);
      return row;
    }),
  );
  highlightListing(selectedLines(view.state));
}

function highlightListing([from, to]: [number, number]): void {
  let first: HTMLElement | undefined;
  for (const row of $('listing').querySelectorAll<HTMLElement>('.lst-row')) {
    const line = Number(row.dataset.line);
    const on = line >= from && line <= to;
    row.classList.toggle('hl', on);
    if (on && !first) first = row;
  }
  first?.scrollIntoView({ block: 'nearest' });
}

/** Put the editor's cursor on `line` and mark it. */
function goToLine(line: number): void {
  if (line < 1 || line > view.state.doc.lines) return;
  const l = view.state.doc.line(line);
  view.dispatch({ selection: { anchor: l.from }, effects: [setSourceLine.of(line), EditorView.scrollIntoView(l.from, { y: 'center' })] });
  view.focus();
}

$('listing').addEventListener('click', (e) => {
  const row = (e.target as HTMLElement).closest<HTMLElement>('.lst-row');
  if (!row) return;
  const line = Number(row.dataset.line);
  if (line > 0) goToLine(line);
  else view.dispatch({ effects: setSourceLine.of(0) });
});

$('kernel').addEventListener('change', () => {
  state.kernel = ($('kernel') as HTMLSelectElement).value;
  renderListing();
  renderInputs();
  saveState();
});

// ---------------------------------------------------------------- inputs

function defaultInput(p: { name: string; type: string }): InputSpec {
  if (p.type.startsWith('ptr<')) return { kind: 'buffer', size: 256, fill: 'index', c: 1 };
  if (p.type === 'f32') return { kind: 'scalar', value: 2 };
  return { kind: 'scalar', value: /^(n|len|length|count|size)$/i.test(p.name) ? 256 : 1 };
}

function numberInput(id: string, value: number, onChange: (v: number) => void, step = 'any'): HTMLInputElement {
  const input = document.createElement('input');
  input.type = 'number';
  input.id = id;
  input.step = step;
  input.value = String(value);
  input.addEventListener('input', () => {
    onChange(input.valueAsNumber);
    saveState();
  });
  return input;
}

function renderInputs(): void {
  const k = currentKernel();
  const rows = (k?.params ?? []).map((p) => {
    let spec = state.inputs[p.name];
    const isPtr = p.type.startsWith('ptr<');
    if (!spec || (spec.kind === 'buffer') !== isPtr) spec = state.inputs[p.name] = defaultInput(p);
    const tr = document.createElement('tr');
    const name = document.createElement('td');
    name.textContent = p.name;
    const type = document.createElement('td');
    type.className = 'type';
    type.textContent = p.type.replace(/^ptr<(.*)>$/, 'Ptr<$1>');
    const cells: HTMLElement[] = [];
    if (spec.kind === 'buffer') {
      const b = spec;
      const size = numberInput(`in-${p.name}-size`, b.size, (v) => (b.size = v), '1');
      size.title = 'elements';
      const fill = document.createElement('select');
      fill.id = `in-${p.name}-fill`;
      fill.append(...FILL_PATTERNS.map((f) => new Option(f.text, f.name)));
      fill.value = b.fill;
      fill.addEventListener('change', () => {
        b.fill = fill.value as FillPattern;
        saveState();
      });
      const c = numberInput(`in-${p.name}-c`, b.c, (v) => (b.c = v));
      c.title = 'c';
      const td1 = document.createElement('td');
      td1.append('size ', size);
      const td2 = document.createElement('td');
      td2.append(fill, ' c = ', c);
      cells.push(td1, td2);
    } else {
      const s = spec;
      const td = document.createElement('td');
      td.colSpan = 2;
      td.append('= ', numberInput(`in-${p.name}-value`, s.value, (v) => (s.value = v), p.type === 'f32' ? 'any' : '1'));
      cells.push(td);
    }
    tr.append(name, type, ...cells);
    return tr;
  });
  $('inputs').replaceChildren(...rows);
  const qpus = $('qpus') as HTMLInputElement;
  qpus.value = String(state.qpus ?? TARGETS[state.target].qpus);
}

$('qpus').addEventListener('input', () => {
  const v = ($('qpus') as HTMLInputElement).valueAsNumber;
  if (Number.isFinite(v)) state.qpus = v;
  saveState();
});

// ---------------------------------------------------------------- running

function runKernel(): void {
  if (runInFlight !== undefined || !state.kernel) return;
  runInFlight = nextId++;
  ($('run') as HTMLButtonElement).disabled = true;
  $('run-error').hidden = true;
  // The last run's results go: what stays on screen is always this run's.
  for (const id of ['output', 'qpu-cycles', 'stalls', 'dual-issue', 'hazards', 'profile-summary', 'output-info', 'profile-info']) $(id).replaceChildren();
  setStatus(`running ${state.kernel} on the ${state.target} emulator…`);
  const inputs: Record<string, InputSpec> = {};
  for (const p of currentKernel()?.params ?? []) if (state.inputs[p.name]) inputs[p.name] = state.inputs[p.name] as InputSpec;
  send({ kind: 'run', id: runInFlight, source: state.source, target: state.target, kernel: state.kernel, qpus: state.qpus ?? TARGETS[state.target].qpus, inputs });
}
$('run').addEventListener('click', runKernel);

function showRunError(message: string, line?: number): void {
  const box = $('run-error');
  box.hidden = false;
  box.textContent = message;
  if (line !== undefined) {
    const a = document.createElement('a');
    a.href = '#';
    a.textContent = ` → line ${line}`;
    a.addEventListener('click', (e) => {
      e.preventDefault();
      goToLine(line);
    });
    box.append(a);
  }
}

/** The shortest decimal that reads back as the same f32 value. */
function f32Text(v: number): string {
  if (!Number.isFinite(v) || Number.isInteger(v)) return String(v);
  for (let p = 1; p < 9; p++) {
    const text = String(Number(v.toPrecision(p)));
    if (Math.fround(Number(text)) === v) return text;
  }
  return String(Number(v.toPrecision(9)));
}

const pct = (a: number, b: number): string => (b > 0 ? `${((100 * a) / b).toFixed(1)} %` : '–');
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function showRun(r: Extract<Reply, { kind: 'ran' }>): void {
  setStatus(`ran ${r.kernel} on ${r.qpus} QPUs of the ${r.target} emulator in ${Math.round(r.ms)} ms`, 'good');
  // Output table: index, then each buffer.
  const table = $('output');
  const head = document.createElement('tr');
  head.append(...['i', ...r.outputs.map((o) => o.name)].map((t) => Object.assign(document.createElement('th'), { textContent: t })));
  const rows = Math.max(0, ...r.outputs.map((o) => o.values.length));
  const body: HTMLTableRowElement[] = [];
  for (let i = 0; i < rows; i++) {
    const tr = document.createElement('tr');
    const idx = document.createElement('td');
    idx.textContent = String(i);
    tr.append(idx, ...r.outputs.map((o) => {
      const td = document.createElement('td');
      td.dataset.col = o.name;
      const v = o.values[i];
      td.textContent = v === undefined ? '' : o.type === 'ptr<f32>' ? f32Text(v) : String(v);
      return td;
    }));
    body.push(tr);
  }
  table.replaceChildren(head, ...body);
  const longest = Math.max(0, ...r.outputs.map((o) => o.length));
  $('output-info').textContent = longest > OUTPUT_ROWS ? `buffers after the run, first ${OUTPUT_ROWS} of ${longest} elements` : 'buffers after the run';

  const p = r.profile;
  const k = kernels.find((x) => x.name === r.kernel);
  $('profile-info').textContent = `${r.target} timing model`;
  $('profile-summary').textContent =
    `${fmt(p.cycles)} cycles at ${p.clockHz / 1e6} MHz = ${(p.seconds * 1e6).toFixed(2)} µs, ${fmt(p.instructions)} instructions issued, ` +
    `${fmt(p.bytesRead)} B read, ${fmt(p.bytesWritten)} B written, ${fmt(p.flops)} flops`;
  $('qpu-cycles').replaceChildren(barChart(p.perQpuCycles.map((c, q) => [`QPU ${q}`, c]), '#3b6ea8'));
  const stalls = Object.entries(p.stalls).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
  $('stalls').replaceChildren(stalls.length > 0 ? barChart(stalls, '#b5123a') : Object.assign(document.createElement('div'), { textContent: 'no stalls' }));
  $('dual-issue').replaceChildren(k ? barChart([['both ALUs', k.dualIssued], ['one or none', k.instructionCount - k.dualIssued]], '#1a7f37', `${pct(k.dualIssued, k.instructionCount)} of the ${k.instructionCount} instructions`) : document.createElement('div'));

  const list = $('hazards');
  list.replaceChildren(
    ...(r.hazards.length === 0
      ? [Object.assign(document.createElement('li'), { textContent: 'none: the checker found nothing real hardware would run wrongly' })]
      : r.hazards.slice(0, 50).map((h) => {
          const li = document.createElement('li');
          li.className = h.severity;
          li.textContent = `${h.severity} ${h.rule} (QPU ${h.qpu}${h.instruction >= 0 ? `, instruction ${h.instruction}` : ''}${h.line > 0 ? `, line ${h.line}` : ''}): ${h.message}`;
          li.addEventListener('click', () => {
            if (h.line > 0) goToLine(h.line);
            const row = $('listing').querySelector<HTMLElement>(`.lst-row[data-i="${h.instruction}"]`);
            row?.scrollIntoView({ block: 'center' });
          });
          return li;
        })),
  );
}

const SVG = 'http://www.w3.org/2000/svg';
function svgEl<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, name);
  for (const [a, v] of Object.entries(attrs)) el.setAttribute(a, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Horizontal bars, one per entry, labelled with the value. */
function barChart(entries: [string, number][], color: string, caption?: string): SVGSVGElement {
  const rowH = 16;
  const labelW = 86;
  const width = 380;
  const barMax = width - labelW - 70;
  const max = Math.max(1, ...entries.map(([, v]) => v));
  const height = entries.length * rowH + (caption ? 16 : 2);
  const svg = svgEl('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  entries.forEach(([label, value], k) => {
    const y = k * rowH;
    const g = svgEl('g', { class: 'bar', 'data-label': label, 'data-value': value });
    g.append(
      svgEl('text', { x: labelW - 6, y: y + 12, 'text-anchor': 'end' }, label),
      svgEl('rect', { x: labelW, y: y + 2, width: Math.max(1, (barMax * value) / max), height: rowH - 4, fill: color }),
      svgEl('text', { x: labelW + Math.max(1, (barMax * value) / max) + 4, y: y + 12 }, fmt(value)),
    );
    svg.append(g);
  });
  if (caption) svg.append(svgEl('text', { x: labelW, y: entries.length * rowH + 12 }, caption));
  return svg;
}

// ---------------------------------------------------------------- menus and start

const exampleSelect = $('example') as HTMLSelectElement;
exampleSelect.append(new Option('(edited)', ''), ...EXAMPLES.map((e) => new Option(e.name, e.name)));
exampleSelect.value = state.example ?? '';
exampleSelect.addEventListener('change', () => {
  if (!exampleSelect.value) return;
  state = exampleState(exampleSelect.value);
  setSource(state.source);
  renderInputs();
  compileNow();
  saveState();
});

const targetSelect = $('target') as HTMLSelectElement;
targetSelect.value = state.target;
targetSelect.addEventListener('change', () => {
  state.target = targetSelect.value as Target;
  delete state.qpus;
  renderInputs();
  compileNow();
  saveState();
});

window.addEventListener('hashchange', () => {
  const s = decodeState(location.hash.slice(1));
  if (!s || encodeState(s) === encodeState(state)) return;
  state = s;
  targetSelect.value = s.target;
  exampleSelect.value = s.example ?? '';
  setSource(s.source);
  compileNow();
});

compileNow();

// Offline: a service worker keeps the page's few files (where the browser allows one: https or localhost).
if ('serviceWorker' in navigator && (location.protocol === 'https:' || location.hostname === 'localhost' || location.hostname === '127.0.0.1')) {
  navigator.serviceWorker.register('sw.js').catch(() => undefined);
}
