/** Flavours as Fargate task sizes: AWS's CPU and memory table, quantities read exactly, what cannot be served. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FARGATE_SIZES,
  type FlavourResources,
  fargateSizeOf,
  parseQuantity,
  SMALLEST_SIZE,
} from '../../../shared/engine/run/fargate-size.ts';

const sizeOf = (cpu: string, mem: string, scalarResources?: Record<string, string>) =>
  fargateSizeOf({ cpu, mem, ...(scalarResources ? { scalarResources } : {}) });
const refusalOf = (flavour: FlavourResources) => {
  const sizing = fargateSizeOf(flavour);
  expect('refusal' in sizing, JSON.stringify(sizing)).toBe(true);
  return (sizing as { refusal: string }).refusal;
};

describe('the Fargate table', () => {
  it('has exactly AWS’s CPU and memory pairs', () => {
    const memories = (cpu: number) => FARGATE_SIZES.filter((s) => s.cpu === cpu).map((s) => s.memory);
    const gb = (from: number, to: number, step: number) =>
      Array.from({ length: (to - from) / step + 1 }, (_, i) => (from + i * step) * 1024);
    expect([...new Set(FARGATE_SIZES.map((s) => s.cpu))]).toEqual([256, 512, 1024, 2048, 4096, 8192, 16384]);
    expect(memories(256)).toEqual([512, 1024, 2048]);
    expect(memories(512)).toEqual(gb(1, 4, 1));
    expect(memories(1024)).toEqual(gb(2, 8, 1));
    expect(memories(2048)).toEqual(gb(4, 16, 1));
    expect(memories(4096)).toEqual(gb(8, 30, 1));
    expect(memories(8192)).toEqual(gb(16, 60, 4));
    expect(memories(16384)).toEqual(gb(32, 120, 8));
    expect(SMALLEST_SIZE).toEqual({ cpu: 256, memory: 512 });
  });

  it('gives every valid pair as itself', () => {
    for (const pair of FARGATE_SIZES) {
      expect(sizeOf(String(pair.cpu / 1024), `${pair.memory}Mi`)).toEqual({ size: pair });
    }
  });
});

describe('a flavour’s size', () => {
  it.each([
    // exact pairs
    ['0.25', '512Mi', 256, 512],
    ['1', '2Gi', 1024, 2048],
    ['16', '120Gi', 16384, 122880],
    // PaddleFlow's seed flavour1 and the default custom flavour: 1 CPU, 1Gi
    ['1', '1Gi', 1024, 2048],
    // cpu rounds up to the next CPU value
    ['0.3', '512Mi', 512, 1024],
    ['1.5', '1Gi', 2048, 4096],
    ['4.001', '8Gi', 8192, 16384],
    // memory rounds up within the CPU value, or moves to the next one that has it
    ['0.25', '513Mi', 256, 1024],
    ['0.25', '2049Mi', 512, 3072],
    ['0.25', '8Gi', 1024, 8192],
    ['0.25', '9Gi', 2048, 9216],
    ['4', '30.5Gi', 8192, 32768],
    ['8', '61Gi', 16384, 65536],
    ['8', '60Gi', 8192, 61440],
    ['8', '57Gi', 8192, 61440],
    ['16', '33Gi', 16384, 40960],
  ])('cpu %s, mem %s → %i / %i', (cpu, mem, wantCpu, wantMemory) => {
    expect(sizeOf(cpu, mem)).toEqual({ size: { cpu: wantCpu, memory: wantMemory } });
  });

  it.each([
    ['250m', '256Mi', 256, 512],
    ['500m', '1Gi', 512, 1024],
    ['1000m', '1G', 1024, 2048],
    ['2', '4000M', 2048, 4096],
    ['2', '4096Mi', 2048, 4096],
    ['2', '4097Mi', 2048, 5120],
    ['2', '4294967296', 2048, 4096],
    ['2', '4294967297', 2048, 5120],
    ['1e0', '1Gi', 1024, 2048],
    ['2', '4194304Ki', 2048, 4096],
    ['2', '0.00390625Ti', 2048, 4096],
    ['0.1', '0.1Gi', 256, 512],
    ['1', '1.1Gi', 1024, 2048],
    ['1', '2.1Gi', 1024, 3072],
    ['0', '0', 256, 512],
  ])('reads Kubernetes quantities: cpu %s, mem %s → %i / %i', (cpu, mem, wantCpu, wantMemory) => {
    expect(sizeOf(cpu, mem)).toEqual({ size: { cpu: wantCpu, memory: wantMemory } });
  });

  it('refuses more than 16 vCPU or 120 GB', () => {
    expect(refusalOf({ cpu: '16.001', mem: '32Gi' })).toContain(
      'more than the largest Fargate task (16 vCPU, 120 GB)',
    );
    expect(refusalOf({ cpu: '17', mem: '32Gi' })).toContain('cpu [17]');
    expect(refusalOf({ cpu: '1', mem: '121Gi' })).toContain('mem [121Gi]');
    expect(refusalOf({ cpu: '1', mem: '122881Mi' })).toContain('more than the largest');
    expect(sizeOf('16', '122880Mi')).toEqual({ size: { cpu: 16384, memory: 122880 } });
  });

  it('refuses any scalar resource asked for (GPUs), but not one of zero', () => {
    expect(refusalOf({ cpu: '4', mem: '8Gi', scalarResources: { 'nvidia.com/gpu': '1' } })).toBe(
      'it asks for [nvidia.com/gpu: 1], and Fargate tasks have no scalar resources (no GPUs)',
    );
    expect(refusalOf({ cpu: '1', mem: '1Gi', scalarResources: { 'example.com/fpga': 'lots' } })).toContain(
      'example.com/fpga: lots',
    );
    expect(sizeOf('1', '1Gi', { 'nvidia.com/gpu': '0' })).toEqual({ size: { cpu: 1024, memory: 2048 } });
  });

  it('refuses a cpu or mem that is no quantity', () => {
    expect(refusalOf({ cpu: 'four', mem: '8Gi' })).toBe('its cpu [four] is not a quantity');
    expect(refusalOf({ cpu: '-1', mem: '8Gi' })).toContain('cpu [-1]');
    expect(refusalOf({ cpu: '1', mem: '8 GB' })).toBe('its mem [8 GB] is not a quantity');
    expect(refusalOf({ cpu: '1', mem: '' })).toContain('mem []');
  });

  it('is the least CPU, then the least memory, at or above the request', () => {
    const quantity = fc.integer({ min: 0, max: 16_000 });
    fc.assert(
      fc.property(quantity, fc.integer({ min: 1, max: 120 * 1024 }), (milli, mib) => {
        const sizing = sizeOf(`${milli}m`, `${mib}Mi`);
        if (!('size' in sizing)) return false;
        const { cpu, memory } = sizing.size;
        const units = Math.ceil((milli * 1024) / 1000);
        const fits = FARGATE_SIZES.filter((s) => s.cpu >= units && s.memory >= mib);
        return cpu >= units && memory >= mib && fits[0]!.cpu === cpu && fits[0]!.memory === memory;
      }),
    );
  });
});

describe('quantities', () => {
  it('are exact', () => {
    expect(parseQuantity('1.5Gi')).toEqual({ num: 15n * 2n ** 30n, den: 10n });
    expect(parseQuantity('500m')).toEqual({ num: 500n, den: 1000n });
    expect(parseQuantity('2e3')).toEqual({ num: 2000n, den: 1n });
    expect(parseQuantity('1E')).toEqual({ num: 10n ** 18n, den: 1n });
    expect(parseQuantity('.5')).toEqual({ num: 5n, den: 10n });
    expect(parseQuantity('+3k')).toEqual({ num: 3000n, den: 1n });
  });

  it.each(['', 'Gi', '1GiB', '1 Gi', '-1', '1e', '0x10', '1.2.3'])('refuse %j', (text) => {
    expect(parseQuantity(text)).toBeUndefined();
  });
});
