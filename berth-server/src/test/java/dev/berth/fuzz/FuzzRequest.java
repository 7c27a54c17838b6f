package dev.berth.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One request as the fuzzer sends it: written byte for byte on a socket ({@link #bytes}), so bytes
 * no client library would send reach the server, and printable ({@link #describe}) so a failure
 * shows exactly what was sent.
 *
 * @param route the route it was made from, as {@code METHOD /path/{param}}
 * @param mutation what was changed from a well-formed request
 * @param method the request method
 * @param target the request target, already percent-encoded as it goes on the wire
 * @param headers name and value of each header, in order; {@code Content-Length} is added
 * @param body the body, possibly empty
 */
// never compared or hashed, and no body array is changed once it is in a request
@SuppressWarnings("ArrayRecordComponent")
record FuzzRequest(
    String route,
    String mutation,
    String method,
    String target,
    List<Header> headers,
    byte[] body) {

  record Header(String name, String value) {}

  FuzzRequest {
    headers = List.copyOf(headers);
  }

  /** Whether it only reads: a GET or HEAD changes nothing, whatever it is answered. */
  boolean readOnly() {
    return method.equals("GET") || method.equals("HEAD");
  }

  FuzzRequest withMutation(String mutation) {
    return new FuzzRequest(route, mutation, method, target, headers, body);
  }

  FuzzRequest withMethod(String method) {
    return new FuzzRequest(route, mutation, method, target, headers, body);
  }

  FuzzRequest withTarget(String target) {
    return new FuzzRequest(route, mutation, method, target, headers, body);
  }

  FuzzRequest withBody(byte[] body) {
    return new FuzzRequest(route, mutation, method, target, headers, body);
  }

  /** The headers less any named {@code name} (case-insensitive), plus {@code name: value}. */
  FuzzRequest withHeader(String name, String value) {
    List<Header> changed = new ArrayList<>(without(name).headers);
    changed.add(new Header(name, value));
    return new FuzzRequest(route, mutation, method, target, changed, body);
  }

  FuzzRequest without(String name) {
    List<Header> kept = new ArrayList<>();
    for (Header h : headers) {
      if (!h.name().equalsIgnoreCase(name)) {
        kept.add(h);
      }
    }
    return new FuzzRequest(route, mutation, method, target, kept, body);
  }

  /** The whole request on the wire, one request per connection. */
  byte[] bytes() {
    var head = new StringBuilder();
    head.append(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: berth\r\n");
    for (Header h : headers) {
      head.append(h.name()).append(": ").append(h.value()).append("\r\n");
    }
    head.append("Content-Length: ").append(body.length).append("\r\nConnection: close\r\n\r\n");
    var out = new ByteArrayOutputStream();
    out.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
    out.writeBytes(body);
    return out.toByteArray();
  }

  /** The route, the mutation and the request, bytes outside printable ASCII as {@code \xNN}. */
  String describe() {
    return route + " [" + mutation + "]\n" + printable(bytes(), 1500);
  }

  private static String printable(byte[] bytes, int max) {
    var out = new StringBuilder();
    for (int i = 0; i < Math.min(bytes.length, max); i++) {
      int b = bytes[i] & 0xFF;
      if (b == '\n') {
        out.append("\\n\n");
      } else if (b == '\r') {
        out.append("\\r");
      } else if (b >= 0x20 && b < 0x7F) {
        out.append((char) b);
      } else {
        out.append(String.format(Locale.ROOT, "\\x%02x", b));
      }
    }
    if (bytes.length > max) {
      out.append("… (").append(bytes.length).append(" bytes in all)");
    }
    return out.toString();
  }
}
