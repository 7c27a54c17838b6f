package dev.berth.sandbox;

import java.util.List;

/**
 * What {@link LocalSandboxHost} puts back into a session's outputs directory when it has to create
 * it: the outputs the catalogue recorded, so a tree rebuilt on this node (after a takeover, or a
 * start-up that found the tree missing) does not lose them.
 */
public interface OutputRestorer {
  /**
   * One recorded output to put back.
   *
   * @param path relative to outputs, segments joined by {@code /}
   * @param sha256 the blob holding its bytes
   * @param mtimeNanos the modification time it had, given back to it
   * @param fileId the file record it backs, handed back as is in {@link Restored}
   */
  record Wanted(String path, String sha256, long mtimeNanos, String fileId) {}

  /** An output put back, and what lstat now sees of it. */
  record Restored(Wanted wanted, OutputFile file) {}

  /** Restores nothing: for hosts with no catalogue. */
  OutputRestorer NONE =
      new OutputRestorer() {
        @Override
        public List<Wanted> wanted(String sessionId) {
          return List.of();
        }

        @Override
        public void restored(String sessionId, List<Restored> restored) {}
      };

  /** The outputs to put back into the session's new outputs directory; none if not ours. */
  List<Wanted> wanted(String sessionId);

  /** They are in place now (the directory holding them renamed in). */
  void restored(String sessionId, List<Restored> restored);
}
