import type { FastifyRequest } from 'fastify';
import {
  applyRecommendations,
  DEFAULT_MIN_CONFIDENCE,
  getRecommendations,
} from '../../analysis/recommendations.js';
import { STRATEGIES } from '../../config/strategies.js';
import { ErrorCode, LoadstratError } from '../../errors.js';
import type { RouteGroup } from '../route-group.js';
import { ok } from '../route-group.js';
import { responses } from '../schemas.js';

const tag = {
  name: 'recommendations',
  description: 'Strategy recommendations from the measured usage and performance, and applying them',
};

const strategy = { type: 'string', enum: [...STRATEGIES] } as const;
const level = { type: 'string', enum: ['low', 'medium', 'high'] } as const;
const packageName = {
  type: 'string',
  minLength: 1,
  maxLength: 214,
  description: 'An npm package name',
} as const;
const minConfidence = {
  type: 'number',
  minimum: 0,
  maximum: 1,
  description: `Only recommendations at least this confident (default ${DEFAULT_MIN_CONFIDENCE})`,
} as const;

const recommendationsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    package_name: { ...packageName, description: 'only this package' },
    min_confidence: minConfidence,
  },
} as const;

const recommendationsData = {
  type: 'object',
  required: ['recommendations', 'total_recommendations', 'filters'],
  properties: {
    recommendations: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'package_name',
          'current_strategy',
          'recommended_strategy',
          'confidence',
          'reasoning',
          'expected_improvement',
          'implementation_cost',
          'risk_level',
          'data_points',
        ],
        properties: {
          package_name: { type: 'string' },
          current_strategy: { ...strategy, description: 'what the store makes the package load with now' },
          recommended_strategy: strategy,
          confidence: { type: 'number', description: '0–1: high ≥ 0.8, medium ≥ 0.6, low ≥ 0.4' },
          reasoning: { type: 'string', description: 'one sentence with the numbers behind it' },
          expected_improvement: {
            type: 'number',
            description: 'percent of the mean process startup saved (negative: added)',
          },
          implementation_cost: level,
          risk_level: level,
          data_points: { type: 'integer', description: 'processes whose use of the package was observed' },
        },
      },
    },
    total_recommendations: { type: 'integer' },
    filters: {
      type: 'object',
      required: ['package_name', 'min_confidence'],
      properties: { package_name: { type: ['string', 'null'] }, min_confidence: { type: 'number' } },
    },
  },
} as const;

const applyQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { min_confidence: minConfidence },
} as const;

const applyBody = {
  type: 'array',
  maxItems: 1000,
  items: { type: 'string', maxLength: 214 },
  description: 'The package names whose recommendation to apply, e.g. ["torch", "numpy"]',
} as const;

const applyData = {
  type: 'object',
  required: ['results', 'total_packages', 'successful_applications'],
  properties: {
    results: {
      type: 'array',
      items: {
        type: 'object',
        required: ['package_name', 'applied_strategy', 'success'],
        properties: {
          package_name: { type: 'string' },
          applied_strategy: { type: ['string', 'null'], enum: [...STRATEGIES, null] },
          success: { type: 'boolean' },
          expected_improvement: { type: 'number', description: 'when applied' },
          confidence: { type: 'number', description: 'when applied' },
          reason: { type: 'string', description: 'why nothing was applied' },
        },
      },
    },
    total_packages: { type: 'integer' },
    successful_applications: { type: 'integer' },
  },
} as const;

/** The body as sent: ajv's type coercion would otherwise turn `"torch"` into `["torch"]` and `1` into `"1"`. */
function assertNames(request: FastifyRequest, _reply: unknown, done: (error?: Error) => void): void {
  const body = request.body;
  if (!Array.isArray(body))
    throw new LoadstratError(ErrorCode.Validation, 'body: must be a JSON array of package names');
  const i = body.findIndex((n) => typeof n !== 'string');
  if (i >= 0) {
    throw new LoadstratError(
      ErrorCode.Validation,
      `body[${i}]: ${JSON.stringify(body[i])} is not a package name (a string)`,
    );
  }
  done();
}

export const recommendationRoutes: RouteGroup = {
  tag,
  async plugin(app, { ctx }) {
    app.get(
      '/recommendations',
      {
        schema: {
          tags: [tag.name],
          summary: 'Strategy recommendations from the measured usage and performance',
          description:
            'Best first (largest expected improvement). A package needs at least 5 processes whose use was observed; ' +
            'packages in an active A/B test or set as a user preference get none.',
          querystring: recommendationsQuery,
          response: responses(recommendationsData),
        },
      },
      async (request) => {
        const query = request.query as { package_name?: string; min_confidence?: number };
        return ok(getRecommendations(await ctx.read(), query));
      },
    );

    app.post(
      '/recommendations/apply',
      {
        preValidation: assertNames,
        schema: {
          tags: [tag.name],
          summary: 'Apply the recommendations of the given packages',
          description:
            'Each recommendation GET /recommendations shows at `min_confidence` is stored as the package’s ' +
            '`auto_optimized` strategy (the configuration it replaces is kept for a revert). A package without one ' +
            'is reported with `success: false` and a `reason`.',
          querystring: applyQuery,
          body: applyBody,
          response: responses(applyData, 415),
        },
      },
      async (request) => {
        const { min_confidence } = request.query as { min_confidence?: number };
        const names = request.body as string[];
        const now = ctx.now();
        return ok(await ctx.update((data) => applyRecommendations(data, names, { min_confidence, now })));
      },
    );
  },
};
