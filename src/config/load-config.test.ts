import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { isStepvaultError } from '../common/errors.ts';
import { DEFAULT_COMPRESSION_LEVEL } from '../domain/compression-level.ts';
import type { ConfigIssue } from './config-issue.ts';
import { EXAMPLE } from './example-config.test-helper.ts';
import { findConfigFile, loadConfig, stateDirOf, validateConfigText } from './load-config.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-config-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = path.join(dir, 'stepvault.yaml');

function issuesOf(text: string): ConfigIssue[] {
  const result = validateConfigText(text, file, { checkFiles: false });
  assert.ok(!result.ok, 'expected the configuration to be invalid');
  return result.issues;
}

/** Asserts exactly one issue, at the line and column, whose path and message match. */
function oneIssue(
  text: string,
  line: number,
  column: number,
  pathText: string,
  message: RegExp,
): ConfigIssue {
  const issues = issuesOf(text);
  assert.equal(issues.length, 1, JSON.stringify(issues, null, 1));
  const [issue] = issues as [ConfigIssue];
  assert.deepEqual([issue.line, issue.column, issue.path], [line, column, pathText], JSON.stringify(issue));
  assert.match(issue.message, message);
  return issue;
}

const minimal = (rest: string) => `version: 1\n${rest}`;

describe('stepvault.yaml', () => {
  it('accepts the complete example, fills defaults and makes paths absolute', () => {
    const result = validateConfigText(EXAMPLE, file, { checkFiles: false, home: '/home/op' });
    assert.ok(result.ok, JSON.stringify(!result.ok && result.issues, null, 1));
    const { config } = result.loaded;
    assert.equal(config.repositories.main!.location, path.join(dir, 'repo'));
    assert.equal(config.repositories.offsite!.location, 's3:backup-bucket/stepvault');
    assert.equal(config.repositories.main!.compression, DEFAULT_COMPRESSION_LEVEL);
    const home = config.sources.home!;
    assert.ok(home.type === 'files');
    assert.deepEqual(home.paths, ['/home/op/Documents', path.join(dir, 'data')]);
    const wiki = config.sources.wiki!;
    assert.ok(wiki.type === 'confluence');
    assert.equal(wiki.metadataSweep, '24h');
    assert.deepEqual(wiki.attachments, { versions: 'latest' });
    const hourly = config.plans['home-hourly']!.rules[0]!;
    assert.deepEqual(
      [hourly.timezone, hourly.startWindow, hourly.completionWindow, hourly.copyTo, hourly.tags],
      ['UTC', '8h', '7d', [], []],
    );
    assert.equal(hourly.retention?.keepDaily, 'unlimited');
    assert.equal(config.plans['wiki-nightly']!.rules[0]!.verify?.restoreTest?.compare, 'sample');
    assert.equal(stateDirOf(config), path.join(dir, 'state'));
    assert.equal(result.loaded.dir, dir);
  });

  it('names the line, column and allowed values of a bad enum value', () => {
    const text = EXAMPLE.replace('history: all', 'history: some');
    oneIssue(text, 19, 14, 'sources.wiki.history', /"some" is not allowed; allowed: latest, all/);
    oneIssue(
      EXAMPLE.replace('role: viewer', 'role: veiwer'),
      65,
      30,
      'server.tokens[0].role',
      /did you mean viewer\?\); allowed: viewer, operator, admin/,
    );
  });

  it('rejects unknown keys at the key, with a suggestion and the allowed keys', () => {
    const text = EXAMPLE.replace('        rpo: 26h', '        rpo: 26h\n        schedul: x');
    oneIssue(
      text,
      36,
      9,
      'plans.wiki-nightly.rules[0]',
      /unknown key "schedul" \(did you mean "schedule"\?\); allowed: name, schedule/,
    );
    oneIssue(minimal('colour: red\n'), 2, 1, '', /unknown key "colour"/);
  });

  it('rejects duplicate keys', () => {
    oneIssue(minimal('version: 1\n'), 2, 1, '', /duplicate key/);
    const twice = EXAMPLE.replace('    history: all', '    history: all\n    history: latest');
    assert.match(issuesOf(twice)[0]!.message, /duplicate key/);
    assert.equal(issuesOf(twice)[0]!.line, 20);
  });

  it('refuses aliases, so an alias bomb cannot expand', () => {
    const bomb = [
      'version: 1',
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      ...Array.from({ length: 9 }, (_, i) => {
        const name = String.fromCharCode(98 + i);
        const prev = String.fromCharCode(97 + i);
        return `${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`;
      }),
    ].join('\n');
    const issues = issuesOf(bomb);
    assert.ok(
      issues.length > 0 && issues.every((i) => /aliases/.test(i.message) || /unknown key/.test(i.message)),
    );
    const first = issues.find((i) => /aliases/.test(i.message))!;
    assert.equal(first.line, 3);
    oneIssue(
      `${EXAMPLE}x: &r { keepLast: 1 }\n`.replace(
        'keepDaily: unlimited }',
        'keepDaily: unlimited }\n        z: *r',
      ),
      44,
      12,
      'plans.home-hourly.rules[0].z',
      /YAML aliases \(\*r\) are not allowed/,
    );
  });

  it('rejects __proto__, constructor and prototype keys and never pollutes prototypes', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const issue = oneIssue(
        minimal(`repositories:\n  ${key}: { polluted: yes }\n`),
        3,
        3,
        'repositories',
        /not allowed/,
      );
      assert.match(issue.message, new RegExp(`"${key}"`));
    }
    issuesOf(minimal('__proto__:\n  polluted: true\nplans: { __proto__: { polluted: true } }\n'));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('rejects custom tags, complex keys, several documents and empty files', () => {
    oneIssue(minimal('repositories: !!js/function "x"\n'), 2, 15, '', /tag/);
    oneIssue(
      minimal('repositories: !!binary aGk=\n'),
      2,
      24,
      'repositories',
      /YAML tag .*binary is not allowed/,
    );
    oneIssue(minimal('? [a, b]\n: 1\n'), 2, 3, '', /keys must be plain names/);
    oneIssue(minimal('---\nversion: 1\n'), 2, 1, '', /more than one YAML document/);
    oneIssue('', 1, 1, '', /empty/);
    oneIssue('# only a comment\n', 1, 1, '', /empty/);
    oneIssue('version: 1\nrepositories: [\n', 3, 1, '', /YAML syntax/);
    assert.match(
      issuesOf(`${'['.repeat(200)}${']'.repeat(200)}`)[0]!.message,
      /nested deeper than 64 levels/,
    );
  });

  it('says that secrets are given by reference, without echoing the value', () => {
    const canary = 'canary-secret-9d2f';
    const text = EXAMPLE.replace('password: { file: ./secrets/repo-password }', `password: ${canary}`);
    const issue = oneIssue(
      text,
      5,
      15,
      'repositories.main.password',
      /secrets are given by reference: write \{ env: NAME \}/,
    );
    assert.ok(!JSON.stringify(issuesOf(text)).includes(canary));
    const header = EXAMPLE.replace(
      'format: slack',
      `format: slack\n    headers: { Authorization: "Bearer ${canary}" }`,
    );
    const headerIssue = oneIssue(
      header,
      49,
      31,
      'notifications.ops-slack.headers.Authorization',
      /given by reference/,
    );
    assert.ok(!JSON.stringify([issue, headerIssue]).includes(canary));
    const hash = EXAMPLE.replace(/hash: [0-9a-f]{64}/, `hash: ${canary}`);
    oneIssue(hash, 65, 44, 'server.tokens[0].hash', /SHA-256 of the token/);
    assert.ok(!JSON.stringify(issuesOf(hash)).includes(canary));
  });

  it('checks repository locations and the options of their scheme', () => {
    const at = (location: string, options = '') =>
      EXAMPLE.replace('location: s3:backup-bucket/stepvault', `location: ${location}${options}`);
    oneIssue(
      at('rclone:remote:path'),
      7,
      15,
      'repositories.offsite.location',
      /unsupported repository location.*s3:BUCKET/,
    );
    oneIssue(at('s3:Bad_Bucket'), 7, 15, 'repositories.offsite.location', /not a bucket name/);
    const options = (text: string) => at('s3:backup-bucket/stepvault', `\n    options: { ${text} }`);
    assert.ok(
      validateConfigText(options('region: eu-central-1, accessKeyId: { env: OFFSITE_KEY_ID }'), file, {
        checkFiles: false,
      }).ok,
    );
    oneIssue(
      options('colour: blue'),
      8,
      24,
      'repositories.offsite.options.colour',
      /unknown option "colour".*region/,
    );
    const canary = 'AKIDcanary9d2f';
    const literal = options(`accessKeyId: ${canary}`);
    oneIssue(literal, 8, 29, 'repositories.offsite.options.accessKeyId', /credential: give it by reference/);
    assert.ok(!JSON.stringify(issuesOf(literal)).includes(canary));
    oneIssue(
      EXAMPLE.replace('location: ./repo', 'location: ./repo\n    options: { region: x }'),
      5,
      24,
      'repositories.main.options.region',
      /takes no options/,
    );
  });

  it('narrows a secret reference to the form that was meant', () => {
    oneIssue(
      EXAMPLE.replace('{ env: CONFLUENCE_TOKEN }', '{ ssm: { name: 7, withDecryption: false } }'),
      17,
      61,
      'sources.wiki.auth.token.ssm.name',
      /expected a string, got "7"/,
    );
    oneIssue(
      EXAMPLE.replace('{ env: CONFLUENCE_TOKEN }', '{ vault: x }'),
      17,
      46,
      'sources.wiki.auth.token',
      /a secret reference is one of \{ env: NAME \}/,
    );
    const issues = issuesOf(EXAMPLE.replace('token: { env: CONFLUENCE_TOKEN }', 'tokn: { env: X }'));
    assert.deepEqual(
      issues.map((i) => [i.path, i.message.split(';')[0]]),
      [
        ['sources.wiki.auth', 'missing required key "token"'],
        ['sources.wiki.auth', 'unknown key "tokn" (did you mean "token"?)'],
      ],
    );
  });

  it('names an unknown source type and missing required keys', () => {
    oneIssue(
      EXAMPLE.replace('type: files', 'type: ftp'),
      11,
      11,
      'sources.home.type',
      /"ftp" is not a known type; allowed: files, confluence/,
    );
    oneIssue(
      EXAMPLE.replace('    type: files\n', ''),
      10,
      3,
      'sources.home',
      /missing required key "type" \(one of files, confluence\)/,
    );
    oneIssue(
      EXAMPLE.replace('    source: wiki\n', ''),
      22,
      3,
      'plans.wiki-nightly',
      /missing required key "source"/,
    );
    oneIssue(minimal('plans: []\n'), 2, 8, 'plans', /expected a map \(key: value\), got a list/);
    oneIssue('version: 2\n', 1, 10, 'version', /must be 1/);
  });

  it('checks schedules, time zones, durations and windows', () => {
    oneIssue(
      EXAMPLE.replace('cron(0 3 * * ? *)', 'cron(0 3 * * * *)'),
      27,
      19,
      'plans.wiki-nightly.rules[0].schedule',
      /exactly one of day-of-month and day-of-week/,
    );
    oneIssue(
      EXAMPLE.replace('Europe/Berlin', 'Europe/Berlinn'),
      28,
      19,
      'plans.wiki-nightly.rules[0].timezone',
      /not an IANA time zone/,
    );
    oneIssue(
      EXAMPLE.replace('startWindow: 1h', 'startWindow: 30m'),
      29,
      22,
      'plans.wiki-nightly.rules[0].startWindow',
      /"m" is ambiguous.*30min/,
    );
    oneIssue(
      EXAMPLE.replace('completionWindow: 8h', 'completionWindow: 1h'),
      30,
      27,
      'plans.wiki-nightly.rules[0].completionWindow',
      /must be longer than the start window/,
    );
    oneIssue(
      EXAMPLE.replace('checkSubset: 5%', 'checkSubset: 3/2'),
      33,
      32,
      'plans.wiki-nightly.rules[0].verify.checkSubset',
      /n <= m/,
    );
    oneIssue(
      EXAMPLE.replace('checkSubset: 5%', 'checkSubset: 0%'),
      33,
      32,
      'plans.wiki-nightly.rules[0].verify.checkSubset',
      /above 0%/,
    );
    oneIssue(
      EXAMPLE.replace('{ keepHourly: 24, keepDaily: unlimited }', '{}'),
      43,
      20,
      'plans.home-hourly.rules[0].retention',
      /keeps something/,
    );
    oneIssue(
      EXAMPLE.replace('maxChangedPages: 20%', 'maxChangedPages: lots'),
      20,
      54,
      'sources.wiki.anomaly.maxChangedPages',
      /count \(50\) or a percentage/,
    );
  });

  it('checks cross-references at the line of the reference', () => {
    oneIssue(
      EXAMPLE.replace('    source: wiki', '    source: wikki'),
      23,
      13,
      'plans.wiki-nightly.source',
      /unknown source "wikki"; defined: home, wiki/,
    );
    oneIssue(
      EXAMPLE.replace(
        '    repository: main\n    rules:\n      - name: daily',
        '    repository: mian\n    rules:\n      - name: daily',
      ),
      24,
      17,
      'plans.wiki-nightly.repository',
      /unknown repository "mian"/,
    );
    oneIssue(
      EXAMPLE.replace('repository: offsite, retention', 'repository: main, retention'),
      32,
      32,
      'plans.wiki-nightly.rules[0].copyTo[0].repository',
      /plan's own repository/,
    );
    oneIssue(
      EXAMPLE.replace('pick: random', 'pick: latest'),
      33,
      73,
      'plans.wiki-nightly.rules[0].verify.restoreTest.within',
      /applies to pick: random/,
    );
    oneIssue(
      EXAMPLE.replace(
        '      - name: hourly',
        '      - name: hourly\n        schedule: rate(2 hours)\n      - name: hourly',
      ),
      43,
      15,
      'plans.home-hourly.rules[1].name',
      /second rule named "hourly"/,
    );
    const missing = validateConfigText(
      minimal(
        `plans:\n  p:\n    source: s\n    repository: r\n    workflow: ./nope.asl.json\n    rules: [{ name: a, schedule: rate(1 day) }]\nsources: { s: { type: files, paths: [/x] } }\nrepositories: { r: { location: /r, password: { env: P } } }\n`,
      ),
      file,
    );
    assert.ok(!missing.ok);
    assert.deepEqual(
      missing.issues.map((i) => [i.line, i.path]),
      [[6, 'plans.p.workflow']],
    );
    assert.match(missing.issues[0]!.message, /no such file: .*nope\.asl\.json/);
  });

  it('checks notification URLs, event patterns and token hashes', () => {
    const hook = (url: string) => EXAMPLE.replace('url: { env: SLACK_WEBHOOK_URL }', `url: ${url}`);
    oneIssue(
      hook('https://user:pw@hooks.example.com/x'),
      47,
      10,
      'notifications.ops-slack.url',
      /credentials do not belong in a URL/,
    );
    oneIssue(hook('http://hooks.example.com/x'), 47, 10, 'notifications.ops-slack.url', /https/);
    assert.ok(validateConfigText(hook('http://127.0.0.1:9000/hook'), file, { checkFiles: false }).ok);
    oneIssue(
      EXAMPLE.replace("events: ['backup.*']", 'events: [backup.failled]'),
      56,
      14,
      'notifications.mail.events[0]',
      /matches no event/,
    );
    oneIssue(
      EXAMPLE.replace('to: [ops@example.com]', 'to: []'),
      55,
      9,
      'notifications.mail.to',
      /at least 1 item/,
    );
  });

  it('throws one config error listing every problem from loadConfig', () => {
    fs.writeFileSync(
      file,
      EXAMPLE.replace('history: all', 'history: some').replace('type: files', 'type: ftp'),
    );
    assert.throws(
      () => loadConfig(file, { checkFiles: false }),
      (e) =>
        isStepvaultError(e, 'config') &&
        e.message.includes(`${file}:11:11: sources.home.type:`) &&
        e.message.includes(`${file}:19:14: sources.wiki.history:`) &&
        /2 problems/.test(e.message),
    );
    assert.throws(
      () => loadConfig(path.join(dir, 'missing.yaml')),
      (e) => isStepvaultError(e, 'usage'),
    );
  });

  it('is found through --config, then STEPVAULT_CONFIG, then ./stepvault.yaml', () => {
    assert.equal(findConfigFile('a.yaml', {}, '/w'), '/w/a.yaml');
    assert.equal(findConfigFile(undefined, { STEPVAULT_CONFIG: '/etc/sv.yaml' }, '/w'), '/etc/sv.yaml');
    fs.writeFileSync(file, EXAMPLE);
    assert.equal(findConfigFile(undefined, {}, dir), file);
    assert.throws(
      () => findConfigFile(undefined, {}, path.join(dir, 'nowhere')),
      (e) => isStepvaultError(e, 'usage'),
    );
  });
});

