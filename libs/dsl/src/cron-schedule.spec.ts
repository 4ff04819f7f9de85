import { describe, expect, it } from 'vitest';
import { cronSpecError, fireTimesBetween, firesDue, jitterOf, nextFireTime } from './cron-schedule';
import { validateDefinition } from './validate-definition';

const at = (iso: string) => new Date(iso);
const isoList = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('cron schedules', () => {
  it('reads the pattern in its time zone, UTC by default', () => {
    expect(nextFireTime({ schedule: '0 9 * * *' }, at('2026-06-01T10:00:00Z'))?.toISOString()).toBe('2026-06-02T09:00:00.000Z');
    // 09:00 in Paris is 07:00 UTC in summer.
    expect(nextFireTime({ schedule: '0 9 * * *', timezone: 'Europe/Paris' }, at('2026-06-01T10:00:00Z'))?.toISOString()).toBe(
      '2026-06-02T07:00:00.000Z',
    );
  });

  it('takes an optional seconds field', () => {
    expect(isoList(fireTimesBetween({ schedule: '*/20 * * * * *' }, at('2026-01-01T00:00:00Z'), at('2026-01-01T00:01:00Z')))).toEqual([
      '2026-01-01T00:00:20.000Z',
      '2026-01-01T00:00:40.000Z',
      '2026-01-01T00:01:00.000Z',
    ]);
  });

  it('keeps local time across a daylight-saving change', () => {
    const spec = { schedule: '0 8 * * *', timezone: 'Europe/Paris' };
    // Clocks go forward on 2026-03-29: 08:00 is 07:00 UTC the day before and 06:00 UTC after.
    expect(isoList(fireTimesBetween(spec, at('2026-03-28T00:00:00Z'), at('2026-03-30T00:00:00Z')))).toEqual([
      '2026-03-28T07:00:00.000Z',
      '2026-03-29T06:00:00.000Z',
    ]);
    // A time the change skips (02:30 on 2026-03-29 does not exist in Paris) fires once, at 03:00 local.
    const skipped = { schedule: '30 2 * * *', timezone: 'Europe/Paris' };
    expect(isoList(fireTimesBetween(skipped, at('2026-03-28T12:00:00Z'), at('2026-03-30T12:00:00Z')))).toEqual([
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
  });

  it('explains a bad pattern or time zone', () => {
    expect(cronSpecError({ schedule: '61 * * * *' })).toEqual({
      field: 'schedule',
      message: "invalid cron pattern '61 * * * *': Invalid value for minute: 61",
    });
    expect(cronSpecError({ schedule: '* * * * *', timezone: 'Mars/Olympus' })).toMatchObject({ field: 'timezone' });
    expect(cronSpecError({ schedule: '0 0 30 2 *' })).toMatchObject({ field: 'schedule', message: "'0 0 30 2 *' never fires" });
  });
});

describe('firesDue', () => {
  const everyMinute = { schedule: '* * * * *' };
  const now = at('2026-01-01T12:00:30Z');

  it('fires what is due within the last minute', () => {
    expect(firesDue(everyMinute, at('2026-01-01T12:00:00Z'), now)).toEqual({
      fires: [at('2026-01-01T12:00:00Z')],
      missed: false,
      next: at('2026-01-01T12:01:00Z'),
    });
  });

  it('after an outage: fireOnce runs the latest missed fire, skip none, catchUp the latest few', () => {
    const due = at('2026-01-01T11:00:00Z');
    expect(firesDue(everyMinute, due, now).fires).toEqual([at('2026-01-01T11:59:00Z'), at('2026-01-01T12:00:00Z')]);
    expect(firesDue({ ...everyMinute, misfire: 'skip' }, due, now)).toMatchObject({ fires: [at('2026-01-01T12:00:00Z')], missed: true });
    expect(isoList(firesDue({ ...everyMinute, misfire: 'catchUp', catchUpLimit: 3 }, due, now).fires)).toEqual([
      '2026-01-01T11:57:00.000Z',
      '2026-01-01T11:58:00.000Z',
      '2026-01-01T11:59:00.000Z',
      '2026-01-01T12:00:00.000Z',
    ]);
    // A catch-up never reaches back before the first fire that was due.
    expect(firesDue({ ...everyMinute, misfire: 'catchUp', catchUpLimit: 100 }, at('2026-01-01T11:57:00Z'), now).fires).toHaveLength(4);
  });

  it('spreads jitter deterministically within its bound', () => {
    const fire = at('2026-01-01T12:00:00Z');
    expect(jitterOf('report.0', fire, 30_000)).toBe(jitterOf('report.0', fire, 30_000));
    const spread = new Set(Array.from({ length: 50 }, (_, i) => jitterOf(`s.${i}`, fire, 30_000)));
    expect(spread.size).toBeGreaterThan(40);
    expect(Math.min(...spread)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...spread)).toBeLessThan(30_000);
    expect(jitterOf('report.0', fire, 0)).toBe(0);
  });
});

describe('schedule triggers in definitions', () => {
  const withTrigger = (trigger: unknown) =>
    validateDefinition({ name: 'report', triggers: [trigger], steps: [{ id: 'a', type: 'transform', output: 1 }] });

  it('accepts a schedule with its options', () => {
    const trigger = {
      schedule: '0 9 * * MON-FRI',
      timezone: 'Europe/Paris',
      input: { day: '${ schedule.fireTime }' },
      misfire: 'catchUp',
      catchUpLimit: 5,
      overlap: 'skip',
      jitter: '30s',
    };
    const result = withTrigger(trigger);
    expect(result.ok && result.definition.triggers).toEqual([trigger]);
  });

  it('reports every problem at its path', () => {
    const result = withTrigger({
      schedule: '0 25 * * *',
      timezone: 'Nowhere/City',
      misfire: 'sometimes',
      overlap: 'queue',
      catchUpLimit: 0,
      jitter: 'soon',
      cron: 1,
    });
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toEqual([
      'triggers[0].cron',
      'triggers[0].timezone',
      'triggers[0].misfire',
      'triggers[0].overlap',
      'triggers[0].catchUpLimit',
      'triggers[0].jitter',
    ]);
  });
});
