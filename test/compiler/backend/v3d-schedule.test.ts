// The V3D list scheduler's priorities (compiler/backend/v3d/schedule.ts): register reuse (write after write,
// write after read) orders ops but is not work that must follow, so a long run of reuses of one register does
// not outrank a TMU lookup whose result is needed. Load results: under register pressure (selection order) each
// ldtmu moves down to its first use, in FIFO order and within the FIFO's depth; after allocation an ldtmu waits
// while other work can fill the words, but never adds a word of its own.
import test from 'ava';
import { deferLoadResults, MAX_PENDING_LOADS, orderSegment, scheduleSegment, sinkToUses } from '../../../compiler/backend/v3d/schedule.ts';
import { acc, magic, rf, vreg, type MInstr } from '../../../compiler/backend/v3d/mir.ts';
import { MAGIC } from '../../../compiler/isa/v3d/instr.ts';

test('a run of reuses of one register does not go before a load whose result is used', (t) => {
  const ops: MInstr[] = [];
  // 32 writes of r0, each reading a value of its own: only the reuse of r0 orders them.
  for (let i = 0; i < 32; i++) ops.push({ unit: 'mul', op: 'mov', dst: acc(0), srcs: [vreg(100 + i)] });
  // A lookup and a use of its result.
  const issue: MInstr = { unit: 'add', op: 'mov', dst: magic(MAGIC.TMUA), srcs: [vreg(1)], tmu: 'load' };
  const collect: MInstr = { unit: 'sig', op: 'ldtmu', dst: vreg(2), srcs: [] };
  const use: MInstr = { unit: 'add', op: 'fadd', dst: vreg(3), srcs: [vreg(2), vreg(2)] };
  ops.push(issue, collect, use);
  const order = orderSegment(ops);
  t.is(order.length, ops.length);
  // The lookup goes first, so that its latency passes while the moves run; its result is collected after them.
  t.is(order.indexOf(issue), 0);
  t.true(order.indexOf(collect) > order.indexOf(issue));
  // The writes of r0 keep their order.
  const r0 = order.filter((m) => m.dst?.kind === 'acc');
  t.deepEqual(r0, ops.slice(0, 32));
});

const issueOf = (addr: number): MInstr => ({ unit: 'add', op: 'mov', dst: magic(MAGIC.TMUA), srcs: [vreg(addr)], tmu: 'load' });
const collectInto = (d: number): MInstr => ({ unit: 'sig', op: 'ldtmu', dst: vreg(d), srcs: [] });

test('under selection order each ldtmu moves down to its first use, in FIFO order, within the FIFO depth', (t) => {
  // Selection order as isel emits it: each lookup followed by its ldtmu; the results used only at the end.
  const ops: MInstr[] = [];
  const n = MAX_PENDING_LOADS + 2;
  for (let i = 0; i < n; i++) ops.push(issueOf(100 + i), collectInto(200 + i));
  const work: MInstr = { unit: 'add', op: 'add', dst: vreg(300), srcs: [vreg(301), vreg(302)] };
  ops.push(work);
  // The third result is used before the others.
  const use: MInstr = { unit: 'add', op: 'fadd', dst: vreg(400), srcs: [vreg(202), vreg(202)] };
  ops.push(use);
  const out = deferLoadResults(ops);
  t.is(out.length, ops.length);
  t.true(ops.every((m) => out.includes(m)));
  const collects = out.filter((m) => m.op === 'ldtmu');
  t.deepEqual(collects.map((m) => (m.dst as { id: number }).id), ops.filter((m) => m.op === 'ldtmu').map((m) => (m.dst as { id: number }).id));
  // Never more than the FIFO's words in flight: the first two ldtmus go just before the last two lookups.
  let pending = 0;
  for (const m of out) {
    if (m.tmu === 'load') pending++;
    if (m.op === 'ldtmu') pending--;
    t.true(pending <= MAX_PENDING_LOADS);
  }
  t.is(out.indexOf(collects[0] as MInstr), out.indexOf(ops[2 * MAX_PENDING_LOADS] as MInstr) - 1);
  t.is(out.indexOf(collects[1] as MInstr), out.indexOf(ops[2 * MAX_PENDING_LOADS + 2] as MInstr) - 1);
  // The third waits below the unrelated work, just before its use; the later ones go after the use.
  t.true(out.indexOf(collects[2] as MInstr) > out.indexOf(work));
  t.is(out.indexOf(use), out.indexOf(collects[2] as MInstr) + 1);
  t.true(out.indexOf(collects[3] as MInstr) > out.indexOf(use));
  // Unused results are collected at the end of the segment.
  t.is(out[out.length - 1], collects[n - 1]);
});

