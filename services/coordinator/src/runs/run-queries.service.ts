import { Injectable } from '@nestjs/common';
import {
  CursorShapes,
  decodeCursor,
  encodeCursor,
  RpcProblemError,
  type HistoryEntryView,
  type Page,
  type RpcRequest,
  type RunSummary,
  type RunView,
  TERMINAL_RUN_STATUSES,
} from '@baton/contracts';
import { PinnedDefinitions } from '../definitions/pinned-definitions';
import { toHistoryView, toRunView } from './run-state.mapper';
import type { RunEntity } from './run.entity';
import { RunsRepository } from './runs.repository';
import type { StepEntity } from './step.entity';

/** Read side of runs for the admin API. */
@Injectable()
export class RunQueries {
  constructor(
    private readonly runs: RunsRepository,
    private readonly definitions: PinnedDefinitions,
  ) {}

  async get(id: string): Promise<RunView> {
    const found = await this.found(id);
    // Only a run that has not ended waits for anything; its pinned definition says what for.
    const pinned = TERMINAL_RUN_STATUSES.includes(found.run.status)
      ? undefined
      : await this.definitions.get(found.run.workflow, found.run.version);
    return toRunView(found.run, found.steps, pinned);
  }

  async list(query: RpcRequest<'baton.rpc.coordinator.list-runs'>): Promise<Page<RunSummary>> {
    const [createdAt, id] = decodeCursor(query.cursor, CursorShapes.runs) ?? [];
    const rows = await this.runs.list({
      workflow: query.workflow,
      status: query.status,
      parentRunId: query.parentRunId,
      createdAfter: query.createdAfter,
      createdBefore: query.createdBefore,
      inputContains: query.inputContains,
      limit: query.limit + 1,
      after: createdAt === undefined ? undefined : { createdAt: String(createdAt), id: String(id) },
    });
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    return {
      items: items.map((run) => {
        const { steps, input, output, ...summary } = toRunView(run, []);
        return summary;
      }),
      nextCursor: rows.length > query.limit ? encodeCursor([last.createdAt.toISOString(), last.id]) : null,
    };
  }

  async history(id: string, limit: number, cursor?: string): Promise<Page<HistoryEntryView>> {
    await this.found(id);
    const [afterSeq] = decodeCursor(cursor, CursorShapes.history) ?? [0];
    const rows = await this.runs.history(id, Number(afterSeq), limit + 1);
    const items = rows.slice(0, limit);
    return {
      items: items.map(toHistoryView),
      nextCursor: rows.length > limit ? encodeCursor([items[items.length - 1].seq]) : null,
    };
  }

  private async found(id: string): Promise<{ run: RunEntity; steps: StepEntity[] }> {
    const found = await this.runs.find(id);
    if (!found) throw RpcProblemError.notFound(`no run '${id}'`);
    return found;
  }
}
