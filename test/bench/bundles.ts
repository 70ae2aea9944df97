/** Bundles every handler as CDK does (esbuild, minified ESM, SDK external) and reports the sizes. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { bundleTarget, esmRequireBanner, externalModules } from '../../infra/bundling.ts';
import { fallbackResource, resourceNames, resources } from '../../shared/routes.ts';

const repositoryRoot = join(import.meta.dirname, '..', '..');

export interface BundleSize {
  name: string;
  bytes: number;
  /** The three largest inputs, by bytes in the output. */
  largest: { path: string; bytes: number }[];
}

export async function measureBundles(): Promise<BundleSize[]> {
  const outDir = mkdtempSync(join(tmpdir(), 'floe-bundles-'));
  const entries = [
    ...resourceNames.map((name) => ({ name, entry: resources[name].entry })),
    { name: 'not-found', entry: fallbackResource.entry },
  ];
  try {
    return await Promise.all(
      entries.map(async ({ name, entry }) => {
        const result = await build({
          entryPoints: [join(repositoryRoot, entry)],
          outfile: join(outDir, `${name}.mjs`),
          bundle: true,
          minify: true,
          format: 'esm',
          platform: 'node',
          target: bundleTarget,
          external: externalModules,
          banner: { js: esmRequireBanner },
          metafile: true,
          logLevel: 'silent',
        });
        const [output] = Object.values(result.metafile.outputs);
        const byPackage = new Map<string, number>();
        for (const [path, input] of Object.entries(output!.inputs)) {
          const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? 'floe';
          byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + input.bytesInOutput);
        }
        const largest = [...byPackage]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 3)
          .map(([path, bytes]) => ({ path, bytes }));
        return { name, bytes: output!.bytes, largest };
      }),
    );
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
