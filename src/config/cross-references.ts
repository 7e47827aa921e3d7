// Checks that need the whole configuration: names that refer to other entries (a plan's source and repository,
// copy targets), names that must be unique within a list, and settings that only make sense together.

import type { StepvaultConfig } from './config-schema.ts';

export interface ReferenceProblem {
  path: PropertyKey[];
  message: string;
}

export function checkCrossReferences(config: StepvaultConfig): ReferenceProblem[] {
  const problems: ReferenceProblem[] = [];
  const known = (kind: string, names: object, name: string, path: PropertyKey[]) => {
    if (Object.hasOwn(names, name)) return;
    const list = Object.keys(names);
    problems.push({
      path,
      message: `unknown ${kind} "${name}"; ${list.length ? `defined: ${list.join(', ')}` : `no ${kind} is defined`}`,
    });
  };
  for (const [planName, plan] of Object.entries(config.plans)) {
    const at = (...rest: PropertyKey[]) => ['plans', planName, ...rest];
    known('source', config.sources, plan.source, at('source'));
    known('repository', config.repositories, plan.repository, at('repository'));
    const ruleNames = new Set<string>();
    plan.rules.forEach((rule, i) => {
      if (ruleNames.has(rule.name)) {
        problems.push({
          path: at('rules', i, 'name'),
          message: `a second rule named "${rule.name}" in this plan`,
        });
      }
      ruleNames.add(rule.name);
      const targets = new Set<string>();
      rule.copyTo.forEach((copy, j) => {
        const path = at('rules', i, 'copyTo', j, 'repository');
        known('repository', config.repositories, copy.repository, path);
        if (copy.repository === plan.repository) {
          problems.push({
            path,
            message: `"${copy.repository}" is the plan's own repository: copy to another one`,
          });
        } else if (targets.has(copy.repository)) {
          problems.push({ path, message: `"${copy.repository}" is already a copy target of this rule` });
        }
        targets.add(copy.repository);
      });
      const test = rule.verify?.restoreTest;
      if (test?.within !== undefined && test.pick !== 'random') {
        problems.push({
          path: at('rules', i, 'verify', 'restoreTest', 'within'),
          message: 'within applies to pick: random (the latest snapshot needs no window)',
        });
      }
    });
  }
  const tokenNames = new Set<string>();
  const hashes = new Set<string>();
  config.server?.tokens.forEach((token, i) => {
    if (tokenNames.has(token.name)) {
      problems.push({
        path: ['server', 'tokens', i, 'name'],
        message: `a second token named "${token.name}"`,
      });
    }
    if (hashes.has(token.hash)) {
      problems.push({ path: ['server', 'tokens', i, 'hash'], message: 'the same token hash appears twice' });
    }
    tokenNames.add(token.name);
    hashes.add(token.hash);
  });
  return problems;
}
