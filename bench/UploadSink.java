import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The same sink as bench/upload-sink.mjs, in Java: a server that reads each request body, drops
 * it, and answers a file object of the size it is told. It tells apart the TypeScript SDK's own
 * rate from the node sink's (BENCHMARKS.md, "Uploads past the page cache"). Prints its port.
 *
 * <p>Usage: java bench/UploadSink.java SIZE_BYTES, then node bench/upload-sdk.mjs
 * http://127.0.0.1:PORT any-key FILE
 */
// Run from source as a single-file program, which lives in the unnamed package.
@SuppressWarnings("DefaultPackage")
public class UploadSink {
  public static void main(String[] args) throws Exception {
    long size = Long.parseLong(args[0]);
    byte[] answer =
        ("{\"id\":\"file_sink\",\"type\":\"file\",\"filename\":\"sink\","
                + "\"mime_type\":\"application/octet-stream\",\"size_bytes\":"
                + size
                + ",\"created_at\":\"2026-01-01T00:00:00Z\",\"downloadable\":false}")
            .getBytes(StandardCharsets.UTF_8);
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.createContext(
        "/",
        exchange -> {
          byte[] buffer = new byte[1 << 20];
          try (InputStream body = exchange.getRequestBody()) {
            while (body.read(buffer) >= 0) {
              // dropped
            }
          }
          exchange.getResponseHeaders().add("content-type", "application/json");
          exchange.sendResponseHeaders(200, answer.length);
          exchange.getResponseBody().write(answer);
          exchange.close();
        });
    server.setExecutor(Executors.newCachedThreadPool());
    server.start();
    System.out.println(server.getAddress().getPort());
  }
}
