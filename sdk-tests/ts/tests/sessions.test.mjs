// Sessions (spec §3) through @anthropic-ai/sdk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import {
  ID,
  REQUEST_ID,
  alpha,
  beta,
  conflict,
  expectApiError,
  invalid,
  limited,
  newSession,
  notFound,
  sandboxPath,
  stranger,
  tooLarge,
  unauthenticated,
  unknownId,
  uploadText,
} from '../lib/berth.mjs';

async function fixtures(api = alpha) {
  const environment = await api.beta.environments.create({ name: 'sessions-env' });
  const agent = await api.beta.agents.create({
    name: 'Support Agent',
    model: 'claude-sonnet-4-6',
    system: 'Be brief.',
  });
  return { environment, agent };
}

/** Every session the auto-pager yields for `params`. */
async function listAll(params) {
  const out = [];
  for await (const s of alpha.beta.sessions.list(params)) {
    out.push(s);
  }
  return out;
}

test('create with an agent id returns a fresh idle session', async () => {
  const { environment, agent } = await fixtures();
  const session = await alpha.beta.sessions.create({
    agent: agent.id,
    environment_id: environment.id,
    title: 'First',
    metadata: { team: 'a' },
  });
  assert.match(session.id, ID);
  assert.ok(session.id.startsWith('sesn_'));
  assert.equal(session.type, 'session');
  assert.equal(session.status, 'idle');
  assert.equal(session.environment_id, environment.id);
  assert.equal(session.title, 'First');
  assert.deepEqual(session.metadata, { team: 'a' });
  assert.deepEqual(session.resources, []);
  assert.deepEqual(session.vault_ids, []);
  assert.deepEqual(session.outcome_evaluations, []);
  assert.equal(session.archived_at, null);
  assert.equal(session.agent.id, agent.id);
  assert.equal(session.agent.type, 'agent');
  assert.equal(session.agent.version, 1);
  assert.equal(session.agent.name, 'Support Agent');
  assert.equal(session.agent.system, 'Be brief.');
  assert.deepEqual(session.agent.model, { id: 'claude-sonnet-4-6' });
  assert.equal(typeof session.stats, 'object');
  assert.equal(typeof session.usage, 'object');
  assert.match(session._request_id, REQUEST_ID);
  const got = await alpha.beta.sessions.retrieve(session.id);
  const { _request_id: _a, stats: _s, usage: _u, ...created } = session;
  const { _request_id: _b, stats: _t, usage: _v, ...retrieved } = got;
  assert.deepEqual(retrieved, created);
});

test('create with {type: agent, id, version} pins that version', async () => {
  const { environment, agent } = await fixtures();
  await alpha.beta.agents.update(agent.id, { version: 1, name: 'Renamed' });
  const pinned = await alpha.beta.sessions.create({
    agent: { type: 'agent', id: agent.id, version: 1 },
    environment_id: environment.id,
  });
  assert.equal(pinned.agent.version, 1);
  assert.equal(pinned.agent.name, 'Support Agent');
  const latest = await alpha.beta.sessions.create({
    agent: agent.id,
    environment_id: environment.id,
  });
  assert.equal(latest.agent.version, 2);
  assert.equal(latest.agent.name, 'Renamed');
  await expectApiError(
    alpha.beta.sessions.create({
      agent: { type: 'agent', id: agent.id, version: 9 },
      environment_id: environment.id,
    }),
    ...notFound,
  );
});

