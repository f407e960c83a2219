import { ErrorCode, LoadstratError } from '../errors.js';

export const USAGE = `Usage: loadstrat <command> [options]

Commands:
  report [--json]                         the store at a glance
  set <package> <strategy> [--priority N] [--threshold SECONDS] [--fallback STRATEGY] [--type TYPE]
  unset <package>                         remove a package's configuration
  default <strategy>                      set the stored global default strategy
  merge                                   fold finished processes' measurements into the store
  run -- <command> [args…]                run a command with the preloader

Options:
  --config PATH   the store (default: $LOADSTRAT_CONFIG or ./strategy_config.json)
  -h, --help      this text`;

/** A usage error: the CLI prints it with the usage and exits 2. */
export function usageError(message: string): LoadstratError {
  return new LoadstratError(ErrorCode.Usage, message);
}
