// The s3 suite's report: targets are judged on the median of the rounds' paired ratios, the requests table shows
// only the kinds of request that occurred, and a run without counting proxies says so instead.

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderS3Report, type S3RunInfo, type S3StepMeasurement } from './s3-report.ts';

function step(runsMs: number[], rssMiB: number, byKind: Record<string, number>): S3StepMeasurement {
  const ms = [...runsMs].sort((a, b) => a - b)[runsMs.length >> 1]!;
  const requests = Object.values(byKind).reduce((a, b) => a + b, 0);
  return {
    ms,
    runsMs,
    rssBytes: rssMiB * 2 ** 20,
    cpuSeconds: 1,
    otherCpuSeconds: 2,
    gatewayCpuSeconds: 0.5,
    proxyCpuSeconds: 0.25,
    traffic: { requests, sentBytes: 1e6, receivedBytes: 2e6, byKind },
  };
}

function run(counting = true): S3RunInfo {
  const results: S3RunInfo['results'] = {
    stepvault: {
      steps: {
        initial: step([1000, 1100, 900], 200, { PUT: 10, LIST: 2 }),
        unchanged: step([500, 500, 500], 150, { GET: 3 }),
        restore: step([1000, 1000, 1000], 300, { GET: 7 }),
        verify: step([800, 800, 800], 180, { GET: 7 }),
      },
      repoBytes: 9e7,
      repoObjects: 14,
    },
    restic: {
      steps: {
        initial: step([1600, 1400, 1500], 130, { PUT: 9, HEAD: 1 }),
        unchanged: step([400, 600, 500], 70, { GET: 3 }),
        restore: step([1300, 1300, 1300], 110, { GET: 9 }),
        verify: { error: '`restic check` exited with 1' },
      },
      repoBytes: 9e7,
      repoObjects: 12,
    },
  };
  // the counting round: stepvault's initial backup took 1.1 s through its proxy
  const initial = {
    ...(results.stepvault!.steps.initial as S3StepMeasurement),
    ms: 1100,
    proxyCpuSeconds: 0.4,
  };
  const counted = { ...results, stepvault: { steps: { ...results.stepvault!.steps, initial } } };
  return {
    tools: ['stepvault', 'restic'],
    rounds: 3,
    results,
    ...(counting ? { counted } : {}),
    versions: { stepvault: 'stepvault x', restic: 'restic y' },
    machine: { cpu: 'cpu', cores: 2, memory: '24 GiB', kernel: 'k', os: 'os', fileSystem: 'ext4' },
    gateway: {
      version: 'ceph version 16',
      memstoreBytes: 2 ** 30,
      peakOsdBytes: 2 ** 29,
      peakRgwBytes: 2 ** 27,
    },
    dataset: { files: 10, directories: 2, bytes: 2e8, composition: 'c', generation: 'cached' },
    cachesDropped: true,
    scale: 0.1,
    date: 'now',
    totalMs: 60_000,
    load: [1, 1],
  };
}

describe('s3 report', () => {
  it("judges the targets on the median of the rounds' ratios and names the step of the peak RSS", () => {
    const text = renderS3Report(run());
    // rounds' ratios 1.6, 1.27, 1.67 (median 1.6); 0.8, 1.2, 1.0 (median 1.0); 1.3
    assert.match(text, /initial backup at least 1\.5x restic's throughput: ✓ 1\.60x/);
    assert.match(text, /no-change backup no slower than restic \(≥ 1\.0x\): ✓ 1\.00x/);
    assert.match(text, /full restore at least 1\.2x restic: ✓ 1\.30x/);
    assert.match(text, /peak RSS under 256 MiB: ✗ 300 MiB \(restore\)/);
    assert.match(text, /\*\*restic verify failed\*\*/);
  });

  it('shows the kinds of request that occurred, in order, and what each tool sent and received', () => {
    const text = renderS3Report(run());
    assert.match(text, /\| step \| tool \| requests \| PUT \| GET \| LIST \| HEAD \| sent \| received \|/);
    assert.match(text, /\| initial backup \| stepvault \| 12 \| 10 \| 0 \| 2 \| 0 \| 1\.0 MB \| 2\.0 MB \|/);
    assert.match(text, /\| initial backup \| stepvault \| 1\.00 s \| 1\.10 s \| 10% \| 0\.4 s \|/);
  });

  it('says when nothing was counted', () => {
    const text = renderS3Report(run(false));
    assert.doesNotMatch(text, /### Requests and bytes/);
    assert.match(text, /nothing was counted/);
  });
});
