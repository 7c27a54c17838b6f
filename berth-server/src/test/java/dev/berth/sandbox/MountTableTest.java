package dev.berth.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MountTableTest {
  @Test
  void aLineGivesItsMountPointUnescapedItsRootTypeAndSuperOptions() {
    var mount =
        MountTable.Mount.parse(
                "36 25 0:31 /process_api/a\\134b /sys/fs/cgroup/memory\\040x rw,relatime shared:1"
                    + " - cgroup cgroup rw,memory")
            .orElseThrow();

    assertThat(mount.point()).isEqualTo(Path.of("/sys/fs/cgroup/memory x"));
    assertThat(mount.root()).isEqualTo("/process_api/a\\b");
    assertThat(mount.type()).isEqualTo("cgroup");
    assertThat(mount.options()).isEqualTo(Set.of("rw", "memory"));
  }

  @Test
  void aLineWithoutTheSeparatorIsNoMount() {
    assertThat(MountTable.Mount.parse("36 25 0:31 / /mnt rw")).isEmpty();
  }
}
