import type { RunError, RunLifecycleEvent, RunStatus } from '@baton/contracts';
import { NOTIFICATION_EVENTS, type NotificationEvent } from '@baton/dsl';

/** What every channel sends about one run event; the webhook body, byte for byte (notification contract). */
export interface Notification {
  type: `baton.run.${NotificationEvent}`;
  event: NotificationEvent;
  runId: string;
  workflow: string;
  version: number;
  /** The run's status when this was sent: the event itself for final statuses, e.g. `running` for `sla_at_risk`. */
  status: RunStatus;
  stepId?: string;
  output?: unknown;
  error?: RunError;
  sla?: RunLifecycleEvent['sla'];
  occurredAt: string;
}

/** The notification a lifecycle event calls for; undefined for statuses no rule can name (`running`, `paused`…). */
export function notificationOf(event: RunLifecycleEvent): Notification | undefined {
  const name = event.event ?? event.status;
  if (!NOTIFICATION_EVENTS.includes(name)) return undefined;
  const notified = name as NotificationEvent;
  return {
    type: `baton.run.${notified}`,
    event: notified,
    runId: event.runId,
    workflow: event.workflow,
    version: event.version,
    status: event.status,
    ...(event.stepId === undefined ? {} : { stepId: event.stepId }),
    ...(event.output === undefined ? {} : { output: event.output }),
    ...(event.error === undefined ? {} : { error: event.error }),
    ...(event.sla === undefined ? {} : { sla: event.sla }),
    occurredAt: event.occurredAt,
  };
}

const HEADLINES: Record<NotificationEvent, string> = {
  completed: 'completed',
  failed: 'failed',
  compensated: 'failed and was compensated',
  cancelled: 'was cancelled',
  timed_out: 'timed out',
  sla_at_risk: 'is at risk of breaching its SLA',
  sla_breached: 'breached its SLA',
  approval_requested: 'waits for an approval',
};

/** A one-line subject and a few lines of plain text, for people (chat and e-mail). */
export function describeNotification(notification: Notification): { subject: string; lines: string[] } {
  const { workflow, runId, event } = notification;
  const subject = `Baton: ${workflow} run ${runId} ${HEADLINES[event]}`;
  const lines = [`Workflow ${workflow} (version ${notification.version}), run ${runId}: ${HEADLINES[event]}.`];
  if (notification.error) {
    const { message, stepId } = notification.error;
    // A step's failure usually reads "step 'charge' failed: …" already.
    const named = stepId === undefined || message.includes(`'${stepId}'`);
    lines.push(named ? `Error: ${message}` : `Error in step ${stepId}: ${message}`);
  }
  if (event === 'approval_requested' && notification.stepId) {
    lines.push(`Decide with POST /v1/runs/${runId}/signals/${notification.stepId} {"decision": "approved" | "rejected"}.`);
  }
  if (notification.sla) {
    const { deadline, predictedEndAt, breachProbability } = notification.sla;
    lines.push(`SLA deadline ${deadline}${predictedEndAt ? `, predicted end ${predictedEndAt}` : ''}`);
    if (breachProbability !== undefined) lines.push(`Breach probability ${Math.round(breachProbability * 100)}%.`);
  }
  lines.push(`Status: ${notification.status}; at ${notification.occurredAt}.`);
  return { subject, lines };
}
