// class-transformer's @Type reads decorator metadata; load the polyfill wherever DTOs are used.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  Equals,
  IsBoolean,
  IsIn,
  IsJSON,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsRFC3339,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { RUN_STATUSES, type RunStatus } from './statuses';

/** CloudEvents 1.0 envelope, validated the same way on HTTP (`POST /v1/events`) and on NATS. */
export class CloudEventDto {
  @Equals('1.0', { message: 'specversion must be "1.0"' })
  specversion!: '1.0';

  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  id!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  source!: string;

  @IsString()
  @Matches(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, {
    message: 'type must be dot-separated tokens of letters, digits, "_" or "-"',
  })
  @MaxLength(256)
  type!: string;

  @IsOptional()
  @IsRFC3339()
  time?: string;

  @IsOptional()
  @IsString()
  subject?: string;

  @IsOptional()
  @IsString()
  datacontenttype?: string;

  @IsOptional()
  data?: unknown;
}

export class StartRunDto {
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{0,99}$/, { message: 'workflow must match [a-z0-9-]+' })
  workflow!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;

  @IsOptional()
  input?: unknown;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  idempotencyKey?: string;
}

export class SignalDto {
  @IsIn(['approved', 'rejected'])
  decision!: 'approved' | 'rejected';

  @IsOptional()
  @IsString()
  @MaxLength(256)
  by?: string;

  @IsOptional()
  @IsString()
  @MaxLength(4096)
  comment?: string;
}

export class CancelRunDto {
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  reason?: string;
}

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;

export class PageQueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit: number = DEFAULT_PAGE_SIZE;

  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export class ListRunsQueryDto extends PageQueryDto {
  @IsOptional()
  @IsString()
  workflow?: string;

  @IsOptional()
  @IsIn(RUN_STATUSES)
  status?: RunStatus;

  /** The child runs of this run (its `subWorkflow` steps). */
  @IsOptional()
  @IsUUID()
  parentRunId?: string;

  /** Runs created at or after this instant. */
  @IsOptional()
  @IsRFC3339()
  createdAfter?: string;

  /** Runs created before this instant. */
  @IsOptional()
  @IsRFC3339()
  createdBefore?: string;

  /** A business key: runs whose input contains this JSON object, e.g. `{"orderId":"o-1"}` (JSONB containment). */
  @IsOptional()
  @IsJSON({ message: 'inputContains must be a JSON object, e.g. {"orderId":"o-1"}' })
  @Matches(/^\s*\{/, { message: 'inputContains must be a JSON object, e.g. {"orderId":"o-1"}' })
  inputContains?: string;
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead_lettered'] as const;

/** `GET /v1/notifications/deliveries?runId=&workflow=&status=`. */
export class ListDeliveriesQueryDto extends PageQueryDto {
  @IsOptional()
  @IsString()
  runId?: string;

  @IsOptional()
  @IsString()
  workflow?: string;

  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: (typeof DELIVERY_STATUSES)[number];
}

/** `GET /v1/insights/{workflow}?window=`: the history window the figures are computed over. */
export class InsightsQueryDto {
  @IsOptional()
  @Matches(/^\d+(ms|s|m|h|d)$/, { message: 'window must be a duration such as 30m, 24h or 7d' })
  window: string = '24h';
}

/** `POST /v1/schedules/{id}/backfill`: the window whose fire times get a run each. */
export class BackfillDto {
  @IsRFC3339()
  from!: string;

  @IsRFC3339()
  to!: string;
}

/** `GET /v1/schedules?workflow=`. */
export class ListSchedulesQueryDto {
  @IsOptional()
  @IsString()
  workflow?: string;
}

export class TaskErrorDto {
  @IsString()
  @MaxLength(10_000)
  message!: string;

  @IsBoolean()
  retryable!: boolean;

  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{1,100}$/, { message: 'code must be letters, digits, ".", "_" or "-"' })
  code?: string;
}

/** A worker's answer on `baton.results.task` (DESIGN.md §2): a result, or a heartbeat. */
export class TaskResultDto {
  @IsString()
  @IsNotEmpty()
  taskId!: string;

  @IsInt()
  @Min(1)
  attempt!: number;

  @IsIn(['completed', 'failed', 'running'])
  status!: 'completed' | 'failed' | 'running';

  /** Absent on heartbeats. */
  @IsOptional()
  @IsString()
  runId?: string;

  @IsOptional()
  @IsString()
  stepId?: string;

  @IsOptional()
  output?: unknown;

  @IsOptional()
  @ValidateNested()
  @Type(() => TaskErrorDto)
  error?: TaskErrorDto;
}
