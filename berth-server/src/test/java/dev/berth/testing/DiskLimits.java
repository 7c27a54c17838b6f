package dev.berth.testing;

import dev.berth.config.BerthConfig;

/** Command limits for tests of the disk quota: the defaults, with a small quota. */
public final class DiskLimits {
  private DiskLimits() {}

  /** A quota of {@code bytes} with at most {@code inodes}, enforced by {@code mechanism}. */
  public static BerthConfig.Exec quota(
      long bytes, BerthConfig.DiskMechanism mechanism, long inodes) {
    var d = BerthConfig.Exec.defaults();
    return new BerthConfig.Exec(
            d.bwrap(),
            d.defaultTimeout(),
            d.maxTimeout(),
            d.maxOutputBytes(),
            bytes,
            d.maxProcesses())
        .withDisk(mechanism, inodes);
  }
}
