/**
 * Every benchmark section, in the order a run makes them (later sections use what earlier
 * ones measured: the maximum rate, the ceiling, the search timings). Add a section here.
 */
import { big } from './big.js';
import { corpus } from './corpus.js';
import { durability } from './durability.js';
import { ingest } from './ingest.js';
import { scaling } from './scaling.js';
import { search } from './search.js';
import type { Section } from './section.js';
import { storage } from './storage.js';
import { sustained } from './sustained.js';
import { syslog } from './syslog.js';
import { tail } from './tail.js';

export const SECTIONS: Section[] = [
  corpus,
  ingest,
  syslog,
  storage,
  search,
  tail,
  durability,
  scaling,
  sustained,
  big,
];
