// Conformance of the workflow engine with AWS Step Functions, measured on ../shared/asl-conformance (recorded on
// AWS, read at test time): every runnable recorded execution and every Choice operator pair. Prints the report
// with every mismatch and its reason; fails below the targets of the issue (outcome >= 95%, event sequence
// >= 90%, Choice pairs 100%). A case reproduced under only some readings of a timestamp placeholder is ambiguous:
// counted apart, never as a match.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { formatReport, runConformance } from './fixtures/workflow/conformance.ts';
import { CORPUS_DIR } from './fixtures/workflow/corpus.ts';

test('the engine matches the AWS recordings of the conformance corpus', { timeout: 300_000 }, async () => {
  assert.ok(fs.existsSync(CORPUS_DIR), `the conformance corpus is missing at ${CORPUS_DIR}`);
  const report = await runConformance();
  console.log(formatReport(report));
  assert.ok(
    report.executions > 250,
    `expected the corpus to hold more than 250 runnable executions, found ${report.executions}`,
  );
  assert.deepEqual(report.rejectedTemplates, [], 'every template AWS ran must pass validation');
  assert.ok(
    report.outcomeMatches / report.executions >= 0.95,
    `outcome match ${report.outcomeMatches}/${report.executions} is below 95%`,
  );
  assert.ok(
    report.eventMatches / report.executions >= 0.9,
    `event sequence match ${report.eventMatches}/${report.executions} is below 90%`,
  );
  assert.equal(report.choiceMatches, report.choicePairs, 'every Choice operator pair must match');
});
