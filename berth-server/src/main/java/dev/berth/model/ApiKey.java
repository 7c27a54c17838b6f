package dev.berth.model;

import java.util.Optional;

/**
 * An API key as {@code berth keys list} shows it: never its secret nor its hash.
 *
 * @param id the key's own id ({@code apikey_…})
 * @param workspace the name of the workspace it opens
 * @param createdAt when it was recorded (RFC 3339)
 * @param revokedAt when it was revoked; empty while it opens its workspace
 */
public record ApiKey(String id, String workspace, String createdAt, Optional<String> revokedAt) {}
