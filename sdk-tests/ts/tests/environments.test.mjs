// Environments (spec §5) through @anthropic-ai/sdk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BetaEnvironmentArchivedError,
  BetaEnvironmentNotFoundError,
  BetaInvalidConfigTypeChangeError,
} from '@anthropic-ai/sdk/resources/beta/environments/environments';
import {
  ID,
  REQUEST_ID,
  alpha,
  beta,
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

const EMPTY_PACKAGES = { type: 'packages', apt: [], cargo: [], gem: [], go: [], npm: [], pip: [] };

test('create with only a name gets the default cloud config', async () => {
  const env = await alpha.beta.environments.create({ name: 'dev' });
  assert.match(env.id, ID);
  assert.ok(env.id.startsWith('env_'));
  assert.equal(env.type, 'environment');
  assert.equal(env.name, 'dev');
  assert.equal(env.description, null);
  assert.deepEqual(env.config, {
    type: 'cloud',
    networking: { type: 'unrestricted' },
    packages: EMPTY_PACKAGES,
  });
  assert.deepEqual(env.metadata, {});
  assert.equal(env.scope, 'organization');
  assert.equal(env.archived_at, null);
  assert.ok(!Number.isNaN(Date.parse(env.created_at)));
  assert.match(env._request_id, REQUEST_ID);
  assert.deepEqual(strip(await alpha.beta.environments.retrieve(env.id)), strip(env));
});

test('create with limited networking fills its defaults; self_hosted is accepted', async () => {
  const env = await alpha.beta.environments.create({
    name: 'locked',
    description: 'no internet',
    config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['example.com'] } },
    metadata: { owner: 'ops' },
  });
  assert.deepEqual(env.config.networking, {
    type: 'limited',
    allowed_hosts: ['example.com'],
    allow_mcp_servers: false,
    allow_package_managers: false,
  });
  assert.equal(env.description, 'no internet');
  assert.deepEqual(env.metadata, { owner: 'ops' });
  const withPackages = await alpha.beta.environments.create({
    name: 'pkgs',
    config: {
      type: 'cloud',
      networking: { type: 'limited', allow_package_managers: true },
      packages: { pip: ['pandas'] },
    },
  });
  assert.deepEqual(withPackages.config.packages.pip, ['pandas']);
  await expectApiError(
    alpha.beta.environments.create({
      name: 'bad',
      config: { type: 'cloud', networking: { type: 'limited' }, packages: { pip: ['pandas'] } },
    }),
    ...invalid,
  );
  const selfHosted = await alpha.beta.environments.create({
    name: 'mine',
    config: { type: 'self_hosted' },
  });
  assert.deepEqual(selfHosted.config, { type: 'self_hosted' });
  await expectApiError(alpha.beta.environments.create({ config: { type: 'cloud' } }), ...invalid);
  await expectApiError(
    alpha.beta.environments.create({ name: 'x', config: { type: 'kubernetes' } }),
    ...invalid,
  );
});

test('update patches fields; a config type change is a 400 with its error code', async () => {
  const env = await alpha.beta.environments.create({
    name: 'before',
    description: 'd',
    metadata: { a: '1', b: '2' },
  });
  const updated = await alpha.beta.environments.update(env.id, {
    name: 'after',
    metadata: { a: null, b: '', c: '3' },
    config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['pypi.org'] } },
  });
  assert.equal(updated.name, 'after');
  assert.equal(updated.description, 'd');
  assert.deepEqual(updated.metadata, { c: '3' });
  assert.equal(updated.config.networking.type, 'limited');
  assert.deepEqual(updated.config.packages, EMPTY_PACKAGES);
  assert.equal(updated.created_at, env.created_at);
  const err = await expectApiError(
    alpha.beta.environments.update(env.id, { config: { type: 'self_hosted' } }),
    ...invalid,
  );
  assert.ok(err instanceof BetaInvalidConfigTypeChangeError, err.constructor.name);
  assert.equal(err.errorCode, 'invalid_config_type_change');
  await expectApiError(
    alpha.beta.environments.update(unknownId('env'), { name: 'x' }),
    ...notFound,
  );
});

