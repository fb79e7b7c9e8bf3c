/**
 * The targets of issue 16 (the durable spool), judged by bench/sections/durability.ts and
 * listed in TARGETS (bench/lib/targets.ts) with the others. Speed is a ratio against a
 * receiver measured in the same run; "no worse than before" restates what the last run
 * before the spool measured (BENCHMARKS.md of 2026-11-28, acks after commit) on the same
 * scales: against the old ceiling, one text `\copy` session of the same rows, measured in
 * the same run, and the live tail's p99 at the same load.
 */
import type { TargetDef } from './targets.js';

export const DURABILITY_TARGETS = {
  ackSpool1: {
    what: 'an ack per event, 1 connection: events/s vs an ack-on-receipt sink',
    op: '>=',
    limit: 0.5,
    unit: '',
    origin:
      'issue 16: acks once the spool holds the event (fdatasync, LOGHARBOR_SPOOL_SYNC=always); before it, acks after commit: 356 vs 10,830 lines/s (0.03)',
  },
  ackSpool32: {
    what: 'an ack per event, 32 connections: events/s vs an ack-on-receipt sink',
    op: '>=',
    limit: 0.5,
    unit: '',
    origin: 'issue 16; before it, acks after commit: 2,350 events/s over 32 connections',
  },
  outageHeld: {
    what: 'PostgreSQL stopped, 8 senders at 2,000 lines/s: longest any sender is held',
    op: '<',
    limit: 0.5,
    unit: ' s',
    origin:
      'issue 16: senders are not held while PostgreSQL is away (before it, held for the whole outage)',
  },
  outageStored: {
    what: 'PostgreSQL stopped, 8 forward senders: lines lost or stored twice',
    op: '<=',
    limit: 0,
    unit: '%',
    origin: 'issue 16: every acked line stored once',
  },
  udpDropped: {
    what: 'UDP syslog at 10,000 lines/s through a PostgreSQL stop: lines lost',
    op: '<=',
    limit: 0,
    unit: '%',
    origin:
      'issue 16: nothing dropped while PostgreSQL is away (before it, the writer queue filled)',
  },
  forwardBefore: {
    what: 'PackedForward burst vs the old ceiling, no worse than before the spool',
    op: '>=',
    limit: 0.5,
    unit: '',
    origin:
      'issue 16: no worse than before; the last run before it: 0.50 of one text `\\copy` session (77,306 vs 154,578 events/s)',
  },
  tailBefore: {
    what: 'live tail p99 at 10,000 events/s, 10 clients, no worse than before the spool',
    op: '<=',
    limit: 91,
    unit: ' ms',
    origin: 'issue 16: no worse than before; the last run before it: 91 ms',
  },
} satisfies Record<string, TargetDef>;
