package dev.berth.sandbox;

import java.io.IOException;

/**
 * What a session's outputs, workspace and read-write memory stores hold together, as its quota
 * counts it.
 *
 * @param usedBytes bytes held: the volume's used blocks, or the walk's sum of file sizes
 * @param full whether the quota is reached: the volume has no room left, or the sum is past it
 */
public record DiskSpace(long usedBytes, boolean full) {
  /**
   * Whether {@code failure} is a filesystem out of room (ENOSPC) or a disk quota reached (EDQUOT).
   * Java reports both only as the C library's text for them, as for descriptors ({@code
   * error.OutOfDescriptors}).
   */
  static boolean ranOut(IOException failure) {
    String text = String.valueOf(failure.getMessage());
    return text.contains("No space left on device") || text.contains("Disk quota exceeded");
  }
}
