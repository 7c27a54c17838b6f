package dev.berth.sandbox;

import java.util.List;

/**
 * The regular files under a session's outputs, in path order (depth first, names sorted).
 *
 * @param truncated whether more was there than the limit allowed to list
 * @param passedOver whether entries other than regular files and directories (links, FIFOs,
 *     sockets, devices), or names that cannot be text, were there and left out
 */
public record OutputListing(List<OutputFile> files, boolean truncated, boolean passedOver) {
  public OutputListing {
    files = List.copyOf(files);
  }
}
