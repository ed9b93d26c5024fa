/** Tools that submit work: one job, a DAG, a pipeline YAML. */
import * as z from 'zod';
import { JobId, LIMITS, SafeName } from '../contract/common';
import { Approval, JobFields, type JobSpecInput, type SubmitDagRequestInput } from '../contract/jobs';
import { normalizePipelineText, pipelineToDag, formatIssue } from '../../../sdk/ts/pipeline';
import { normalPath } from '../../../sdk/ts/pipelineNormalize';
import { base64Of, defineTool, LIFECYCLE, reply, ToolError } from './tool';

/** The fields of one job, each taken from the contract's job fields. */
const JOB = {
  script: z.string().min(1).max(LIMITS.maxInlinePayloadBytes).optional().describe('The program to run, as source text (Python unless `filename` says otherwise).'),
  artifact: SafeName.optional().describe('Instead of `script`: the name of a script deployed before with deploy_script.'),
  filename: JobFields.shape.file.optional().describe('File name the program runs as; its extension picks the interpreter (.py, .sh, .js). Default: job.py, or the artifact name.'),
  args: JobFields.shape.args.describe('Command-line arguments.'),
  requirement: JobFields.shape.requirement.describe('Capability an agent must have (GENERAL, GPU, HIGH_MEM, …).'),
  priority: JobFields.shape.priority.describe('Higher runs first.'),
  timeout_s: z.number().positive().max(7 * 24 * 3600).optional().describe('Kill an attempt after this many seconds.'),
  max_retries: JobFields.shape.maxRetries.describe('Attempts after the first one that may fail.'),
  affinity_to: JobId.optional().describe("Run beside this job (any job, even outside this DAG): on the agent that ran it, else on one of the same host that has the requirement."),
};
const DAG_JOB = {
  id: JobId.describe('Your name for this job, unique in the cluster; parents refer to it.'),
  ...JOB,
  parents: JobFields.shape.parents.describe('Ids of jobs (in this DAG) that must complete first.'),
  affinity: JobFields.shape.affinity.describe('Run on the agent that ran its parent.'),
  approval: Approval.shape.message.optional().describe('Ask a human first: the job waits in WAITING_APPROVAL with this message. Without script or artifact it is a pure gate that completes when approved.'),
};

type JobIn = z.output<z.ZodObject<typeof JOB>> & Partial<{ id: string; parents: string[]; affinity: boolean; approval: string }>;

/** A tool's job as the contract's JobSpec input; the control plane validates it again. */
export function jobSpecOf(j: JobIn): JobSpecInput {
  const where = j.id ? `job ${j.id}: ` : '';
  if (j.script !== undefined && j.artifact !== undefined) throw new ToolError(`${where}give either script or artifact, not both`);
  const gate = j.script === undefined && j.artifact === undefined;
  if (gate && !j.approval) throw new ToolError(`${where}give script (source text) or artifact (a deployed script's name)`);
  const spec: JobSpecInput = {
    ...(j.id ? { id: j.id } : {}),
    type: gate ? 'GATE' : 'RUN_PAYLOAD',
    file: j.filename ?? j.artifact ?? 'job.py',
    args: j.args,
    requirement: j.requirement,
    priority: j.priority,
    maxRetries: j.max_retries,
    timeoutMs: j.timeout_s === undefined ? null : Math.ceil(j.timeout_s * 1000),
    parents: j.parents ?? [],
    affinity: j.affinity ?? false,
    affinityTo: j.affinity_to ?? null,
    approval: j.approval ? { message: j.approval } : null,
  };
  if (j.script !== undefined) spec.payloadB64 = base64Of(j.script);
  if (j.artifact !== undefined) spec.script = j.artifact;
  return spec;
}

const submitJob = defineTool({
  name: 'submit_job',
  description: `Submit one job to the cluster: a program (\`script\` source text, or a deployed \`artifact\`) run by an agent with the \`requirement\` capability. Returns at once with structuredContent.jobId; follow it with job_status, wait_job and job_logs. ${LIFECYCLE}`,
  input: JOB,
  async run(args, { port }) {
    const { job } = await port('submitJob', { body: jobSpecOf(args) });
    return reply(`submitted job ${job.id} (${job.state})`, { jobId: job.id, state: job.state });
  },
});

const submitDag = defineTool({
  name: 'submit_dag',
  description: `Submit a DAG of jobs atomically: each job names its \`parents\` (ids in the same request) and starts when they have all completed; if one fails its descendants are cancelled. A job with \`approval\` waits for a human (approve_gate / reject_gate). The whole DAG is refused, with nothing stored, when an id is taken, a parent unknown or the graph has a cycle. Returns structuredContent.dagId and .jobIds. ${LIFECYCLE}`,
  input: {
    name: z.string().min(1).max(200).optional().describe('A name for the DAG run.'),
    jobs: z.array(z.object(DAG_JOB)).min(1).max(LIMITS.maxDagJobs).describe('The jobs, in any order.'),
  },
  async run({ name, jobs }, { port }) {
    const body: SubmitDagRequestInput = { ...(name ? { name } : {}), jobs: jobs.map((j) => jobSpecOf(j)) };
    const r = await port('submitDag', { body });
    return reply(`submitted DAG ${r.dag} with jobs ${r.jobs.join(', ')}`, { dagId: r.dag, jobIds: r.jobs });
  },
});

const submitYaml = defineTool({
  name: 'submit_yaml',
  description: `Submit a pipeline written in Titan's YAML format (the one \`titan submit\` reads: name, jobs with id, file, args, requirement, depends_on, hitl_message, …). Each job's \`file\` is looked up in \`scripts\` (path → source text). Pipelines with a \`project\` folder need the CLI. Returns structuredContent.dagId and .jobIds; errors list every problem with its line. ${LIFECYCLE}`,
  input: {
    yaml: z.string().min(1).max(200_000).describe('The pipeline document.'),
    scripts: z.record(z.string().min(1).max(500), z.string().max(LIMITS.maxInlinePayloadBytes)).default({}).describe("The jobs' scripts by the path their `file` names."),
  },
  async run({ yaml, scripts }, { port }) {
    const files = new Map(Object.entries(scripts).map(([p, text]) => [normalPath(p), text]));
    const r = normalizePipelineText(yaml, {
      fileName: 'pipeline.yaml',
      files: { isFile: (p) => files.has(normalPath(p)), isDir: () => false, folderName: (p) => p },
    });
    if (!r.pipeline) throw new ToolError(`the pipeline is not valid:\n${r.issues.map(formatIssue).join('\n')}`);
    // HTTP clients refuse `hitl_message`; here it becomes the job's approval.
    const gates = new Map(r.pipeline.jobs.filter((j) => j.hitl).map((j) => [j.id, j.hitl!]));
    const dag = pipelineToDag({ ...r.pipeline, jobs: r.pipeline.jobs.map((j) => ({ ...j, hitl: null })) }, {
      readFile: (p) => new TextEncoder().encode(files.get(normalPath(p)) ?? ''),
    });
    for (const job of dag.jobs) {
      const h = gates.get(job.id!);
      if (h) job.approval = { message: h.message, timeoutMs: h.max_wait_seconds * 1000 };
    }
    const out = await port('submitDag', { body: dag });
    return reply(`submitted pipeline ${r.pipeline.name} as DAG ${out.dag} with jobs ${out.jobs.join(', ')}`, { dagId: out.dag, jobIds: out.jobs });
  },
});

export const SUBMIT_TOOLS = [submitJob, submitDag, submitYaml];
