import type { MachineInfo, ModuleReport } from './report';
import {
  markdown,
  mergeReports,
  parsePreviousReports,
  planReport,
  reportJson,
  rowProblems,
  summaryTable,
} from './report';
import type { BenchRow } from './types';

const EARLIER = '2026-11-25T04:52:21.960Z';
const NOW = '2026-12-08T10:00:00.000Z';
const INFO: MachineInfo = {
  date: NOW,
  node: 'v22.23.3',
  platform: 'Linux 6.18 x64',
  cpus: '2 × AMD EPYC',
  memoryGiB: 23.5,
};

const coldLoad: BenchRow = {
  name: 'checkEligibility: cold load',
  value: 54,
  unit: 'ms',
  baseline: { name: 'unsplit bundle', value: 200 },
  summary: { atMost: 0.3 },
};
const bundleSize: BenchRow = {
  name: 'checkEligibility: bundle size',
  value: 700,
  unit: 'KiB',
  baseline: { name: 'unsplit bundle', value: 1000 },
  summary: { atMost: 0.5 },
};
const throughput: BenchRow = {
  name: 'sendData, batch of 10',
  value: 3979,
  unit: 'records/s',
  baseline: { name: 'one Kafka send per record', value: 2493 },
  summary: { atLeast: 0.8 },
};
const plain: BenchRow = { name: 'processData, messages', value: 812.5, unit: 'messages/s' };

const ok = (module: string, rows: BenchRow[], ranAt = NOW): ModuleReport => ({ module, seconds: 7.6, rows, ranAt });
const failed = (module: string, error: string): ModuleReport => ({ module, seconds: 1.2, rows: [], error, ranAt: NOW });

describe('parsePreviousReports', () => {
  it('reads a report written before summary and lastFailure existed, dating modules by the machine line', () => {
    const old = JSON.stringify({
      machine: { date: EARLIER },
      reports: [{ module: 'dataPipeline', seconds: 7.6, rows: [plain] }],
    });
    expect(parsePreviousReports(old)).toEqual([
      { module: 'dataPipeline', seconds: 7.6, rows: [plain], ranAt: EARLIER },
    ]);
  });

  it('gives nothing for a missing or unreadable file', () => {
    expect(parsePreviousReports(undefined)).toEqual([]);
    expect(parsePreviousReports('{not json')).toEqual([]);
    expect(parsePreviousReports('{"machine":{}}')).toEqual([]);
  });

  it('reads back what reportJson writes, summary and lastFailure included', () => {
    const reports = mergeReports([ok('build', [coldLoad], EARLIER)], [failed('build', 'boom')]);
    expect(parsePreviousReports(reportJson(INFO, reports))).toEqual(reports);
  });
});

describe('rowProblems', () => {
  it('accepts rows without summary and summary rows with a baseline and one target', () => {
    expect(rowProblems([plain, coldLoad, throughput])).toEqual([]);
  });

  it('reports a summary row without a baseline as a bug in the module', () => {
    const [problem] = rowProblems([{ ...plain, summary: { atLeast: 1 } }]);
    expect(problem).toContain('row "processData, messages" has a summary but no baseline');
  });

  it('reports a summary with no target, two targets, or a zero baseline', () => {
    expect(rowProblems([{ ...coldLoad, summary: {} }])).toEqual([
      expect.stringContaining('exactly one of atMost or atLeast'),
    ]);
    expect(rowProblems([{ ...coldLoad, summary: { atMost: 1, atLeast: 0.5 } }])).toHaveLength(1);
    expect(rowProblems([{ ...coldLoad, baseline: { name: 'empty', value: 0 } }])).toEqual([
      expect.stringContaining('baseline value is 0'),
    ]);
  });
});

describe('summaryTable', () => {
  it('has one line per summary row across modules, in module order: ratio, target, met', () => {
    const lines = summaryTable([ok('build', [coldLoad, plain, bundleSize]), ok('dataPipeline', [throughput])]);
    expect(lines.slice(4)).toEqual([
      '| Measure | Value | Same-run baseline | Ratio | Target | Met |',
      '|---|---|---|---|---|---|',
      '| build: checkEligibility: cold load | 54 ms | unsplit bundle: 200 ms | 0.27 | ≤ 0.30 | yes |',
      '| build: checkEligibility: bundle size | 700 KiB | unsplit bundle: 1000 KiB | 0.70 | ≤ 0.50 | **no** |',
      '| dataPipeline: sendData, batch of 10 | 3979 records/s | one Kafka send per record: 2493 records/s | 1.60 | ≥ 0.80 | yes |',
      '',
    ]);
    expect(lines.slice(0, 3).join('\n')).toContain('absolute values move 2–6x');
  });

  it('judges the ratio as shown (2 decimals)', () => {
    const [line] = summaryTable([ok('build', [{ ...coldLoad, value: 60.8 }])]).slice(6);
    expect(line).toContain('| 0.30 | ≤ 0.30 | yes |');
  });

  it('is left out when no row has a summary', () => {
    expect(summaryTable([ok('dataPipeline', [plain])])).toEqual([]);
  });
});

