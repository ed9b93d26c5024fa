/**
 * Demand for the ClusterDO: the view (core/demand demandOf) over the live fleet, and the webhook
 * rule — look while jobs are queued, send what changed (demandWebhook), remember the backlogged
 * groups in `meta` once delivered, so a restart neither repeats nor forgets an event.
 */
import { readWebhook, type DemandWebhookConfig, type Settings } from '../config';
import type { DemandGroup, DemandResponse } from '../contract/resources';
import { demandChanges, demandOf, nextDemandCheck } from '../core/demand';
import type { Env } from '../env';
import type { Consequences } from './consequences';
import { askOf } from './jobRow';
import type { JobsRepo } from './jobsRepo';
import type { MetaRepo } from './metaRepo';
import { sendDemandEvents } from './demandWebhook';

const REMEMBERED = 'demand_backlogged';

export class DemandWatch {
  private readonly webhook: DemandWebhookConfig | null;
  /** When the webhook rule looks next (null: nothing queued, nothing remembered). */
  private checkAt: number | null = null;

  constructor(
    env: Env,
    private readonly cfg: Settings,
    private readonly jobs: JobsRepo,
    private readonly meta: MetaRepo,
    private readonly consequences: Consequences,
  ) {
    const hook = readWebhook(env);
    for (const p of hook.problems) console.warn(`titan config: ${p}`);
    this.webhook = hook.webhook;
  }

  private get thresholds() {
    return { queued: this.cfg.demandBacklogJobs, waitMs: this.cfg.demandBacklogMs };
  }

  view(now = Date.now()): DemandResponse {
    const shapes = this.jobs.activeShapes().map((r) => ({ requirement: r.requirement, ask: askOf(r), state: r.state, n: r.n, oldest: r.oldest }));
    const agents = this.consequences.fleet(now).map((a) => ({
      capabilities: a.caps, alive: true, slots: a.row.slots, usedSlots: a.usedSlots, total: a.total, free: a.free,
    }));
    return demandOf(shapes, agents, now, this.thresholds);
  }

  /** From the alarm: apply the webhook rule when it is due. */
  async check(now: number): Promise<void> {
    if (!this.webhook || (this.checkAt !== null && this.checkAt > now)) return;
    const demand = this.view(now);
    const prev = JSON.parse(this.meta.get(REMEMBERED) ?? '{}') as Record<string, DemandGroup>;
    const { events, next } = demandChanges(prev, demand);
    const delivered = events.length > 0 && (await sendDemandEvents(this.webhook, events, demand));
    if (delivered) this.meta.set(REMEMBERED, JSON.stringify(next));
    const queued = demand.groups.reduce((n, g) => n + g.queued, 0);
    this.checkAt = nextDemandCheck(now, queued, Object.keys(delivered ? next : prev).length, this.thresholds);
  }

  /** When the alarm must fire for the webhook rule (null: it needs none); a job queued now is looked at soon. */
  dueAt(now: number): number | null {
    if (!this.webhook) return null;
    return this.checkAt ?? (this.jobs.hasQueued() ? now + 500 : null);
  }
}
