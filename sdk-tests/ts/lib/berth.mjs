// Shared by every conformance test: SDK clients built exactly as a user would build them
// (only the base URL differs from the defaults) and the checks every API error must pass.
import assert from 'node:assert/strict';
import Anthropic, { APIError } from '@anthropic-ai/sdk';

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
/** A second server whose upload limit is 1024 bytes. */
export const limitedBaseURL = env('BERTH_LIMITED_BASE_URL');

/** A client of workspace "alpha" (or of whatever workspace `key` opens). */
export function client(key = apiKey, url = baseURL) {
  return new Anthropic({ apiKey: key, baseURL: url });
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
