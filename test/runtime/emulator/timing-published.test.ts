/**
 * The timing models against published measurements (py-videocore6/7 and
 * py-videocore READMEs), with programs of the published programs' structure
 * (bench/programs, bench/vc4-sgemm.ts) at smaller sizes.
 * Expected figures are the published ones, never the model's constants; the
 * tolerance is the ±15 % the timing bench promises. `npm run bench -- timing`
 * runs the full sizes and says which rows were fitted.
 */
import test from 'ava';
import { runMemset, runMemsetScalar, runScopy, runScopyScalar, runSummation, runSummationScalar } from '../../../bench/programs/bandwidth.ts';
import { runPv6Sgemm } from '../../../bench/programs/sgemm-pv6.ts';
import { runPv7Sgemm } from '../../../bench/programs/sgemm-pv7.ts';
import { sgemmModel } from '../../../bench/vc4-sgemm.ts';

function near(t: import('ava').ExecutionContext, got: number, published: number, what: string): void {
  const d = (got - published) / published;
  t.true(Math.abs(d) <= 0.15, `${what}: model ${got.toFixed(2)}, published ${published} (${(d * 100).toFixed(1)} %)`);
}

test('vc6: pv6 summation 7241, memset 3751, scopy 2424 MB/s (Pi 4)', (t) => {
  near(t, runSummation(1 << 18).mbps, 7241, 'summation');
  near(t, runMemset(1 << 18).mbps, 3751, 'memset');
  near(t, runScopy(42, 8, 1 << 17).mbps, 2424, 'scopy');
});

test('vc6: pv6 before PR #53 (scalar lookups): summation 7010, memset 3739, scopy 2386 MB/s (Pi 4)', (t) => {
  near(t, runSummationScalar(1 << 18).mbps, 7010, 'scalar summation');
  near(t, runMemsetScalar(1 << 18).mbps, 3739, 'scalar memset');
  near(t, runScopyScalar(1 << 17).mbps, 2386, 'scalar scopy');
});

test('vc6: pv6 sgemm 3.878 GFLOP/s (Pi 4)', (t) => {
  const r = runPv6Sgemm(32, 512, 64, { hazards: 'off' });
  near(t, r.flops / r.result.profile.seconds / 1e9, 3.878, 'sgemm');
});

test('vc7: pv7 scopy 1689 MB/s on 1 QPU, 4142 MB/s on 12 (Pi 5)', (t) => {
  near(t, runScopy(71, 1, 1 << 16).mbps, 1689, 'scopy 1 QPU');
  near(t, runScopy(71, 12, 1 << 17).mbps, 4142, 'scopy 12 QPUs');
});

test('vc7: pv7 sgemm 21.38 GFLOP/s (Pi 5)', (t) => {
  const r = runPv7Sgemm(96, 256, 256, { hazards: 'off' });
  near(t, r.flops / r.result.profile.seconds / 1e9, 21.38, 'sgemm');
});

test('vc4: py-videocore sgemm 8 GFLOP/s (Pi 3)', (t) => {
  near(t, sgemmModel().gflops, 8, 'sgemm');
});