test('list auto-paginates and leaves archived environments out unless asked', async () => {
  const mine = [];
  for (let i = 0; i < 3; i++) {
    mine.push(await alpha.beta.environments.create({ name: `list-${i}` }));
  }
  await alpha.beta.environments.archive(mine[0].id);
  const ids = [];
  for await (const e of alpha.beta.environments.list({ limit: 2 })) {
    ids.push(e.id);
  }
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(ids.includes(mine[1].id) && ids.includes(mine[2].id));
  assert.ok(!ids.includes(mine[0].id));
  const all = [];
  for await (const e of alpha.beta.environments.list({ limit: 2, include_archived: true })) {
    all.push(e.id);
  }
  assert.ok(all.includes(mine[0].id));
  assert.ok(all.indexOf(mine[2].id) < all.indexOf(mine[1].id), 'newest first');
  await expectApiError(alpha.beta.environments.list({ limit: 0 }), ...invalid);
});

test('archive is idempotent; an archived environment rejects updates and new sessions', async () => {
  const env = await alpha.beta.environments.create({ name: 'to-archive' });
  const agent = await alpha.beta.agents.create({ name: 'a', model: 'claude-sonnet-4-6' });
  const archived = await alpha.beta.environments.archive(env.id);
  assert.ok(archived.archived_at);
  const again = await alpha.beta.environments.archive(env.id);
  assert.equal(again.archived_at, archived.archived_at);

  const onCreate = await expectApiError(
    alpha.beta.sessions.create({ agent: agent.id, environment_id: env.id }),
    ...invalid,
  );
  assert.ok(onCreate instanceof BetaEnvironmentArchivedError, onCreate.constructor.name);
  assert.equal(onCreate.errorCode, 'environment_archived');
  const onUpdate = await expectApiError(
    alpha.beta.environments.update(env.id, { name: 'x' }),
    ...invalid,
  );
  assert.ok(onUpdate instanceof BetaEnvironmentArchivedError, onUpdate.constructor.name);
  await expectApiError(alpha.beta.environments.archive(unknownId('env')), ...notFound);
});

test('delete returns environment_deleted; afterwards it is gone', async () => {
  const env = await alpha.beta.environments.create({ name: 'to-delete' });
  const agent = await alpha.beta.agents.create({ name: 'a', model: 'claude-sonnet-4-6' });
  const deleted = await alpha.beta.environments.delete(env.id);
  assert.deepEqual(strip(deleted), { id: env.id, type: 'environment_deleted' });
  await expectApiError(alpha.beta.environments.retrieve(env.id), ...notFound);
  await expectApiError(alpha.beta.environments.delete(env.id), ...notFound);
  const err = await expectApiError(
    alpha.beta.sessions.create({ agent: agent.id, environment_id: env.id }),
    ...notFound,
  );
  assert.ok(err instanceof BetaEnvironmentNotFoundError, err.constructor.name);
});

test('an environment still used by a session can be archived and deleted', async () => {
  const env = await alpha.beta.environments.create({ name: 'in-use' });
  const agent = await alpha.beta.agents.create({ name: 'a', model: 'claude-sonnet-4-6' });
  const session = await alpha.beta.sessions.create({ agent: agent.id, environment_id: env.id });
  await alpha.beta.environments.archive(env.id);
  await alpha.beta.environments.delete(env.id);
  const kept = await alpha.beta.sessions.retrieve(session.id);
  assert.equal(kept.environment_id, env.id);
});

test("another workspace's environments are 404s and never listed", async () => {
  const env = await alpha.beta.environments.create({ name: 'private' });
  await expectApiError(beta.beta.environments.retrieve(env.id), ...notFound);
  await expectApiError(beta.beta.environments.update(env.id, { name: 'x' }), ...notFound);
  await expectApiError(beta.beta.environments.archive(env.id), ...notFound);
  await expectApiError(beta.beta.environments.delete(env.id), ...notFound);
  const theirs = [];
  for await (const e of beta.beta.environments.list({ include_archived: true, limit: 100 })) {
    theirs.push(e.id);
  }
  assert.ok(!theirs.includes(env.id));
  assert.equal((await alpha.beta.environments.retrieve(env.id)).id, env.id);
});

test('a wrong API key is a 401 on every environment endpoint', async () => {
  const id = unknownId('env');
  await expectApiError(stranger.beta.environments.create({ name: 'x' }), ...unauthenticated);
  await expectApiError(stranger.beta.environments.list(), ...unauthenticated);
  await expectApiError(stranger.beta.environments.retrieve(id), ...unauthenticated);
  await expectApiError(stranger.beta.environments.update(id, { name: 'x' }), ...unauthenticated);
  await expectApiError(stranger.beta.environments.archive(id), ...unauthenticated);
  await expectApiError(stranger.beta.environments.delete(id), ...unauthenticated);
});

test('a create body over the JSON limit is a 413', async () => {
  await expectApiError(
    limited.beta.environments.create({ name: 'big', description: 'd'.repeat(5000) }),
    ...tooLarge,
  );
});