describe('stepvault.yaml parser properties', () => {
  const check = (text: string) => {
    try {
      const result = validateConfigText(text, file, { checkFiles: false });
      if (result.ok) return;
      const lines = text.split('\n').length;
      for (const issue of result.issues) {
        assert.ok(issue.line >= 1 && issue.line <= lines + 1 && issue.column >= 1, JSON.stringify(issue));
        assert.ok(issue.message.length > 0);
      }
    } catch (e) {
      assert.ok(
        isStepvaultError(e, 'config') || isStepvaultError(e, 'usage'),
        `crashed on ${JSON.stringify(text)}: ${e}`,
      );
    }
  };

  it('never crashes on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), check), { numRuns: 500 });
    const yamlish = fc
      .array(
        fc.constantFrom(
          'version: 1\n',
          'a:',
          ' ',
          '- ',
          '[',
          ']',
          '{',
          '}',
          '&x ',
          '*x',
          '!!str ',
          '? ',
          ': ',
          '\n',
          '  ',
          '"',
          "'",
          '#',
          '---\n',
          '__proto__',
          'plans:',
          'rules:',
          '1',
          'null',
        ),
        { maxLength: 60 },
      )
      .map((parts) => parts.join(''));
    fc.assert(fc.property(yamlish, check), { numRuns: 1000 });
  });

  it('never crashes on arbitrary values in any place of a valid configuration', () => {
    const base = validateConfigText(EXAMPLE, file, { checkFiles: false });
    assert.ok(base.ok);
    const value = JSON.parse(JSON.stringify(base.loaded.config)) as Record<string, unknown>;
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, p: (string | number)[]) => {
      paths.push(p);
      if (Array.isArray(v))
        v.forEach((x, i) => {
          walk(x, [...p, i]);
        });
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
    };
    walk(value, []);
    fc.assert(
      fc.property(
        fc.constantFrom(...paths.filter((p) => p.length > 0)),
        fc.jsonValue({ maxDepth: 3 }),
        (p, replacement) => {
          const copy = structuredClone(value);
          let parent: Record<string | number, unknown> = copy;
          for (const part of p.slice(0, -1)) parent = parent[part] as Record<string | number, unknown>;
          parent[p.at(-1)!] = replacement;
          check(stringify(copy));
        },
      ),
      { numRuns: 500 },
    );
  });
});
