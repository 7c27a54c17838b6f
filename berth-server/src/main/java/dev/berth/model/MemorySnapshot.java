package dev.berth.model;

import java.util.List;

/**
 * Every memory of a store, in path order and without content, and the store's revision: a number
 * that grows with every memory written (created, modified or deleted) and never otherwise, so a
 * reader that kept it can tell cheaply whether the store changed since. The revision was read
 * before the memories: they are at least as new as it, so a change is never missed, at worst seen
 * twice.
 */
public record MemorySnapshot(long revision, List<Memory> memories) {
  public MemorySnapshot {
    memories = List.copyOf(memories);
  }
}