test('create with file resources mounts them into the sandbox', async () => {
  const { environment, agent } = await fixtures();
  const a = await uploadText(alpha, 'alpha bytes', 'a.txt', 'text/plain');
  const b = await uploadText(alpha, 'beta bytes', 'b.txt', 'text/plain');
  const session = await alpha.beta.sessions.create({
    agent: agent.id,
    environment_id: environment.id,
    resources: [
      { type: 'file', file_id: a.id },
      { type: 'file', file_id: b.id, mount_path: '/inputs/b.txt' },
    ],
  });
  assert.equal(session.resources.length, 2);
  const [ra, rb] = session.resources;
  assert.equal(ra.type, 'file');
  assert.match(ra.id, ID);
  assert.notEqual(ra.file_id, a.id);
  assert.equal(ra.mount_path, `/mnt/session/uploads/${a.id}`);
  assert.equal(rb.mount_path, '/mnt/session/uploads/inputs/b.txt');
  assert.equal(readFileSync(sandboxPath(session.id, ra.mount_path), 'utf8'), 'alpha bytes');
  assert.equal(readFileSync(sandboxPath(session.id, rb.mount_path), 'utf8'), 'beta bytes');
  const listed = await alpha.beta.sessions.resources.list(session.id);
  assert.deepEqual(listed.data, session.resources);
});

test('create is all or nothing: a bad file id is a 404 and no session is created', async () => {
  const { environment, agent } = await fixtures();
  const good = await uploadText(alpha);
  const before = (await listAll({ agent_id: agent.id, include_archived: true })).length;
  await expectApiError(
    alpha.beta.sessions.create({
      agent: agent.id,
      environment_id: environment.id,
      resources: [
        { type: 'file', file_id: good.id },
        { type: 'file', file_id: unknownId('file'), mount_path: '/x' },
      ],
    }),
    ...notFound,
  );
  await expectApiError(
    alpha.beta.sessions.create({
      agent: agent.id,
      environment_id: environment.id,
      resources: [
        { type: 'file', file_id: good.id, mount_path: '/same' },
        { type: 'file', file_id: good.id, mount_path: '/same' },
      ],
    }),
    ...conflict,
  );
  const after = await listAll({ agent_id: agent.id, include_archived: true });
  assert.equal(after.length, before);
});

test('create errors: unknown agent or environment 404, bad shapes 400, too many files 400', async () => {
  const { environment, agent } = await fixtures();
  await expectApiError(
    alpha.beta.sessions.create({ agent: unknownId('agent'), environment_id: environment.id }),
    ...notFound,
  );
  const envErr = await expectApiError(
    alpha.beta.sessions.create({ agent: agent.id, environment_id: unknownId('env') }),
    ...notFound,
  );
  assert.equal(envErr.errorCode, 'environment_not_found');
  await expectApiError(alpha.beta.sessions.create({ agent: agent.id }), ...invalid);
  await expectApiError(
    alpha.beta.sessions.create({
      agent: agent.id,
      environment_id: environment.id,
      resources: [{ type: 'file', file_id: (await uploadText(alpha)).id, mount_path: 'rel' }],
    }),
    ...invalid,
  );
  const file = await uploadText(alpha);
  await expectApiError(
    alpha.beta.sessions.create({
      agent: agent.id,
      environment_id: environment.id,
      resources: Array.from({ length: 101 }, (_, i) => ({
        type: 'file',
        file_id: file.id,
        mount_path: `/f/${i}`,
      })),
    }),
    ...invalid,
  );
  await expectApiError(
    alpha.beta.sessions.create({
      agent: { type: 'agent', id: agent.id, version: 0 },
      environment_id: environment.id,
    }),
    ...invalid,
  );
});

