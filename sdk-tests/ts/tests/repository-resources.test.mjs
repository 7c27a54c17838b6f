// GitHub repository resources (README "GitHub repositories") through @anthropic-ai/sdk, against
// the git server `run` starts and points the main server's --github-url at: a session declares a
// repository beside a file, lists and retrieves it without its token, rotates the token, deletes
// it, and the checkout is a real git working tree in the sandbox while it lasts.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ID,
  alpha,
  exec,
  expectApiError,
  gitDir,
  invalid,
  newSession,
  notFound,
  strip,
  uploadText,
} from '../lib/berth.mjs';

const URL = 'https://github.com/acme/demo';
const TOKEN = 'ghp_FirstSecretToken0123456789';
const ROTATED = 'ghp_SecondSecretToken987654321';

/** Runs the machine's git in `cwd` with no system or user configuration; its stdout, trimmed. */
function git(cwd, ...args) {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'SDK Test',
      GIT_AUTHOR_EMAIL: 'sdk@berth.invalid',
      GIT_COMMITTER_NAME: 'SDK Test',
      GIT_COMMITTER_EMAIL: 'sdk@berth.invalid',
    },
  }).trim();
}

/**
 * Makes OWNER/NAME in the git server's directory: a bare repository whose `main` holds one commit
 * per [message, files] entry, made in a scratch clone and pushed through the file system (the git
 * server takes no pushes). The commits' SHAs, oldest first.
 */
function createRepository(owner, name, commits) {
  const bare = path.join(gitDir, owner, `${name}.git`);
  git(gitDir, 'init', '--bare', '-q', '-b', 'main', bare);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'berth-ts-repo-'));
  try {
    git(scratch, 'init', '-q', '-b', 'main');
    const shas = [];
    for (const [message, files] of commits) {
      for (const [file, text] of Object.entries(files)) {
        writeFileSync(path.join(scratch, file), text);
      }
      git(scratch, 'add', '-A');
      git(scratch, 'commit', '-q', '-m', message);
      shas.push(git(scratch, 'rev-parse', 'HEAD'));
    }
    git(scratch, 'push', '-q', bare, 'main');
    return shas;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

let shas;
before(() => {
  shas = createRepository('acme', 'demo', [
    ['first', { 'README.md': 'hello\n' }],
    ['second', { 'app.txt': 'app\n' }],
  ]);
});

/** A session declaring acme/demo at branch main (with TOKEN) and, after it, a file. */
async function sessionWithRepositoryAndFile() {
  const file = await uploadText(alpha, 'n\n', 'notes.txt', 'text/plain');
  const { session } = await newSession(alpha, {
    resources: [
      {
        type: 'github_repository',
        url: URL,
        authorization_token: TOKEN,
        checkout: { type: 'branch', name: 'main' },
      },
      { type: 'file', file_id: file.id },
    ],
  });
  const [repository, mounted] = session.resources;
  return { session, file, repository, mounted };
}

/** `git` run in the session's sandbox, which must succeed; its stdout. */
async function sandboxGit(sessionId, ...args) {
  const r = await exec(sessionId, ['git', ...args]);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.exit_code, 0, r.body.stderr);
  return r.body.stdout;
}

test('a session lists its repository and file; retrieve shows no token', async () => {
  const { session, file, repository, mounted } = await sessionWithRepositoryAndFile();
  assert.equal(session.resources.length, 2);
  assert.match(repository.id, ID);
  assert.ok(repository.id.startsWith('sesrsc_'), repository.id);
  assert.equal(repository.type, 'github_repository');
  assert.equal(repository.url, URL);
  assert.deepEqual(repository.checkout, { type: 'branch', name: 'main' });
  assert.equal(repository.mount_path, '/workspace/demo');
  assert.equal(repository.created_at, repository.updated_at);
  assert.ok(!('authorization_token' in repository), JSON.stringify(repository));
  assert.equal(mounted.type, 'file');
  assert.equal(mounted.mount_path, `/mnt/session/uploads/${file.id}`);

  const listed = [];
  for await (const r of alpha.beta.sessions.resources.list(session.id, { limit: 1 })) {
    listed.push(r);
  }
  assert.deepEqual(listed, session.resources);

  const got = await alpha.beta.sessions.resources.retrieve(repository.id, {
    session_id: session.id,
  });
  assert.deepEqual(strip(got), repository);
  for (const answer of [session, listed, got]) {
    assert.ok(!JSON.stringify(answer).includes(TOKEN), 'an answer holds the token');
  }
});

