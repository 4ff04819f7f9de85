import type { ParallelStepDefinition } from '@baton/dsl';
import type { StepStart, StepType } from './step-type';

/** Starts every branch at once; the step completes when all of them have. */
export class ParallelStepType implements StepType<ParallelStepDefinition> {
  async start(step: ParallelStepDefinition): Promise<StepStart> {
    return { kind: 'route', branches: step.branches.map((_, index) => index) };
  }
}
