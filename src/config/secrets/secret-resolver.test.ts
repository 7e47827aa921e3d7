import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { isStepvaultError } from '../../common/errors.ts';
import { SecretResolver } from './secret-resolver.ts';

const CANARY = 'canary-b7e1-secret-value';

/** What the fake AWS endpoint saw: the X-Amz-Target and the parsed JSON body of each call. */
interface Call {
  target: string;
  body: Record<string, unknown>;
  authorization: string;
}

/**
 * A loopback server speaking the AWS JSON 1.1 protocol of Secrets Manager (GetSecretValue) and SSM
 * (GetParameter), enough for the real SDK clients pointed at it through `endpoint`.
 */
async function startFakeAws(): Promise<{ url: string; calls: Call[]; close: () => Promise<void> }> {
  const calls: Call[] = [];
  const secrets: Record<string, string> = {
    'stepvault/repo': CANARY,
    'stepvault/json': JSON.stringify({ username: 'svc', password: CANARY, port: 5432 }),
  };
  const parameters: Record<string, string> = { '/stepvault/smtp': CANARY };
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => {
      text += chunk;
    });
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const body = JSON.parse(text || '{}') as Record<string, unknown>;
      calls.push({ target, body, authorization: String(req.headers.authorization ?? '') });
      const reply = (status: number, payload: unknown, errorType?: string) => {
        res.writeHead(status, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': 'req-1',
          ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
        });
        res.end(JSON.stringify(payload));
      };
      if (target === 'secretsmanager.GetSecretValue') {
        const id = String(body.SecretId);
        if (id === 'stepvault/broken')
          return reply(500, { __type: 'InternalServiceError', message: 'boom' }, 'InternalServiceError');
        const value = secrets[id];
        if (value === undefined) {
          return reply(
            400,
            {
              __type: 'ResourceNotFoundException',
              message: "Secrets Manager can't find the specified secret.",
            },
            'ResourceNotFoundException',
          );
        }
        return reply(200, {
          ARN: `arn:aws:secretsmanager:eu-central-1:123456789012:secret:${id}`,
          Name: id,
          SecretString: value,
          VersionId: 'v1',
        });
      }
      if (target === 'AmazonSSM.GetParameter') {
        const name = String(body.Name);
        const value = parameters[name];
        if (value === undefined)
          return reply(400, { __type: 'ParameterNotFound', message: '' }, 'ParameterNotFound');
        return reply(200, { Parameter: { Name: name, Type: 'SecureString', Value: value, Version: 1 } });
      }
      reply(400, { __type: 'UnknownOperationException' }, 'UnknownOperationException');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(new Error(`the fake AWS endpoint could not listen on loopback: ${e.message}`)),
    );
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('secret references', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-secrets-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const resolver = (env: NodeJS.ProcessEnv = {}, aws = {}) =>
    new SecretResolver({ baseDir: dir, env: { PATH: process.env.PATH, ...env }, aws });
  const leaks = (e: unknown) =>
    `${inspect(e)} ${(e as Error).message} ${(e as { hint?: string }).hint}`.includes(CANARY);

  it('read environment variables, files and commands into values that print as [secret]', async () => {
    fs.writeFileSync(path.join(dir, 'pw'), `${CANARY}\n`, { mode: 0o600 });
    const r = resolver({ SV_TOKEN: CANARY });
    for (const ref of [
      { env: 'SV_TOKEN' },
      { file: 'pw' },
      { file: path.join(dir, 'pw') },
      { command: `printf '%s\\n' ${CANARY}` },
    ]) {
      const secret = await r.resolve(ref);
      assert.equal(secret.reveal(), CANARY);
      assert.equal(`${secret}`, '[secret]');
      assert.ok(!inspect({ secret }).includes(CANARY) && !JSON.stringify({ secret }).includes(CANARY));
    }
    assert.equal((await r.resolve({ command: 'pwd' })).reveal(), fs.realpathSync(dir));
  });

  it('fail with where they looked, never with the value', async () => {
    const r = resolver();
    await assert.rejects(
      r.resolve({ env: 'SV_MISSING' }),
      (e) => isStepvaultError(e, 'config') && /SV_MISSING .*is not set/.test(e.message),
    );
    await assert.rejects(
      r.resolve({ file: 'nope' }),
      (e) => isStepvaultError(e, 'config') && e.message.includes(path.join(dir, 'nope')),
    );
    fs.writeFileSync(path.join(dir, 'empty'), '\n');
    await assert.rejects(r.resolve({ file: 'empty' }), /is empty/);
    await assert.rejects(
      r.resolve({ command: `echo ${CANARY}; echo ${CANARY} >&2; exit 3` }),
      (e) => isStepvaultError(e, 'config') && /exit code 3/.test(e.message) && !leaks(e),
    );
    await assert.rejects(r.resolve({ command: 'true' }), /printed nothing/);
    const slow = new SecretResolver({ baseDir: dir, commandTimeoutMs: 200 });
    await assert.rejects(slow.resolve({ command: 'sleep 5' }), /did not finish within 200 ms/);
  });

  it('resolve each reference once, and retry a failed one', async () => {
    const counter = path.join(dir, 'count');
    fs.writeFileSync(counter, '');
    const r = resolver();
    const ref = { command: `echo x >> ${counter}; echo value` };
    await Promise.all([r.resolve(ref), r.resolve(ref), r.resolve(ref)]);
    assert.equal(fs.readFileSync(counter, 'utf8'), 'x\n');
    const env: NodeJS.ProcessEnv = {};
    const late = new SecretResolver({ baseDir: dir, env });
    await assert.rejects(late.resolve({ env: 'SV_LATE' }));
    env.SV_LATE = 'now set';
    assert.equal((await late.resolve({ env: 'SV_LATE' })).reveal(), 'now set');
  });

  describe('from AWS, through the real SDK against a loopback endpoint', () => {
    let aws: Awaited<ReturnType<typeof startFakeAws>>;
    before(async () => {
      aws = await startFakeAws();
    });
    after(() => aws.close());
    const settings = () => ({
      endpoint: aws.url,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-secret-key' },
      maxAttempts: 1,
    });

    it('read a Secrets Manager secret, whole or one key of a JSON secret', async () => {
      const r = resolver({}, settings());
      const whole = await r.resolve({
        awsSecretsManager: { secretId: 'stepvault/repo', region: 'eu-central-1' },
      });
      assert.equal(whole.reveal(), CANARY);
      const field = await r.resolve({
        awsSecretsManager: { secretId: 'stepvault/json', region: 'eu-central-1', jsonKey: 'password' },
      });
      assert.equal(field.reveal(), CANARY);
      const port = await r.resolve({
        awsSecretsManager: { secretId: 'stepvault/json', region: 'eu-central-1', jsonKey: 'port' },
      });
      assert.equal(port.reveal(), '5432');
      const call = aws.calls.find((c) => c.target === 'secretsmanager.GetSecretValue')!;
      assert.deepEqual(call.body, { SecretId: 'stepvault/repo' });
      assert.match(
        call.authorization,
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-central-1\/secretsmanager\/aws4_request/,
      );
    });

    it('read an SSM parameter with decryption, in the region from the environment', async () => {
      const r = resolver({ AWS_REGION: 'eu-west-1' }, settings());
      const secret = await r.resolve({ ssm: { name: '/stepvault/smtp', withDecryption: true } });
      assert.equal(secret.reveal(), CANARY);
      const call = aws.calls.find((c) => c.target === 'AmazonSSM.GetParameter')!;
      assert.deepEqual(call.body, { Name: '/stepvault/smtp', WithDecryption: true });
      assert.match(call.authorization, /\/eu-west-1\/ssm\/aws4_request/);
    });

    it('report missing secrets, missing keys and outages without the value', async () => {
      const r = resolver({}, settings());
      const region = 'eu-central-1';
      await assert.rejects(
        r.resolve({ awsSecretsManager: { secretId: 'stepvault/none', region } }),
        (e) =>
          isStepvaultError(e, 'config') &&
          /stepvault\/none: ResourceNotFoundException/.test(e.message) &&
          !e.retryable,
      );
      await assert.rejects(
        r.resolve({ awsSecretsManager: { secretId: 'stepvault/json', region, jsonKey: 'token' } }),
        (e) => isStepvaultError(e, 'config') && /no string key "token"/.test(e.message) && !leaks(e),
      );
      await assert.rejects(
        r.resolve({ awsSecretsManager: { secretId: 'stepvault/repo', region, jsonKey: 'password' } }),
        (e) => isStepvaultError(e, 'config') && /not a JSON object/.test(e.message) && !leaks(e),
      );
      await assert.rejects(
        r.resolve({ awsSecretsManager: { secretId: 'stepvault/broken', region } }),
        (e) => isStepvaultError(e, 'io') && e.retryable,
      );
      await assert.rejects(
        r.resolve({ ssm: { name: '/missing', region, withDecryption: true } }),
        (e) => isStepvaultError(e, 'config') && /ParameterNotFound/.test(e.message),
      );
      await assert.rejects(
        resolver({}, { ...settings() }).resolve({ ssm: { name: '/stepvault/smtp', withDecryption: true } }),
        (e) => isStepvaultError(e, 'config') && /no AWS region/.test(e.message),
      );
    });
  });
});
