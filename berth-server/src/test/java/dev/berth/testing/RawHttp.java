package dev.berth.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 written byte for byte on a plain socket, for requests the JDK client refuses to send: a
 * malformed request line or URI, an unknown method, a bad {@code Content-Length} or chunk.
 */
public final class RawHttp {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private RawHttp() {}

  /** The status, the headers (names in lower case) and the body as sent, as UTF-8 text. */
  public record Response(int status, Map<String, String> headers, String text) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** The body as JSON, or null when it is not JSON. */
    public JsonNode json() {
      try {
        return MAPPER.readTree(text);
      } catch (IOException e) {
        return null;
      }
    }
  }

  /** Sends {@code request} (ISO-8859-1 text, CRLFs included) and reads one response. */
  public static Response send(String baseUrl, String request) {
    return send(baseUrl, request.getBytes(StandardCharsets.ISO_8859_1));
  }

  public static Response send(String baseUrl, byte[] request) {
    URI base = URI.create(baseUrl);
    try (Socket socket = new Socket(base.getHost(), base.getPort())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request);
      socket.getOutputStream().flush();
      boolean head = new String(request, StandardCharsets.ISO_8859_1).startsWith("HEAD ");
      return read(socket.getInputStream(), head);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads one response; with a {@code Content-Length} the stream stays usable for the next. */
  public static Response read(InputStream in, boolean head) throws IOException {
    String[] lines = readHead(in).split("\r\n", -1);
    int status = Integer.parseInt(lines[0].split(" ", -1)[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(
          lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
          lines[i].substring(colon + 1).strip());
    }
    String length = headers.get("content-length");
    byte[] body;
    if (head) {
      body = new byte[0];
    } else if (length != null) {
      body = in.readNBytes(Integer.parseInt(length));
    } else {
      body = in.readAllBytes();
    }
    return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
  }

  private static String readHead(InputStream in) throws IOException {
    var out = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed before the response head ended: " + out);
      }
      out.write(b);
      matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return out.toString(StandardCharsets.ISO_8859_1).strip();
  }
}
