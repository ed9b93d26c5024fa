/**
 * What follows from a change, applied to the tables: promotion, cascade-cancel, the end of a run,
 * a lost lease, handing queued jobs to an agent. Each step asks core/ what to do and writes the
 * answer through the repositories; ClusterDO calls these inside its RPC methods.
 */
import type { Ack, JobResult, Lease } from '../contract/agents';
import { isTerminal, type JobState } from '../contract/jobs';
import type { SchedulerConfig } from '../config';
import { chooseJobs, mergeByRank, mergeWindow, type Candidate, type Reservation } from '../core/choose';
import { boundsOf, freeOf, place, reservationTarget, shortOf, totalOf, type FleetAgent, type Free } from '../core/resources';
import { descendants } from '../core/descendants';
import { afterLeaseLoss, attemptsAfterRelease, outcomeOf } from '../core/outcome';
import { reinstatable, resultVerdict } from '../core/leaseHolder';
import { approvalDeadline, decide, type Decided } from '../core/approval';
import { promotion } from '../core/promotion';
import { heldAway, type AffinityAgent } from '../core/affinity';
import { randomId } from '../lib/ids';
import { resourcesOf, type AgentRow, type AgentsRepo } from './agentsRepo';
import { leaseFactsOf as leaseFacts, specOf, toLeasedJob, type JobRow } from './jobRow';
import type { JobsRepo } from './jobsRepo';
import type { MetaRepo } from './metaRepo';

export class Consequences {
  constructor(
    private readonly jobs: JobsRepo,
    private readonly agents: AgentsRepo,
    private readonly meta: MetaRepo,
    private readonly cfg: SchedulerConfig,
    /** Queued work appeared: wake the held long-polls. */
    private readonly wake: () => void,
    /** Whether an agent has a long-poll held right now (it is alive, whatever last_seen says). */
    private readonly isWaiting: (agentId: string) => boolean,
    /** An order (cancel/stop) was given for a lease this agent holds: answer its held poll now. */
    private readonly ordered: (agentId: string) => void,
    /**
     * Lines for a job's log that no agent writes: an approval's story. A GATE's are its output (they
     * stand in for the original gate script's), any other job's are system notes.
     */
    private readonly systemLog: (job: Pick<JobRow, 'id' | 'run' | 'type'>, firstSeq: number, texts: string[]) => void = () => {},
  ) {}

  /** PENDING → QUEUED or CANCELLED as its parents and delay allow (core/promotion). */
  promote(id: string, now: number): void {
    const job = this.jobs.get(id);
    if (!job || job.state !== 'PENDING') return;
    const spec = specOf(job);
    const besideAgent = spec.affinityTo ? this.jobs.lastAgentOf(spec.affinityTo) : null;
    const p = promotion({ readyAt: job.ready_at, affinity: spec.affinity, needsApproval: spec.approval !== null, besideAgent }, this.jobs.parentFacts(id), now);
    if (p.kind === 'cancel') {
      this.jobs.setState(job, 'CANCELLED', now, p.note);
      this.cascade(id, now);
    } else if (p.kind === 'queue') {
      this.jobs.queuePending(job, now, p.affinityAgent);
      this.wake();
    } else if (p.kind === 'approval') {
      const { message, timeoutMs } = spec.approval!;
      this.jobs.awaitApproval(job, now, approvalDeadline(timeoutMs, now), p.affinityAgent, `waiting for approval: ${message}`);
      this.systemLog(job, 1, [`[HITL] ${id}: ${message}`, `[HITL] waiting for approval${timeoutMs ? ` (up to ${Math.round(timeoutMs / 1000)} s)` : ''}; no agent slot is held`]);
      const preset = this.meta.presetFor(id);
      if (preset) this.decide(this.jobs.get(id)!, decide(job.type, preset, 'the TitanStore key', 'set before the gate was reached'), now);
    }
  }

  /** Carry out a decision on a waiting job (core/approval): queue it, complete a GATE, or end it rejected. */
  decide(job: JobRow, d: Decided, now: number): void {
    this.systemLog(job, 3, [`[HITL] ${d.note}`]);
    if (d.state === 'QUEUED') {
      this.jobs.queueApproved(job, now, d.note);
      this.wake();
      return;
    }
    if (d.error) this.jobs.setError(job.id, d.error);
    this.finishRun(job, d.state, now, d.note, null);
  }

  /** Cancel every not-yet-ended descendant; running ones get a cancel order on their next heartbeat. */
  cascade(id: string, now: number): void {
    const active = (c: string) => {
      const row = this.jobs.get(c);
      return row && !isTerminal(row.state) ? row : undefined;
    };
    for (const d of descendants(id, (x) => this.jobs.childrenOf(x), active)) this.cancelRow(d.item, now, `parent ${d.via} did not complete`);
  }