test('a wait or a write of the same register keeps a deferred ldtmu before it', (t) => {
  const wait: MInstr = { unit: 'add', op: 'tmuwt', dst: magic(MAGIC.NOP), srcs: [] };
  const ops: MInstr[] = [issueOf(1), collectInto(2), { unit: 'add', op: 'add', dst: vreg(5), srcs: [vreg(6), vreg(7)] }, wait];
  const out = deferLoadResults(ops);
  t.deepEqual(out, [ops[0], ops[2], ops[1], wait]);
  const redefine: MInstr = { unit: 'add', op: 'mov', dst: vreg(2), srcs: [vreg(9)] };
  const again = [issueOf(1), collectInto(2), { unit: 'add', op: 'add', dst: vreg(5), srcs: [vreg(6), vreg(7)] } as MInstr, redefine];
  t.deepEqual(deferLoadResults(again), [again[0], again[2], again[1], redefine]);
});

test('after allocation an ldtmu waits while other work fills the words, and takes no word of its own', (t) => {
  // A lookup, its ldtmu and use, and independent work: the ldtmu lands in a later word than the lookup.
  const ops: MInstr[] = [
    { unit: 'add', op: 'mov', dst: magic(MAGIC.TMUA), srcs: [rf(1)], tmu: 'load' },
    { unit: 'sig', op: 'ldtmu', dst: rf(2), srcs: [] },
  ];
  for (let i = 0; i < 6; i++) ops.push({ unit: 'add', op: 'add', dst: rf(10 + i), srcs: [rf(20 + i), rf(30 + i)] });
  ops.push({ unit: 'add', op: 'fadd', dst: rf(3), srcs: [rf(2), rf(2)] });
  const words = scheduleSegment(ops, 71);
  const wordOf = (m: MInstr) => words.findIndex((w) => w.ops.includes(m));
  t.true(wordOf(ops[1] as MInstr) >= wordOf(ops[7] as MInstr), 'the ldtmu goes with the last independent op, not right after the lookup');
  // No empty word was added for it: every word holds an op.
  t.true(words.every((w) => w.ops.length > 0));
  // With nothing else to do it is taken at once (no nops while waiting).
  const alone = scheduleSegment([ops[0] as MInstr, ops[1] as MInstr, ops[8] as MInstr], 71);
  t.is(alone.length, 3);
});

test('4.2 sinking: a pure op moves down to just before its first reader when no operand lives longer for it', (t) => {
  const p = vreg(1); // defined outside the segment (read again later): moving its reader lengthens nothing
  const early: MInstr = { unit: 'add', op: 'shr', dst: vreg(10), srcs: [p, { kind: 'imm', value: 8 }] };
  const others: MInstr[] = [];
  for (let i = 0; i < 5; i++) others.push({ unit: 'add', op: 'add', dst: vreg(20 + i), srcs: [vreg(30 + i), vreg(30 + i)] });
  const reader: MInstr = { unit: 'add', op: 'and', dst: vreg(11), srcs: [vreg(10), rf(5)] };
  const out = sinkToUses([early, ...others, reader]);
  t.deepEqual(out, [...others, early, reader]);
});

