/**
 * Delivers demand events (core/demand) to DEMAND_WEBHOOK_URL: one POST per event, the JSON body
 * signed with HMAC-SHA256 under DEMAND_WEBHOOK_SECRET (`x-titan-signature: sha256=<hex>`). Delivery
 * is at least once: the caller remembers the new state only when every event was taken (2xx), so a
 * failed one is sent again at the next check; receivers dedupe on x-titan-delivery if they care.
 */
import type { DemandWebhookConfig } from '../config';
import type { DemandResponse, DemandWebhook } from '../contract/resources';
import type { DemandEvent } from '../core/demand';
import { randomId } from '../lib/ids';

const TIMEOUT_MS = 5_000;

export async function hmacHex(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(body)));
  return [...mac].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** True when every event was accepted. */
export async function sendDemandEvents(hook: DemandWebhookConfig, events: readonly DemandEvent[], demand: DemandResponse): Promise<boolean> {
  for (const e of events) {
    const payload: DemandWebhook = { event: e.event, at: demand.at, group: e.group, demand };
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-titan-event': e.event, 'x-titan-delivery': randomId(16) };
    if (hook.secret) headers['x-titan-signature'] = `sha256=${await hmacHex(hook.secret, body)}`;
    try {
      const res = await fetch(hook.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
      await res.body?.cancel();
      if (!res.ok) {
        console.warn(`titan demand webhook: ${hook.url} answered ${res.status}; will retry`);
        return false;
      }
    } catch (err) {
      console.warn(`titan demand webhook: ${hook.url} unreachable (${(err as Error).message}); will retry`);
      return false;
    }
  }
  return true;
}
