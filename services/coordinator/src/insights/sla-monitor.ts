import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Outbox, OutboxRelay, PollingLoop } from '@baton/messaging';
import { Clock } from '@baton/runtime';
import { Metrics } from '@baton/telemetry';
import { PinnedDefinitions } from '../definitions/pinned-definitions';
import { RunsRepository } from '../runs/runs.repository';
import { stepStatsOf } from './insights-view';
import { InsightsRepository, type ActiveRun } from './insights.repository';
import { SAMPLES_PER_STEP } from './insights.service';
import { checkSla, slaAlertMessage, type SlaCheck } from './sla';
import type { DurationStats } from './statistics';

/** How often runs are checked: a breach is reported at most this late (plus the outbox relay). */
export const CHECK_EVERY_MS = 1_000;
/**
 * How far ahead the at-risk probability is taken: the next check, with a margin for the time a
 * check itself takes, so that a crossing between two checks is never seen only after the deadline.
 */
export const LOOK_AHEAD_MS = 1_500;
/** Step statistics are read again at most this often per workflow; they move slowly. */
const STATS_TTL_MS = 10_000;
/** The history predictions learn from: the latest samples of each step within this. */
const STATS_WINDOW_MS = 7 * 24 * 3_600_000;
/** Runs checked per workflow version and check, closest to their deadline first. */
const RUNS_PER_CHECK = 1_000;

/**
 * Raises `sla_at_risk` and `sla_breached` for runs still going of workflows with an `sla`. Each
 * alert is raised once per run, by whichever coordinator replica claims it first, in the
 * transaction that writes it to the outbox. A run that ends after its deadline between two checks
 * is reported by the transition that ends it (RunTransitions).
 */
@Injectable()
export class SlaMonitor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SlaMonitor.name);
  private readonly stats = new Map<string, { readAt: number; stats: Map<string, DurationStats> }>();
  // A fixed rate (the loop measures from each round's start), so that checks stay within LOOK_AHEAD_MS of each other.
  private readonly loop = new PollingLoop('SLA check', CHECK_EVERY_MS, () => this.check(), this.logger);

  constructor(
    private readonly insights: InsightsRepository,
    private readonly runs: RunsRepository,
    private readonly definitions: PinnedDefinitions,
    private readonly outbox: Outbox,
    @Inject(OutboxRelay) private readonly relay: OutboxRelay,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.loop.stop();
  }

  /** One pass over every run still going whose breach was not reported yet. */
  async check(): Promise<void> {
    for (const { workflow, version } of await this.insights.watchedVersions()) {
      try {
        await this.checkVersion(workflow, version);
      } catch (error) {
        // One workflow's trouble (its definition unreadable for a moment) holds back no other's alerts.
        this.logger.warn(`SLA check of ${workflow} v${version} failed: ${(error as Error).message}`);
      }
    }
  }

  private async checkVersion(workflow: string, version: number): Promise<void> {
    const { definition } = await this.definitions.get(workflow, version);
    if (!definition.sla) return;
    const runs = await this.insights.watchedRuns(workflow, version, RUNS_PER_CHECK);
    if (runs.length === 0) return;
    const stats = await this.statsOf(workflow);
    const now = this.clock.now();
    for (const run of runs) {
      const check = checkSla({ definition, run, stats, now, lookAheadMs: LOOK_AHEAD_MS });
      if (check) await this.raise(run, check, now);
    }
  }

  private async raise(run: ActiveRun, check: SlaCheck, now: Date): Promise<void> {
    const raised = await this.runs.dataSource.transaction(async (manager) => {
      const claimed = await this.runs.claimSlaAlert(manager, run.id, check.alert, now, { whileActive: true });
      if (!claimed) return false;
      await this.outbox.enqueue(manager, [slaAlertMessage({ ...run, status: claimed.status }, check, now)]);
      return true;
    });
    if (!raised) return;
    Metrics.slaEvents.inc({ workflow: run.workflow, event: check.alert });
    this.relay.kick();
  }

  /** Every version's step statistics, by step id: a new version keeps the history of the steps it kept. */
  private async statsOf(workflow: string): Promise<Map<string, DurationStats>> {
    const nowMs = Date.now();
    const cached = this.stats.get(workflow);
    if (cached && nowMs - cached.readAt < STATS_TTL_MS) return cached.stats;
    const to = this.clock.now();
    const samples = await this.insights.stepDurations(workflow, { from: new Date(to.getTime() - STATS_WINDOW_MS), to }, SAMPLES_PER_STEP);
    const stats = stepStatsOf(samples);
    this.stats.set(workflow, { readAt: nowMs, stats });
    return stats;
  }
}