test('the branch and its history are at /workspace/demo, origin without token', async () => {
  const { session } = await sessionWithRepositoryAndFile();
  assert.equal(
    await sandboxGit(session.id, '-C', '/workspace/demo', 'log', '--format=%s'),
    'second\nfirst\n',
  );
  assert.equal(
    await sandboxGit(session.id, '-C', '/workspace/demo', 'rev-parse', 'HEAD'),
    `${shas[1]}\n`,
  );
  assert.equal(
    await sandboxGit(session.id, '-C', '/workspace/demo', 'remote', 'get-url', 'origin'),
    `${URL}\n`,
  );
});

test('a new authorization_token answers the resource with a later updated_at', async () => {
  const { session, repository } = await sessionWithRepositoryAndFile();
  const updated = await alpha.beta.sessions.resources.update(repository.id, {
    session_id: session.id,
    authorization_token: ROTATED,
  });
  assert.ok(
    updated.updated_at > repository.updated_at,
    `${updated.updated_at} is not after ${repository.updated_at}`,
  );
  const { updated_at, ...unchanged } = strip(updated);
  assert.deepEqual(unchanged, (({ updated_at: _, ...rest }) => rest)(repository));
  assert.ok(!JSON.stringify(updated).includes(ROTATED), 'the answer holds the new token');
  const got = await alpha.beta.sessions.resources.retrieve(repository.id, {
    session_id: session.id,
  });
  assert.equal(got.updated_at, updated_at);
  assert.equal(
    await sandboxGit(session.id, '-C', '/workspace/demo', 'log', '--format=%s'),
    'second\nfirst\n',
  );
});

test('delete answers session_resource_deleted and takes the checkout away', async () => {
  const { session, repository, mounted } = await sessionWithRepositoryAndFile();
  assert.equal(
    await sandboxGit(session.id, '-C', '/workspace/demo', 'log', '--format=%s'),
    'second\nfirst\n',
  );
  const deleted = await alpha.beta.sessions.resources.delete(repository.id, {
    session_id: session.id,
  });
  assert.deepEqual(strip(deleted), { id: repository.id, type: 'session_resource_deleted' });
  await expectApiError(
    alpha.beta.sessions.resources.retrieve(repository.id, { session_id: session.id }),
    ...notFound,
  );
  const page = await alpha.beta.sessions.resources.list(session.id);
  assert.deepEqual(
    page.data.map((r) => r.id),
    [mounted.id],
  );
  const left = await exec(session.id, ['sh', '-c', 'ls -A /workspace/demo 2>/dev/null | wc -l']);
  assert.equal(left.status, 200, JSON.stringify(left.body));
  assert.equal(left.body.stdout.trim(), '0');
});

test('a commit checkout with a mount_path is that commit, detached, where asked', async () => {
  const { session } = await newSession(alpha, {
    resources: [
      {
        type: 'github_repository',
        url: URL,
        authorization_token: TOKEN,
        checkout: { type: 'commit', sha: shas[0] },
        mount_path: '/src/pinned',
      },
    ],
  });
  const [repository] = session.resources;
  assert.deepEqual(repository.checkout, { type: 'commit', sha: shas[0] });
  assert.equal(repository.mount_path, '/src/pinned');
  assert.equal(await sandboxGit(session.id, '-C', '/src/pinned', 'log', '--format=%s'), 'first\n');
  const head = await exec(session.id, ['git', '-C', '/src/pinned', 'symbolic-ref', '-q', 'HEAD']);
  assert.equal(head.body.exit_code, 1, 'HEAD is on a branch');
});

test('a repository URL not on https://github.com is a 400 and makes no session', async () => {
  const environment = await alpha.beta.environments.create({ name: 'env' });
  const agent = await alpha.beta.agents.create({ name: 'agent', model: 'claude-sonnet-4-6' });
  for (const url of [
    'https://gitlab.com/acme/demo',
    'http://github.com/acme/demo',
    `${URL}/tree/main`,
  ]) {
    await expectApiError(
      alpha.beta.sessions.create({
        agent: agent.id,
        environment_id: environment.id,
        resources: [{ type: 'github_repository', url, authorization_token: TOKEN }],
      }),
      ...invalid,
    );
  }
  const after = await alpha.beta.sessions.list({ agent_id: agent.id });
  assert.deepEqual(after.data, []);
});
