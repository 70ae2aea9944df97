/**
 * A flavour's resources (PaddleFlow's `cpu`, `mem` and `scalarResources`, Kubernetes quantities such as `4`,
 * `500m`, `8Gi`) as a Fargate task size: the smallest CPU and memory pair Fargate accepts that is at or above
 * both (AWS's task CPU and memory table, below). Pure.
 */
import { runsContainer, type StepSpec } from '../spec/model.ts';
import type { ContainerSize, RunContext } from './model.ts';

/** What a flavour asks for, as PaddleFlow stores it (reference/paddleflow.md §1.4, §7.3). */
export interface FlavourResources {
  cpu: string;
  mem: string;
  /** Extended resources (`nvidia.com/gpu: "1"`): Fargate has none. */
  scalarResources?: Record<string, string>;
}

export type FargateSizing = { size: ContainerSize } | { refusal: string };

const GIB = 1024;

/** Fargate's CPU values (CPU units, 1,024 = 1 vCPU) and the memory each allows, in MiB. */
const range = (from: number, to: number, step: number) =>
  Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
const MEMORY_BY_CPU: readonly (readonly [number, readonly number[]])[] = [
  [256, [512, 1 * GIB, 2 * GIB]],
  [512, range(1 * GIB, 4 * GIB, GIB)],
  [1024, range(2 * GIB, 8 * GIB, GIB)],
  [2048, range(4 * GIB, 16 * GIB, GIB)],
  [4096, range(8 * GIB, 30 * GIB, GIB)],
  [8192, range(16 * GIB, 60 * GIB, 4 * GIB)],
  [16384, range(32 * GIB, 120 * GIB, 8 * GIB)],
];

/** Every pair Fargate accepts, by CPU then memory. */
export const FARGATE_SIZES: readonly ContainerSize[] = MEMORY_BY_CPU.flatMap(([cpu, memories]) =>
  memories.map((memory) => ({ cpu, memory })),
);

/** What a step without a flavour runs with. */
export const SMALLEST_SIZE: ContainerSize = FARGATE_SIZES[0]!;
const LARGEST_SIZE: ContainerSize = FARGATE_SIZES.at(-1)!;

/** An exact positive rational `num / den`. */
interface Rational {
  num: bigint;
  den: bigint;
}

const DECIMAL_SUFFIXES: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const QUANTITY = /^\+?(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;

/**
 * A Kubernetes quantity, exactly (`1.5Gi`, `500m`, `2e3`, `8G`); undefined when the text is none or negative.
 * Exact, so that `0.1` CPU or `1.1Gi` never round the wrong way.
 */
export function parseQuantity(text: string): Rational | undefined {
  const match = QUANTITY.exec(text.trim());
  if (!match) return undefined;
  const [, digits = '', exponent, suffix = ''] = match;
  const [whole = '', fraction = ''] = digits.split('.');
  let num = BigInt(`${whole}${fraction}` || '0');
  let den = 10n ** BigInt(fraction.length);
  const scale = (power: bigint, by: number) => {
    if (by >= 0) num *= power ** BigInt(by);
    else den *= power ** BigInt(-by);
  };
  if (exponent !== undefined) scale(10n, Number(exponent));
  else if (suffix in BINARY_SUFFIXES) scale(2n, BINARY_SUFFIXES[suffix]!);
  else scale(10n, DECIMAL_SUFFIXES[suffix]!);
  return { num, den };
}

const ceilDiv = (num: bigint, den: bigint) => (num + den - 1n) / den;

/** CPU cores → CPU units, rounded up. */
const cpuUnits = (cores: Rational) => ceilDiv(cores.num * 1024n, cores.den);
/** Bytes → MiB, rounded up. */
const mebibytes = (bytes: Rational) => ceilDiv(bytes.num, bytes.den * 1024n * 1024n);

/**
 * The Fargate size of a flavour: the pair with the least CPU at or above the flavour's, and of those the least
 * memory at or above its (so `0.25` CPU with `8Gi` is 1 vCPU / 8 GB). A refusal says why none serves: a
 * quantity that is not one, more than 16 vCPU or 120 GB, or a scalar resource (GPUs) asked for (a zero
 * quantity asks for nothing).
 */
export function fargateSizeOf(flavour: FlavourResources): FargateSizing {
  const cores = parseQuantity(flavour.cpu);
  if (!cores) return { refusal: `its cpu [${flavour.cpu}] is not a quantity` };
  const bytes = parseQuantity(flavour.mem);
  if (!bytes) return { refusal: `its mem [${flavour.mem}] is not a quantity` };
  const scalars = Object.entries(flavour.scalarResources ?? {}).filter(([, value]) => {
    const quantity = parseQuantity(value);
    return quantity === undefined || quantity.num > 0n;
  });
  if (scalars.length > 0) {
    const asked = scalars.map(([name, value]) => `${name}: ${value}`).join(', ');
    return { refusal: `it asks for [${asked}], and Fargate tasks have no scalar resources (no GPUs)` };
  }
  const cpu = cpuUnits(cores);
  const memory = mebibytes(bytes);
  if (cpu > BigInt(LARGEST_SIZE.cpu) || memory > BigInt(LARGEST_SIZE.memory)) {
    return {
      refusal: `it asks for cpu [${flavour.cpu}] and mem [${flavour.mem}], more than the largest Fargate task (16 vCPU, 120 GB)`,
    };
  }
  const size = FARGATE_SIZES.find((pair) => BigInt(pair.cpu) >= cpu && BigInt(pair.memory) >= memory);
  // The largest pair is at or above both, so there always is one.
  return { size: { ...(size ?? LARGEST_SIZE) } };
}

/**
 * A container step's size on Fargate: its flavour's (`PF_JOB_FLAVOUR` of the env it runs with), as the run
 * fixed it at creation. Undefined locally (the run has no sizes), for a step without a flavour, and for a
 * flavour the run did not size, which only an operator's retry with new env can name (it was not checked at
 * creation): such a step runs with the smallest size.
 */
export function stepSize(
  context: RunContext,
  step: StepSpec,
  env: Record<string, string>,
): ContainerSize | undefined {
  const flavour = env.PF_JOB_FLAVOUR;
  if (!context.sizes || !flavour || !runsContainer(step)) return undefined;
  return Object.hasOwn(context.sizes, flavour) ? context.sizes[flavour] : undefined;
}
