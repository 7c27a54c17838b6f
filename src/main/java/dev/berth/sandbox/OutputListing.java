package dev.berth.sandbox;

import java.util.List;

/**
 * The regular files under a session's outputs, in path order (depth first, names sorted).
 *
 * @param truncated whether more was there than the limit allowed to list
 */
public record OutputListing(List<OutputFile> files, boolean truncated) {
  public OutputListing {
    files = List.copyOf(files);
  }
}
