import type { FastifyPluginAsync } from 'fastify';
import type { ServerContext } from './context.js';

export type RouteGroupOptions = { ctx: ServerContext };

/**
 * One group of endpoints under `/api/strategy-configuration`, behind the Bearer check. A new group is a file
 * in routes/ exporting one of these, plus its line in routes/index.ts.
 */
export interface RouteGroup {
  /** The OpenAPI tag its routes carry. */
  tag: { name: string; description: string };
  plugin: FastifyPluginAsync<RouteGroupOptions>;
}

/** The seed's success envelope. */
export function ok<T>(data: T): { status: 'success'; data: T } {
  return { status: 'success', data };
}
