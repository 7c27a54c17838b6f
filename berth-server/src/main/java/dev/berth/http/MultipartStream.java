package dev.berth.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * The framing of a {@code multipart/form-data} body (RFC 7578, RFC 2046 §5.1.1), read as a stream:
 * where each part's header block and body begin and end. What the headers say is left to the caller
 * (see {@link MultipartUpload}).
 *
 * <p>Design note: bodies are found with a Boyer–Moore–Horspool search for {@code CRLF--boundary}
 * over one large buffer, so on ordinary data only about one byte in every boundary length is looked
 * at, and a part's bytes are handed out in large slices. Bytes that could be the start of a
 * delimiter cut by the end of the buffer (the last {@code delimiter length - 1}) are held back
 * until more input shows whether they are. The body reads the request to its end before answering,
 * so the buffer is filled as far as the input allows before it is searched again.
 *
 * <p>As Commons FileUpload does: the first delimiter need not follow a CRLF; a delimiter followed
 * by {@code --} ends the body, by CRLF (or a bare LF) starts a part, by anything else is an error;
 * a body that ends before its closing delimiter is an error, and one with no first delimiter has no
 * parts.
 */
final class MultipartStream {
  static final int BUFFER = 256 * 1024;
  static final int MAX_BOUNDARY = 4096;
  static final int MAX_HEADER_BYTES = 10 * 1024;
  private static final byte CR = '\r';
  private static final byte LF = '\n';
  private static final byte DASH = '-';
  private static final byte[] HEADERS_END = {CR, LF, CR, LF};

  /** The body is not a well-formed multipart body. */
  static final class MalformedException extends IOException {
    private static final long serialVersionUID = 1L;

    MalformedException(String message) {
      super(message);
    }
  }

  private final InputStream in;
  private final byte[] delimiter; // CRLF "--" boundary
  private final int[] shift = new int[256];
  private final byte[] buf;
  private int head;
  private int tail;
  private boolean inputEnded;

  /** Where the current part's body ends in {@code buf}, or -1 while that is not known yet. */
  private int bodyEnd = -1;

  /** {@code tail} when a search found no delimiter: none starts before it minus the delimiter. */
  private int searchedTo = -1;

  private boolean started;
  private boolean finished;
  private Body body = new Body();

  MultipartStream(InputStream in, byte[] boundary) throws MalformedException {
    this(in, boundary, BUFFER);
  }

  /** With a buffer of {@code bufferSize} bytes: small ones are for tests of split delimiters. */
  MultipartStream(InputStream in, byte[] boundary, int bufferSize) throws MalformedException {
    if (boundary.length == 0 || boundary.length > MAX_BOUNDARY) {
      throw new MalformedException("the boundary must be 1 to " + MAX_BOUNDARY + " bytes long");
    }
    this.in = in;
    this.delimiter = new byte[boundary.length + 4];
    delimiter[0] = CR;
    delimiter[1] = LF;
    delimiter[2] = DASH;
    delimiter[3] = DASH;
    System.arraycopy(boundary, 0, delimiter, 4, boundary.length);
    this.buf = new byte[Math.max(bufferSize, 2 * delimiter.length + 2)];
    int last = delimiter.length - 1;
    Arrays.fill(shift, delimiter.length);
    for (int i = 0; i < last; i++) {
      shift[delimiter[i] & 0xFF] = last - i;
    }
    // The first delimiter may start the body, with no CRLF before it: search as if there were one.
    buf[0] = CR;
    buf[1] = LF;
    tail = 2;
  }

  /**
   * Moves to the next part, skipping what is left of the current one, and returns its header block
   * (decoded as UTF-8, with the blank line that ends it); empty after the last part.
   */
  Optional<String> nextPart() throws IOException {
    if (finished) {
      return Optional.empty();
    }
    if (!started) {
      started = true;
      try {
        body.skipRest(); // the preamble
        if (!afterDelimiter()) {
          return end();
        }
      } catch (MalformedException e) { // no first delimiter: a body without parts
        return end();
      }
    } else {
      body.skipRest();
      if (!afterDelimiter()) {
        return end();
      }
    }
    String headers = readHeaders();
    body = new Body();
    return Optional.of(headers);
  }

  /** The current part's body; read it before the next call of {@link #nextPart}. */
  InputStream body() {
    return body;
  }

  private Optional<String> end() {
    finished = true;
    body = new Body();
    body.ended = true;
    return Optional.empty();
  }

