// graphile-worker 0.18 draining push jobs to the drain bench's fake FCM: the peer the issue
// compares our worker with. Installs graphile-worker's schema (`graphile_worker`, beside ours),
// enqueues N jobs in bulk, runs a worker whose task POSTs an FCM v1 message with keep-alive,
// and prints one line:
//
//   graphile mode=batched jobs=N concurrency=C secs=S rate=R ...
//
// where S runs from the first task's start to the moment the last completion is committed (the
// jobs table is empty). Usage:
//
//   node run.mjs --database-url URL --fcm-url URL --jobs N --mode plain|batched
//                [--concurrency C] [--local-queue Q] [--batch-delay MS] [--pool P]
import { Logger, makeWorkerUtils, run, runMigrations } from "graphile-worker";
import { Agent, request } from "undici";

const opts = parseArgs(process.argv.slice(2));
const mode = opts.mode ?? "plain";
if (!opts["database-url"] || !opts["fcm-url"] || !["plain", "batched"].includes(mode)) {
  console.error(
    "usage: node run.mjs --database-url URL --fcm-url URL --jobs N --mode plain|batched " +
      "[--concurrency C] [--local-queue Q] [--batch-delay MS] [--pool P]",
  );
  process.exit(2);
}
const connectionString = opts["database-url"];
const fcmUrl = opts["fcm-url"].replace(/\/$/, "");
const jobs = Number(opts.jobs ?? 100000);
// Best of 32 and 64 in each mode (BENCHMARKS.md).
const concurrency = Number(opts.concurrency ?? (mode === "plain" ? 64 : 32));
// Batched defaults are the best of the values tried (BENCHMARKS.md, drain section).
const localQueue = Number(opts["local-queue"] ?? 1000);
const batchDelay = Number(opts["batch-delay"] ?? 250);
// Plain mode: a connection per concurrent job, as graphile warns when the pool is smaller.
// Batched mode fetches and completes for the whole pool; its default pool (10) is enough.
const maxPoolSize = Number(opts.pool ?? (mode === "plain" ? concurrency + 2 : 10));

// Per-job "Completed task" lines at info would cost more than the job; our worker logs per
// attempt at debug, so both sides keep warnings and errors only.
const logger = new Logger((scope) => (level, message) => {
  if (level === "error" || level === "warning") console.error(`[${level}] ${message}`);
});

const preset = {
  worker: {
    connectionString,
    maxPoolSize,
    concurrentJobs: concurrency,
    pollInterval: 1000,
    ...(mode === "batched"
      ? {
          localQueue: { size: localQueue },
          completeJobBatchDelay: batchDelay,
          failJobBatchDelay: batchDelay,
        }
      : {}),
  },
};

await runMigrations({ connectionString, logger });
const utils = await makeWorkerUtils({ connectionString, logger });
await utils.withPgClient((c) => c.query("TRUNCATE graphile_worker._private_jobs CASCADE"));

// Enqueue in chunks through `add_jobs` (one statement per chunk).
const enqueueStart = performance.now();
const CHUNK = 5000;
for (let from = 0; from < jobs; from += CHUNK) {
  const specs = [];
  for (let i = from; i < Math.min(jobs, from + CHUNK); i++) {
    specs.push({
      identifier: "send_push",
      payload: {
        token: `token-${i % 10000}`,
        title: "Ice and rest",
        body: "Redness like a mild sunburn is expected today.",
        idempotencyKey: `b${i}`,
      },
    });
  }
  await utils.addJobs(specs);
}
const enqueueSecs = (performance.now() - enqueueStart) / 1000;

// The worker authenticates once (as ours caches its OAuth token), then sends with keep-alive
// over at most `concurrency` connections.
const agent = new Agent({ connections: concurrency, keepAliveTimeout: 60_000, pipelining: 1 });
const tokenRes = await request(`${fcmUrl}/token`, { method: "POST", dispatcher: agent });
const { access_token: accessToken } = await tokenRes.body.json();
const sendUrl = `${fcmUrl}/v1/projects/bench-project/messages:send`;
const headers = { authorization: `Bearer ${accessToken}`, "content-type": "application/json" };

let started = 0;
let finished = 0;
let firstStart = 0;
let lastFinish = 0;
let allSent;
const sentAll = new Promise((resolve) => (allSent = resolve));

const taskList = {
  async send_push(payload) {
    if (started++ === 0) firstStart = performance.now();
    const message = {
      message: {
        token: payload.token,
        notification: { title: payload.title, body: payload.body },
        android: {
          collapse_key: payload.idempotencyKey,
          notification: { tag: payload.idempotencyKey },
        },
        data: { idempotency_key: payload.idempotencyKey },
      },
    };
    const res = await request(sendUrl, {
      method: "POST",
      headers,
      body: JSON.stringify(message),
      dispatcher: agent,
    });
    const answer = await res.body.json();
    if (res.statusCode !== 200 || typeof answer.name !== "string") {
      throw new Error(`FCM answered ${res.statusCode}`);
    }
    lastFinish = performance.now();
    if (++finished === jobs) allSent();
  },
};

const runner = await run({ preset, taskList, logger, noHandleSignals: true });
await sentAll;
// Done means committed: with batched completion the last rows leave the table up to
// `completeJobBatchDelay` later.
let remaining;
for (;;) {
  remaining = await utils.withPgClient(async (c) => {
    const r = await c.query("SELECT count(*)::int AS n FROM graphile_worker._private_jobs");
    return r.rows[0].n;
  });
  if (remaining === 0) break;
  await new Promise((r) => setTimeout(r, 5));
}
const committed = performance.now();
await runner.stop();
await utils.release();
await agent.close();

const secs = (committed - firstStart) / 1000;
const settings =
  mode === "batched"
    ? ` local_queue=${localQueue} batch_delay_ms=${batchDelay}`
    : "";
console.log(
  `graphile mode=${mode} jobs=${jobs} concurrency=${concurrency} pool=${maxPoolSize}${settings} ` +
    `secs=${secs.toFixed(2)} rate=${(jobs / secs).toFixed(0)} ` +
    `sends_secs=${((lastFinish - firstStart) / 1000).toFixed(2)} enqueue_secs=${enqueueSecs.toFixed(2)}`,
);

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) continue;
    out[m[1]] = m[2] ?? argv[++i];
  }
  return out;
}
