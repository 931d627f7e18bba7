import { readFileSync } from 'node:fs';
import path from 'node:path';
import { renderWiringDoc } from '../../../tools/local/diagramCli';
import { REPO_ROOT } from './helpers';

describe('docs/wiring.md', () => {
  it('is what `npm run diagram` makes of the current Terraform (run it after changing a stack)', async () => {
    const current = readFileSync(path.join(REPO_ROOT, 'docs', 'wiring.md'), 'utf8');
    expect(await renderWiringDoc(REPO_ROOT)).toBe(current);
  }, 60_000);

  it('draws every function, queue, topic, state machine, rule, the pipe and the Kafka topics', async () => {
    const doc = await renderWiringDoc(REPO_ROOT);
    for (const text of ['λ checkEligibility', 'λ sendData', 'save-entries-dlq', 'data-sns (SNS)', 'selection-step-fn (STANDARD)', 'notification-schedule (rule)', 'dmnd-table-pipe (pipe)', 'Kafka prd2011.dmnd.registrations']) {
      expect(doc).toContain(text);
    }
  }, 60_000);
});