  /** Descendants that ended CANCELLED or DEAD (a retry reruns them), parents before children. */
  unfinishedDescendants(id: string): JobRow[] {
    const unfinished = (c: string) => {
      const row = this.jobs.get(c);
      return row && (row.state === 'CANCELLED' || row.state === 'DEAD') ? row : undefined;
    };
    return descendants(id, (x) => this.jobs.childrenOf(x), unfinished).map((d) => d.item);
  }

  cancelRow(job: JobRow, now: number, note: string): void {
    if (job.state === 'RUNNING' && job.lease_id) this.order(job, 'cancel');
    this.jobs.setState(job, 'CANCELLED', now, note);
  }

  /** Order the holder of a running job's lease to cancel or stop it; its held poll is answered at once. */
  order(job: JobRow, action: 'cancel' | 'stop'): void {
    this.jobs.setOrder(job.id, action);
    if (job.agent_id) this.ordered(job.agent_id);
  }

  /** The end of an attempt and what it means for the DAG. */
  finishRun(job: JobRow, state: JobState, now: number, note: string, readyAt: number | null): void {
    this.jobs.setState(job, state, now, note, readyAt);
    if (state === 'COMPLETED') for (const child of this.jobs.childrenOf(job.id)) this.promote(child, now);
    else if (state === 'DEAD' || state === 'CANCELLED') this.cascade(job.id, now);
  }

  /** Results from agents: the current lease's, or a late one of a lost lease nobody took over (core/leaseHolder). */
  applyResults(agentId: string, results: JobResult[], now: number): Ack[] {
    return results.map((r) => {
      if (this.jobs.resultSeen(r.leaseId)) return { leaseId: r.leaseId, accepted: true, reason: 'already recorded' };
      const job = this.jobs.byAnyLease(r.leaseId);
      const verdict = resultVerdict(job && leaseFacts(job), r.leaseId, agentId);
      if (!job || verdict === 'stale') return { leaseId: r.leaseId, accepted: false, reason: 'stale lease: the job was handed to another agent or ended' };
      this.jobs.recordResult(job.id, job.run, r.leaseId, r.exitCode ?? null, r.error ?? null, now);
      // A job cancelled while it ran has ended already: the order was carried out.
      if (job.state === 'RUNNING' || verdict === 'late') {
        const out = outcomeOf({ status: r.status, exitCode: r.exitCode ?? null, error: r.error ?? null }, { attempts: job.attempts, maxRetries: job.max_retries }, now, this.cfg);
        const note = verdict === 'late' ? `${out.note} (late result of the expired lease)` : out.note;
        this.finishRun(job, out.state, now, note, out.state === 'FAILED' ? out.readyAt : null);
      }
      return { leaseId: r.leaseId, accepted: true };
    });
  }

  /**
   * Of the leases an agent names, those it lost go back to it while nobody has leased the job
   * since (core/leaseHolder `reinstatable`); the ones it holds now are left as they are. Returns
   * the lease ids taken back.
   */
  reinstate(agentId: string, leaseIds: readonly string[], now: number): Set<string> {
    const back = new Set<string>();
    if (!leaseIds.length) return back;
    const current = this.jobs.leaseIdsOf(agentId);
    for (const leaseId of leaseIds) {
      if (current.has(leaseId)) continue;
      const job = this.jobs.byAnyLease(leaseId);
      if (!job || !reinstatable({ state: job.state, prevLeaseId: job.prev_lease_id, lastAgent: job.last_agent }, leaseId, agentId)) continue;
      this.jobs.reinstate(job, agentId, now + this.cfg.leaseTtlMs, now);
      back.add(leaseId);
    }
    return back;
  }

  /** A lease no result closed (expired, agent gone). Returns the state the job ends up in. */
  loseLease(id: string, now: number, why: string): JobState {
    this.jobs.dropLease(id);
    const job = this.jobs.get(id)!;
    if (job.state !== 'RUNNING') return job.state; // already ended (e.g. cancelled): nothing more to do
    const out = afterLeaseLoss({ attempts: job.attempts, maxRetries: job.max_retries, orderAction: job.order_action }, why);
    if (out.state === 'QUEUED') {
      this.jobs.queueLost(job, now, out.note);
      this.wake();
    } else this.finishRun(job, out.state, now, out.note, null);
    return out.state;
  }

  /** Re-queue (or end) every job an agent holds; `countAttempt` is false when it hands them back on purpose. Returns the ids re-queued. */
  releaseAgent(agentId: string, now: number, why: string, countAttempt: boolean): string[] {
    const out: string[] = [];
    for (const held of this.jobs.heldBy(agentId)) {
      const attempts = attemptsAfterRelease(held.attempts, countAttempt);
      if (attempts !== held.attempts) this.jobs.setAttempts(held.id, attempts);
      if (this.loseLease(held.id, now, why) === 'QUEUED') out.push(held.id);
    }
    return out;
  }

