import { readFileSync } from 'node:fs';
import path from 'node:path';
import { README_BEGIN, README_END, renderWiring, withReadmeDiagram } from '../../../tools/local/diagramCli';
import { REPO_ROOT } from './helpers';

describe('the wiring diagram', () => {
  let rendered: Awaited<ReturnType<typeof renderWiring>>;
  beforeAll(async () => {
    rendered = await renderWiring(REPO_ROOT);
  }, 60_000);

  it('docs/wiring.md is what `npm run diagram` makes of the current Terraform (run it after changing a stack)', () => {
    expect(rendered.doc).toBe(readFileSync(path.join(REPO_ROOT, 'docs', 'wiring.md'), 'utf8'));
  });

  it('README.md embeds the same diagram and function table between its wiring markers (run `npm run diagram` after changing a stack)', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme.slice(readme.indexOf(README_BEGIN) + README_BEGIN.length, readme.indexOf(README_END))).toBe(`\n${rendered.readme}\n`);
    expect(rendered.doc).toContain(rendered.diagram);
    expect(rendered.readme).toContain('| checkEligibility | `prd2011-local-us-east-1-eligibility` | direct invocation |');
    expect(rendered.readme).toContain('| sendData | `prd2011-local-us-east-1-send-data` | 5 queues |');
    expect(rendered.doc).toContain(rendered.readme.slice(rendered.diagram.length).trim());
  });

  it('draws every function, queue, topic, state machine, rule, the pipe and the Kafka topics', () => {
    for (const text of ['λ checkEligibility', 'λ sendData', 'save-entries-dlq', 'data-sns (SNS)', 'selection-step-fn (STANDARD)', 'notification-schedule (rule)', 'dmnd-table-pipe (pipe)', 'Kafka prd2011.dmnd.registrations']) {
      expect(rendered.diagram).toContain(text);
    }
  });

  it('refuses a README without the markers instead of losing the diagram', () => {
    expect(() => withReadmeDiagram('# no markers\n', '```mermaid\n```')).toThrow(/no wiring markers/);
    expect(withReadmeDiagram(`a\n${README_BEGIN}\nold\n${README_END}\nb`, 'NEW')).toBe(`a\n${README_BEGIN}\nNEW\n${README_END}\nb`);
  });
});
