package dev.berth.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What HTTP/1.1 clients sent through a {@link TcpProxy}: the request line and headers of every
 * request, as they went on the wire, each body passed on untouched. Requests whose bodies are
 * {@code Transfer-Encoding: chunked} end the log of their connection (the rest is relayed as is).
 */
public final class HttpRequestLog implements TcpProxy.Relay {
  private final List<Request> requests = new CopyOnWriteArrayList<>();

  /** One request as sent: header names in lower case. */
  public record Request(String method, String target, Map<String, String> headers) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /** Every request so far, in the order their heads arrived. */
  public List<Request> requests() {
    return List.copyOf(requests);
  }

  @Override
  public void copy(InputStream from, OutputStream to) throws IOException {
    var in = new BufferedInputStream(from);
    for (byte[] head; (head = head(in)) != null; ) {
      to.write(head);
      to.flush(); // a client that sent Expect: 100-continue waits for the server's answer
      Request request = parse(new String(head, StandardCharsets.ISO_8859_1));
      requests.add(request);
      if ("chunked".equalsIgnoreCase(request.header("transfer-encoding"))) {
        in.transferTo(to);
        return;
      }
      String length = request.header("content-length");
      copy(in, to, length == null ? 0 : Long.parseLong(length));
    }
  }

  /** The bytes up to and including the blank line after the headers; null at the stream's end. */
  private static byte[] head(InputStream in) throws IOException {
    var head = new ByteArrayOutputStream();
    int matched = 0;
    for (int b; matched < 4 && (b = in.read()) >= 0; ) {
      head.write(b);
      matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
    }
    return matched == 4 ? head.toByteArray() : null;
  }

  private static Request parse(String head) {
    String[] lines = head.split("\r\n", -1);
    String[] requestLine = lines[0].split(" ", 3);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length && !lines[i].isEmpty(); i++) {
      int colon = lines[i].indexOf(':');
      headers.put(
          lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
          lines[i].substring(colon + 1).trim());
    }
    return new Request(requestLine[0], requestLine[1], headers);
  }

  private static void copy(InputStream in, OutputStream to, long length) throws IOException {
    byte[] buf = new byte[64 * 1024];
    for (long left = length; left > 0; ) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) {
        throw new IOException("the client closed with " + left + " bytes of a body unsent");
      }
      to.write(buf, 0, n);
      left -= n;
    }
    to.flush();
  }
}
