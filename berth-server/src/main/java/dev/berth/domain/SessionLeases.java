package dev.berth.domain;

import dev.berth.store.LeaseStore;
import dev.berth.store.Tx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sessions held by lease, for nodes sharing one PostgreSQL database (README "Several nodes").
 *
 * <p>The node that creates a session takes its lease in the creating transaction. A heartbeat
 * renews every lease the node holds each third of the lease time; a lease not renewed for a whole
 * lease time expires, and the next node to look for expired leases (also each third of the lease
 * time) takes it, with {@code FOR UPDATE SKIP LOCKED} so that exactly one does, and rebuilds the
 * sandbox from the records and the blob store. A node that finds at its heartbeat that it lost a
 * lease removes its copy of the sandbox.
 *
 * <p>Any node may change any session's records. One that does not hold the session announces the
 * change ({@code NOTIFY}) after its commit; the holder listens and reconciles the sandbox. An
 * announcement can be lost (the listener reconnecting, a node dying between commit and announce),
 * so the holder also reconciles all its sessions after reconnecting and every {@link #RESYNC_BEATS}
 * heartbeats.
 *
 * <p>The node's id lives in its data directory, where its sandboxes are: a node restarted on the
 * same directory renews its own leases at once instead of waiting for them to expire.
 */
public final class SessionLeases implements SessionPlacement {
  private static final Logger log = LoggerFactory.getLogger(SessionLeases.class);
  static final int RESYNC_BEATS = 12;
  private static final int TAKE_AT_ONCE = 100;

  private final LeaseStore store;
  private final String nodeId;
  private final int seconds;
  private final Set<String> held = ConcurrentHashMap.newKeySet();

  /**
   * Sessions this node claimed in a creating transaction, with the heartbeat count then. They count
   * as held, but a heartbeat whose renewal read the leases before that transaction committed must
   * not take them for lost; the first renewal that returns one makes it held, and one still missing
   * two heartbeats later was rolled back (or lost) and is let go.
   */
  private final Map<String, Integer> claimed = new ConcurrentHashMap<>();

  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().name("berth-leases").daemon().unstarted(r));
  private final ExecutorService work = Executors.newVirtualThreadPerTaskExecutor();
  private volatile boolean closed;
  private volatile Reconciler reconciler;
  private volatile LeaseStore.Listener listener;
  private final AtomicInteger beats = new AtomicInteger();

  public SessionLeases(LeaseStore store, String nodeId, int seconds) {
    this.store = store;
    this.nodeId = nodeId;
    this.seconds = seconds;
  }

  /** This node's id, kept in {@code dataDir/node-id} and made on the first start. */
  public static String nodeIdIn(Path dataDir) {
    Path file = dataDir.resolve("node-id");
    try {
      if (Files.exists(file)) {
        return Files.readString(file).strip();
      }
      Files.createDirectories(dataDir);
      String id = "node_" + UUID.randomUUID().toString().replace("-", "");
      Path temp = dataDir.resolve("node-id.tmp");
      Files.writeString(temp, id + "\n");
      Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return id;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or make the node id in " + file, e);
    }
  }

  /** How many sessions this node holds now (metrics). */
  public int heldCount() {
    Set<String> all = new java.util.HashSet<>(held);
    all.addAll(claimed.keySet());
    return all.size();
  }

  public String nodeId() {
    return nodeId;
  }

  @Override
  public void claimNew(Tx tx, String sessionId) {
    LeaseStore.claimNew(tx, sessionId, nodeId, seconds);
    claimed.put(sessionId, beats.get());
  }

  @Override
  public boolean holds(String sessionId) {
    return held.contains(sessionId) || claimed.containsKey(sessionId);
  }

  @Override
  public void announce(String sessionId) {
    store.announce(sessionId);
  }

  @Override
  public void start(Reconciler reconciler) {
    this.reconciler = reconciler;
    held.addAll(store.renew(nodeId, seconds));
    listener = store.listen(); // before reconciling, so no change after it goes unheard
    reconciler.reconcileAll(); // in the background; each session before its first use
    Thread.ofPlatform().name("berth-session-changes").daemon().start(this::listen);
    long period = Math.max(1000L * seconds / 3, 500);
    // Both tasks log their own failures and close() stops the timer, so nothing waits on these.
    var unusedBeats =
        timer.scheduleWithFixedDelay(this::beat, period, period, TimeUnit.MILLISECONDS);
    var unusedTakes =
        timer.scheduleWithFixedDelay(this::takeExpired, 0, period, TimeUnit.MILLISECONDS);
    log.info("node {} holds {} sessions; leases last {} s", nodeId, held.size(), seconds);
  }

  /** Renews this node's leases and lets go of the sandboxes of sessions it no longer holds. */
  private void beat() {
    try {
      Set<String> before = Set.copyOf(held);
      Set<String> renewed = store.renew(nodeId, seconds);
      for (String id : before) {
        if (!renewed.contains(id)) {
          held.remove(id);
          reconciler.remove(id);
        }
      }
      held.addAll(renewed);
      int now = beats.incrementAndGet();
      claimed
          .entrySet()
          .removeIf(
              e -> {
                boolean settled = renewed.contains(e.getKey()) || now - e.getValue() > 2;
                if (settled && !renewed.contains(e.getKey())) {
                  reconciler.remove(e.getKey());
                }
                return settled;
              });
      if (now % RESYNC_BEATS == 0) {
        resync();
      }
    } catch (RuntimeException e) {
      log.warn("lease heartbeat of node {} failed; will retry: {}", nodeId, e.getMessage());
    }
  }

  private void takeExpired() {
    try {
      List<String> taken;
      do {
        taken = store.takeExpired(nodeId, seconds, TAKE_AT_ONCE);
        for (String id : taken) {
          held.add(id);
          log.info("node {} took over session {}", nodeId, id);
          reconciler.apply(id);
        }
      } while (taken.size() == TAKE_AT_ONCE && !closed);
    } catch (RuntimeException e) {
      log.warn("looking for expired leases failed; will retry: {}", e.getMessage());
    }
  }

  /** Follows announcements; after losing the feed, reconnects and reconciles everything held. */
  private void listen() {
    while (!closed) {
      try {
        for (String id : listener.poll(1000)) {
          if (holds(id)) {
            work.execute(() -> refresh(id));
          }
        }
      } catch (RuntimeException e) {
        listener.close();
        if (closed) {
          return;
        }
        log.warn("session change feed lost; reconnecting: {}", e.getMessage());
        reconnect();
      }
    }
  }

  private void reconnect() {
    while (!closed) {
      try {
        Thread.sleep(1000);
        listener = store.listen();
        work.execute(this::resync);
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        log.debug("session change feed still unavailable: {}", e.getMessage());
      }
    }
  }

  /** A session this node holds changed: follow the records, or let go if it is gone. */
  private void refresh(String sessionId) {
    try {
      if (store.holder(sessionId).filter(nodeId::equals).isPresent()) {
        reconciler.apply(sessionId);
      } else {
        boolean wasHeld = held.remove(sessionId);
        boolean wasClaimed = claimed.remove(sessionId) != null;
        if (wasHeld || wasClaimed) {
          reconciler.remove(sessionId);
        }
      }
    } catch (RuntimeException e) {
      log.warn("session {} changed but could not be refreshed yet: {}", sessionId, e.getMessage());
    }
  }

  private void resync() {
    for (String id : Set.copyOf(held)) {
      refresh(id);
    }
  }

  /** Stops renewing and lets this node's leases expire now, so other nodes take over at once. */
  @Override
  public void close() {
    closed = true;
    timer.shutdownNow();
    work.shutdownNow();
    if (listener != null) {
      listener.close();
    }
    try {
      store.release(nodeId);
    } catch (RuntimeException e) {
      log.warn("could not release the leases of node {}: {}", nodeId, e.getMessage());
    }
  }
}
