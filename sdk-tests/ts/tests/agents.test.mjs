// Agents (spec §4) through @anthropic-ai/sdk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ID,
  REQUEST_ID,
  alpha,
  beta,
  conflict,
  countingClient,
  expectApiError,
  invalid,
  limited,
  notFound,
  stranger,
  strip,
  tooLarge,
  unauthenticated,
  unknownId,
} from '../lib/berth.mjs';

const TOOLS = ['bash', 'edit', 'read', 'write', 'glob', 'grep', 'web_fetch', 'web_search'];

test('create with a model string returns version 1 with defaults filled in', async () => {
  const agent = await alpha.beta.agents.create({ name: 'Helper', model: 'claude-sonnet-4-6' });
  assert.match(agent.id, ID);
  assert.ok(agent.id.startsWith('agent_'));
  assert.equal(agent.type, 'agent');
  assert.equal(agent.version, 1);
  assert.equal(agent.name, 'Helper');
  assert.deepEqual(agent.model, { id: 'claude-sonnet-4-6' });
  assert.equal(agent.description, null);
  assert.equal(agent.system, null);
  assert.deepEqual(agent.execution_identity, { type: 'service_account' });
  assert.deepEqual(agent.tools, []);
  assert.deepEqual(agent.mcp_servers, []);
  assert.deepEqual(agent.skills, []);
  assert.deepEqual(agent.metadata, {});
  assert.equal(agent.archived_at, null);
  assert.equal(agent.created_at, agent.updated_at);
  assert.match(agent._request_id, REQUEST_ID);
  assert.deepEqual(strip(await alpha.beta.agents.retrieve(agent.id)), strip(agent));
});

test('create with the agent toolset returns the resolved tool configs', async () => {
  const agent = await alpha.beta.agents.create({
    name: 'Coder',
    model: { id: 'claude-opus-4-6', effort: 'high' },
    system: 'You write code.',
    tools: [{ type: 'agent_toolset_20260401' }],
    metadata: { team: 'infra' },
  });
  assert.equal(agent.model.id, 'claude-opus-4-6');
  assert.deepEqual(agent.model.effort, { type: 'high' });
  assert.equal(agent.tools.length, 1);
  const [toolset] = agent.tools;
  assert.equal(toolset.type, 'agent_toolset_20260401');
  assert.deepEqual(toolset.default_config, {
    enabled: true,
    permission_policy: { type: 'always_allow' },
  });
  assert.deepEqual(
    toolset.configs.map((c) => c.name),
    TOOLS,
  );
  for (const c of toolset.configs) {
    assert.equal(c.type, c.name);
    assert.equal(c.enabled, true);
  }
  assert.deepEqual(agent.metadata, { team: 'infra' });
});

test('update bumps the version; retrieve and versions list return every version', async () => {
  const agent = await alpha.beta.agents.create({ name: 'v1', model: 'claude-sonnet-4-6' });
  const v2 = await alpha.beta.agents.update(agent.id, {
    version: 1,
    name: 'v2',
    description: 'second',
    metadata: { k: 'v' },
  });
  assert.equal(v2.version, 2);
  assert.equal(v2.name, 'v2');
  assert.equal(v2.description, 'second');
  assert.deepEqual(v2.metadata, { k: 'v' });
  assert.equal(v2.created_at, agent.created_at);
  const v3 = await alpha.beta.agents.update(agent.id, {
    version: 2,
    tools: [{ type: 'agent_toolset_20260401' }],
  });
  assert.equal(v3.version, 3);
  assert.equal(v3.name, 'v2');
  assert.equal(v3.tools.length, 1);

  assert.equal((await alpha.beta.agents.retrieve(agent.id)).version, 3);
  const old = await alpha.beta.agents.retrieve(agent.id, { version: 1 });
  assert.equal(old.version, 1);
  assert.equal(old.name, 'v1');
  await expectApiError(alpha.beta.agents.retrieve(agent.id, { version: 4 }), ...notFound);
  await expectApiError(alpha.beta.agents.retrieve(agent.id, { version: 0 }), ...invalid);

  const versions = [];
  for await (const v of alpha.beta.agents.versions.list(agent.id, { limit: 2 })) {
    versions.push(v.version);
  }
  assert.deepEqual(versions, [3, 2, 1]);
  await expectApiError(alpha.beta.agents.versions.list(unknownId('agent')), ...notFound);
});

test('update with a stale version is a 409 the SDK does not retry', async () => {
  const agent = await alpha.beta.agents.create({ name: 'a', model: 'claude-sonnet-4-6' });
  await alpha.beta.agents.update(agent.id, { version: 1, name: 'b' });
  const { api, requests } = countingClient();
  const err = await expectApiError(
    api.beta.agents.update(agent.id, { version: 1, name: 'c' }),
    ...conflict,
  );
  assert.equal(err.headers.get('x-should-retry'), 'false');
  assert.equal(requests.count, 1);
  const current = await alpha.beta.agents.retrieve(agent.id);
  assert.equal(current.version, 2);
  assert.equal(current.name, 'b');
});

