/**
 * PaddleFlow's list filters: query keys such as `userFilter=a,b`, each a comma list (Go's `util.SplitFilter`).
 * Every list spells a filter the same way, so the spelling lives here, by the name Floe's filters give the field.
 */
import { splitCommaList } from '../engine/comma-list.ts';

const QUERY_KEYS = {
  owners: 'userFilter',
  names: 'nameFilter',
  statuses: 'statusFilter',
  fsNames: 'fsFilter',
  runIds: 'runFilter',
  pipelineIds: 'pplFilter',
  pipelineVersionIds: 'pplVersionFilter',
  scheduleIds: 'scheduleFilter',
  types: 'typeFilter',
  paths: 'pathFilter',
} as const;

type FilterField = keyof typeof QUERY_KEYS;

/** The named filters of a list request; an absent or blank one is empty (no filtering on it). */
export function listFilter<F extends FilterField>(
  query: Record<string, string | undefined>,
  fields: readonly F[],
): Record<F, string[]> {
  return Object.fromEntries(
    fields.map((field) => [field, splitCommaList(query[QUERY_KEYS[field]])]),
  ) as Record<F, string[]>;
}
