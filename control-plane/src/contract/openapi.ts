import * as z from 'zod';
import { ErrorBody } from './common';
import { ROUTES, type RouteDef } from './routes';

/**
 * A tuple of one item type is written as a fixed-length array of that type rather than with
 * `prefixItems`: OpenAPI tools we are checked with (schemathesis 4) misread `prefixItems` with
 * `items: false` and refuse the whole response schema. DagView.edges is the one tuple.
 */
function plainTuples(ctx: { zodSchema: unknown; jsonSchema: Record<string, unknown> }): void {
  const j = ctx.jsonSchema;
  const items = j.prefixItems as unknown[] | undefined;
  if (!Array.isArray(items) || j.items !== false || !items.length) return;
  const first = JSON.stringify(items[0]);
  if (!items.every((i) => JSON.stringify(i) === first)) return;
  delete j.prefixItems;
  j.items = items[0];
}

const schema = (s: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(s, { io, unrepresentable: 'any', override: plainTuples });

/** The OpenAPI 3.1 document, derived from the route table and its zod schemas. */
export function buildOpenApi(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, r] of Object.entries(ROUTES) as [string, RouteDef][]) {
    const params: Record<string, unknown>[] = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    if (r.query) {
      const q = schema(r.query, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, s] of Object.entries(q.properties ?? {})) params.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema: s });
    }
    const op: Record<string, unknown> = {
      operationId: name,
      summary: r.summary,
      parameters: params,
      security: r.role === 'none' ? [] : [{ bearer: [] }],
      responses: {
        [String(r.status ?? 200)]: r.response
          ? { description: 'OK', content: { 'application/json': { schema: schema(r.response, 'output') } } }
          : { description: 'OK', content: { [r.rawResponse ?? 'application/json']: {} } },
        default: { description: 'Error', content: { 'application/json': { schema: schema(ErrorBody, 'output') } } },
      },
    };
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: schema(r.body, 'input') } } };
    if (r.rawBody) op.requestBody = { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } };
    (paths[r.path] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Titan Edge control plane', version: '1' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}
