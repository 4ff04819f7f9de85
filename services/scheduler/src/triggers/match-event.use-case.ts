import { Injectable, Logger } from '@nestjs/common';
import {
  checkTriggerEvent,
  RunIds,
  storableText,
  Subjects,
  type CloudEvent,
  type DefinitionView,
  type StartRunCommand,
} from '@baton/contracts';
import { evaluateCondition, evaluateTemplate, type EventTriggerDefinition, type FieldError } from '@baton/dsl';
import { JetStreamPublisher, RpcClient } from '@baton/messaging';
import { RejectedEventsRepository } from './rejected-events.repository';

export interface ReceivedEvent {
  subject: string;
  text: string;
}

type Outcome = { started: number } | { rejected: string };

/**
 * Turns one business event into start commands: validate the CloudEvent, find the latest
 * definitions that trigger on its type, apply each trigger's filter and input mapping, and send
 * one start command per matching trigger. The run id is derived from (workflow, trigger, source,
 * id), so a redelivered or republished event starts nothing new.
 */
@Injectable()
export class MatchEventUseCase {
  private readonly logger = new Logger(MatchEventUseCase.name);

  constructor(
    private readonly registry: RpcClient,
    private readonly publisher: JetStreamPublisher,
    private readonly rejected: RejectedEventsRepository,
  ) {}

  async execute(received: ReceivedEvent): Promise<Outcome> {
    const checked = checkTriggerEvent(received.subject, received.text);
    if (!checked.ok) return this.reject(received, checked.reason, checked.errors, checked.received);
    const { event } = checked;
    const { definitions } = await this.registry.call('baton.rpc.registry.triggers-for-event', { eventType: event.type });
    const commands = (await Promise.all(definitions.map((definition) => this.startCommandsFor(definition, event)))).flat();
    const problems = commands.filter((c): c is FieldError => 'path' in c);
    const starts = commands.filter((c): c is StartRunCommand => 'runId' in c);
    await Promise.all(starts.map((command) => this.publisher.publish(Subjects.startRun, command, { msgId: `start:${command.runId}` })));
    if (problems.length > 0 && starts.length === 0) {
      return this.reject(received, 'a trigger could not evaluate its filter or input', problems, event);
    }
    if (problems.length > 0) this.logger.warn(`event ${event.source}/${event.id}: ${problems.map((p) => p.message).join('; ')}`);
    return { started: starts.length };
  }

  private async startCommandsFor(view: DefinitionView, event: CloudEvent): Promise<(StartRunCommand | FieldError)[]> {
    const triggers = view.definition.triggers ?? [];
    const results = await Promise.all(
      triggers.map(async (trigger, index): Promise<StartRunCommand | FieldError | null> => {
        if (!('event' in trigger) || trigger.event !== event.type) return null;
        try {
          return await this.startCommand(view, trigger, index, event);
        } catch (error) {
          return { path: `${view.name}.triggers[${index}]`, message: (error as Error).message };
        }
      }),
    );
    return results.filter((r): r is StartRunCommand | FieldError => r !== null);
  }

  private async startCommand(
    view: DefinitionView,
    trigger: EventTriggerDefinition,
    index: number,
    event: CloudEvent,
  ): Promise<StartRunCommand | null> {
    const scope = { event };
    if (trigger.filter !== undefined && !(await evaluateCondition(trigger.filter, scope))) return null;
    const input = trigger.input === undefined ? (event.data ?? {}) : await evaluateTemplate(trigger.input, scope);
    return {
      runId: RunIds.forEvent(view.name, index, event.source, event.id),
      workflow: view.name,
      version: view.version,
      input,
      trigger: { kind: 'event', eventType: event.type, eventId: event.id, source: event.source, triggerIndex: index },
    };
  }

  private async reject(received: ReceivedEvent, reason: string, errors: FieldError[], event: unknown): Promise<Outcome> {
    const storable = {
      subject: received.subject,
      reason: storableText(reason),
      errors,
      event: typeof event === 'string' ? storableText(event) : event,
    };
    this.logger.warn(`rejected event on ${storable.subject}: ${storable.reason}`);
    await this.rejected.record(storable);
    return { rejected: reason };
  }
}
