import { Injectable } from '@nestjs/common';
import { RpcProblemError, type WorkflowInsightsView } from '@baton/contracts';
import { parseDuration } from '@baton/dsl';
import { Clock } from '@baton/runtime';
import { PinnedDefinitions } from '../definitions/pinned-definitions';
import { assembleInsights } from './insights-view';
import { InsightsRepository } from './insights.repository';

/** Percentiles are computed over at most this many of the latest samples per step (and of runs). */
export const SAMPLES_PER_STEP = 5_000;
/** Runs still going that the answer predicts, oldest first. */
const RUNNING_LISTED = 100;
const TOP_ERRORS = 3;

/** How a workflow's runs went over a window ending now, and where those still going will end. */
@Injectable()
export class InsightsService {
  constructor(
    private readonly repository: InsightsRepository,
    private readonly definitions: PinnedDefinitions,
    private readonly clock: Clock,
  ) {}

  async insights(workflow: string, window: string): Promise<WorkflowInsightsView> {
    const windowMs = parseDuration(window);
    if (windowMs === undefined) {
      const message = 'window must be a duration such as 30m, 24h or 7d';
      throw RpcProblemError.invalid(message, [{ path: 'window', message }]);
    }
    // The registry's latest version: a 404 problem for a workflow never registered.
    const latest = await this.definitions.resolve(workflow);
    const to = this.clock.now();
    const range = { from: new Date(to.getTime() - windowMs), to };
    const [counts, runDurations, stepSamples, stepAttempts, topErrors, active] = await Promise.all([
      this.repository.runCounts(workflow, range),
      this.repository.runDurations(workflow, range, SAMPLES_PER_STEP),
      this.repository.stepDurations(workflow, range, SAMPLES_PER_STEP),
      this.repository.stepAttempts(workflow, range),
      this.repository.topErrors(workflow, range, TOP_ERRORS),
      this.repository.activeRuns(workflow, RUNNING_LISTED),
    ]);
    const withDefinitions = await Promise.all(
      active.map(async (run) => ({ run, definition: (await this.definitions.get(run.workflow, run.version)).definition })),
    );
    return assembleInsights({
      workflow,
      window: range,
      latest: latest.definition,
      stepOrder: latest.graph.order,
      counts,
      runDurations,
      stepSamples,
      stepAttempts,
      topErrors,
      active: withDefinitions,
    });
  }
}
