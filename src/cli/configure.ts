import {
  removePackageConfiguration,
  setGlobalDefault,
  setPackageConfiguration,
} from '../config/configurations.js';
import { updateStore } from '../config/store.js';
import { usageError } from './usage.js';

function parseNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw usageError(`${flag} expects a number, got '${text}'`);
  return n;
}

export async function runSet(
  storePath: string,
  args: string[],
  flags: { priority?: string; threshold?: string; fallback?: string; type?: string },
): Promise<string> {
  const [name, strategy, ...rest] = args;
  if (name === undefined || strategy === undefined || rest.length > 0) {
    throw usageError('set needs exactly <package> <strategy>');
  }
  const config = await updateStore(storePath, (data) =>
    setPackageConfiguration(data, name, {
      strategy,
      configuration_type: flags.type,
      priority: parseNumber('--priority', flags.priority),
      performance_threshold: parseNumber('--threshold', flags.threshold),
      fallback_strategy: flags.fallback,
    }),
  );
  return `Strategy for ${config.package_name} set to ${config.strategy} (priority ${config.priority})`;
}

export async function runUnset(storePath: string, args: string[]): Promise<string> {
  const [name, ...rest] = args;
  if (name === undefined || rest.length > 0) throw usageError('unset needs exactly <package>');
  await updateStore(storePath, (data) => removePackageConfiguration(data, name));
  return `Strategy configuration for ${name} removed`;
}

export async function runDefault(storePath: string, args: string[]): Promise<string> {
  const [strategy, ...rest] = args;
  if (strategy === undefined || rest.length > 0) throw usageError('default needs exactly <strategy>');
  await updateStore(storePath, (data) => setGlobalDefault(data, strategy));
  return `Global default strategy set to ${strategy}`;
}
