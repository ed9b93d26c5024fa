import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { SubmitDagRequestInput } from '../control-plane/src/contract/jobs';
import { loadPipelineFile, pipelineToDag, PipelineError, unsupportedOverHttp, type Pipeline } from '../sdk/ts/pipeline';
import type { TitanHttpClient } from '../sdk/ts/client';
import { UsageError } from './args';
import { zipFolder } from './zipFolder';

/** A pipeline file checked whole (its scripts and project folder beside it included) before anything is sent. */
export function readPipeline(file: string): Pipeline {
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
  try {
    const pipeline = loadPipelineFile(file);
    const unsupported = unsupportedOverHttp(pipeline);
    if (unsupported.length) throw new PipelineError(unsupported);
    return pipeline;
  } catch (e) {
    if (e instanceof PipelineError) throw new UsageError(`${basename(file)}: ${e.message}`);
    throw e;
  }
}

/** The DAG request of a pipeline: its project folder uploaded as a zip first, or its scripts inline. */
export async function pipelineDag(file: string, pipeline: Pipeline, client: TitanHttpClient): Promise<SubmitDagRequestInput> {
  const base = dirname(file);
  const folder = pipeline.project === null ? null : resolve(base, pipeline.project);
  if (!folder) return pipelineToDag(pipeline, { readFile: (f) => readFileSync(resolve(base, f)) });
  const archive = pipeline.archive ?? `${basename(folder)}.zip`;
  await client.putArtifact(archive, zipFolder(folder));
  return pipelineToDag(pipeline, { archive });
}
