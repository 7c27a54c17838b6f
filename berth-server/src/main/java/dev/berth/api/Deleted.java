package dev.berth.api;

/** The {@code {"id", "type": "<thing>_deleted"}} answer of every DELETE. */
public record Deleted(String id, String type) {}
