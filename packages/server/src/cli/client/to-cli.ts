/** The client library's items as the output formats take them. */
import type { Item, KeyedItem } from 'k2v-client';
import type { CausalValue, KeyedValue } from './causal-value.js';

export const causalOf = (item: Item): CausalValue => ({ causality: item.token, values: item.values });

export const keyedOf = (item: KeyedItem): KeyedValue => ({ sortKey: item.sk, causality: item.token, values: item.values });
