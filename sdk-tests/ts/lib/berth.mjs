// Shared by every conformance test: SDK clients built exactly as a user would build them
// (only the base URL differs from the defaults) and the checks every API error must pass.
import assert from 'node:assert/strict';
import path from 'node:path';
import Anthropic, {
  APIError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ContentTooLargeError,
  NotFoundError,
  toFile,
} from '@anthropic-ai/sdk';

function env(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set; run the suite through sdk-tests/ts/run`);
  }
  return value;
}

export const baseURL = env('BERTH_BASE_URL');
export const apiKey = env('BERTH_API_KEY');
export const otherKey = env('BERTH_OTHER_KEY');
/** A second server whose upload limit is 1024 bytes and JSON body limit 4096 bytes. */
export const limitedBaseURL = env('BERTH_LIMITED_BASE_URL');
/** The main server's data directory; session sandboxes live in its `sandboxes/`. */
export const dataDir = env('BERTH_DATA_DIR');
/**
 * The directory of the git server the main server's --github-url points at: a bare repository put
 * here as OWNER/NAME.git is https://github.com/OWNER/NAME to the server.
 */
export const gitDir = env('BERTH_GIT_DIR');

/** Where a file mounted at `mountPath` in session `sessionId` lies on the server's disk. */
export function sandboxPath(sessionId, mountPath) {
  return path.join(dataDir, 'sandboxes', sessionId, mountPath);
}

/** A client of workspace "alpha" (or of whatever workspace `key` opens). */
export function client(key = apiKey, url = baseURL) {
  return new Anthropic({ apiKey: key, baseURL: url });
}

/** Clients of workspace "alpha" and of workspace "beta". */
export const alpha = client();
export const beta = client(otherKey);
/** A client whose key opens no workspace. */
export const stranger = client('sk-not-a-key-of-this-server-000');
/** A client of workspace "alpha" on the limited server. */
export const limited = client(apiKey, limitedBaseURL);

/**
 * A client of workspace "alpha" that counts the HTTP requests it sends (retries included) in
 * `requests.count`.
 */
export function countingClient() {
  const requests = { count: 0 };
  const api = new Anthropic({
    apiKey,
    baseURL,
    fetch: (...args) => {
      requests.count++;
      return fetch(...args);
    },
  });
  return { api, requests };
}

export const ID = /^[a-z]+_01[0-9A-Za-z]{22}$/;
export const REQUEST_ID = /^req_01[0-9A-Za-z]{22}$/;

/**
 * Awaits `promise`, expects it to fail with an SDK error of class `errorClass`, checks the status,
 * the envelope's error.type and the request id, and returns the error for further checks.
 */
export async function expectApiError(promise, errorClass, status, type) {
  let caught;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught, `expected ${errorClass.name}, but the call succeeded`);
  assert.ok(caught instanceof APIError, `expected an APIError, got ${caught}`);
  assert.ok(
    caught instanceof errorClass,
    `expected ${errorClass.name}, got ${caught.constructor.name}: ${caught.message}`,
  );
  assert.equal(caught.status, status);
  assert.equal(caught.type, type);
  assert.equal(caught.error?.type, 'error');
  assert.equal(caught.error?.error?.type, type);
  assert.equal(typeof caught.error?.error?.message, 'string');
  assert.match(caught.requestID ?? '', REQUEST_ID);
  assert.equal(caught.error?.request_id, caught.requestID);
  return caught;
}

/** The error class, status and error.type of common API errors, to spread into expectApiError. */
export const invalid = [BadRequestError, 400, 'invalid_request_error'];
export const unauthenticated = [AuthenticationError, 401, 'authentication_error'];
export const notFound = [NotFoundError, 404, 'not_found_error'];
export const conflict = [ConflictError, 409, 'conflict_error'];
export const tooLarge = [ContentTooLargeError, 413, 'request_too_large'];

/** An SDK result without the `_request_id` the SDK adds, for comparing objects. */
export const strip = ({ _request_id, ...rest }) => rest;

export const unknownId = (prefix) => `${prefix}_01${'0'.repeat(22)}`;

/** Uploads `text` as a file named `name`. */
export async function uploadText(api, text = 'a,b\n1,2\n', name = 'data.csv', type = 'text/csv') {
  return api.beta.files.upload({ file: await toFile(Buffer.from(text), name, { type }) });
}

/** An environment, an agent and a session using them, created through `api`. */
export async function newSession(api, params = {}) {
  const environment = await api.beta.environments.create({ name: 'env' });
  const agent = await api.beta.agents.create({ name: 'agent', model: 'claude-sonnet-4-6' });
  const session = await api.beta.sessions.create({
    agent: agent.id,
    environment_id: environment.id,
    ...params,
  });
  return { environment, agent, session };
}

/**
 * Runs `command` in the session's sandbox through Berth's exec extension (POST
 * /berth/v1/sessions/{id}/exec), which the SDK has no method for; the status and the parsed body.
 */
export async function exec(sessionId, command, extra = {}) {
  const response = await fetch(`${baseURL}/berth/v1/sessions/${sessionId}/exec`, {
    method: 'POST',
    headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ command, ...extra }),
  });
  return { status: response.status, body: await response.json() };
}
