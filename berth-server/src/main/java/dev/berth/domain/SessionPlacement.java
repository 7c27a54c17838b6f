package dev.berth.domain;

import dev.berth.store.Tx;

/**
 * Which node materialises each session's sandbox (DESIGN "Scale-out"). One node on SQLite holds
 * every session ({@link SingleNode}); nodes sharing PostgreSQL hold sessions by lease ({@link
 * SessionLeases}). Every node serves every request, since each change is a record; only the holder
 * brings the sandbox in line with the records.
 */
public sealed interface SessionPlacement extends AutoCloseable permits SingleNode, SessionLeases {
  /** Called in the transaction that creates a session: this node is to hold it. */
  void claimNew(Tx tx, String sessionId);

  /** Whether this node holds the session, and so keeps its sandbox. */
  boolean holds(String sessionId);

  /** Tells the session's holder, another node, that the session's records changed. */
  void announce(String sessionId);

  /**
   * Brings the sandboxes of the sessions this node holds in line (in the background: {@link
   * Reconciler#reconcileAll}), then keeps them so.
   */
  void start(Reconciler reconciler);

  @Override
  void close();
}
