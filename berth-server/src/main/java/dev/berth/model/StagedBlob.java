package dev.berth.model;

import java.nio.file.Path;

/**
 * An upload's bytes written to a private temporary file and hashed, but not yet published as a
 * blob: what the HTTP layer hands from the request body to the file rules.
 */
public record StagedBlob(Path temp, String sha256, long size) {}
