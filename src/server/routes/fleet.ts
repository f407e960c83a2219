import { createBootView, inlineShapes, readBootView } from '../../config/boot-view.js';
import { writeSpoolSync } from '../../config/spool.js';
import { createEmptyStore } from '../../config/store-schema.js';
import { ErrorCode, LoadstratError } from '../../errors.js';
import type { ProcessReport } from '../../metrics/process-report.js';
import type { RouteGroup } from '../route-group.js';
import { ok } from '../route-group.js';
import { bootViewData, fleetReportsBody, fleetReportsData, noQuery, responses } from '../schemas.js';

const tag = {
  name: 'fleet',
  description: 'Preloaded processes that report to this server (LOADSTRAT_SERVER) instead of a local store',
};

/**
 * Looser than a configurable name: a process measures what it finds in node_modules, and older packages
 * have names npm no longer accepts (`JSONStream`). Still one path segment, or two for a scope.
 */
function isValidPackageName(name: string): boolean {
  return name.length > 0 && name.length <= 214 && /^(?:@[^/\s@.][^/\s]*\/)?[^/\s@._][^/\s]*$/.test(name);
}

function assertReportNames(reports: readonly ProcessReport[]): void {
  for (const [i, report] of reports.entries()) {
    for (const part of ['packages', 'shapes'] as const) {
      for (const name of Object.keys(report[part])) {
        if (!isValidPackageName(name)) {
          throw new LoadstratError(
            ErrorCode.Validation,
            `reports[${i}].${part}: '${name}' is not a valid npm package name`,
          );
        }
      }
    }
    for (const [j, record] of report.records.entries()) {
      if (!isValidPackageName(record.package_name)) {
        throw new LoadstratError(
          ErrorCode.Validation,
          `reports[${i}].records[${j}].package_name: '${record.package_name}' is not a valid npm package name`,
        );
      }
    }
  }
}

export const fleetRoutes: RouteGroup = {
  tag,
  async plugin(app, { ctx }) {
    app.get(
      '/fleet/boot-view',
      {
        schema: {
          tags: [tag.name],
          summary: 'What a booting process needs from the store',
          description:
            'Configurations, the global default, active A/B tests, recent mean load times and learned export shapes ' +
            '(src/config/boot-view.ts). Served from the view kept beside the store: no merge, no lock.',
          querystring: noQuery,
          response: responses(bootViewData),
        },
      },
      async () => {
        const view = readBootView(ctx.storePath) ?? createBootView(createEmptyStore(), 'empty');
        // A fleet process cannot read the rest from a local file: send every shape.
        return ok(inlineShapes(view, ctx.storePath));
      },
    );

    app.post(
      '/fleet/reports',
      {
        bodyLimit: ctx.limits.fleetBody,
        schema: {
          tags: [tag.name],
          summary: 'Accept a batch of process reports (what a preloaded process measured)',
          description:
            'One request per flush carries every report the process has (its workers’ folded in). Loads travel as raw ' +
            '`[µs, ok, bytes]` samples: a process loads each package about once, which is smaller than an encoded HDR ' +
            'histogram and exact; the merge folds them into the store’s histograms. The batch is validated whole before ' +
            'anything is kept; each report becomes one spool file named by its id, so a resend before the next merge ' +
            'replaces instead of doubling.',
          querystring: noQuery,
          body: fleetReportsBody,
          response: responses(fleetReportsData, 413, 415),
        },
      },
      async (request) => {
        const { reports } = request.body as { reports: ProcessReport[] };
        assertReportNames(reports);
        for (const report of reports) writeSpoolSync(ctx.storePath, { ...report, id: `fleet-${report.id}` });
        return ok({ accepted: reports.length, message: `${reports.length} report(s) accepted` });
      },
    );
  },
};
