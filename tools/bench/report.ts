/**
 * The benchmark report, as pure functions: merging this run's module results into the previous
 * docs/benchmarks.json, deciding whether to write at all, checking the rows a module returned,
 * and rendering docs/benchmarks.md (machine line, summary table, one section per module).
 *
 * Merge rules: a module that ran replaces its previous result; a module not run keeps its
 * previous one; a module that failed keeps its previous successful result, with the failure
 * noted (`lastFailure`), or is reported as an error when it never succeeded. A run in which no
 * module produced rows is not written at all.
 */
import type { BenchRow } from './types';

export interface MachineInfo {
  date: string;
  node: string;
  platform: string;
  cpus: string;
  memoryGiB: number;
}

export interface ModuleReport {
  module: string;
  seconds: number;
  rows: BenchRow[];
  /** Set when this result is a failure (no earlier success to keep). */
  error?: string;
  /** When this module last ran (a partial run keeps the other modules' earlier results). */
  ranAt?: string;
  /** The module's latest run failed; `rows`, `seconds` and `ranAt` are from its last success. */
  lastFailure?: { ranAt: string; error: string };
}

export interface ReportFile {
  machine: MachineInfo;
  reports: ModuleReport[];
}

/** The modules' results from an earlier docs/benchmarks.json (any earlier shape); [] when unreadable. */
export function parsePreviousReports(json: string | undefined): ModuleReport[] {
  if (json === undefined) {
    return [];
  }
  try {
    const previous = JSON.parse(json) as { machine?: { date?: string }; reports?: ModuleReport[] };
    return (Array.isArray(previous.reports) ? previous.reports : [])
      .filter((r) => r && typeof r.module === 'string')
      .map((r) => ({ ...r, rows: r.rows ?? [], ranAt: r.ranAt ?? previous.machine?.date }));
  } catch {
    return [];
  }
}

/** Problems with the rows a module returned (programming errors in the module); [] when fine. */
export function rowProblems(rows: BenchRow[]): string[] {
  const problems: string[] = [];
  for (const row of rows) {
    if (!row.summary) {
      continue;
    }
    const { atMost, atLeast } = row.summary;
    if (!row.baseline) {
      problems.push(
        `row "${row.name}" has a summary but no baseline: the summary's ratio is value / baseline.value, with the baseline measured in the same run`,
      );
    } else if (!(row.baseline.value > 0) || !Number.isFinite(row.baseline.value)) {
      problems.push(`row "${row.name}" has a summary but its baseline value is ${row.baseline.value}, not > 0`);
    }
    if ((atMost === undefined) === (atLeast === undefined)) {
      problems.push(`row "${row.name}": summary needs exactly one of atMost or atLeast`);
    }
  }
  return problems;
}

/**
 * This run's results merged into the previous ones (sorted by module), and whether to write them:
 * not when no module of this run produced rows. Exit code 1 when a module of this run failed or
 * nothing was measured.
 */
export function planReport(
  previous: ModuleReport[],
  current: ModuleReport[],
): { write: boolean; reports: ModuleReport[]; exitCode: 0 | 1 } {
  const measured = current.some((r) => !r.error && r.rows.length > 0);
  const exitCode = measured && !current.some((r) => r.error) ? 0 : 1;
  return { write: measured, reports: mergeReports(previous, current), exitCode };
}

export function mergeReports(previous: ModuleReport[], current: ModuleReport[]): ModuleReport[] {
  const before = new Map(previous.map((r) => [r.module, r]));
  const ran = new Set(current.map((r) => r.module));
  const updated = current.map((r): ModuleReport => {
    const earlier = before.get(r.module);
    if (!r.error || !earlier || earlier.error || earlier.rows.length === 0) {
      return r;
    }
    return { ...earlier, lastFailure: { ranAt: r.ranAt ?? '', error: r.error } };
  });
  return [...previous.filter((r) => !ran.has(r.module)), ...updated].sort((a, b) => a.module.localeCompare(b.module));
}

export const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(n < 10 ? 2 : 1));

/** One line of text for a markdown paragraph or table cell. */
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

/** The summary table's lines (empty when no row has `summary`). Rows a module kept from an earlier run say so. */
export function summaryTable(reports: ModuleReport[]): string[] {
  const lines: string[] = [];
  for (const r of reports) {
    for (const row of r.rows) {
      if (!row.summary || !row.baseline || !(row.baseline.value > 0)) {
        continue;
      }
      const ratio = Number((row.value / row.baseline.value).toFixed(2));
      const { atMost, atLeast } = row.summary;
      const met = (atMost === undefined || ratio <= atMost) && (atLeast === undefined || ratio >= atLeast);
      const target = [
        atMost === undefined ? '' : `≤ ${atMost.toFixed(2)}`,
        atLeast === undefined ? '' : `≥ ${atLeast.toFixed(2)}`,
      ]
        .filter(Boolean)
        .join(', ');
      const stale = r.lastFailure ? ` (from ${r.ranAt ?? 'an earlier run'}; last run failed)` : '';
      lines.push(
        `| ${r.module}: ${row.name}${stale} | ${fmt(row.value)} ${row.unit} | ${row.baseline.name}: ${fmt(row.baseline.value)} ${row.unit} | ${ratio.toFixed(2)} | ${target} | ${met ? 'yes' : '**no**'} |`,
      );
    }
  }
  if (lines.length === 0) {
    return [];
  }
  return [
    '## Summary',
    '',
    'Ratios to a baseline measured in the same run are what to compare across runs: absolute values move 2–6x between runs on a shared machine.',
    '',
    '| Measure | Value | Same-run baseline | Ratio | Target | Met |',
    '|---|---|---|---|---|---|',
    ...lines,
    '',
  ];
}

export function markdown(info: MachineInfo, reports: ModuleReport[]): string {
  const lines = [
    '# Benchmarks',
    '',
    `Run ${info.date} on ${info.cpus}, ${info.memoryGiB} GiB, ${info.platform}, Node ${info.node}.`,
    'Figures come from one run against the local components (DynamoDB Local, fauxqs, redis-server, the librdkafka mock',
    'broker, the in-process Mongo server and HTTP fakes); they compare designs on this machine, not AWS latencies.',
    '',
    ...summaryTable(reports),
  ];
  for (const r of reports) {
    lines.push(`## ${r.module} (${r.seconds.toFixed(1)} s${r.ranAt ? `, run ${r.ranAt}` : ''})`, '');
    if (r.error) {
      lines.push(`**Error:** ${oneLine(r.error)}`, '');
      continue;
    }
    if (r.lastFailure) {
      lines.push(
        `Last run ${r.lastFailure.ranAt} failed: ${oneLine(r.lastFailure.error)}; the figures below are from ${r.ranAt ?? 'an earlier run'}.`,
        '',
      );
    }
    lines.push('| Measure | Value | Target | Baseline | Notes |', '|---|---|---|---|---|');
    for (const row of r.rows) {
      const baseline = row.baseline ? `${row.baseline.name}: ${fmt(row.baseline.value)} ${row.unit}` : '';
      lines.push(
        `| ${row.name} | ${fmt(row.value)} ${row.unit} | ${row.target ?? ''} | ${baseline} | ${row.notes ?? ''} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** docs/benchmarks.json's text (same shape as before `summary` and `lastFailure` existed, plus those fields). */
export const reportJson = (info: MachineInfo, reports: ModuleReport[]): string =>
  JSON.stringify({ machine: info, reports } satisfies ReportFile, null, 2);
