package dev.berth.model;

import java.util.Optional;

/** The kind of change a memory version records, spelled as on the wire and in the store. */
public enum MemoryOperation {
  CREATED("created"),
  MODIFIED("modified"),
  DELETED("deleted");

  private final String wire;

  MemoryOperation(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  public static Optional<MemoryOperation> parse(String wire) {
    for (MemoryOperation op : values()) {
      if (op.wire.equals(wire)) {
        return Optional.of(op);
      }
    }
    return Optional.empty();
  }
}
