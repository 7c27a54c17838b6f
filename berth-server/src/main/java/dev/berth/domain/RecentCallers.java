package dev.berth.domain;

import dev.berth.model.Caller;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Whom the keys presented lately let in, each answer kept for at most {@link #FRESH}.
 *
 * <p>Design note. Keys are created and revoked outside the server ({@code berth keys}, from the
 * same data directory or database, for every node at once), so no node hears of a change. Rather
 * than ask the database on every request, each node reads a key's record again once its answer is
 * older than {@link #FRESH}, counted from when the read began: a revocation committed at time T is
 * seen by every read that begins after T, so every node refuses the key from T + FRESH on at the
 * latest. A busy key costs one indexed read per {@link #FRESH} per node, whatever the request rate;
 * concurrent requests for a key whose answer has expired wait for one read, not one each. A key
 * that opens nothing is not remembered, so a key created a moment ago works on its first request.
 */
final class RecentCallers {
  /** How stale an answer may be: half the second the README promises for a revocation. */
  static final Duration FRESH = Duration.ofMillis(500);

  /** A read of a key's record, begun at {@code started} (nanoTime), done or in flight. */
  private record Lookup(long started, CompletableFuture<Optional<Caller>> result) {}

  private final ConcurrentHashMap<String, Lookup> byHash = new ConcurrentHashMap<>();
  private final Function<String, Optional<Caller>> read;
  private final LongSupplier nanoTime;
  private final AtomicLong reads = new AtomicLong();

  /**
   * @param read the caller of a key hash, from the store
   * @param nanoTime the clock answers age by ({@code System::nanoTime})
   */
  RecentCallers(Function<String, Optional<Caller>> read, LongSupplier nanoTime) {
    this.read = read;
    this.nanoTime = nanoTime;
  }

  /** The caller a key of this hash lets in, as the store said at most {@link #FRESH} ago. */
  Optional<Caller> caller(String keyHash) {
    while (true) {
      long now = nanoTime.getAsLong();
      Lookup known = byHash.get(keyHash);
      if (known != null && now - known.started() < FRESH.toNanos()) {
        return await(known);
      }
      var mine = new Lookup(now, new CompletableFuture<>());
      boolean won =
          known == null
              ? byHash.putIfAbsent(keyHash, mine) == null
              : byHash.replace(keyHash, known, mine);
      if (won) {
        return readInto(keyHash, mine);
      }
      // another request began a read at the same moment: wait for it on the next turn
    }
  }

  private Optional<Caller> readInto(String keyHash, Lookup mine) {
    Optional<Caller> caller;
    try {
      reads.incrementAndGet();
      caller = read.apply(keyHash);
    } catch (RuntimeException e) {
      byHash.remove(keyHash, mine);
      mine.result().completeExceptionally(e);
      throw e;
    }
    if (caller.isEmpty()) {
      byHash.remove(keyHash, mine); // a key created next may be this one: read it again then
    }
    mine.result().complete(caller);
    return caller;
  }

  private static Optional<Caller> await(Lookup lookup) {
    try {
      return lookup.result().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    }
  }

  /** How many times the store was read, for tests of what authentication costs. */
  long reads() {
    return reads.get();
  }
}
