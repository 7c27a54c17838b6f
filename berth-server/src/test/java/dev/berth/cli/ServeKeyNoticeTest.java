package dev.berth.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The key a first start makes is printed while the server's threads log to the same terminal or
 * pipe. Each write to a pipe arrives whole, so a notice written in one piece keeps its key line
 * whole, whatever else is written around it.
 */
class ServeKeyNoticeTest {
  @Test
  void theKeyNoticeReachesTheStreamInOneWriteWithTheKeyOnALineOfItsOwn() {
    List<String> writes = new ArrayList<>();
    var unbuffered =
        new OutputStream() {
          @Override
          public void write(int b) {
            writes.add(new String(new byte[] {(byte) b}, UTF_8));
          }

          @Override
          public void write(byte[] b, int off, int len) {
            writes.add(new String(b, off, len, UTF_8));
          }
        };

    ServeCommand.printKey(new PrintStream(unbuffered, true, UTF_8), "sk-berth-abc");

    assertThat(writes).hasSize(1);
    assertThat(writes.getFirst().lines()).contains("    sk-berth-abc");
  }
}
