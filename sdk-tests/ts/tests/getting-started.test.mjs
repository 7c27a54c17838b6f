// A newcomer's first minutes: nothing but the SDK, an API key and Berth's base URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Anthropic, { toFile } from '@anthropic-ai/sdk';
import { apiKey, baseURL, sandboxPath } from '../lib/berth.mjs';

test('upload a file, create an environment, an agent and a session, then list them', async () => {
  const client = new Anthropic({ apiKey, baseURL });

  const file = await client.beta.files.upload({
    file: await toFile(Buffer.from('a,b\n1,2\n'), 'data.csv'),
  });
  const environment = await client.beta.environments.create({ name: 'dev' });
  const agent = await client.beta.agents.create({ name: 'helper', model: 'claude-sonnet-4-6' });
  const session = await client.beta.sessions.create({
    agent: agent.id,
    environment_id: environment.id,
    title: 'first steps',
  });
  const resource = await client.beta.sessions.resources.add(session.id, {
    file_id: file.id,
    type: 'file',
  });
  assert.equal(readFileSync(sandboxPath(session.id, resource.mount_path), 'utf8'), 'a,b\n1,2\n');

  const has = async (pager, id) => {
    for await (const item of pager) {
      if (item.id === id) return true;
    }
    return false;
  };
  assert.ok(await has(client.beta.files.list(), file.id), 'file listed');
  assert.ok(await has(client.beta.environments.list(), environment.id), 'environment listed');
  assert.ok(await has(client.beta.agents.list(), agent.id), 'agent listed');
  assert.ok(await has(client.beta.sessions.list(), session.id), 'session listed');
  assert.ok(
    await has(client.beta.sessions.resources.list(session.id), resource.id),
    'resource listed',
  );
  assert.ok(
    await has(client.beta.files.list({ scope_id: session.id }), resource.file_id),
    'copy listed',
  );

  const listed = await client.beta.sessions.retrieve(session.id);
  assert.deepEqual(
    listed.resources.map((r) => r.id),
    [resource.id],
  );
});
