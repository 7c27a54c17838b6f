package dev.berth.junit5.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.container;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import dev.berth.junit5.BerthExtension;
import dev.berth.junit5.BerthServer;
import dev.berth.junit5.BerthTest;
import dev.berth.junit5.BerthTest.Lifecycle;
import dev.berth.junit5.InjectBerth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * What the extension does around a test class, seen by running sample classes through the JUnit
 * engine: which tests share a server, and that a stopped server leaves no thread, mount or file.
 */
class BerthExtensionEngineTest {
  /** Every server the samples' tests were handed, in order. */
  static final List<BerthServer> seen = new CopyOnWriteArrayList<>();

  @Test
  void aClassServerServesEveryTestOfTheClassAndItsNestedClassesThenLeavesNothingBehind() {
    Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());

    run(PerClassSample.class).assertStatistics(s -> s.started(5).succeeded(5));

    assertThat(Set.copyOf(seen)).hasSize(1);
    assertThat(Files.exists(seen.getFirst().dataDir())).isFalse();
    assertThat(threadsLeftSince(before)).isEmpty();
  }

  @Test
  void eachTestGetsANewServerThatStopsWhenTheTestEndsWithPerTest() {
    Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());

    run(PerTestSample.class).assertStatistics(s -> s.started(3).succeeded(3));

    assertThat(Set.copyOf(seen)).hasSize(3);
    assertThat(seen).noneMatch(server -> Files.exists(server.dataDir()));
    assertThat(threadsLeftSince(before)).isEmpty();
  }

  @Test
  void extendWithAloneGivesOneServerForTheClass() {
    run(ExtendWithSample.class).assertStatistics(s -> s.started(2).succeeded(2));

    assertThat(Set.copyOf(seen)).hasSize(1);
  }

  @Test
  void aPerTestServerAskedForInBeforeAllFailsTheClassSayingWhy() {
    EngineTestKit.engine("junit-jupiter")
        .selectors(selectClass(PerTestBeforeAllSample.class))
        .execute()
        .containerEvents()
        .assertThatEvents()
        .haveExactly(
            1,
            event(
                container(PerTestBeforeAllSample.class),
                finishedWithFailure(
                    instanceOf(ParameterResolutionException.class),
                    message(m -> m.contains("lifecycle = PER_TEST")))));
  }

  @Test
  void injectBerthOnAFieldOfAnotherTypeFailsSayingWhy() {
    run(WrongFieldSample.class)
        .assertThatEvents()
        .haveExactly(
            1,
            finishedWithFailure(
                instanceOf(ExtensionConfigurationException.class),
                message(m -> m.contains("non-final field of type BerthServer"))));
  }

  @Test
  void aMountLeftInTheDataDirectoryIsNotEnteredAndTheClassFailsSayingSo() throws Exception {
    assumeTrue(
        Files.getAttribute(Path.of("/proc/self"), "unix:uid").equals(0), "mounting needs root");
    try {
      EngineTestKit.engine("junit-jupiter")
          .selectors(selectClass(MountLeftSample.class))
          .execute()
          .containerEvents()
          .assertThatEvents()
          .haveExactly(
              1,
              event(
                  container(MountLeftSample.class),
                  finishedWithFailure(message(m -> m.contains("is still a mount point")))));
      assertThat(MountLeftSample.mountPoint.resolve("kept")).hasContent("kept");
    } finally {
      Path dataDir = MountLeftSample.mountPoint.getParent();
      assertThat(
              new ProcessBuilder("umount", MountLeftSample.mountPoint.toString()).start().waitFor())
          .isZero();
      try (var paths = Files.walk(dataDir)) {
        for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  private static Events run(Class<?> sample) {
    seen.clear();
    return EngineTestKit.engine("junit-jupiter")
        .selectors(selectClass(sample))
        .execute()
        .testEvents();
  }

  /**
   * The threads started since {@code before} in this thread's group (where the server's own are
   * made: the JVM's shared ones, such as virtual threads' carriers and the process reaper, live in
   * system groups) that are still running after a few seconds to finish.
   */
  private static List<Thread> threadsLeftSince(Set<Thread> before) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    ThreadGroup ours = Thread.currentThread().getThreadGroup();
    List<Thread> left = new ArrayList<>();
    for (Thread t : new HashSet<>(Thread.getAllStackTraces().keySet())) {
      // the JDK client of the samples' own requests (Raw) ends its selector thread some time
      // after close() returns; it is the test's, not the server's (which on local blobs makes none)
      if (before.contains(t)
          || !ours.equals(t.getThreadGroup())
          || t.getName().startsWith("HttpClient-")) {
        continue;
      }
      try {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      if (t.isAlive()) {
        left.add(t);
      }
    }
    return left;
  }

  /**
   * A session and a command, so that every part of the server has run; the command leaves an output
   * and a directory whose file its owner may not delete until it makes it writable again.
   */
  static void use(BerthServer server) {
    seen.add(server);
    String session = Raw.session(server);
    String script =
        "echo hi > /mnt/session/outputs/hi && mkdir /workspace/kept && echo x > /workspace/kept/x"
            + " && chmod 500 /workspace/kept";
    assertThat(Raw.sh(server, session, script)).isZero();
  }

  @BerthTest
  static class PerClassSample {
    @InjectBerth BerthServer server;

    @Test
    void first() {
      use(server);
    }

    @RepeatedTest(2)
    void repeated(BerthServer parameter) {
      use(parameter);
    }

    @Nested
    class Inner {
      @Test
      void nested(BerthServer parameter) {
        use(parameter);
      }

      @Test
      void nestedField() {
        use(server);
      }
    }
  }

  @BerthTest(lifecycle = Lifecycle.PER_TEST)
  static class PerTestSample {
    @InjectBerth BerthServer server;

    @Test
    void first() {
      use(server);
    }

    @RepeatedTest(2)
    void repeated(BerthServer parameter) {
      assertThat(parameter).isEqualTo(server);
      use(parameter);
    }
  }

  @ExtendWith(BerthExtension.class)
  static class ExtendWithSample {
    @Test
    void first(BerthServer server) {
      seen.add(server);
    }

    @Test
    void second(BerthServer server) {
      seen.add(server);
    }
  }

  @BerthTest(lifecycle = Lifecycle.PER_TEST)
  static class PerTestBeforeAllSample {
    @BeforeAll
    static void setUp(BerthServer server) {
      seen.add(server);
    }

    @Test
    void test() {}
  }

  @BerthTest
  static class MountLeftSample {
    static Path mountPoint = Path.of("");

    @Test
    void mountsAFilesystemInTheDataDirectory(BerthServer server) throws Exception {
      mountPoint = Files.createDirectory(server.dataDir().resolve("mounted"));
      assertThat(
              new ProcessBuilder("mount", "-t", "tmpfs", "tmpfs", mountPoint.toString())
                  .start()
                  .waitFor())
          .isZero();
      Files.writeString(mountPoint.resolve("kept"), "kept");
    }
  }

  @BerthTest
  static class WrongFieldSample {
    @InjectBerth String url = "";

    @Test
    void test() {}
  }
}
