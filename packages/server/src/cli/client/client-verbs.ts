/** Every client verb of `k2v`, in the order `k2v --help` lists them. */
import type { Command } from 'commander';
import { deleteVerb, insertVerb, pollItemVerb, readVerb } from './item-verbs.js';
import { watchVerb } from './watch-verb.js';
import { deleteRangeVerb, listVerb, pollRangeVerb, readIndexVerb, readRangeVerb } from './range-verbs.js';

export const clientVerbs = (): Command[] => [
  insertVerb(),
  readVerb(),
  deleteVerb(),
  pollItemVerb(),
  pollRangeVerb(),
  readIndexVerb(),
  readRangeVerb(),
  deleteRangeVerb(),
  listVerb(),
  watchVerb(),
];
