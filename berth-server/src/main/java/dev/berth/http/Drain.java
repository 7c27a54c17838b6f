package dev.berth.http;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Graceful stop (SIGTERM, {@code Berth.close()}). With a stop timeout, {@code Server.stop} closes
 * the listening socket, answers new requests on open connections with 503, and waits up to {@link
 * #TIMEOUT} for the requests this handler counts. Two Jetty defaults get in the way, so the
 * connector made here changes them: at shutdown Jetty cuts every connection's idle timeout to 1 s,
 * which kills an upload whose client pauses for a second, and it waits for idle keep-alive
 * connections to time out. Here a connection with a request in flight keeps its normal idle timeout
 * and the idle ones are closed at once.
 */
final class Drain extends GracefulHandler {
  /** How long a stop waits for in-flight requests, such as a slow upload, to finish. */
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** Connections with a request in flight (HTTP/1.1: one at a time). */
  private final Set<Connection> busy = ConcurrentHashMap.newKeySet();

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    Connection connection = request.getConnectionMetaData().getConnection();
    busy.add(connection);
    boolean handled = false;
    try {
      handled =
          super.handle(request, response, Callback.from(() -> busy.remove(connection), callback));
      return handled;
    } finally {
      if (!handled) {
        busy.remove(connection);
      }
    }
  }

  /** The HTTP connector on {@code host:port}, with the stop behaviour described above. */
  Connector connector(Server server, HttpConfiguration http, String host, int port) {
    var connector =
        new ServerConnector(server, new HttpConnectionFactory(http)) {
          @Override
          public CompletableFuture<Void> shutdown() {
            CompletableFuture<Void> done = super.shutdown(); // closes the listening socket first
            for (EndPoint endPoint : getConnectedEndPoints()) {
              if (!busy.contains(endPoint.getConnection())) {
                endPoint.close();
              }
            }
            return done;
          }
        };
    connector.setHost(host);
    connector.setPort(port);
    connector.setShutdownIdleTimeout(connector.getIdleTimeout());
    return connector;
  }
}