test('list auto-paginates and filters by agent, status, archived, order and created_at', async () => {
  const { environment, agent } = await fixtures();
  const mine = [];
  for (let i = 0; i < 5; i++) {
    mine.push(
      await alpha.beta.sessions.create({
        agent: agent.id,
        environment_id: environment.id,
        title: `s${i}`,
      }),
    );
  }
  await alpha.beta.sessions.archive(mine[0].id);

  const first = await alpha.beta.sessions.list({ agent_id: agent.id, limit: 2 });
  assert.equal(first.data.length, 2);
  assert.equal(typeof first.next_page, 'string');
  assert.equal(first.prev_page, null);
  const second = await first.getNextPage();
  assert.equal(typeof second.prev_page, 'string');

  const newestFirst = (await listAll({ agent_id: agent.id, limit: 2 })).map((s) => s.id);
  assert.deepEqual(
    newestFirst,
    mine
      .slice(1)
      .map((s) => s.id)
      .reverse(),
  );
  const withArchived = await listAll({ agent_id: agent.id, include_archived: true, limit: 2 });
  assert.deepEqual(
    withArchived.map((s) => s.id),
    mine.map((s) => s.id).reverse(),
  );
  assert.ok(withArchived.at(-1).archived_at);
  const ascending = await listAll({ agent_id: agent.id, order: 'asc', limit: 3 });
  assert.deepEqual(
    ascending.map((s) => s.id),
    mine.slice(1).map((s) => s.id),
  );

  const idle = await listAll({ agent_id: agent.id, statuses: ['idle'], limit: 2 });
  assert.equal(idle.length, 4);
  const running = await listAll({ agent_id: agent.id, statuses: ['running', 'terminated'] });
  assert.deepEqual(running, []);

  const later = await listAll({
    agent_id: agent.id,
    'created_at[gt]': mine[2].created_at,
    order: 'asc',
  });
  assert.deepEqual(
    later.map((s) => s.id),
    [mine[3].id, mine[4].id],
  );
  // A Date is sent as an ISO string (millisecond precision, so at or before mine[2]).
  const since = new Date(Date.parse(mine[2].created_at));
  const fromDate = await listAll({ agent_id: agent.id, 'created_at[gte]': since, order: 'asc' });
  assert.deepEqual(
    fromDate.map((s) => s.id),
    mine.slice(2).map((s) => s.id),
  );
  const until = await listAll({
    agent_id: agent.id,
    'created_at[lte]': mine[2].created_at,
    'created_at[gte]': mine[1].created_at,
  });
  assert.deepEqual(
    until.map((s) => s.id),
    [mine[2].id, mine[1].id],
  );
  const before = await listAll({ agent_id: agent.id, 'created_at[lt]': mine[2].created_at });
  assert.deepEqual(
    before.map((s) => s.id),
    [mine[1].id],
  );

  const otherAgent = await alpha.beta.agents.create({ name: 'other', model: 'claude-sonnet-4-6' });
  assert.deepEqual(await listAll({ agent_id: otherAgent.id }), []);
  const all = await listAll({ limit: 100 });
  assert.ok(mine.slice(1).every((s) => all.some((x) => x.id === s.id)));

  await expectApiError(alpha.beta.sessions.list({ statuses: ['sleeping'] }), ...invalid);
  await expectApiError(alpha.beta.sessions.list({ 'created_at[gt]': 'yesterday' }), ...invalid);
  await expectApiError(alpha.beta.sessions.list({ limit: 0 }), ...invalid);
  await expectApiError(alpha.beta.sessions.list({ limit: 101 }), ...invalid);
  await expectApiError(alpha.beta.sessions.list({ page: 'not-a-cursor' }), ...invalid);
});

test('update patches title and metadata', async () => {
  const { session } = await newSession(alpha, { title: 'Old', metadata: { a: '1', b: '2' } });
  const renamed = await alpha.beta.sessions.update(session.id, {
    title: 'New',
    metadata: { a: null, c: '3' },
  });
  assert.equal(renamed.title, 'New');
  assert.deepEqual(renamed.metadata, { b: '2', c: '3' });
  assert.ok(Date.parse(renamed.updated_at) >= Date.parse(session.updated_at));
  const unchanged = await alpha.beta.sessions.update(session.id, {});
  assert.equal(unchanged.title, 'New');
  assert.deepEqual(unchanged.metadata, { b: '2', c: '3' });
  const cleared = await alpha.beta.sessions.update(session.id, { title: null });
  assert.equal(cleared.title, null);
  await expectApiError(
    alpha.beta.sessions.update(session.id, { vault_ids: ['vlt_011CZkZDLs7fYzm1hXNPeRjv'] }),
    ...invalid,
  );
  await expectApiError(alpha.beta.sessions.update(unknownId('sesn'), { title: 'x' }), ...notFound);
});

