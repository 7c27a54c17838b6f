package dev.berth.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.config.BerthConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BwrapCommandLineTest {
  static final LocalSandboxHost.CommandDirs DIRS =
      new LocalSandboxHost.CommandDirs(Path.of("/u"), Path.of("/o"), Path.of("/w"), List.of());

  static BubblewrapRunner.Command command() {
    var env = new LinkedHashMap<String, String>();
    env.put("LD_PRELOAD", "/workspace/evil.so");
    return new BubblewrapRunner.Command(
        "sesn_a",
        List.of("sh", "-c", "id"),
        Optional.empty(),
        env,
        Duration.ofMillis(1234),
        DIRS,
        () -> new DiskSpace(0, false));
  }

  static BwrapCommandLine.Line line(boolean root) {
    return new BwrapCommandLine(
            root,
            Path.of("/data/sandbox-etc"),
            BerthConfig.Exec.defaults(BerthConfig.DiskMechanism.AUTO),
            false)
        .of(command());
  }

  /** The options, then the chain, as bubblewrap takes them in. */
  static List<String> commandLine(boolean root) {
    var line = line(root);
    List<String> args = new ArrayList<>(line.options());
    args.addAll(line.chain());
    return args;
  }

  @Test
  void asRootTheChainCapsThenDropsToNobodyThenAppliesTheRequestsVariables() {
    List<String> args = commandLine(true);

    int prlimit = args.indexOf("/usr/bin/prlimit");
    int setpriv = args.indexOf("/usr/bin/setpriv");
    int env = args.indexOf("/usr/bin/env");
    int variable = args.indexOf("LD_PRELOAD=/workspace/evil.so");
    assertThat(List.of(prlimit, setpriv, env, variable)).isSorted().doesNotContain(-1);
    assertThat(args.subList(prlimit, setpriv)).anyMatch(a -> a.startsWith("--nproc="));
    assertThat(args.subList(setpriv, env))
        .containsSubsequence("--reuid", "65534", "--regid", "65534", "--no-new-privs");
    assertThat(args).doesNotContain("--unshare-user");
    assertThat(args.subList(variable + 1, args.size())).containsExactly("sh", "-c", "id");
  }

  @Test
  void asRootWithSessionGroupsCappingProcessesNoSharedProcessCapIsSet() {
    var line =
        new BwrapCommandLine(
                true,
                Path.of("/data/sandbox-etc"),
                BerthConfig.Exec.defaults(BerthConfig.DiskMechanism.AUTO),
                true)
            .of(command());

    assertThat(line.chain()).contains("/usr/bin/setpriv").noneMatch(a -> a.startsWith("--nproc="));
  }

  @Test
  void notAsRootTheCommandIsUid1000InAUserNamespaceWithNoSetprivAndNoProcessCap() {
    List<String> args = commandLine(false);

    assertThat(args).containsSequence("--unshare-user", "--uid", "1000", "--gid", "1000");
    assertThat(args).doesNotContain("/usr/bin/setpriv");
    assertThat(args).noneMatch(a -> a.startsWith("--nproc="));
  }

  @Test
  void theSessionsTreeIsBoundUploadsReadOnlyOutputsAndWorkspaceWritableBeforeTheRootIsSealed() {
    List<String> args = commandLine(true);

    assertThat(args)
        .containsSequence("--ro-bind", "/u", "/mnt/session/uploads")
        .containsSequence("--bind", "/o", "/mnt/session/outputs")
        .containsSequence("--bind", "/w", "/workspace", "--remount-ro", "/");
  }

  @Test
  void hostPathsAreAllInTheOptionsAndTheChainStartsAtTheDoubleDash() {
    for (boolean root : List.of(true, false)) {
      var line = line(root);

      assertThat(line.options())
          .contains("/u", "/o", "/w", "/data/sandbox-etc/passwd")
          .doesNotContain("--");
      assertThat(line.chain().getFirst()).isEqualTo("--");
      assertThat(line.chain())
          .doesNotContain("/u", "/o", "/w")
          .noneMatch(a -> a.startsWith("/data"));
    }
  }

  @Test
  void theBackstopTimeoutKillsFiveSecondsAfterTheCommandsLimit() {
    assertThat(commandLine(true)).containsSequence("/usr/bin/timeout", "-s", "KILL", "6.234s");
  }
}
