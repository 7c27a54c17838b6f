package dev.berth.domain;

import dev.berth.store.Tx;

/** The embedded default: this node is the only one, and holds every session. */
public final class SingleNode implements SessionPlacement {
  @Override
  public void claimNew(Tx tx, String sessionId) {}

  @Override
  public boolean holds(String sessionId) {
    return true;
  }

  @Override
  public void announce(String sessionId) {
    throw new IllegalStateException("a single node holds every session, " + sessionId + " too");
  }

  @Override
  public void start(Reconciler reconciler) {
    reconciler.reconcileAll();
  }

  @Override
  public void close() {}
}
