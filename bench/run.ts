// Entry point of `npm run bench [-- suite] [options]`: runs one benchmark suite and writes its section of
// docs/benchmarks.md. Suites: repository (the default), s3, workflow, confluence,
// confluence-scale, confluence-fan-out.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from './bench-options.ts';
import { type SuiteOutcome, writeSection } from './report.ts';
import { REPOSITORY_USAGE, runRepositoryBench } from './repository-bench.ts';
import { runS3Bench, S3_USAGE } from './s3-bench.ts';

/** Suites that take options and report whether their run was complete enough to be written. */
const OPTION_SUITES: Record<string, (argv: string[]) => Promise<SuiteOutcome>> = {
  repository: runRepositoryBench,
  s3: runS3Bench,
};

/** Suites written in their own module, each exporting a function that returns its markdown section. */
const MODULE_SUITES: Record<string, { file: string; exported: string }> = {
  workflow: { file: 'workflow.ts', exported: 'runWorkflowBench' },
  confluence: { file: 'confluence.ts', exported: 'runConfluenceBench' },
  'confluence-scale': { file: 'confluence-scale.ts', exported: 'runConfluenceScaleBench' },
  'confluence-fan-out': { file: 'confluence-fan-out.ts', exported: 'runConfluenceFanOutBench' },
};
const SUITES = [...Object.keys(OPTION_SUITES), ...Object.keys(MODULE_SUITES)];

const USAGE = `usage: npm run bench [-- suite] [options]

suites: ${SUITES.join(', ')} (default: repository)

${REPOSITORY_USAGE}

${S3_USAGE}`;

async function runModuleSuite(suite: string, argv: string[]): Promise<number> {
  const { file, exported } = MODULE_SUITES[suite]!;
  if (argv.length > 0) {
    console.error(`the ${suite} suite takes no options (got: ${argv.join(' ')})`);
    return 2;
  }
  const full = path.join(import.meta.dirname, file);
  if (!fs.existsSync(full)) {
    console.error(`the ${suite} suite is not written yet: bench/${file} does not exist`);
    return 1;
  }
  const mod = (await import(pathToFileURL(full).href)) as Record<string, unknown>;
  const run = mod[exported];
  if (typeof run !== 'function') {
    console.error(`bench/${file} does not export a function ${exported}()`);
    return 1;
  }
  const markdown = (await run()) as string;
  console.log(markdown);
  writeSection(suite, markdown);
  console.log(`\nwrote the ${suite} section of docs/benchmarks.md`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    console.log(USAGE);
    return 0;
  }
  const suite = argv[0] === undefined || argv[0].startsWith('-') ? 'repository' : argv[0];
  const rest = suite === argv[0] ? argv.slice(1) : argv;
  if (!SUITES.includes(suite)) {
    console.error(`unknown benchmark suite "${suite}"\n\n${USAGE}`);
    return 2;
  }
  const run = OPTION_SUITES[suite];
  if (!run) return runModuleSuite(suite, rest);
  try {
    const outcome = await run(rest);
    console.log(`\n${outcome.markdown}\n`);
    if (outcome.write) {
      writeSection(suite, outcome.markdown);
      console.log(`wrote the ${suite} section of docs/benchmarks.md`);
    } else {
      console.log('docs/benchmarks.md not updated (partial run: pass --write to update it anyway)');
    }
    if (!outcome.ok) console.error('\nBENCHMARK FAILED: see "Failures and warnings" above');
    return outcome.ok ? 0 : 1;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
