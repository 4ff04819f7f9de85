import type { Scope } from '@baton/dsl';
import type { RunState } from './run-state';

/**
 * What a run's expressions can see (DESIGN.md §3): its input, the output of every completed
 * step and the run's identity. Secrets are deliberately absent: anything evaluated here may
 * end up in run state, which must never hold one.
 */
export function scopeOf(state: RunState): Scope {
  return {
    input: state.input,
    steps: completedStepOutputs(state),
    run: { id: state.id, workflow: state.workflow, version: state.version, startedAt: state.startedAt },
  };
}

/** Outputs of completed steps, and the error of failed ones (what a catch handler works from). */
function completedStepOutputs(state: RunState): Record<string, { output?: unknown; error?: unknown }> {
  const entries = Object.values(state.steps).flatMap((step): [string, { output?: unknown; error?: unknown }][] => {
    if (step.status === 'completed') return [[step.id, { output: step.output }]];
    if (step.status === 'failed' && step.error) return [[step.id, { error: step.error }]];
    return [];
  });
  return Object.fromEntries(entries);
}
