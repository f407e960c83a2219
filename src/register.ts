// The --import entry: decide whether to run at all, then bootstrap. Nothing here may break the host app.
import { WarningCode } from './errors.js';

try {
  const { bootstrap } = await import('./bootstrap.js');
  // Eager ES modules are imported before the app's entry runs: --import modules are awaited first.
  await bootstrap();
} catch (error) {
  process.emitWarning(
    `loadstrat: failed to start, the app runs as plain Node: ${(error as Error)?.message ?? error}`,
    {
      code: WarningCode.InternalFallback,
    },
  );
}
