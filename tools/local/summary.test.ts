import { STAGE_LEGEND, stageTable, summaryText } from './main';
import type { ScenarioResult } from './scenario';

const result: ScenarioResult = {
  ok: false,
  campaignId: 'c0ffee',
  stages: [
    {
      stage: 'saveEntries',
      trigger: 'save-entries (SQS)',
      in: 120,
      processed: 118,
      rejected: 1,
      failed: 3,
      deadLettered: 1,
      timeMs: 4200,
    },
  ],
  invariants: [
    { name: 'every entry replicated once', ok: true, detail: '118/118' },
    { name: 'no dead-lettered message', ok: false, detail: 'save-entries-dlq: 1' },
  ],
  phases: [
    { name: 'registration', ms: 12_300 },
    { name: 'selection', ms: 5_000 },
  ],
  traces: {},
};

describe('the scenario summary', () => {
  const text = summaryText(result, { startupMs: 20_000, totalMs: 61_500 });
  const lines = text.split('\n');

  it('explains every column of the stage table under it, in the table order', () => {
    const header = stageTable(result.stages)
      .split('\n')[0]
      .split(/\s{2,}/)
      .slice(2);
    expect(STAGE_LEGEND.map(([column]) => column)).toEqual(header);
    const tableEnd = lines.findIndex((l) => l.startsWith('saveEntries'));
    const legend = lines.slice(tableEnd + 2, tableEnd + 2 + STAGE_LEGEND.length);
    expect(legend.map((l) => l.trim().split(/\s{2,}/)[0])).toEqual(header);
    expect(legend.find((l) => l.trim().startsWith('failed'))).toMatch(/failed and were retried/);
  });

  it('says the total duration, split into start-up and scenario', () => {
    expect(lines).toContain('Total: 61.5 s (start-up 20.0 s, scenario 41.5 s)');
    expect(lines.findIndex((l) => l.startsWith('Total:'))).toBeGreaterThan(
      lines.findIndex((l) => l.startsWith('selection')),
    );
  });

  it('lists the invariants and says whether all hold', () => {
    expect(lines).toContain('  ✓ every entry replicated once: 118/118');
    expect(lines).toContain('  ✗ no dead-lettered message: save-entries-dlq: 1');
    expect(text.endsWith('Some invariants do not hold (✗ above).')).toBe(true);
    expect(summaryText({ ...result, ok: true }, { startupMs: 1, totalMs: 2 }).endsWith('All invariants hold.')).toBe(
      true,
    );
  });
});
