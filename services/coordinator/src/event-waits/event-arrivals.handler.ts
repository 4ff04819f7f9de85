import { Injectable } from '@nestjs/common';
import { BatonConfig } from '@baton/config';
import { checkTriggerEvent, Streams } from '@baton/contracts';
import { OnJetStreamMessage, type InboundMessage } from '@baton/messaging';
import { Clock } from '@baton/runtime';
import { EventWaitsRepository } from '../runs/event-waits.repository';
import { RunTransitions } from '../runs/run-transitions.service';

/** The buffer is pruned at most this often: its rows are only read within the window anyway. */
const PRUNE_EVERY_MS = 60_000;

/**
 * Offers every business event to the `waitForEvent` steps waiting for its type, and keeps it for
 * the buffer window so a step that begins waiting a little later still sees it. Events the
 * scheduler rejects (not CloudEvents, type not matching the subject) are ignored here: the
 * scheduler records why.
 */
@Injectable()
export class EventArrivalsHandler {
  private readonly bufferMs: number;
  private lastPrunedAt = 0;

  constructor(
    private readonly waits: EventWaitsRepository,
    private readonly transitions: RunTransitions,
    private readonly clock: Clock,
    config: BatonConfig,
  ) {
    this.bufferMs = config.BATON_EVENT_BUFFER_SECONDS * 1000;
  }

  @OnJetStreamMessage({ stream: Streams.events, durable: 'coordinator-event-waits', filterSubject: 'baton.events.>' })
  async onEvent(message: InboundMessage): Promise<void> {
    // What the scheduler rejects (and records why) no step could take as its output either.
    const checked = checkTriggerEvent(message.subject, message.text());
    if (!checked.ok) return;
    const { event } = checked;
    const waiting = await this.waits.recordArrival(event, message.storedAt, this.bufferMs > 0);
    for (const wait of waiting) {
      await this.transitions.apply(wait.runId, { type: 'EventReceived', stepId: wait.stepId, attempt: wait.attempt, event });
    }
    await this.pruneNowAndThen();
  }

  private async pruneNowAndThen(): Promise<void> {
    const now = this.clock.now().getTime();
    if (this.bufferMs === 0 || now - this.lastPrunedAt < PRUNE_EVERY_MS) return;
    this.lastPrunedAt = now;
    await this.waits.pruneBuffer(new Date(now - this.bufferMs));
  }
}
