package dev.berth.model;

/**
 * One item of a memory listing, in path order: a memory, or a directory standing for the memories
 * below the listing's depth.
 */
public sealed interface MemoryEntry permits Memory, MemoryEntry.Prefix {
  /** The memory's path, or the directory's with its trailing {@code /}. */
  String path();

  /** A directory of one or more memories, such as {@code /projects/foo/}. */
  record Prefix(String path) implements MemoryEntry {}
}
