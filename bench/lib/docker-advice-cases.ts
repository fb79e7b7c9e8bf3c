/**
 * The option sets bench/docker-advice.ts measures with the real engine (issue 16, item 5):
 * (a) fluentd-request-ack, (b) none, (c) fluentd-async with a container that exits at
 * once, (d) logharbor down at container start, logharbor restarted under a running
 * container, and Docker's `mode` with 10,000 lines written as fast as busybox can.
 */

export const BOTH_STREAMS = 'for i in $(seq 1 200); do echo "out $i"; echo "err $i" >&2; done';
const LABELS = 'labels=com.docker.compose.project,com.docker.compose.service';
const SUBSECOND = 'fluentd-sub-second-precision=true';

export interface Case {
  id: string;
  what: string;
  opts: string[];
  /** `docker run --rm` (default true). */
  rm?: boolean;
  script?: string;
  /** Lines per stream the script writes, numbered 1..n (default 200 on each). */
  perStream?: Record<string, number>;
  /** Stop logharbor before `docker run` (or `downAt` ms after it), start it again this many ms later. */
  downMs?: number;
  downAt?: number;
  /** Environment of logharbor (e.g. LOGHARBOR_FORWARD_ACK=commit). */
  env?: Record<string, string>;
}

const FAST_10K = 'seq 1 10000';
/** Both streams, 200 lines before and 200 after a pause in which logharbor restarts. */
const ACROSS_RESTART =
  'for i in $(seq 1 100); do echo "out $i"; echo "err $i" >&2; done; sleep 4; ' +
  'for i in $(seq 101 200); do echo "out $i"; echo "err $i" >&2; done; sleep 20';

export const CASES: Case[] = [
  {
    id: 'ack',
    what: '(a) fluentd-request-ack=true (+ sub-second, labels: the old README flags)',
    opts: ['fluentd-request-ack=true', SUBSECOND, LABELS],
  },
  {
    id: 'ack-commit',
    what: '(a) the same, logharbor acking after the PostgreSQL commit (LOGHARBOR_FORWARD_ACK=commit)',
    opts: ['fluentd-request-ack=true', SUBSECOND, LABELS],
    env: { LOGHARBOR_FORWARD_ACK: 'commit' },
  },
  { id: 'plain', what: '(b) no request-ack (sub-second, labels)', opts: [SUBSECOND, LABELS] },
  {
    id: 'async-rm',
    what: '(c) no request-ack + fluentd-async=true, --rm, exits right after writing',
    opts: ['fluentd-async=true', SUBSECOND, LABELS],
  },
  {
    id: 'async-keep',
    what: '(c) no request-ack + fluentd-async=true, no --rm, exits right after writing',
    opts: ['fluentd-async=true', SUBSECOND, LABELS],
    rm: false,
  },
  {
    id: 'down-sync',
    what: '(d) no async, logharbor down at container start (back after 5 s)',
    opts: [SUBSECOND, LABELS],
    downMs: 5000,
  },
  {
    id: 'down-async-exit',
    what: '(d) fluentd-async=true, logharbor down at start (back after 5 s), container exits at once',
    opts: ['fluentd-async=true', SUBSECOND, LABELS],
    downMs: 5000,
  },
  {
    id: 'down-async-alive',
    what: '(d) fluentd-async=true, logharbor down at start (back after 5 s), container lives 30 s',
    opts: ['fluentd-async=true', SUBSECOND, LABELS],
    script: `${BOTH_STREAMS}; sleep 30`,
    downMs: 5000,
  },
  {
    id: 'restart-sync',
    what: 'no async: logharbor stopped (SIGTERM) 2 s into a running container, back 5 s later',
    opts: [SUBSECOND, LABELS],
    script: ACROSS_RESTART,
    downAt: 2000,
    downMs: 5000,
  },
  {
    id: 'restart-async',
    what: 'fluentd-async=true: logharbor stopped (SIGTERM) 2 s into a running container, back 5 s later',
    opts: ['fluentd-async=true', SUBSECOND, LABELS],
    script: ACROSS_RESTART,
    downAt: 2000,
    downMs: 5000,
  },
  {
    id: 'blocking-10k',
    what: 'mode=blocking (default), 10,000 lines as fast as possible',
    opts: [SUBSECOND, LABELS],
    script: FAST_10K,
    perStream: { stdout: 10_000 },
  },
  {
    id: 'async-10k',
    what: 'fluentd-async=true, --rm, 10,000 lines as fast as possible, exits at once',
    opts: ['fluentd-async=true', SUBSECOND, LABELS],
    script: FAST_10K,
    perStream: { stdout: 10_000 },
  },
  {
    id: 'nonblocking-10k',
    what: 'mode=non-blocking (max-buffer-size 1m, the default), 10,000 lines as fast as possible',
    opts: ['mode=non-blocking', SUBSECOND, LABELS],
    script: FAST_10K,
    perStream: { stdout: 10_000 },
  },
];