test('list auto-paginates and leaves archived agents out unless asked', async () => {
  const mine = [];
  for (let i = 0; i < 3; i++) {
    mine.push(await alpha.beta.agents.create({ name: `list-${i}`, model: 'claude-sonnet-4-6' }));
  }
  const archived = await alpha.beta.agents.archive(mine[0].id);
  const ids = [];
  for await (const a of alpha.beta.agents.list({ limit: 2 })) {
    ids.push(a.id);
  }
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(ids.includes(mine[1].id) && ids.includes(mine[2].id));
  assert.ok(!ids.includes(archived.id));
  const withArchived = [];
  for await (const a of alpha.beta.agents.list({ limit: 2, include_archived: true })) {
    withArchived.push(a.id);
  }
  assert.ok(withArchived.includes(archived.id));
  const since = await alpha.beta.agents.list({ 'created_at[gte]': mine[1].created_at, limit: 100 });
  assert.ok(since.data.some((a) => a.id === mine[2].id));
  assert.ok(!since.data.some((a) => a.id === mine[0].id));
  await expectApiError(alpha.beta.agents.list({ limit: 0 }), ...invalid);
});

test('archive sets archived_at; an archived agent cannot start a session', async () => {
  const agent = await alpha.beta.agents.create({ name: 'old', model: 'claude-sonnet-4-6' });
  const environment = await alpha.beta.environments.create({ name: 'for-archived-agent' });
  const archived = await alpha.beta.agents.archive(agent.id);
  assert.ok(archived.archived_at);
  assert.equal(archived.version, 1);
  const again = await alpha.beta.agents.archive(agent.id);
  assert.equal(again.archived_at, archived.archived_at);
  await expectApiError(
    alpha.beta.sessions.create({ agent: agent.id, environment_id: environment.id }),
    ...invalid,
  );
  await expectApiError(
    alpha.beta.sessions.create({
      agent: { type: 'agent', id: agent.id, version: 1 },
      environment_id: environment.id,
    }),
    ...invalid,
  );
  await expectApiError(alpha.beta.agents.archive(unknownId('agent')), ...notFound);
});

test('create and update validate their bodies', async () => {
  await expectApiError(alpha.beta.agents.create({ name: 'no model' }), ...invalid);
  await expectApiError(alpha.beta.agents.create({ model: 'claude-sonnet-4-6' }), ...invalid);
  await expectApiError(
    alpha.beta.agents.create({ name: '', model: 'claude-sonnet-4-6' }),
    ...invalid,
  );
  await expectApiError(
    alpha.beta.agents.create({ name: 'x', model: 'claude-sonnet-4-6', tools: [{ type: 'nope' }] }),
    ...invalid,
  );
  await expectApiError(
    alpha.beta.agents.update(unknownId('agent'), { version: 1, name: 'x' }),
    ...notFound,
  );
});

test("another workspace's agents are 404s and never listed", async () => {
  const agent = await alpha.beta.agents.create({ name: 'private', model: 'claude-sonnet-4-6' });
  await expectApiError(beta.beta.agents.retrieve(agent.id), ...notFound);
  await expectApiError(beta.beta.agents.update(agent.id, { version: 1, name: 'x' }), ...notFound);
  await expectApiError(beta.beta.agents.archive(agent.id), ...notFound);
  await expectApiError(beta.beta.agents.versions.list(agent.id), ...notFound);
  const theirs = [];
  for await (const a of beta.beta.agents.list({ include_archived: true, limit: 100 })) {
    theirs.push(a.id);
  }
  assert.ok(!theirs.includes(agent.id));
});

test('a wrong API key is a 401 on every agent endpoint', async () => {
  const id = unknownId('agent');
  await expectApiError(
    stranger.beta.agents.create({ name: 'x', model: 'claude-sonnet-4-6' }),
    ...unauthenticated,
  );
  await expectApiError(stranger.beta.agents.list(), ...unauthenticated);
  await expectApiError(stranger.beta.agents.retrieve(id), ...unauthenticated);
  await expectApiError(stranger.beta.agents.update(id, { version: 1 }), ...unauthenticated);
  await expectApiError(stranger.beta.agents.versions.list(id), ...unauthenticated);
  await expectApiError(stranger.beta.agents.archive(id), ...unauthenticated);
});

test('a create body over the JSON limit is a 413', async () => {
  await expectApiError(
    limited.beta.agents.create({
      name: 'big',
      model: 'claude-sonnet-4-6',
      system: 's'.repeat(5000),
    }),
    ...tooLarge,
  );
});
