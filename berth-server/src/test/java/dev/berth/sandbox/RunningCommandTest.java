package dev.berth.sandbox;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RunningCommandTest {
  @Test
  void killLeavesWhatTheCommandWroteBeforeReadableToTheEndOfThePipe() throws Exception {
    Process p = new ProcessBuilder("sh", "-c", "printf fine; exec sleep 60").start();
    try {
      Await.until(
          "the command has written to its stdout", Duration.ofSeconds(10), () -> available(p) == 4);

      RunningCommand.killKeepingOutput(p);

      assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(new String(p.getInputStream().readAllBytes(), UTF_8)).isEqualTo("fine");
    } finally {
      p.destroyForcibly();
    }
  }

  private static int available(Process p) {
    try {
      return p.getInputStream().available();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
