import type { RunView, StepView } from '@baton/sdk';
import { describe, expect, it } from 'vitest';
import { RunProgress, stepState } from './progress';

const at = (ms: number) => new Date(Date.UTC(2026, 10, 24, 12, 0, 0, ms)).toISOString();

function run(steps: Partial<StepView>[], extra: Partial<RunView> = {}): RunView {
  return {
    id: 'r-1',
    workflow: 'w',
    version: 1,
    status: 'running',
    input: {},
    trigger: { kind: 'api' },
    createdAt: at(0),
    steps: steps.map((step) => ({ id: 's', type: 'transform', status: 'pending', attempts: 0, ...step })),
    ...extra,
  } as RunView;
}

describe('stepState', () => {
  it('gives the attempt while a step runs, how long it took once ended, and the error of a failure', () => {
    const view = run([]);
    expect(stepState({ id: 'a', type: 'http', status: 'running', attempts: 2 }, view)).toBe('running (attempt 2)');
    expect(stepState({ id: 'a', type: 'http', status: 'completed', attempts: 1, startedAt: at(0), endedAt: at(210) }, view)).toBe(
      'completed 210 ms',
    );
    const error = { message: 'HTTP 500\nfrom the shop' };
    expect(stepState({ id: 'a', type: 'http', status: 'failed', attempts: 3, startedAt: at(0), endedAt: at(1500), error }, view)).toBe(
      'failed 1.5 s: HTTP 500 from the shop',
    );
    const compensation = { status: 'running' as const, attempts: 1 };
    expect(stepState({ id: 'a', type: 'http', status: 'completed', attempts: 1, compensation }, view)).toBe(
      'completed; compensation running',
    );
  });

  it('says what a waiting step waits for', () => {
    const view = run([], { waitingFor: [{ kind: 'approval', stepId: 'manager', signal: 'manager' }] });
    expect(stepState({ id: 'manager', type: 'approval', status: 'waiting', attempts: 1 }, view)).toBe(
      'waiting (for approval: baton runs signal r-1 manager --decision approved|rejected)',
    );
    expect(stepState({ id: 'other', type: 'delay', status: 'waiting', attempts: 1 }, view)).toBe('waiting');
  });
});

describe('RunProgress', () => {
  it('off a terminal, prints one line per step change, in order, and nothing for pending steps or repeats', () => {
    const written: string[] = [];
    const progress = new RunProgress((text) => written.push(text), false);
    progress.update(run([{ id: 'reserve', status: 'running', attempts: 1 }, { id: 'ship' }]));
    progress.update(run([{ id: 'reserve', status: 'running', attempts: 1 }, { id: 'ship' }]));
    progress.update(
      run([
        { id: 'reserve', status: 'completed', attempts: 1, startedAt: at(0), endedAt: at(250) },
        { id: 'ship', status: 'running', attempts: 1 },
      ]),
    );
    progress.update(
      run([
        { id: 'reserve', status: 'completed', attempts: 1, startedAt: at(0), endedAt: at(250) },
        { id: 'ship', status: 'completed', attempts: 1, startedAt: at(300), endedAt: at(310) },
      ]),
    );
    expect(written.join('').split('\n')).toEqual([
      '  reserve  running (attempt 1)',
      '  reserve  completed 250 ms',
      '  ship     running (attempt 1)',
      '  ship     completed 10 ms',
      '',
    ]);
  });

  it('on a terminal, redraws the shown steps in place, cut to its width', () => {
    const written: string[] = [];
    const progress = new RunProgress((text) => written.push(text), true, 24);
    progress.update(run([{ id: 'a', status: 'running', attempts: 1 }, { id: 'b' }]));
    progress.update(
      run([
        { id: 'a', status: 'completed', attempts: 1 },
        { id: 'b', status: 'running', attempts: 3 },
      ]),
    );
    progress.update(
      run([
        { id: 'a', status: 'completed', attempts: 1 },
        { id: 'b', status: 'running', attempts: 3 },
      ]),
    );
    expect(written).toEqual(['  a  running (attempt …\n', '\x1b[1A\r\x1b[J  a  completed\n  b  running (attempt …\n']);
  });
});
