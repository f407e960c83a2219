import { ErrorCode, LoadstratError } from '../errors.js';

export const USAGE = `Usage: loadstrat <command> [options]

Commands:
  report [--json]                         the store at a glance
  set <package> <strategy> [--priority N] [--threshold SECONDS] [--fallback STRATEGY] [--type TYPE]
  unset <package>                         remove a package's configuration
  default <strategy>                      set the stored global default strategy
  merge                                   fold finished processes' measurements into the store
  serve [--host H] [--port N]             the REST API and docs (default 127.0.0.1:7000)
  recommend [<package>] [--min-confidence X] [--apply] [--json]
                                          strategies the measurements support; --apply stores them
  recommend --revert <package>            undo an applied recommendation or A/B winner
  ab create <package> --strategy-a S --strategy-b S [--traffic-split 0.5] [--duration-days 7]
            [--min-sample-size 100] [--metric load_time|memory_usage|success_rate|startup_time]
  ab list [--status active|completed|stopped] [--json]
  ab show <test_id> [--json]              a test with its results
  ab complete <test_id> [--apply] [--json]
                                          end a test; --apply stores the winner as auto_optimized
  ab delete <test_id>
  run -- <command> [args…]                run a command with the preloader

Options:
  --config PATH   the store (default: $LOADSTRAT_CONFIG or ./strategy_config.json)
  -h, --help      this text`;

/** A usage error: the CLI prints it with the usage and exits 2. */
export function usageError(message: string): LoadstratError {
  return new LoadstratError(ErrorCode.Usage, message);
}
