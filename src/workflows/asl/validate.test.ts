import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDiagnostic } from './diagnostics.ts';
import type { Json } from './json.ts';
import { validateDefinition } from './validate.ts';

function errors(def: string | Json, options = {}): string[] {
  return validateDefinition(def, options)
    .diagnostics.filter((d) => d.severity === 'ERROR')
    .map(formatDiagnostic);
}

const pass = (next?: string) => (next ? { Type: 'Pass', Next: next } : { Type: 'Pass', End: true });

test('a valid definition has no findings', () => {
  assert.deepEqual(errors({ StartAt: 'A', States: { A: pass('B'), B: pass() } }), []);
});

test('invalid JSON is reported with its line and column', () => {
  const found = errors('{\n  "StartAt": "A",\n  "States": { "A": { "Type": "Pass" "End": true } }\n}');
  assert.equal(found.length, 1);
  assert.match(found[0]!, /not valid JSON \(line 3, column \d+\)/);
  assert.match(errors('not a definition')[0]!, /INVALID_JSON_DESCRIPTION/);
  assert.match(errors('[]')[0]!, /must be a valid JSON object/);
});

test('unknown state types, missing fields and bad transitions name the state and the field', () => {
  const found = errors({
    StartAt: 'A',
    States: {
      A: { Type: 'Pas', End: true },
      B: { Type: 'Pass' },
      C: { Type: 'Pass', Next: 'Nowhere' },
      D: { Type: 'Wait', End: true },
      E: { Type: 'Wait', Seconds: 100_000_000, End: true },
    },
  });
  const text = found.join('\n');
  assert.match(text, /\/States\/A\/Type: State 'A' has an unknown Type 'Pas'/);
  assert.match(text, /\/States\/B: State 'B' has neither Next nor "End": true/);
  assert.match(text, /\/States\/C\/Next: State 'C' goes to 'Nowhere', which is not a state of this block/);
  assert.match(text, /\/States\/D: Wait state 'D' needs exactly one of Seconds/);
  assert.match(
    text,
    /\/States\/E\/Seconds: Wait state 'E' waits 100000000 seconds; AWS accepts 0 to 99999999/,
  );
  assert.match(text, /\/States\/B: State 'B' is not reachable/);
  assert.match(errors({ States: {} }).join(), /required: \[StartAt\]/);
});

test('broken paths, intrinsic functions and JSONata syntax errors are precise', () => {
  const text = errors({
    StartAt: 'A',
    States: {
      A: {
        Type: 'Pass',
        InputPath: '$.a[',
        Parameters: { 'x.$': '$$.Execution.', 'y.$': "States.Format('{}'" },
        ResultPath: '$.a[*]',
        Next: 'B',
      },
      B: { Type: 'Pass', QueryLanguage: 'JSONata', Output: { v: '{% $states.input. %}' }, Next: 'C' },
      C: {
        Type: 'Choice',
        Choices: [
          { Variable: 'a.b', StringEquals: 'x', Next: 'A' },
          { Variable: '$.n', NumericEquals: 'one', Next: 'D' },
        ],
        Default: 'D',
      },
      D: { Type: 'Task', Resource: 'not-an-arn', End: true },
    },
  }).join('\n');
  assert.match(text, /\/States\/A\/InputPath: InputPath of state 'A' is not a valid path/);
  assert.match(
    text,
    /\/States\/A\/Parameters\/x\.\$: State 'A', x\.\$: '\$\$\.Execution\.' is not a valid path/,
  );
  assert.match(text, /\/States\/A\/Parameters\/y\.\$: State 'A', y\.\$: invalid intrinsic function/);
  assert.match(text, /\/States\/A\/ResultPath: ResultPath of state 'A' is not a reference path/);
  assert.match(
    text,
    /\/States\/B\/Output\/v: State 'B': the JSONata expression ' \$states\.input\. ' is invalid/,
  );
  assert.match(
    text,
    /\/States\/C\/Choices\/0\/Variable: Variable of a choice rule of state 'C' must be a valid path/,
  );
  assert.match(text, /\/States\/C\/Choices\/1\/NumericEquals: NumericEquals of state 'C' needs a number/);
  assert.match(text, /\/States\/D\/Resource: Task state 'D': 'not-an-arn' is not a valid Resource ARN/);
});

test('a cycle without exit is rejected; a loop with a way out is fine', () => {
  const trapped = errors({ StartAt: 'A', States: { A: pass('B'), B: pass('A'), C: pass() } }).join('\n');
  assert.match(trapped, /CYCLE_WITHOUT_EXIT/);
  assert.match(trapped, /States 'A', 'B' loop forever/);
  const loop = {
    StartAt: 'Poll',
    States: {
      Poll: { Type: 'Wait', Seconds: 1, Next: 'Done?' },
      'Done?': {
        Type: 'Choice',
        Choices: [{ Variable: '$.done', BooleanEquals: true, Next: 'End' }],
        Default: 'Poll',
      },
      End: { Type: 'Succeed' },
    },
  };
  assert.deepEqual(errors(loop), []);
});

test('nested blocks are checked too, and their locations say where', () => {
  const text = errors({
    StartAt: 'M',
    States: {
      M: {
        Type: 'Map',
        ItemProcessor: { StartAt: 'X', States: { X: { Type: 'Pass', Next: 'Y' } } },
        End: true,
      },
      P: {
        Type: 'Parallel',
        Branches: [{ StartAt: 'Q', States: { Q: { Type: 'Fail', Error: 'E', ErrorPath: '$.e' } } }],
        End: true,
      },
    },
  }).join('\n');
  assert.match(text, /\/States\/M\/ItemProcessor\/States\/X\/Next: State 'X' goes to 'Y'/);
  assert.match(text, /\/States\/P\/Branches\/0\/States\/Q: State 'Q' may have only one of Error, ErrorPath/);
});

test('query-language rules and Retry/Catch rules', () => {
  const text = errors({
    QueryLanguage: 'JSONata',
    StartAt: 'A',
    States: {
      A: { Type: 'Pass', QueryLanguage: 'JSONPath', InputPath: '$', Next: 'B' },
      B: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: {},
        Retry: [{ ErrorEquals: ['States.ALL', 'X'] }, { ErrorEquals: [] }],
        Catch: [
          { ErrorEquals: ['States.ALL'], Next: 'A' },
          { ErrorEquals: ['Y'], Next: 'A' },
        ],
        End: true,
      },
    },
  }).join('\n');
  assert.match(text, /'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine/);
  assert.match(text, /\/States\/B\/Parameters: Field 'Parameters' of state 'B' needs QueryLanguage JSONPath/);
  assert.match(text, /\/States\/B\/Retry\/0\/ErrorEquals: State 'B': 'States.ALL' must appear alone/);
  assert.match(
    text,
    /\/States\/B\/Retry\/1\/ErrorEquals: ErrorEquals of state 'B' must be a non-empty array/,
  );
  assert.match(text, /\/States\/B\/Catch\/0: State 'B': the Catcher with 'States.ALL' must be the last one/);
});

test('an unknown Task resource fails validation with the reason', () => {
  const def = {
    StartAt: 'T',
    States: {
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'f' },
        End: true,
      },
    },
  };
  const text = errors(def, { whyUnknownResource: () => "no Lambda function 'f' is registered" }).join();
  assert.match(
    text,
    /\/States\/T\/Resource: Task state 'T': no Lambda function 'f' is registered; register a handler/,
  );
  assert.deepEqual(errors(def, { whyUnknownResource: () => undefined }), []);
});
