import type { RouteGroup } from '../route-group.js';
import { abTestRoutes } from './ab-tests.js';
import { fleetRoutes } from './fleet.js';
import { globalDefaultRoutes } from './global-default.js';
import { packageRoutes } from './packages.js';
import { performanceRoutes } from './performance.js';
import { recommendationRoutes } from './recommendations.js';
import { statusRoutes } from './status.js';

/** Every group under /api/strategy-configuration, in the order the docs list them. One line per group. */
export const ROUTE_GROUPS: readonly RouteGroup[] = [
  statusRoutes,
  packageRoutes,
  globalDefaultRoutes,
  performanceRoutes,
  recommendationRoutes,
  abTestRoutes,
  fleetRoutes,
];
