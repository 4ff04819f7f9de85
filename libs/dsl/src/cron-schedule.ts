import { Cron } from 'croner';

/** The most fire times ever enumerated at once (a catch-up, a backfill): a bound on work, not a policy. */
export const MAX_ENUMERATED_FIRES = 1000;

/** A cron pattern read in a time zone: 5 fields, or 6 with seconds first. */
export interface CronSpec {
  schedule: string;
  timezone?: string;
}

function cronOf(spec: CronSpec): Cron {
  return new Cron(spec.schedule, { timezone: spec.timezone ?? 'UTC', mode: '5-or-6-parts', paused: true });
}

/** Why the pattern or the time zone is unusable, or undefined when both are fine. */
export function cronSpecError(spec: CronSpec): { field: 'schedule' | 'timezone'; message: string } | undefined {
  if (spec.timezone !== undefined && !isTimeZone(spec.timezone)) {
    return { field: 'timezone', message: `unknown time zone '${spec.timezone}'; expected an IANA name such as Europe/Paris` };
  }
  try {
    if (cronOf(spec).nextRun(new Date()) === null) return { field: 'schedule', message: `'${spec.schedule}' never fires` };
  } catch (error) {
    return {
      field: 'schedule',
      message: `invalid cron pattern '${spec.schedule}': ${(error as Error).message.replace(/^CronPattern: /, '')}`,
    };
  }
  return undefined;
}

/** The first fire strictly after `after`, or null when the pattern has no more. */
export function nextFireTime(spec: CronSpec, after: Date): Date | null {
  return cronOf(spec).nextRun(after);
}

/** Fire times in `(after, until]`, oldest first, at most `limit` of them (the earliest). */
export function fireTimesBetween(spec: CronSpec, after: Date, until: Date, limit = MAX_ENUMERATED_FIRES): Date[] {
  const cron = cronOf(spec);
  const times: Date[] = [];
  let next = cron.nextRun(after);
  while (next !== null && next.getTime() <= until.getTime() && times.length < limit) {
    times.push(next);
    next = cron.nextRun(next);
  }
  return times;
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** A fire more than this late counts as missed (the scheduler was down or paused), and its misfire policy applies. */
export const MISFIRE_GRACE_MS = 60_000;

export interface MisfireOptions {
  misfire?: 'skip' | 'fireOnce' | 'catchUp';
  catchUpLimit?: number;
}

export const DEFAULT_CATCH_UP_LIMIT = 10;

/**
 * What a schedule whose next fire was `due` (at or before `now`) fires now: its fires of the last
 * minute, and of those before, what the misfire policy keeps — none (`skip`), the latest
 * (`fireOnce`, the default) or the latest `catchUpLimit` (`catchUp`). Oldest first; `next` is the
 * fire after `now`. Pure, so every replica computes the same fires.
 */
export function firesDue(spec: CronSpec & MisfireOptions, due: Date, now: Date): { fires: Date[]; missed: boolean; next: Date | null } {
  const cron = cronOf(spec);
  const graceStart = new Date(now.getTime() - MISFIRE_GRACE_MS);
  const missed = due.getTime() < graceStart.getTime();
  const onTime = fireTimesBetween(spec, new Date(Math.max(due.getTime(), graceStart.getTime()) - 1), now);
  const keep = !missed ? 0 : spec.misfire === 'skip' ? 0 : spec.misfire === 'catchUp' ? (spec.catchUpLimit ?? DEFAULT_CATCH_UP_LIMIT) : 1;
  const late = keep === 0 ? [] : cron.previousRuns(keep, graceStart).filter((time) => time.getTime() >= due.getTime());
  return { fires: [...late.reverse(), ...onTime], missed, next: cron.nextRun(now) };
}

/**
 * How long to hold back one fire, from 0 up to `jitterMs`: derived from the schedule and the fire
 * time, so every replica (and a retry) delays the same fire the same way.
 */
export function jitterOf(scheduleId: string, fireTime: Date, jitterMs: number): number {
  if (jitterMs <= 0) return 0;
  let hash = 0x811c9dc5;
  for (const char of `${scheduleId}@${fireTime.toISOString()}`) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % jitterMs;
}
