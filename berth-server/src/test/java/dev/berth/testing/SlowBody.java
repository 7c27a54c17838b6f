package dev.berth.testing;

import java.io.InputStream;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A request body sent in pieces with a pause before each, so the request is still in flight while a
 * test does something else (stops the server, for one).
 */
public final class SlowBody {
  private SlowBody() {}

  /**
   * {@code bytes} in {@code pieces} pieces, each after {@code pause}; {@code underway} counts down
   * when the third piece has been read. The JDK client reads one piece ahead of what it sends, so
   * by then the first piece has been on the wire for a pause and the server is handling the
   * request.
   */
  public static HttpRequest.BodyPublisher of(
      byte[] bytes, int pieces, Duration pause, CountDownLatch underway) {
    int piece = bytes.length / pieces + 1;
    return HttpRequest.BodyPublishers.fromPublisher(
        HttpRequest.BodyPublishers.ofInputStream(
            () ->
                new InputStream() {
                  private int sent;
                  private int piecesRead;

                  @Override
                  public int read() {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                  }

                  @Override
                  public int read(byte[] b, int off, int len) {
                    if (sent >= bytes.length) {
                      return -1;
                    }
                    try {
                      Thread.sleep(pause);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                      return -1;
                    }
                    int n = Math.min(Math.min(len, piece), bytes.length - sent);
                    System.arraycopy(bytes, sent, b, off, n);
                    sent += n;
                    if (++piecesRead == 3) {
                      underway.countDown();
                    }
                    return n;
                  }
                }),
        bytes.length);
  }
}