test('4.2 sinking: an op stays when moving it would lengthen an operand made in the segment, its reader is a TMU write or near', (t) => {
  const fill = (base: number): MInstr[] => Array.from({ length: 6 }, (_, i) => ({ unit: 'add', op: 'add', dst: vreg(base + i), srcs: [vreg(90), vreg(90)] }) as MInstr);
  const make: MInstr = { unit: 'add', op: 'add', dst: vreg(2), srcs: [vreg(1), vreg(1)] };
  const early: MInstr = { unit: 'add', op: 'shr', dst: vreg(10), srcs: [vreg(2), { kind: 'imm', value: 8 }] };
  const reader: MInstr = { unit: 'add', op: 'and', dst: vreg(11), srcs: [vreg(10), rf(5)] };
  // vreg 2 is read only by `early`: moving `early` down would keep vreg 2 alive across the fillers.
  const ops = [make, early, ...fill(20), reader];
  t.deepEqual(sinkToUses(ops), ops);
  // An address computed for a lookup stays where the order put it.
  const addr: MInstr = { unit: 'add', op: 'add', dst: vreg(12), srcs: [vreg(1), rf(3)] };
  const issue: MInstr = { unit: 'add', op: 'mov', dst: magic(MAGIC.TMUA), srcs: [vreg(12)], tmu: 'load' };
  const ops2 = [addr, ...fill(30), issue];
  t.deepEqual(sinkToUses(ops2), ops2);
  // Nor does a value move past a redefinition of its source (a select's second write).
  const first: MInstr = { unit: 'add', op: 'shr', dst: vreg(13), srcs: [vreg(40), { kind: 'imm', value: 8 }] };
  const redefine: MInstr = { unit: 'add', op: 'mov', dst: vreg(40), srcs: [vreg(41)], cond: 'ifa' };
  const use40: MInstr = { unit: 'add', op: 'add', dst: vreg(14), srcs: [vreg(13), vreg(40)] };
  const ops3 = [first, ...fill(50), redefine, use40];
  t.deepEqual(sinkToUses(ops3), ops3);
  // A reader four ops on is near enough: the op stays.
  const near: MInstr = { unit: 'add', op: 'shr', dst: vreg(15), srcs: [vreg(1), { kind: 'imm', value: 8 }] };
  const use15: MInstr = { unit: 'add', op: 'and', dst: vreg(16), srcs: [vreg(15), rf(5)] };
  const ops4 = [near, ...fill(60).slice(0, 3), use15];
  t.deepEqual(sinkToUses(ops4), ops4);
});

test('a lookup that finds the output FIFO full ranks the lookup whose data it waits for above work before it', (t) => {
  // As a tile loop: MAX_PENDING_LOADS lookups of the next tile (results used only after the segment), then a chain
  // of arithmetic that feeds one more lookup (the tile's published count). That lookup can issue only once the
  // first one's data are back; issued after the chain, the first lookup would make it wait a whole round trip.
  const ops: MInstr[] = [];
  const ahead: MInstr[] = [];
  for (let i = 0; i < MAX_PENDING_LOADS; i++) {
    const issue = issueOf(100 + i);
    ahead.push(issue);
    ops.push(issue, collectInto(200 + i));
  }
  const chain: MInstr[] = [];
  for (let i = 0; i < 30; i++) chain.push({ unit: 'add', op: 'add', dst: vreg(301 + i), srcs: [vreg(300 + i), vreg(300 + i)] });
  ops.push(...chain);
  const last = issueOf(330);
  ops.push(last, collectInto(400));
  const order = orderSegment(ops);
  t.is(order.length, ops.length);
  t.true(order.indexOf(ahead[0] as MInstr) < order.indexOf(chain[0] as MInstr), 'the first lookup goes before the chain');
  t.true(order.indexOf(last) > order.indexOf(chain[29] as MInstr));
  // Lookups keep their order, and never more than the FIFO's words are in flight.
  const issues = order.filter((m) => m.tmu === 'load');
  t.deepEqual(issues, [...ahead, last]);
  let pending = 0;
  for (const m of order) {
    if (m.tmu === 'load') pending++;
    if (m.op === 'ldtmu') pending--;
    t.true(pending <= MAX_PENDING_LOADS);
  }
});
