package dev.berth.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP relay the test controls, put between Berth and a server: {@link #cut} closes every
 * connection and refuses new ones, as a database that went down; {@link #restore} accepts again on
 * the same port, as the database coming back. Safer than restarting a PostgreSQL others use. A
 * {@link Relay} of the test's may copy what clients send, to see it on the way ({@link
 * HttpRequestLog}).
 */
public final class TcpProxy implements AutoCloseable {
  private final String upstreamHost;
  private final int upstreamPort;
  private final Relay toUpstream;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile ServerSocket listening;
  private int port;

  /** Copies one direction of a relayed connection, until the end of {@code from}. */
  @FunctionalInterface
  public interface Relay {
    void copy(InputStream from, OutputStream to) throws IOException;
  }

  public TcpProxy(String upstream) throws IOException {
    this(upstream, InputStream::transferTo);
  }

  /** A relay that sends what clients send through {@code toUpstream}. */
  public TcpProxy(String upstream, Relay toUpstream) throws IOException {
    this.toUpstream = toUpstream;
    int colon = upstream.lastIndexOf(':');
    this.upstreamHost = upstream.substring(0, colon);
    this.upstreamPort = Integer.parseInt(upstream.substring(colon + 1));
    restore();
  }

  /** {@code 127.0.0.1:<port>}, where clients connect. */
  public String address() {
    return "127.0.0.1:" + port;
  }

  /** Accepts and relays connections (again). */
  public synchronized void restore() throws IOException {
    var server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    port = server.getLocalPort();
    listening = server;
    Thread.ofVirtual().start(() -> accept(server));
  }

  /** Drops every relayed connection and stops accepting new ones. */
  public synchronized void cut() throws IOException {
    listening.close();
    for (Socket s : open) {
      s.close();
    }
    open.clear();
  }

  private void accept(ServerSocket server) {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(upstreamHost, upstreamPort);
        open.add(client);
        open.add(upstream);
        Thread.ofVirtual().start(() -> pump(client, upstream, toUpstream));
        Thread.ofVirtual().start(() -> pump(upstream, client, InputStream::transferTo));
      } catch (IOException e) {
        // closed by cut(), or the upstream refused: the client sees its connection fail
      }
    }
  }

  private void pump(Socket from, Socket to, Relay relay) {
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      relay.copy(in, out);
    } catch (IOException e) {
      // one side went away; closing both below tells the other
    } finally {
      close(from);
      close(to);
    }
  }

  private void close(Socket s) {
    open.remove(s);
    try {
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    cut();
  }
}
