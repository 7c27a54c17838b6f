package dev.berth.model;

/** Whom an API key lets in: the one workspace it opens, and the key's own id ({@code apikey_…}). */
public record Caller(String workspaceId, String apiKeyId) {}
