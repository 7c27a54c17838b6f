package dev.berth.domain;

import dev.berth.error.ApiException;
import dev.berth.json.Utf8;
import dev.berth.model.Actor;
import dev.berth.model.Memory;
import dev.berth.model.MemoryContent;
import dev.berth.model.MemoryMount;
import dev.berth.model.MemoryPaths;
import dev.berth.model.MemorySnapshot;
import dev.berth.model.MemoryWrite;
import dev.berth.model.MemoryWriteResult;
import dev.berth.model.Resource;
import dev.berth.sandbox.LocalSandboxHost;
import dev.berth.sandbox.OutputFile;
import dev.berth.sandbox.OutputListing;
import dev.berth.store.Database;
import dev.berth.store.MemoryStoreStore;
import dev.berth.store.ResourceStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The memory stores of a session, live in its sandbox (README "Memory stores in sessions"): before
 * each command every store's directory is brought in line with the records and bound at its mount
 * path, read-only or writable; after each command what the agent created, changed or deleted in a
 * writable one becomes memories and versions written by the session.
 *
 * <p>Design note. The records are the truth and the directories copies of them. For each mounted
 * store this node keeps what it last put in or took from the directory: the store's revision then,
 * and for each memory its id, digest and the file as lstat saw it. A command whose store's revision
 * did not move, in a directory still the one written, costs one indexed read; otherwise the store's
 * memories are listed (without content) and only the files that differ from them are written. A
 * node that knows nothing of a directory (after a restart, on taking a session over) writes it
 * whole from the records, so whatever a command wrote but was never recorded is gone, as the
 * records say. After a command, a file whose lstat is unchanged was not written; others are read
 * (never through a link: {@link LocalSandboxHost#readMemory}) and recorded, each write its own
 * transaction with no precondition, so two sessions writing one memory each leave a version, in the
 * order they committed. A file found at a new path with the inode and content of one gone from its
 * old path was moved: its memory keeps its id and changes path. A write the rules refuse is left
 * out of the records and reported, and the directory is put back as the records say before the next
 * command; so are links, FIFOs and other files that cannot be memories.
 *
 * <p>Commands of one session share its directories. Bringing a directory in line with the records
 * would undo what a command still running there has written and not yet recorded, so it is done
 * only when none of the session's commands runs in it; a command starting beside another sees the
 * directory as that one does. Each command's end records whatever the directory holds then, the
 * others' writes so far included.
 */
public final class MemoryMounts {
  private static final Logger log = LoggerFactory.getLogger(MemoryMounts.class);

  /** The most files one store's directory is scanned for. */
  static final int MAX_FILES = 100_000;

  /** Stores this node remembers the state of; one forgotten is written whole at its next use. */
  static final int REMEMBERED = 4096;

  private final Database db;
  private final MemoryStoreStore stores;
  private final ResourceStore resources;
  private final LocalSandboxHost host;
  private final OptionalInt owner;
  private final Map<String, Mounted> mounted =
      java.util.Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Mounted> eldest) {
              // forgetting a store a command runs in would have the next one rewrite its directory
              var oldest = entrySet().iterator();
              for (int older = size() - 1; older > 0 && size() > REMEMBERED; older--) {
                if (oldest.next().getValue().running.get() == 0) {
                  oldest.remove();
                }
              }
              return false;
            }
          });

  /**
   * @param owner who commands run as, where Berth picks it (it then owns the directories)
   */
  public MemoryMounts(
      Database db,
      MemoryStoreStore stores,
      ResourceStore resources,
      LocalSandboxHost host,
      OptionalInt owner) {
    this.db = db;
    this.stores = stores;
    this.resources = resources;
    this.host = host;
    this.owner = owner;
  }

  /** A write the rules kept out of the records: which store's mount, which file, and why. */
  public record Refused(String mountPath, String path, String reason) {}

  /** The stores readied for one command, handed back after it ({@link #writeBack}). */
  public record Prepared(List<LocalSandboxHost.Bind> binds, List<Store> stores) {
    /** Nothing to mount. */
    static final Prepared NONE = new Prepared(List.of(), List.of());
  }

  /** One store as a command found it. */
  record Store(Resource resource, Mounted mounted) {}

  /** A memory as its file was last put in or read from the directory. */
  record Known(String memoryId, String sha256, OutputFile file) {}

  /** What this node knows of one store's directory; guarded by itself. */
  static final class Mounted {
    /** Commands running with the directory bound, from {@link #prepare} to {@link #writeBack}. */
    final AtomicInteger running = new AtomicInteger();

    long revision = -1;
    Object directoryKey;
    Path source;
    boolean dirty = true;
    final Map<String, Known> files = new HashMap<>();
  }

  /**
   * Brings each memory store directory of the session in line with the records (cheaply when its
   * store's revision has not moved), unless another command of the session runs in it, and answers
   * the binds a command needs. The caller hands them back to {@link #writeBack} however the command
   * ends.
   */
  public Prepared prepare(String workspaceId, String sessionId) {
    List<LocalSandboxHost.Bind> binds = new ArrayList<>();
    List<Store> out = new ArrayList<>();
    try {
      for (Resource r : resources.all(sessionId)) {
        if (r.memoryStore().isEmpty()) {
          continue;
        }
        Mounted m = mounted.computeIfAbsent(sessionId + "/" + r.id(), k -> new Mounted());
        synchronized (m) {
          if (m.running.get() == 0) {
            sync(workspaceId, sessionId, r, m);
          }
          m.running.incrementAndGet();
          binds.add(
              new LocalSandboxHost.Bind(m.source, r.mountPath(), r.memoryStore().get().readOnly()));
        }
        out.add(new Store(r, m));
      }
    } catch (RuntimeException e) {
      out.forEach(MemoryMounts::release);
      throw e;
    }
    return out.isEmpty() ? Prepared.NONE : new Prepared(binds, out);
  }

  private static void release(Store s) {
    synchronized (s.mounted()) {
      s.mounted().running.decrementAndGet();
    }
  }

  private void sync(String workspaceId, String sessionId, Resource r, Mounted m) {
    MemoryMount store = r.memoryStore().orElseThrow();
    long revision = stores.revision(workspaceId, store.storeId()).orElse(0);
    if (!m.dirty && m.revision == revision && m.source != null && sameDirectory(m)) {
      return;
    }
    MemorySnapshot snapshot =
        stores
            .snapshot(workspaceId, store.storeId())
            .orElse(new MemorySnapshot(0, List.of())); // a deleted store mounts empty
    LocalSandboxHost.MemoryPlace place = place(sessionId, r);
    Map<String, OutputFile> listed = new HashMap<>();
    host.listMemory(place, MAX_FILES)
        .ifPresent(l -> l.files().forEach(f -> listed.put(f.path(), f)));
    Set<String> keep = new HashSet<>();
    List<Memory> stale = new ArrayList<>();
    for (Memory memory : snapshot.memories()) {
      String relative = memory.path().substring(1);
      keep.add(relative);
      Known known = m.files.get(memory.path());
      boolean inPlace =
          known != null
              && known.sha256().equals(memory.contentSha256())
              && known.file().equals(listed.get(relative));
      if (!inPlace) {
        stale.add(memory);
      }
    }
    Map<String, String> contents =
        stores.contents(workspaceId, store.storeId(), stale.stream().map(Memory::id).toList());
    Map<String, byte[]> writes = new LinkedHashMap<>();
    boolean complete = true;
    for (Memory memory : stale) {
      String text = contents.get(memory.id());
      if (text == null) {
        complete = false; // deleted since the listing: the next command looks again
        continue;
      }
      writes.put(memory.path().substring(1), text.getBytes(StandardCharsets.UTF_8));
    }
    // owned by the command's user either way, so a write to a read-only mount fails for the mount
    // (EROFS), not for the file's mode
    var dir =
        host.updateMemory(place, keep, writes, owner)
            .orElseThrow(
                () ->
                    new ApiException.Unavailable(
                        "the sandbox of session " + sessionId + " is not ready; retry shortly"));
    Map<String, Known> now = new HashMap<>();
    for (Memory memory : snapshot.memories()) {
      String relative = memory.path().substring(1);
      OutputFile file = stale.contains(memory) ? dir.written().get(relative) : listed.get(relative);
      if (file != null) {
        now.put(memory.path(), new Known(memory.id(), memory.contentSha256(), file));
      }
    }
    m.files.clear();
    m.files.putAll(now);
    m.revision = snapshot.revision();
    m.source = dir.source();
    m.directoryKey = key(dir.source());
    // a memory the session's full disk had no room for is left out until a later command
    m.dirty = !complete || !dir.unwritten().isEmpty();
  }

  private static LocalSandboxHost.MemoryPlace place(String sessionId, Resource r) {
    return new LocalSandboxHost.MemoryPlace(
        sessionId, r.id(), !r.memoryStore().orElseThrow().readOnly());
  }

  private static boolean sameDirectory(Mounted m) {
    Object now = key(m.source);
    return now != null && now.equals(m.directoryKey);
  }

  private static Object key(Path dir) {
    try {
      return Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
          .fileKey();
    } catch (java.io.IOException e) {
      return null; // gone: written whole again
    }
  }

  /**
   * After a command: what the agent created, changed or deleted in each writable store becomes
   * memories and versions written by the session; what the rules refuse is answered.
   */
  public List<Refused> writeBack(String workspaceId, String sessionId, Prepared prepared) {
    List<Refused> refused = new ArrayList<>();
    boolean overQuota =
        prepared.stores().stream().anyMatch(s -> !s.resource().memoryStore().get().readOnly())
            && overQuota(sessionId);
    for (Store s : prepared.stores()) {
      synchronized (s.mounted()) {
        try {
          if (!s.resource().memoryStore().get().readOnly()) {
            writeBack(workspaceId, sessionId, s.resource(), s.mounted(), overQuota, refused);
          }
        } catch (RuntimeException e) {
          log.error(
              "session {}: the changes to memory store resource {} could not be recorded",
              sessionId,
              s.resource().id(),
              e);
          refuse(
              s.mounted(),
              refused,
              s.resource(),
              "/",
              "the changes made to this store could not be recorded (a server error); the"
                  + " directory is put back as recorded before the next command");
        } finally {
          s.mounted().running.decrementAndGet();
        }
      }
    }
    return refused;
  }

  /**
   * Whether the session holds more than its disk quota after a command, which only the walk lets
   * happen ({@link LocalSandboxHost#overQuota}); false, and logged, when it cannot be measured.
   */
  private boolean overQuota(String sessionId) {
    try {
      return host.overQuota(sessionId);
    } catch (RuntimeException e) {
      log.warn("session {}: its disk usage could not be measured", sessionId, e);
      return false;
    }
  }

  /**
   * Records what the agent changed in one store's directory. When the session is {@code overQuota},
   * no creation or change is recorded (each is refused, and put back before the next command), only
   * deletions.
   */
  private void writeBack(
      String workspaceId,
      String sessionId,
      Resource r,
      Mounted m,
      boolean overQuota,
      List<Refused> refused) {
    LocalSandboxHost.MemoryPlace place = place(sessionId, r);
    Optional<OutputListing> listing = host.listMemory(place, MAX_FILES);
    if (listing.isEmpty()) {
      m.dirty = true;
      return;
    }
    String storeId = r.memoryStore().get().storeId();
    Map<String, OutputFile> listed = new LinkedHashMap<>();
    listing.get().files().forEach(f -> listed.put("/" + f.path(), f));
    // what was not listed is not known to be deleted
    Map<String, Known> gone = new LinkedHashMap<>();
    if (!listing.get().truncated()) {
      m.files.forEach(
          (path, known) -> {
            if (!listed.containsKey(path)) {
              gone.put(path, known);
            }
          });
    }
    Map<String, String> moves = moves(place, listed, gone, m);
    Set<String> moved = new HashSet<>(moves.values());
    // deletions first, so a file may take the place of one deleted above or below it
    for (var e : gone.entrySet()) {
      if (!moved.contains(e.getKey())) {
        delete(workspaceId, storeId, sessionId, e.getValue().memoryId());
        m.files.remove(e.getKey());
      }
    }
    for (var entry : listed.entrySet()) {
      String path = entry.getKey();
      OutputFile file = entry.getValue();
      Known known = m.files.get(path);
      if (known != null && known.file().equals(file)) {
        continue; // not written since
      }
      if (overQuota) {
        refuse(
            m,
            refused,
            r,
            path,
            "session "
                + sessionId
                + " holds more than its disk quota; no memory it creates or changes is recorded"
                + " until it is back within it");
        continue;
      }
      if (file.size() > MemoryContent.MAX_BYTES) {
        refuse(
            m,
            refused,
            r,
            path,
            "content must be at most "
                + MemoryContent.MAX_BYTES
                + " bytes of UTF-8, got "
                + file.size());
        continue;
      }
      Optional<byte[]> bytes = host.readMemory(place, file, in -> in.readAllBytes(), b -> {});
      if (bytes.isEmpty()) {
        m.dirty = true; // changed while read: put back as recorded
        continue;
      }
      String sha256 = MemoryContent.sha256(bytes.get());
      if (known != null && known.sha256().equals(sha256)) {
        m.files.put(path, new Known(known.memoryId(), sha256, file));
        continue;
      }
      Optional<Known> from = Optional.ofNullable(moves.get(path)).map(m.files::get);
      MemoryContent content;
      try {
        MemoryPaths.validate(path, "path");
        content = MemoryContent.of(Utf8.decode(bytes.get(), "content"));
      } catch (ApiException.InvalidRequest e) {
        // a move refused is undone: the old path is put back from the records
        refuse(m, refused, r, path, e.getMessage());
        continue;
      }
      Optional<String> memoryId = Optional.ofNullable(known).or(() -> from).map(Known::memoryId);
      switch (record(workspaceId, storeId, sessionId, path, memoryId, from.isPresent(), content)) {
        case Recorded(String id) -> {
          m.files.put(path, new Known(id, content.sha256(), file));
          if (from.isPresent()) {
            if (!from.get().memoryId().equals(id)) {
              delete(workspaceId, storeId, sessionId, from.get().memoryId());
            }
            m.files.remove(moves.get(path));
          }
        }
        case NotRecorded(String reason) -> refuse(m, refused, r, path, reason);
      }
    }
    if (listing.get().truncated() || listing.get().passedOver()) {
      // not all was seen; or links, FIFOs and the like are removed before the next command
      m.dirty = true;
    }
  }

  /**
   * The files that are memories moved since last seen, new path to old: a file at a path not known
   * before with the inode and content of a known file gone from its path (renamed or moved within
   * the directory, or linked anew and unlinked at the old name). Content must match too, as a
   * deleted file's inode may be reused by a new one.
   */
  private Map<String, String> moves(
      LocalSandboxHost.MemoryPlace place,
      Map<String, OutputFile> listed,
      Map<String, Known> gone,
      Mounted m) {
    Map<String, String> byInode = new HashMap<>();
    gone.forEach((path, known) -> byInode.put(known.file().inode(), path));
    Map<String, String> moves = new HashMap<>();
    for (var entry : listed.entrySet()) {
      OutputFile file = entry.getValue();
      String from = byInode.get(file.inode());
      if (from == null || m.files.containsKey(entry.getKey())) {
        continue;
      }
      Known known = gone.get(from);
      if (known.file().size() == file.size()
          && host.readMemory(place, file, in -> MemoryContent.sha256(in.readAllBytes()), d -> {})
              .filter(known.sha256()::equals)
              .isPresent()) {
        moves.put(entry.getKey(), from);
        byInode.remove(file.inode());
      }
    }
    return moves;
  }

  /** Records the session's deletion of a memory, or nothing if it is gone already. */
  private void delete(String workspaceId, String storeId, String sessionId, String memoryId) {
    var delete =
        new MemoryWrite.Delete(
            workspaceId,
            storeId,
            memoryId,
            Optional.empty(),
            new Actor.Session(sessionId),
            Ids.memoryVersion(),
            Timestamps.now());
    db.write(tx -> MemoryStoreStore.write(tx, delete));
  }

  /** What became of one file's write. */
  private sealed interface Outcome {}

  /** Recorded in memory {@code memoryId}. */
  private record Recorded(String memoryId) implements Outcome {}

  /** Refused by the rules, for {@code reason}. */
  private record NotRecorded(String reason) implements Outcome {}

  /**
   * Records one file's new content as the session's write: in the memory {@code memoryId} it was
   * read as (wherever that is now, or moved to {@code path} when {@code move}), else the memory now
   * at its path, else a new one.
   */
  private Outcome record(
      String workspaceId,
      String storeId,
      String sessionId,
      String path,
      Optional<String> memoryId,
      boolean move,
      MemoryContent content) {
    Actor actor = new Actor.Session(sessionId);
    for (int attempt = 0; attempt < 3; attempt++) {
      MemoryWrite write =
          memoryId.isPresent()
              ? new MemoryWrite.Modify(
                  workspaceId,
                  storeId,
                  memoryId.get(),
                  move ? Optional.of(path) : Optional.empty(),
                  Optional.of(content),
                  Optional.empty(),
                  actor,
                  Ids.memoryVersion(),
                  Timestamps.now())
              : new MemoryWrite.Create(
                  workspaceId,
                  storeId,
                  Ids.memory(),
                  path,
                  content,
                  actor,
                  Ids.memoryVersion(),
                  Timestamps.now());
      MemoryWriteResult result = db.write(tx -> MemoryStoreStore.write(tx, write));
      switch (result) {
        case MemoryWriteResult.Written w -> {
          return new Recorded(w.memory().id());
        }
        case MemoryWriteResult.Unchanged u -> {
          return new Recorded(u.memory().id());
        }
        case MemoryWriteResult.MemoryNotFound n -> {
          memoryId = Optional.empty();
          move = false;
        }
        case MemoryWriteResult.PathConflict c -> {
          if (!c.path().equals(path)) {
            return new NotRecorded(
                "path '"
                    + path
                    + "' lies above or below memory '"
                    + c.memoryId()
                    + "' at '"
                    + c.path()
                    + "'");
          }
          memoryId = Optional.of(c.memoryId());
          move = false;
        }
        case MemoryWriteResult.StoreArchived a -> {
          return new NotRecorded("memory store '" + storeId + "' is archived");
        }
        case MemoryWriteResult.StoreNotFound n -> {
          return new NotRecorded("memory store '" + storeId + "' was deleted");
        }
        case MemoryWriteResult.PreconditionFailed p ->
            throw new IllegalStateException("a write without a precondition failed one");
      }
    }
    return new NotRecorded("the memory at '" + path + "' kept changing while it was recorded");
  }

  private static void refuse(
      Mounted m, List<Refused> refused, Resource r, String path, String reason) {
    m.dirty = true;
    refused.add(new Refused(r.mountPath(), path, reason));
  }
}
