// Store size and flush cost after a year of hourly measurements for 200 packages. Run as a child process by
// run.mjs (argv[2]: a JSON options object); prints one JSON result on stdout.
//
// A year of hourly buckets is driven through loadstrat's own aggregator with a fake clock: one process
// report per simulated process, merged (and so compacted) once per simulated day. The aggregator keeps
// each package × strategy × bucket apart, so the year is simulated for SAMPLE packages with different
// load profiles and the result copied under 200 names: exactly what 200 packages following those profiles
// produce, without encoding 1.75 million hourly histograms (~140 µs each here) one by one.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const options = JSON.parse(process.argv[2] ?? '{}');
const root = resolve(options.root ?? join(import.meta.dirname, '..', '..'));
const dist = (file) => import(pathToFileURL(join(root, 'dist', file)).href);
const { createAggregator } = await dist('metrics/aggregate.js');
const { createEmptyStore } = await dist('config/store-schema.js');
const { updateStore } = await dist('config/store.js');
const { writeSpoolSync, listSpoolIds } = await dist('config/spool.js');
const { readBootView } = await dist('config/boot-view.js');
const { getStorePaths } = await dist('config/store-file.js');

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PACKAGES = options.packages ?? 200;
const DAYS = options.days ?? 365;
const PROCESSES_PER_HOUR = options.processesPerHour ?? 3;
const SNAPSHOT_DAYS = [30, 90, 180, DAYS].filter((d, i, all) => d <= DAYS && all.indexOf(d) === i);

// Load profiles (µs median, spread) for the sample; each is copied PACKAGES / SAMPLE times.
const PROFILES = [
  { strategy: 'on_demand', micros: 25_000, used: 1 }, // a utility every process uses
  { strategy: 'eager', micros: 180_000, used: 0.9 },
  { strategy: 'lazy', micros: 450_000, used: 0.3 }, // deferred, loaded by the processes that use it
  { strategy: 'preload', micros: 900_000, used: 0.7 },
];

let seed = 42;
function random() {
  // mulberry32: the same store on every run
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}
const logNormal = (median) => Math.max(1, Math.round(median * Math.exp((random() - 0.5) * 1.2)));

function createShape(i) {
  const props = {};
  for (let k = 0; k < 40; k += 1)
    props[`export${k}`] = k % 3 === 0 ? 'function' : k % 3 === 1 ? 'object' : 'primitive';
  return { stamp: `${100_000 + i}:1700000000000`, kind: 'object', props, esModule: true, thenable: false };
}

/** One simulated process's report, as a process writes it to the spool at exit. */
function createReport(at, id, first) {
  const packages = {};
  const shapes = {};
  PROFILES.forEach((profile, i) => {
    const name = `sample-${i}`;
    const used = random() < profile.used;
    const loads =
      profile.strategy === 'lazy' && !used
        ? []
        : [[logNormal(profile.micros), 1, Math.round(5e6 + random() * 4e7)]];
    packages[name] = {
      strategy: profile.strategy,
      loads,
      imported: true,
      observed: profile.strategy === 'lazy' || profile.strategy === 'preload',
      used,
      first_use_s: used ? 0.05 + random() * 3 : null,
      import_site_use: false,
      native_reason: null,
    };
    if (first) shapes[name] = { '.': createShape(i) };
  });
  return {
    id: `r${id}`,
    pid: 1000 + (id % 30_000),
    started_at: new Date(at - 5_000).toISOString(),
    ended_at: new Date(at).toISOString(),
    first: true,
    startup_s: 0.12 + random() * 0.1,
    ab: {},
    packages,
    shapes,
    events: [],
    records: [],
  };
}

/** The sample's store copied under PACKAGES names: what the same year looks like for 200 packages. */
function replicate(sample) {
  const copies = Math.ceil(PACKAGES / PROFILES.length);
  const nameOf = (sampleName, copy) =>
    `pkg-${String(copy).padStart(3, '0')}-${sampleName.slice('sample-'.length)}`;
  const store = { ...sample, performance: [], packages: {} };
  for (let copy = 0; copy < copies; copy += 1) {
    for (const b of sample.performance) {
      if (copy * PROFILES.length + Number(b.package_name.slice('sample-'.length)) >= PACKAGES) continue;
      store.performance.push({
        ...b,
        package_name: nameOf(b.package_name, copy),
        first_use: { ...b.first_use },
      });
    }
    for (const [name, facts] of Object.entries(sample.packages)) {
      if (copy * PROFILES.length + Number(name.slice('sample-'.length)) >= PACKAGES) continue;
      store.packages[nameOf(name, copy)] = structuredClone(facts);
    }
  }
  store.configurations = Object.keys(store.packages)
    .slice(0, 40)
    .map((package_name, i) => ({
      package_name,
      strategy: PROFILES[i % PROFILES.length].strategy,
      configuration_type: 'package_specific',
      priority: 1 + (i % 5),
      enabled: true,
      created_at: new Date(end - DAYS * DAY).toISOString(),
      updated_at: new Date(end - DAYS * DAY).toISOString(),
      metadata: {},
      performance_threshold: null,
      fallback_strategy: null,
    }));
  return store;
}

function countBySpan(store) {
  const counts = { hour: 0, day: 0, month: 0 };
  for (const b of store.performance) counts[b.span] += 1;
  return counts;
}
const storeText = (store) => `${JSON.stringify(store)}\n`; // as the store writes it
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const elapsedMs = (start) => Number(process.hrtime.bigint() - start) / 1e6;

