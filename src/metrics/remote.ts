// The fleet, preloader side: read the configuration from a loadstrat server at boot and send measurements
// there instead of the local spool. Never throws into the app; node:http loads only when a request is made.
import { readFileSync } from 'node:fs';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { BootView } from '../config/boot-view.js';
import type { Settings } from '../config/env.js';
import { getStorePaths } from '../config/store-file.js';
import { isStrategy } from '../config/strategies.js';
import { WarningCode } from '../errors.js';
import { FLUSH_INTERVAL_MS } from './flush.js';
import type { ProcessReport } from './process-report.js';
import type { Recorder } from './recorder.js';

const API = '/api/strategy-configuration';
/** How long a boot waits for the server before falling back to the local store or the defaults. */
export const BOOT_TIMEOUT_MS = 500;
/** A flush's deadline; at exit the process waits for it at most this long (plus ~60 ms to start a thread). */
export const SEND_TIMEOUT_MS = 2_000;

type RemoteSettings = Pick<Settings, 'server' | 'apiToken' | 'storePath'>;

/** LOADSTRAT_API_TOKEN, else the token a server on this machine keeps beside the store. */
function getToken(settings: RemoteSettings): string | undefined {
  if (settings.apiToken !== undefined) return settings.apiToken;
  try {
    return readFileSync(getStorePaths(settings.storePath).token, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function getUrl(settings: RemoteSettings, path: string): URL {
  if (settings.server === undefined) throw new Error('LOADSTRAT_SERVER is not set');
  const url = new URL(settings.server);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`LOADSTRAT_SERVER ${settings.server} is not http(s)`);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${API}${path}`;
  return url;
}

type Answer = { status: number; text: string };

/** One request with a deadline for the whole exchange, on a connection of its own (nothing kept alive). */
async function request(
  url: URL,
  method: string,
  token: string | undefined,
  body: string | undefined,
  timeoutMs: number,
): Promise<Answer> {
  const http = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'application/json', connection: 'close' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    let req: ClientRequest | undefined;
    const timer = setTimeout(() => req?.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
    req = http.request(url, { method, headers, agent: false }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(body);
  });
}

function describeAnswer(answer: Answer): string {
  try {
    const message = (JSON.parse(answer.text) as { error?: { message?: string } }).error?.message;
    if (message !== undefined) return `the server answered ${answer.status}: ${message}`;
  } catch {
    // Not our server's envelope: the status says enough.
  }
  return `the server answered ${answer.status}`;
}

function isBootView(value: unknown): value is BootView {
  const v = value as BootView | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    isStrategy(v.global_default_strategy) &&
    Array.isArray(v.configurations) &&
    Array.isArray(v.ab_tests) &&
    typeof v.recent_load_time === 'object' &&
    v.recent_load_time !== null &&
    typeof v.shapes === 'object' &&
    v.shapes !== null
  );
}

/**
 * The server's boot view, or null when there is no server, it does not answer within `timeoutMs`, or it
 * answers anything but a boot view; `onProblem` hears why (the caller falls back and may warn).
 */
export async function fetchBootView(
  settings: RemoteSettings,
  timeoutMs: number = BOOT_TIMEOUT_MS,
  onProblem?: (message: string) => void,
): Promise<BootView | null> {
  if (settings.server === undefined) return null;
  try {
    const answer = await request(
      getUrl(settings, '/fleet/boot-view'),
      'GET',
      getToken(settings),
      undefined,
      timeoutMs,
    );
    if (answer.status !== 200) throw new Error(describeAnswer(answer));
    const data = (JSON.parse(answer.text) as { data?: unknown }).data;
    if (!isBootView(data)) throw new Error('the server answered something that is not a boot view');
    return data;
  } catch (error) {
    onProblem?.(`could not read the configuration from ${settings.server}: ${(error as Error).message}`);
    return null;
  }
}

// The server refuses a whole batch over one oversized string: trim what may grow without bound.
function trimReport(report: ProcessReport): ProcessReport {
  return {
    ...report,
    events: report.events.slice(0, 100).map((e) => ({ ...e, message: e.message.slice(0, 10_000) })),
  };
}

function encodeReports(reports: readonly ProcessReport[]): string {
  return JSON.stringify({ reports: reports.map(trimReport) });
}

/** Send reports in one request; rejects with the reason when the server did not take them all. */
export async function sendReports(
  settings: RemoteSettings,
  reports: readonly ProcessReport[],
  timeoutMs: number = SEND_TIMEOUT_MS,
): Promise<void> {
  const answer = await request(
    getUrl(settings, '/fleet/reports'),
    'POST',
    getToken(settings),
    encodeReports(reports),
    timeoutMs,
  );
  if (answer.status !== 200) throw new Error(describeAnswer(answer));
}

// Runs in a worker thread: the same request, its outcome posted back and the waiting main thread woken.
const SYNC_SENDER = `
const { workerData } = require('node:worker_threads');
const { url, token, body, timeoutMs, port, flag } = workerData;
const http = require(url.startsWith('https:') ? 'node:https' : 'node:http');
const done = (outcome) => { port.postMessage(outcome); const f = new Int32Array(flag); Atomics.store(f, 0, 1); Atomics.notify(f, 0); };
const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' };
if (token) headers.authorization = 'Bearer ' + token;
const req = http.request(url, { method: 'POST', headers, agent: false }, (res) => {
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (c) => { text += c; });
  res.on('end', () => done({ status: res.statusCode, text }));
});
req.setTimeout(timeoutMs, () => req.destroy(new Error('no answer within ' + timeoutMs + ' ms')));
req.on('error', (e) => done({ error: e.message }));
req.end(body);
`;

/**
 * sendReports for places where the event loop no longer runs ('exit', a signal about to kill the process):
 * the request runs in a short-lived worker thread while this thread blocks on Atomics.wait. Costs the
 * thread's start (~60 ms here) plus the round trip; throws with the reason when the reports were not taken.
 */
export function sendReportsSync(
  settings: RemoteSettings,
  reports: readonly ProcessReport[],
  timeoutMs: number = SEND_TIMEOUT_MS,
): void {
  const url = getUrl(settings, '/fleet/reports').href;
  const flag = new SharedArrayBuffer(4);
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(SYNC_SENDER, {
    eval: true,
    workerData: {
      url,
      token: getToken(settings),
      body: encodeReports(reports),
      timeoutMs,
      port: port2,
      flag,
    },
    transferList: [port2],
    // Not the app's --import/--require (that would start loadstrat again in the worker), and silent.
    execArgv: [],
    env: { ...process.env, LOADSTRAT_DISABLE: '1' },
    stdout: true,
    stderr: true,
  });
  worker.unref();
  try {
    // The worker's own deadline covers the request; this one covers a worker that never starts.
    const waited = Atomics.wait(new Int32Array(flag), 0, 0, timeoutMs + 1_000);
    const outcome = receiveMessageOnPort(port1)?.message as
      | { status?: number; text?: string; error?: string }
      | undefined;
    if (waited === 'timed-out' || outcome === undefined) throw new Error(`no answer within ${timeoutMs} ms`);
    if (outcome.error !== undefined) throw new Error(outcome.error);
    if (outcome.status !== 200)
      throw new Error(describeAnswer({ status: outcome.status ?? 0, text: outcome.text ?? '' }));
  } finally {
    port1.close();
    void worker.terminate();
  }
}

function warnOnce(message: string): void {
  if (process.env.NODE_NO_WARNINGS === '1' || process.execArgv.includes('--no-warnings')) return;
  // Written directly: at 'exit' a process.emitWarning would never be printed (it is emitted on a later tick).
  process.stderr.write(`(node:${process.pid}) [${WarningCode.FlushFailed}] Warning: loadstrat: ${message}\n`);
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * installFlush's counterpart for a fleet: the recorder's reports go to the server. Periodic flushes and the
 * natural end ('beforeExit') send asynchronously, costing the round trip; process.exit() and SIGINT/SIGTERM
 * use sendReportsSync. A failed flush drops that report whole (the server keeps all of a batch or none of
 * it) and is said once on stderr. Returns a synchronous flush.
 */
export function installRemoteFlush(
  settings: RemoteSettings,
  recorder: Recorder,
  warn: (message: string) => void = warnOnce,
): () => void {
  let warned = false;
  const fail = (error: unknown) => {
    if (warned) return;
    warned = true;
    warn(
      `could not send measurements to ${settings.server}: ${(error as Error)?.message ?? error}; they were dropped`,
    );
  };
  const flushAsync = () => {
    if (recorder.isDirty()) sendReports(settings, [recorder.take()]).catch(fail);
  };
  const flushSync = () => {
    if (!recorder.isDirty()) return;
    try {
      sendReportsSync(settings, [recorder.take()]);
    } catch (error) {
      fail(error);
    }
  };

  const timer = setInterval(flushAsync, FLUSH_INTERVAL_MS);
  timer.unref();
  // The pending request keeps the loop alive until it is answered or its deadline passes; then the loop
  // empties again and 'beforeExit' finds nothing left to send.
  process.on('beforeExit', flushAsync);
  process.on('exit', flushSync);
  const onSignal = (signal: NodeJS.Signals) => {
    flushSync();
    if (process.listenerCount(signal) === 1) {
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    }
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return flushSync;
}