describe('markdown', () => {
  it('opens with the summary table, before the per-module sections', () => {
    const md = markdown(INFO, [ok('build', [coldLoad]), ok('dataPipeline', [throughput])]);
    const summary = md.indexOf('## Summary');
    expect(summary).toBeGreaterThan(md.indexOf(`Run ${NOW}`));
    expect(summary).toBeLessThan(md.indexOf('## build'));
    expect(md.indexOf('## build')).toBeLessThan(md.indexOf('## dataPipeline'));
  });

  it('renders an old report (no summary anywhere) as before: machine line, then the modules', () => {
    expect(markdown(INFO, [ok('dataPipeline', [plain], EARLIER)])).toBe(
      [
        '# Benchmarks',
        '',
        `Run ${NOW} on 2 × AMD EPYC, 23.5 GiB, Linux 6.18 x64, Node v22.23.3.`,
        'Figures come from one run against the local components (DynamoDB Local, fauxqs, redis-server, the librdkafka mock',
        'broker, the in-process Mongo server and HTTP fakes); they compare designs on this machine, not AWS latencies.',
        '',
        `## dataPipeline (7.6 s, run ${EARLIER})`,
        '',
        '| Measure | Value | Target | Baseline | Notes |',
        '|---|---|---|---|---|',
        '| processData, messages | 812.5 messages/s |  |  |  |',
        '',
      ].join('\n'),
    );
  });
});

describe('merging and the write decision', () => {
  const previous = [ok('build', [coldLoad], EARLIER), ok('dataPipeline', [throughput], EARLIER)];

  it('a failed module keeps its previous result, with the failure noted in the markdown', () => {
    const { write, reports, exitCode } = planReport(previous, [
      ok('build', [{ ...coldLoad, value: 50 }]),
      failed('dataPipeline', 'KAFKA_BROKERS unreachable\n    at connect'),
    ]);
    expect(write).toBe(true);
    expect(exitCode).toBe(1);
    expect(reports).toEqual([
      ok('build', [{ ...coldLoad, value: 50 }]),
      { ...previous[1], lastFailure: { ranAt: NOW, error: 'KAFKA_BROKERS unreachable\n    at connect' } },
    ]);
    const md = markdown(INFO, reports);
    const section = md.slice(md.indexOf('## dataPipeline'));
    expect(section).toContain(
      `Last run ${NOW} failed: KAFKA_BROKERS unreachable at connect; the figures below are from ${EARLIER}.`,
    );
    expect(section).toContain('| sendData, batch of 10 | 3979 records/s |');
    expect(md).toContain(`| dataPipeline: sendData, batch of 10 (from ${EARLIER}; last run failed) |`);
  });

  it('a failed module that never succeeded is reported as an error', () => {
    const { reports } = planReport(previous, [ok('build', [coldLoad]), failed('selection', 'boom')]);
    expect(reports.map((r) => r.module)).toEqual(['build', 'dataPipeline', 'selection']);
    expect(reports[2]).toEqual(failed('selection', 'boom'));
    expect(markdown(INFO, reports)).toContain('**Error:** boom');
  });

  it('a module that succeeds again drops its noted failure; modules not run keep theirs', () => {
    const afterFailure = mergeReports(previous, [failed('build', 'boom')]);
    expect(afterFailure[0].lastFailure?.error).toBe('boom');
    expect(mergeReports(afterFailure, [ok('dataPipeline', [throughput])])[0]).toEqual(afterFailure[0]);
    expect(mergeReports(afterFailure, [ok('build', [coldLoad])])[0]).toEqual(ok('build', [coldLoad]));
  });

  it('nothing measured (every module failed) is not written, exit code 1', () => {
    expect(planReport(previous, [failed('build', 'a'), failed('dataPipeline', 'b')])).toMatchObject({
      write: false,
      exitCode: 1,
    });
    expect(planReport(previous, [ok('build', [])])).toMatchObject({ write: false, exitCode: 1 });
  });

  it('every module measured: written, exit code 0', () => {
    expect(planReport(previous, [ok('build', [coldLoad])])).toMatchObject({ write: true, exitCode: 0 });
  });
});
