import { CliError } from '../build/toolCli';
import { NOT_REHEARSED, REHEARSALS, selectRehearsals } from './rehearse';

describe('selectRehearsals', () => {
  it('takes all, one name or a comma-separated list', () => {
    expect(selectRehearsals('all')).toBe(REHEARSALS);
    expect(selectRehearsals('dlq-messages').map((r) => r.name)).toEqual(['dlq-messages']);
    expect(selectRehearsals('state-machine-failed,dlq-messages').map((r) => r.name)).toEqual([
      'state-machine-failed',
      'dlq-messages',
    ]);
  });

  it('refuses an unknown name with exit status 2, listing the rehearsals', () => {
    expect(() => selectRehearsals('dlq')).toThrow(CliError);
    const thrown = (() => {
      try {
        selectRehearsals('dlq-messages,nope');
        return undefined;
      } catch (error) {
        return error as CliError;
      }
    })();
    expect(thrown).toMatchObject({
      exitCode: 2,
      message: `no rehearsal "nope"; rehearsals: ${REHEARSALS.map((r) => r.name).join(', ')}, or all`,
    });
  });

  it('says why a runbook that cannot be rehearsed here is not', () => {
    const costs = NOT_REHEARSED.find((n) => n.runbook === 'cost-spikes')!;
    expect(() => selectRehearsals('cost-spikes')).toThrow(`cost-spikes cannot be rehearsed locally: ${costs.why}`);
  });

  it('covers each failure mode of DOMAIN 9.2 once, rehearsed or not', () => {
    expect([...REHEARSALS.map((r) => r.mode), ...NOT_REHEARSED.map((n) => n.mode)].sort()).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8,
    ]);
  });
});