// ---- a year of hourly buckets, merged daily with a fake clock
const end = Math.floor(Date.now() / HOUR) * HOUR;
const start = end - DAYS * DAY;
const sample = createEmptyStore();
const snapshots = [];
let reportId = 0;
let hourlyBucketsSeen = 0;
let hourlyBytes = 0;
const simulateStart = process.hrtime.bigint();
for (let day = 1; day <= DAYS; day += 1) {
  const aggregator = createAggregator(sample);
  for (let hour = 0; hour < 24; hour += 1) {
    for (let p = 0; p < PROCESSES_PER_HOUR; p += 1) {
      const at = start + (day - 1) * DAY + hour * HOUR + Math.floor(((p + 0.5) / PROCESSES_PER_HOUR) * HOUR);
      aggregator.addReport(createReport(at, reportId, reportId < PROFILES.length));
      reportId += 1;
    }
  }
  const dayEnd = start + day * DAY;
  aggregator.finish(dayEnd);
  if (day === 1) {
    // The day's hourly buckets, before any compaction: their size is what an uncompacted year would hold.
    const hourly = sample.performance.filter((b) => b.span === 'hour');
    hourlyBucketsSeen = hourly.length;
    hourlyBytes = storeText(hourly).length;
  }
  if (SNAPSHOT_DAYS.includes(day)) {
    const store = replicate(sample);
    snapshots.push({ day, bytes: Buffer.byteLength(storeText(store)), buckets: countBySpan(store) });
  }
}
const simulateMs = elapsedMs(simulateStart);
const bytesPerHourlyBucket = hourlyBytes / hourlyBucketsSeen;
const uncompactedYearBytes = bytesPerHourlyBucket * 365 * 24 * PACKAGES;

// ---- the 200-package store on disk, written by loadstrat itself
const dir = mkdtempSync(join(tmpdir(), 'loadstrat-bench-store-'));
const storePath = join(dir, 'strategy_config.json');
const year = replicate(sample);
let writeStart = process.hrtime.bigint();
await updateStore(storePath, (data) => {
  Object.assign(data, year);
});
const firstWriteMs = elapsedMs(writeStart);
const storeBytes = statSync(storePath).size;
const bootViewPath = getStorePaths(storePath).bootView;

// The reports a process writes at exit: a real one from the startup benchmark when given, else synthetic.
function readReport(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}
const steadyReport = readReport(options.steadyReport) ?? createReport(Date.now(), 0, false);
const learningReport = readReport(options.learningReport) ?? createReport(Date.now(), 0, true);
const fresh = (report, n) => ({
  ...report,
  id: `bench-${process.pid}-${n}`,
  ended_at: new Date().toISOString(),
});

// ---- what each process pays at exit: one spool file, whatever the store's size
function timeSpoolWrites(report, count) {
  const samples = [];
  for (let i = 0; i < count; i += 1) {
    const r = fresh(report, `w${i}`);
    const t = process.hrtime.bigint();
    writeSpoolSync(storePath, r);
    samples.push(elapsedMs(t));
  }
  for (const id of listSpoolIds(storePath))
    rmSync(join(getStorePaths(storePath).spool, `${id}.json`), { force: true });
  return { median_ms: median(samples), bytes: Buffer.byteLength(JSON.stringify(fresh(report, 'x'))) };
}
const spoolSteady = timeSpoolWrites(steadyReport, 100);
const spoolLearning = timeSpoolWrites(learningReport, 30);

// ---- what each process pays at boot: the boot view, never the store
const bootSamples = [];
for (let i = 0; i < 30; i += 1) {
  const t = process.hrtime.bigint();
  readBootView(storePath);
  bootSamples.push(elapsedMs(t));
}

// ---- a merge (`loadstrat merge`, any CLI/server read) of one spool file into the year-old store
const mergeSamples = [];
for (let i = 0; i < 5; i += 1) {
  writeSpoolSync(storePath, fresh(steadyReport, `m${i}`));
  const t = process.hrtime.bigint();
  await updateStore(storePath, () => undefined, { onlyIfMerged: true });
  mergeSamples.push(elapsedMs(t));
}
// …and of a busy hour's worth of spool files at once
for (let i = 0; i < 100; i += 1) writeSpoolSync(storePath, fresh(steadyReport, `b${i}`));
writeStart = process.hrtime.bigint();
await updateStore(storePath, () => undefined, { onlyIfMerged: true });
const merge100Ms = elapsedMs(writeStart);
const storeBytesAfter = statSync(storePath).size;

const result = {
  packages: PACKAGES,
  days: DAYS,
  processes_per_hour: PROCESSES_PER_HOUR,
  simulated_reports: reportId,
  simulated_packages: PROFILES.length,
  simulate_ms: simulateMs,
  buckets: countBySpan(year),
  startup_buckets: year.startup.length,
  store_bytes: storeBytes,
  store_bytes_after_merges: storeBytesAfter,
  boot_view_bytes: statSync(bootViewPath).size,
  uncompacted_year_bytes: uncompactedYearBytes,
  bytes_per_hourly_bucket: bytesPerHourlyBucket,
  growth: snapshots,
  first_write_ms: firstWriteMs,
  merge_one_spool_ms: median(mergeSamples),
  merge_one_spool_samples_ms: mergeSamples,
  merge_100_spools_ms: merge100Ms,
  spool_write_steady: spoolSteady,
  spool_write_learning: spoolLearning,
  boot_view_read_ms: median(bootSamples),
};
if (options.keep)
  result.store_path = storePath; // for a closer look: node bench/lib/store-bench.mjs '{"keep":true}'
else rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify(result)}\n`);
