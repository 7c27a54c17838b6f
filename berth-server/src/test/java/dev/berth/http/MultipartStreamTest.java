package dev.berth.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MultipartStreamTest {
  private static final String BOUNDARY = "b0undary";
  // Spelled out: Error Prone 2.52's StringConcatToTextBlock fails on a literal of line breaks only.
  private static final String CR = Character.toString(13);
  private static final String CRLF = CR + Character.toString(10);

  /** A part as read: its header block and its body. */
  record Part(String headers, String body) {}

  /** An input that hands out at most {@code step} bytes a read, as a socket may. */
  static InputStream trickle(byte[] bytes, int step) {
    return new ByteArrayInputStream(bytes) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, step));
      }
    };
  }

  static List<Part> parse(InputStream in, int bufferSize) throws IOException {
    var stream = new MultipartStream(in, utf8(BOUNDARY), bufferSize);
    List<Part> parts = new ArrayList<>();
    for (Optional<String> head = stream.nextPart(); head.isPresent(); head = stream.nextPart()) {
      var body = new ByteArrayOutputStream();
      byte[] chunk = new byte[7]; // small reads, so bodies are handed out in many pieces
      for (int n; (n = stream.body().read(chunk)) != -1; ) {
        body.write(chunk, 0, n);
      }
      parts.add(new Part(head.get(), body.toString(StandardCharsets.ISO_8859_1)));
    }
    return parts;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String form(String... bodies) {
    var out = new StringBuilder();
    for (int i = 0; i < bodies.length; i++) {
      out.append(
          "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"p" + i + "\"\r\n\r\n");
      out.append(bodies[i]).append(CRLF);
    }
    return out.append("--" + BOUNDARY + "--\r\n").toString();
  }

  static String headers(int i) {
    return "Content-Disposition: form-data; name=\"p" + i + "\"\r\n\r\n";
  }

  /** Every way of cutting the input: each buffer size from the smallest, a byte or more a read. */
  static void assertParsesEverySplit(String body, List<Part> expected) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.ISO_8859_1);
    for (int bufferSize = 1; bufferSize <= bytes.length + 4; bufferSize++) {
      for (int step : new int[] {1, 2, 3, 5, 64, Integer.MAX_VALUE}) {
        assertThat(parse(trickle(bytes, step), bufferSize))
            .as("buffer %d, %d byte(s) a read", bufferSize, step)
            .isEqualTo(expected);
      }
    }
  }

  /** A form of these bodies, in parts p0, p1, ..., parsed with every split. */
  static void assertParsesEachBodyEverySplit(String... bodies) throws IOException {
    List<Part> expected = new ArrayList<>();
    for (int i = 0; i < bodies.length; i++) {
      expected.add(new Part(headers(i), bodies[i]));
    }
    assertParsesEverySplit(form(bodies), expected);
  }

  @Test
  void partsAndBodiesAreReadWhateverTheBufferAndReadSizes() throws IOException {
    assertParsesEachBodyEverySplit("hello", "", "a\r\nb", "x".repeat(100));
  }

  @Test
  void bodiesWithAlmostADelimiterKeepEveryByte() throws IOException {
    assertParsesEachBodyEverySplit(
        CR,
        CRLF,
        "ends with CR\r",
        "\r\n-",
        "\r\n--",
        "\r\n--b0undar",
        "\r\n--b0undarY and more",
        "--b0undary without CRLF before it",
        "\r\r\n--b0undar\r\n--b0unda",
        "\n--b0undary");
  }

  @Test
  void aPartAfterALargeFilePartIsRead() throws IOException {
    byte[] file = new byte[3 * MultipartStream.BUFFER + 17];
    new Random(7).nextBytes(file);
    String fileText = new String(file, StandardCharsets.ISO_8859_1);
    byte[] body = form(fileText, "3600").getBytes(StandardCharsets.ISO_8859_1);
    for (int step : new int[] {1000, 8192, Integer.MAX_VALUE}) {
      assertThat(parse(trickle(body, step), MultipartStream.BUFFER))
          .containsExactly(new Part(headers(0), fileText), new Part(headers(1), "3600"));
    }
  }

  @Test
  void unreadBodiesAreSkipped() throws IOException {
    var stream =
        new MultipartStream(new ByteArrayInputStream(utf8(form("one", "two"))), utf8(BOUNDARY));
    assertThat(stream.nextPart()).contains(headers(0));
    assertThat(stream.nextPart()).contains(headers(1));
    assertThat(new String(stream.body().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("two");
    assertThat(stream.nextPart()).isEmpty();
    assertThat(stream.nextPart()).isEmpty();
  }

  @Test
  void preambleAndEpilogueAreIgnored() throws IOException {
    assertParsesEverySplit(
        "preamble\r\n" + form("a") + "epilogue --" + BOUNDARY + CRLF,
        List.of(new Part(headers(0), "a")));
  }

  @Test
  void aBareLfAfterTheDelimiterStartsAPart() throws IOException {
    assertParsesEverySplit(
        "--" + BOUNDARY + Character.toString(10) + headers(0) + "a\r\n--" + BOUNDARY + "--",
        List.of(new Part(headers(0), "a")));
  }

  @Test
  void aBodyWithoutAFirstDelimiterHasNoParts() throws IOException {
    assertThat(parse(new ByteArrayInputStream(utf8("no delimiter here")), 64)).isEmpty();
    assertThat(parse(new ByteArrayInputStream(new byte[0]), 64)).isEmpty();
    assertThat(parse(new ByteArrayInputStream(utf8("--" + BOUNDARY + "xx")), 64)).isEmpty();
  }

  @Test
  void aBodyCutOffBeforeItsClosingDelimiterIsMalformed() {
    String whole = form("abc");
    for (String cut :
        List.of(
            whole.substring(0, whole.indexOf("abc") + 2),
            whole.substring(0, whole.indexOf("Content")),
            "--" + BOUNDARY + "\r\nContent-Disposition: form-data\r\n",
            whole.substring(0, whole.lastIndexOf("--" + BOUNDARY) + 2 + BOUNDARY.length()))) {
      assertThatThrownBy(() -> parse(new ByteArrayInputStream(utf8(cut)), 64))
          .as(cut)
          .isInstanceOf(MultipartStream.MalformedException.class);
    }
  }

  @Test
  void otherBytesAfterADelimiterAreMalformed() {
    String body = "--" + BOUNDARY + CRLF + headers(0) + "a\r\n--" + BOUNDARY + "xy";
    assertThatThrownBy(() -> parse(new ByteArrayInputStream(utf8(body)), 64))
        .isInstanceOf(MultipartStream.MalformedException.class)
        .hasMessageContaining("boundary");
  }

  @Test
  void headersOverTheLimitAreMalformed() {
    String body =
        "--"
            + BOUNDARY
            + "\r\nX-Long: "
            + "x".repeat(MultipartStream.MAX_HEADER_BYTES)
            + "\r\n\r\na\r\n--"
            + BOUNDARY
            + "--";
    assertThatThrownBy(() -> parse(new ByteArrayInputStream(utf8(body)), 1024))
        .isInstanceOf(MultipartStream.MalformedException.class)
        .hasMessageContaining("headers");
  }

  @Test
  void anEmptyOrOverlongBoundaryIsMalformed() {
    var in = new ByteArrayInputStream(new byte[0]);
    assertThatThrownBy(() -> new MultipartStream(in, new byte[0]))
        .isInstanceOf(MultipartStream.MalformedException.class);
    assertThatThrownBy(() -> new MultipartStream(in, new byte[MultipartStream.MAX_BOUNDARY + 1]))
        .isInstanceOf(MultipartStream.MalformedException.class);
  }
}
