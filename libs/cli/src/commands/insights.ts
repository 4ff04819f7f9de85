import type { WorkflowInsightsView } from '@baton/sdk';
import type { Command } from 'commander';
import { Context } from '../context';
import { leaf } from '../options';
import { formatDuration, renderFields, renderTable } from '../output';

const percent = (fraction: number) => `${(fraction * 100).toFixed(1).replace(/\.0$/, '')}%`;

/** `baton insights --output table`: counts and rates, then steps, hot spots and running runs. */
export function renderInsights(view: WorkflowInsightsView): string {
  const { runs, rates, duration } = view;
  const sections = [
    renderFields({
      workflow: view.workflow,
      window: `${view.window.from} .. ${view.window.to}`,
      runs: `${runs.started} started, ${runs.completed} completed, ${runs.failed} failed, ${runs.compensated} compensated, ${runs.cancelled} cancelled, ${runs.timedOut} timed out, ${runs.running} running`,
      rates: `completion ${percent(rates.completion)}, failure ${percent(rates.failure)}, compensation ${percent(rates.compensation)}`,
      duration:
        duration.count === 0
          ? 'no run ended'
          : `p50 ${formatDuration(duration.p50Ms)}, p95 ${formatDuration(duration.p95Ms)}, p99 ${formatDuration(duration.p99Ms)}, max ${formatDuration(duration.maxMs)} (${duration.count} runs)`,
      'critical path': view.criticalPath.steps.map((s) => s.stepId).join(' → ') || undefined,
      bottleneck: view.bottleneck ? `${view.bottleneck.stepId} (${percent(view.bottleneck.share)} of the critical path)` : undefined,
    }),
    '',
    renderTable(view.steps, [
      { header: 'STEP', value: (s) => s.stepId },
      { header: 'TYPE', value: (s) => s.type },
      { header: 'COUNT', value: (s) => s.count },
      { header: 'P50', value: (s) => formatDuration(s.p50Ms) },
      { header: 'P95', value: (s) => formatDuration(s.p95Ms) },
      { header: 'MEAN', value: (s) => formatDuration(s.meanMs) },
      { header: 'ATTEMPTS', value: (s) => s.attempts },
      { header: 'FAILURES', value: (s) => s.failures },
    ]),
  ];
  if (view.hotSpots.length > 0) {
    sections.push('', 'hot spots:');
    for (const spot of view.hotSpots) {
      sections.push(`  ${spot.stepId}: ${spot.failures} failures (${percent(spot.failureRate)})`);
      for (const error of spot.topErrors) sections.push(`    ${error.count}× ${error.message}`);
    }
  }
  if (view.running.length > 0) {
    sections.push(
      '',
      renderTable(view.running, [
        { header: 'RUNNING', value: (r) => r.runId },
        { header: 'PREDICTED END', value: (r) => r.predictedEndAt },
        { header: 'REMAINING', value: (r) => r.remainingPath },
        { header: 'SLA BREACH', value: (r) => (r.breachProbability === undefined ? undefined : percent(r.breachProbability)) },
      ]),
    );
  }
  return sections.join('\n');
}

export function registerInsightsCommand(program: Command): void {
  leaf(program, 'insights <workflow>', "a workflow's rates, durations, bottleneck, failure hot spots and predicted ends")
    .option('--window <duration>', 'how far back: 30m, 24h, 7d, …', '24h')
    .action(async (workflow: string, options: { window: string }, command: Command) => {
      const ctx = Context.of(command);
      const view = await ctx.client().getInsights(workflow, options.window);
      ctx.printObject(view, () => renderInsights(view));
    });
}
