import { describe, expect, it } from 'vitest';
import { checkTriggerEvent } from './trigger-event';

const event = { specversion: '1.0', id: 'evt-1', source: 'shop/orders', type: 'order.created', data: { orderId: 'o-1' } };

describe('checkTriggerEvent', () => {
  it('takes a CloudEvent whose type matches its subject', () => {
    expect(checkTriggerEvent('baton.events.order.created', JSON.stringify(event))).toEqual({ ok: true, event });
  });

  it('rejects a body that is not JSON, keeping an excerpt of the text', () => {
    const checked = checkTriggerEvent('baton.events.order.created', '{"id": ');
    expect(checked).toMatchObject({
      ok: false,
      reason: expect.stringContaining('body is not valid JSON'),
      errors: [],
      received: '{"id": ',
    });
  });

  it('rejects an invalid envelope with the path of each problem', () => {
    const checked = checkTriggerEvent('baton.events.order.created', JSON.stringify({ ...event, specversion: '0.3', id: '' }));
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.reason).toBe('not a valid CloudEvents 1.0 envelope');
    expect(checked.errors.map((e) => e.path).sort()).toEqual(['id', 'specversion']);
  });

  it('rejects a type that does not match the subject', () => {
    expect(checkTriggerEvent('baton.events.order.paid', JSON.stringify(event))).toMatchObject({
      ok: false,
      errors: [
        {
          path: 'type',
          message: "type 'order.created' does not match subject 'baton.events.order.paid' (expected baton.events.order.created)",
        },
      ],
    });
  });
});
