/** How fast the pipeline spec parser is: the run-creation and pipeline-creation paths call it on every request. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePipelineYaml } from '../../shared/engine/spec/index.ts';

export const FIXTURE = readFileSync(
  join(import.meta.dirname, '..', 'unit', 'spec', 'fixtures', 'dag-pipeline.yaml'),
  'utf8',
);

/** Microseconds per parse of the all-features fixture (warm), and of a generated 200-step pipeline. */
export function measureParser(iterations = 500): {
  fixtureMicros: number;
  largeMicros: number;
  largeSteps: number;
} {
  const time = (text: string, n: number) => {
    for (let i = 0; i < 20; i++) parsePipelineYaml(text);
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) parsePipelineYaml(text);
    return Number(process.hrtime.bigint() - start) / 1000 / n;
  };
  const largeSteps = 200;
  const steps = Array.from(
    { length: largeSteps },
    (_, i) =>
      `  s${i}:\n    command: "echo {{p}} > {{out}}"\n    parameters: {p: ${i}}\n    artifacts: {output: [out]}\n` +
      (i > 0 ? `    deps: s${i - 1}\n` : ''),
  ).join('');
  const large = `name: large\ndocker_env: img\nfs_options: {main_fs: {name: data}}\nentry_points:\n${steps}`;
  return { fixtureMicros: time(FIXTURE, iterations), largeMicros: time(large, iterations / 10), largeSteps };
}
