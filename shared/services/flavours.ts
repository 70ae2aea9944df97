/**
 * Flavours: named resource sets a step asks for with `PF_JOB_FLAVOUR` (reference/paddleflow.md §1.4, §3.5,
 * §7.3). Floe does not serve PaddleFlow's flavour API (`/flavour`) yet; until it does, the flavours are
 * PaddleFlow's seed flavours, plus those the deployment lists in `FLOE_FLAVOURS` (a JSON list of
 * `{name, cpu, mem, scalarResources?}`; one of the same name replaces a seed flavour). Run creation reads them
 * through `FlavourCatalogue`, which a flavour store can implement later.
 */
import type { FlavourResources } from '../engine/run/fargate-size.ts';
import { PfError } from '../errors.ts';

export interface Flavour extends FlavourResources {
  name: string;
}

/** Where run creation looks flavours up by name. */
export interface FlavourCatalogue {
  get(name: string): Promise<Flavour | undefined>;
}

/**
 * PaddleFlow's seed flavours (installer/database/paddleflow.sql), and `customFlavour`: in a job, the inline
 * flavour, whose default is 1 CPU and 1Gi (§7.3); a pipeline step cannot give it other resources.
 */
export const SEED_FLAVOURS: readonly Flavour[] = [
  { name: 'flavour1', cpu: '1', mem: '1Gi' },
  { name: 'flavour2', cpu: '4', mem: '8Gi', scalarResources: { 'nvidia.com/gpu': '1' } },
  { name: 'flavour3', cpu: '4', mem: '8Gi', scalarResources: { 'nvidia.com/gpu': '2' } },
  { name: 'customFlavour', cpu: '1', mem: '1Gi' },
];

const misconfigured = (why: string) =>
  new PfError('InternalError', `FLOE_FLAVOURS is misconfigured for this deployment: ${why}`);

const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';

function readFlavour(value: unknown): Flavour {
  const entry = (value ?? {}) as Record<string, unknown>;
  const scalars = entry.scalarResources;
  const scalarsOk =
    scalars === undefined ||
    (typeof scalars === 'object' && scalars !== null && Object.values(scalars).every(isText));
  if (!isText(entry.name) || !isText(entry.cpu) || !isText(entry.mem) || !scalarsOk) {
    throw misconfigured(
      `each of its flavours needs a name, a cpu and a mem, and scalarResources of strings; got ${JSON.stringify(value)}`,
    );
  }
  return {
    name: entry.name,
    cpu: entry.cpu,
    mem: entry.mem,
    ...(scalars === undefined ? {} : { scalarResources: scalars as Record<string, string> }),
  };
}

/** The seed flavours and those of `FLOE_FLAVOURS`, by name. A malformed list is a 500 that says so. */
function readCatalogue(env: NodeJS.ProcessEnv): Map<string, Flavour> {
  const byName = new Map(SEED_FLAVOURS.map((flavour) => [flavour.name, flavour]));
  const raw = env.FLOE_FLAVOURS?.trim();
  if (!raw) return byName;
  let listed: unknown;
  try {
    listed = JSON.parse(raw);
  } catch {
    throw misconfigured('it is not JSON');
  }
  if (!Array.isArray(listed)) throw misconfigured('it is not a JSON list');
  for (const flavour of listed.map(readFlavour)) byName.set(flavour.name, flavour);
  return byName;
}

/**
 * The seed flavours and those of `FLOE_FLAVOURS`, read at the first lookup (once per catalogue: run creation
 * makes one per run, so a run that looks no flavour up never reads the variable).
 */
export function flavoursFromEnv(env: NodeJS.ProcessEnv = process.env): FlavourCatalogue {
  let byName: Map<string, Flavour> | undefined;
  return {
    async get(name) {
      byName ??= readCatalogue(env);
      return byName.get(name);
    },
  };
}