test('archive sets archived_at, is idempotent and makes the session read-only', async () => {
  const { session } = await newSession(alpha);
  const archived = await alpha.beta.sessions.archive(session.id);
  assert.ok(archived.archived_at);
  assert.equal(archived.id, session.id);
  const again = await alpha.beta.sessions.archive(session.id);
  assert.equal(again.archived_at, archived.archived_at);
  assert.equal((await alpha.beta.sessions.retrieve(session.id)).archived_at, archived.archived_at);
  await expectApiError(alpha.beta.sessions.update(session.id, { title: 'x' }), ...invalid);
  await expectApiError(alpha.beta.sessions.archive(unknownId('sesn')), ...notFound);
});

test('delete removes the session, its resources and its sandbox', async () => {
  const file = await uploadText(alpha, 'to be deleted');
  const { session } = await newSession(alpha, { resources: [{ type: 'file', file_id: file.id }] });
  const onDisk = sandboxPath(session.id, session.resources[0].mount_path);
  assert.ok(existsSync(onDisk));
  const deleted = await alpha.beta.sessions.delete(session.id);
  assert.deepEqual({ ...deleted }, { id: session.id, type: 'session_deleted' });
  await expectApiError(alpha.beta.sessions.retrieve(session.id), ...notFound);
  await expectApiError(alpha.beta.sessions.delete(session.id), ...notFound);
  await expectApiError(alpha.beta.sessions.resources.list(session.id), ...notFound);
  assert.equal(existsSync(onDisk), false);
  const scoped = await alpha.beta.files.list({ scope_id: session.id });
  assert.deepEqual(scoped.data, []);
  assert.equal((await alpha.beta.files.retrieveMetadata(file.id)).id, file.id);
});

test("another workspace's sessions are 404s and never listed", async () => {
  const { session, agent } = await newSession(alpha);
  await expectApiError(beta.beta.sessions.retrieve(session.id), ...notFound);
  await expectApiError(beta.beta.sessions.update(session.id, { title: 'x' }), ...notFound);
  await expectApiError(beta.beta.sessions.archive(session.id), ...notFound);
  await expectApiError(beta.beta.sessions.delete(session.id), ...notFound);
  const theirs = [];
  for await (const s of beta.beta.sessions.list({ include_archived: true, limit: 100 })) {
    theirs.push(s.id);
  }
  assert.ok(!theirs.includes(session.id));
  const { environment } = await fixtures(beta);
  await expectApiError(
    beta.beta.sessions.create({ agent: agent.id, environment_id: environment.id }),
    ...notFound,
  );
  assert.equal((await alpha.beta.sessions.retrieve(session.id)).id, session.id);
});

test('a wrong API key is a 401 on every session endpoint', async () => {
  const id = unknownId('sesn');
  await expectApiError(
    stranger.beta.sessions.create({ agent: unknownId('agent'), environment_id: unknownId('env') }),
    ...unauthenticated,
  );
  await expectApiError(stranger.beta.sessions.list(), ...unauthenticated);
  await expectApiError(stranger.beta.sessions.retrieve(id), ...unauthenticated);
  await expectApiError(stranger.beta.sessions.update(id, { title: 'x' }), ...unauthenticated);
  await expectApiError(stranger.beta.sessions.archive(id), ...unauthenticated);
  await expectApiError(stranger.beta.sessions.delete(id), ...unauthenticated);
});

test('a create body over the JSON limit is a 413', async () => {
  const { environment, agent } = await fixtures(limited);
  await expectApiError(
    limited.beta.sessions.create({
      agent: agent.id,
      environment_id: environment.id,
      title: 't'.repeat(5000),
    }),
    ...tooLarge,
  );
});