  /**
   * For a held poll: up to `asked` jobs, within the slots free right now. A poll can arrive before
   * the results that free its slots (sent on `complete`), so free slots are counted at each wake.
   */
  takeFor(agentId: string, asked: number): Lease[] | null {
    const agent = this.agents.get(agentId);
    return agent ? this.take(agent, asked, Date.now()).leases : null;
  }

  /**
   * Lease up to `asked` queued jobs to an agent, within its free slots: one ordered index walk per
   * capability (skipping what cannot fit its free resources), merged, then chosen and placed
   * (core/choose, core/resources). Also says how many slots were free.
   */
  take(agent: AgentRow, asked: number, now: number): { leases: Lease[]; free: number } {
    const holdings = this.jobs.holdingsOn(agent.id);
    const max = Math.max(0, Math.min(asked, agent.slots - holdings.length));
    if (max === 0) return { leases: [], free: 0 };
    const caps: string[] = JSON.parse(agent.caps);
    const total = totalOf(resourcesOf(agent));
    const free = freeOf(total, holdings);
    const bounds = boundsOf(free);
    const reservation = this.reservationFor(agent.id, caps, total, free, now);
    let known: AffinityAgent[] | undefined; // read only if a queued job is held for another agent
    const me = { id: agent.id, host: hostOf(agent) };
    const away = (target: string, requirement: string) => heldAway(target, requirement, me, (known ??= this.affinityAgents(now)));
    const choose = (queued: Candidate[]) => chooseJobs(queued, { id: agent.id, capabilities: new Set(caps), free }, away, max, reservation);
    // The queue's head is what gets leased, mostly: a short read first (core/choose mergeWindow),
    // the wider one only when jobs in it could not be taken here (held, reserved, too big).
    const short = max + 2;
    const head = mergeWindow(caps.map((cap) => this.jobs.queuedFor(cap, short, bounds)), short);
    let chosen = choose(head.queued);
    if (chosen.length < max && !head.whole) chosen = choose(mergeByRank(caps.map((cap) => this.jobs.queuedFor(cap, max * 4 + 16, bounds))));
    const expiresAt = now + this.cfg.leaseTtlMs;
    const leases = chosen.map(({ candidate, assigned }) => {
      const leaseId = `L${randomId(14)}`;
      return { leaseId, expiresAt, job: toLeasedJob(this.jobs.startLease(candidate.id, leaseId, agent, expiresAt, now, assigned)) };
    });
    return { leases, free: max };
  }

  /**
   * Whether this agent holds back for a job that has waited past reserveAfterMs (core/resources):
   * the best-ranked such job this agent could ever hold, does not fit now, and for which it is
   * the agent lacking the least.
   */
  private reservationFor(agentId: string, caps: readonly string[], total: Free, free: Free, now: number): Reservation | null {
    const starving = this.jobs.starving(now - this.cfg.reserveAfterMs, 16).filter((c) => caps.includes(c.requirement));
    let fleet: ReturnType<Consequences['fleet']> | undefined; // read once, and only if a starving job could need it
    for (const c of starving) {
      if (!place(c.ask, total) || place(c.ask, free)) continue;
      fleet ??= this.fleet(now);
      const offering = fleet.filter((a) => a.caps.includes(c.requirement));
      if (reservationTarget(c.ask, offering) !== agentId) continue;
      return { priority: c.priority, seq: c.seq, short: shortOf(c.ask, free) };
    }
    return null;
  }

  /** Live agents with their capabilities, slots in use, and total and free resources. */
  fleet(now: number): (FleetAgent & { row: AgentRow; caps: string[]; usedSlots: number })[] {
    const held = this.jobs.holdingsByAgent();
    return this.agents
      .all()
      .filter((a) => this.isAlive(a.id, now))
      .map((row) => {
        const total = totalOf(resourcesOf(row));
        const mine = held.get(row.id) ?? [];
        const caps = JSON.parse(row.caps) as string[];
        return { id: row.id, row, caps, total, free: freeOf(total, mine.flatMap((h) => (h.assigned ? [h.assigned] : []))), usedSlots: mine.length };
      });
  }

  /** Every agent the cluster knows, as core/affinity weighs them. */
  private affinityAgents(now: number): AffinityAgent[] {
    return this.agents.all().map((a) => ({ id: a.id, host: hostOf(a), alive: this.isAlive(a.id, now), capabilities: JSON.parse(a.caps) as string[] }));
  }

  isAlive(agentId: string, now: number): boolean {
    if (this.isWaiting(agentId)) return true;
    const a = this.agents.get(agentId);
    return !!a && a.online === 1 && now - a.last_seen < this.cfg.agentSilentMs;
  }
}

/** The machine an agent said it runs on at registration (null: it did not say). */
function hostOf(agent: AgentRow): string | null {
  const host = (JSON.parse(agent.info) as { host?: unknown }).host;
  return typeof host === 'string' && host ? host : null;
}
