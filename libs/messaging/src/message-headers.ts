import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import type { CarrierHeaders } from '@baton/telemetry';

export function toNatsHeaders(values: CarrierHeaders): MsgHdrs {
  const result = natsHeaders();
  for (const [key, value] of Object.entries(values)) result.set(key, value);
  return result;
}

export function fromNatsHeaders(hdrs: MsgHdrs | undefined): CarrierHeaders {
  const result: CarrierHeaders = {};
  if (!hdrs) return result;
  for (const key of hdrs.keys()) result[key] = hdrs.get(key);
  return result;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const encodeJson = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));
export const decodeText = (data: Uint8Array): string => decoder.decode(data);