  /** After a body's end: true when a part follows the delimiter, false at the closing one. */
  private boolean afterDelimiter() throws IOException {
    head = bodyEnd + delimiter.length;
    bodyEnd = -1;
    byte first = nextByte();
    if (first == LF) { // a bare LF after the delimiter, as some old clients send
      return true;
    }
    byte second = nextByte();
    if (first == DASH && second == DASH) {
      return false;
    }
    if (first == CR && second == LF) {
      return true;
    }
    throw new MalformedException("unexpected characters follow a boundary");
  }

  private String readHeaders() throws IOException {
    int matched = 0;
    int start = head;
    int size = 0;
    byte[] headers = new byte[256];
    while (matched < 4) {
      if (head == tail) {
        if (size + (tail - start) > MAX_HEADER_BYTES) {
          throw new MalformedException("a part's headers are over " + MAX_HEADER_BYTES + " bytes");
        }
        headers = append(headers, size, start, tail);
        size += tail - start;
        compactAndFill(true);
        start = head;
      }
      byte b = buf[head++];
      matched = b == HEADERS_END[matched] ? matched + 1 : (b == CR ? 1 : 0);
    }
    headers = append(headers, size, start, head);
    size += head - start;
    if (size > MAX_HEADER_BYTES) {
      throw new MalformedException("a part's headers are over " + MAX_HEADER_BYTES + " bytes");
    }
    return new String(headers, 0, size, StandardCharsets.UTF_8);
  }

  private byte[] append(byte[] to, int size, int from, int until) {
    int n = until - from;
    byte[] grown =
        size + n <= to.length ? to : Arrays.copyOf(to, Math.max(2 * to.length, size + n));
    System.arraycopy(buf, from, grown, size, n);
    return grown;
  }

  private byte nextByte() throws IOException {
    if (head == tail) {
      compactAndFill(true);
    }
    return buf[head++];
  }

  /**
   * Moves the unread bytes to the start of the buffer and reads until it is full or the input ends;
   * with {@code needMore}, no new byte at all is an error.
   */
  private void compactAndFill(boolean needMore) throws IOException {
    int kept = tail - head;
    System.arraycopy(buf, head, buf, 0, kept);
    head = 0;
    tail = kept;
    searchedTo = -1;
    while (tail < buf.length && !inputEnded) {
      int n = in.read(buf, tail, buf.length - tail);
      if (n < 0) {
        inputEnded = true;
      } else {
        tail += n;
      }
    }
    if (needMore && tail == kept) {
      throw new MalformedException("the body ended unexpectedly");
    }
  }

  /** The first delimiter in {@code buf[from, tail)}, or -1 (Horspool). */
  int find(int from) {
    int last = delimiter.length - 1;
    byte lastByte = delimiter[last];
    for (int i = from; i + last < tail; ) {
      byte b = buf[i + last];
      if (b == lastByte && buf[i] == CR && Arrays.equals(buf, i, i + last, delimiter, 0, last)) {
        return i;
      }
      i += shift[b & 0xFF];
    }
    return -1;
  }

  /** One part's body: bytes up to the next delimiter. */
  private final class Body extends InputStream {
    boolean ended;

    /** How many bytes can be handed out now: 0 at the end of the body. */
    private int ready() throws IOException {
      while (!ended) {
        if (bodyEnd < 0 && searchedTo != tail) {
          bodyEnd = find(head);
          searchedTo = bodyEnd < 0 ? tail : -1;
        }
        if (bodyEnd >= 0) {
          if (head == bodyEnd) {
            ended = true;
            return 0;
          }
          return bodyEnd - head;
        }
        // No delimiter in sight: all but a possible start of one can go.
        int safe = tail - (delimiter.length - 1);
        if (safe > head) {
          return safe - head;
        }
        if (inputEnded) {
          throw new MalformedException("the body ended unexpectedly");
        }
        compactAndFill(false);
      }
      return 0;
    }

    @Override
    public int read() throws IOException {
      return ready() == 0 ? -1 : buf[head++] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      java.util.Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) {
        return 0;
      }
      int n = Math.min(len, ready());
      if (n == 0) {
        return -1;
      }
      System.arraycopy(buf, head, b, off, n);
      head += n;
      return n;
    }

    void skipRest() throws IOException {
      for (int n; (n = ready()) > 0; ) {
        head += n;
      }
    }
  }
}
