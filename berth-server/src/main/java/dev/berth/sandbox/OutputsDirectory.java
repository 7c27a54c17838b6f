package dev.berth.sandbox;

import static dev.berth.sandbox.NoFollow.giveTo;
import static dev.berth.sandbox.NoFollow.lstat;
import static dev.berth.sandbox.NoFollow.name;
import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Creates a session's {@code /mnt/session/outputs} when it is missing, with the outputs the
 * catalogue recorded for the session put back in it ({@link OutputRestorer}). Apart from the code
 * that manages uploads because outputs belong to the agent: this only ever creates the directory,
 * never changes one that is there.
 */
final class OutputsDirectory {
  private static final Set<PosixFilePermission> RESTORED_FILE =
      PosixFilePermissions.fromString("rw-r--r--");

  private final Staging staging;
  private final Function<String, Path> blobs;
  private volatile OutputRestorer restorer = OutputRestorer.NONE;
  private volatile OptionalInt owner = OptionalInt.empty();

  /**
   * @param staging where the directory is built before it is renamed into place
   * @param blobs where the blob with a given SHA-256 lives
   */
  OutputsDirectory(Staging staging, Function<String, Path> blobs) {
    this.staging = staging;
    this.blobs = blobs;
  }

  /** See {@link LocalSandboxHost#restoreOutputsWith}. */
  void restoreWith(OutputRestorer restorer, OptionalInt owner) {
    this.restorer = restorer;
    this.owner = owner;
  }

  /**
   * Creates the session's outputs directory if it is missing, holding the outputs the catalogue
   * recorded for it. It is built whole in staging, which no sandbox can reach, and renamed into
   * place, so a catalogue refresh sees either no outputs directory (and changes nothing) or every
   * restored file, never an empty directory whose records it would drop. An existing outputs
   * directory is the agent's and is left as it is. A failure leaves outputs missing, so the next
   * operation on the session tries again.
   *
   * @param session the session's open {@code /mnt/session}
   */
  void createIfMissing(String sessionId, SecureDirectoryStream<Path> session) throws IOException {
    if (lstat(session, name("outputs")).isPresent()) {
      return;
    }
    create(sessionId, session, staging, wanted(sessionId));
  }

  /** {@link #createIfMissing}, outputs known missing and {@code wanted} their records. */
  void create(
      String sessionId, SecureDirectoryStream<Path> session, List<OutputRestorer.Wanted> wanted)
      throws IOException {
    create(sessionId, session, staging, wanted);
  }

  /**
   * {@link #createIfMissing} on a session's volume ({@link SessionVolumes}): built in {@code
   * stagingDir}, a directory of that volume removed afterwards, as a rename cannot leave it.
   *
   * @param volume the volume's root, open
   */
  void createIfMissing(String sessionId, SecureDirectoryStream<Path> volume, Path stagingDir)
      throws IOException {
    if (lstat(volume, name("outputs")).isPresent()) {
      return;
    }
    try (var onVolume = Staging.open(stagingDir)) {
      create(sessionId, volume, onVolume, wanted(sessionId));
    }
    Files.delete(stagingDir);
  }

  /** The outputs the catalogue would put back into the session's missing outputs. */
  List<OutputRestorer.Wanted> wanted(String sessionId) {
    return restorer.wanted(sessionId);
  }

  private void create(
      String sessionId,
      SecureDirectoryStream<Path> session,
      Staging staging,
      List<OutputRestorer.Wanted> wanted)
      throws IOException {
    Path temp = staging.newDirectory();
    List<OutputRestorer.Restored> placed;
    try {
      restoredMode(temp, Staging.DIRECTORY_MODE);
      placed = new ArrayList<>();
      for (var output : wanted) {
        restore(temp, output).ifPresent(placed::add);
      }
    } catch (IOException | RuntimeException e) {
      try {
        staging.remove(temp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    staging.moveIn(temp, session, "outputs");
    if (!placed.isEmpty()) {
      restorer.restored(sessionId, placed);
    }
  }

  /**
   * Copies one recorded output from its blob into {@code outputs} (still in staging, Berth's own,
   * so paths may be used whole). Empty when the records contradict each other (a file where
   * another's directory goes) or the blob is gone: its record then goes at the next refresh.
   */
  private Optional<OutputRestorer.Restored> restore(Path outputs, OutputRestorer.Wanted output)
      throws IOException {
    List<String> segments = List.of(output.path().split("/", -1));
    Path dir = outputs;
    for (String segment : segments.subList(0, segments.size() - 1)) {
      dir = dir.resolve(name(segment));
      if (!Files.isDirectory(dir, NOFOLLOW_LINKS)) {
        if (Files.exists(dir, NOFOLLOW_LINKS)) {
          return Optional.empty();
        }
        Files.createDirectory(dir);
        restoredMode(dir, Staging.DIRECTORY_MODE);
      }
    }
    Path file = dir.resolve(name(segments.getLast()));
    if (Files.exists(file, NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    try {
      Files.copy(blobs.apply(output.sha256()), file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    restoredMode(file, RESTORED_FILE);
    Files.setLastModifiedTime(file, FileTime.from(output.mtimeNanos(), TimeUnit.NANOSECONDS));
    var attrs = Files.readAttributes(file, BasicFileAttributes.class, NOFOLLOW_LINKS);
    return Optional.of(
        new OutputRestorer.Restored(output, OutputScanner.outputFile(output.path(), attrs)));
  }

  /** Normal modes whatever the umask, and the commands' owner when Berth runs as root. */
  private void restoredMode(Path path, Set<PosixFilePermission> mode) throws IOException {
    Files.setPosixFilePermissions(path, mode);
    OptionalInt owner = this.owner;
    if (owner.isPresent()) {
      giveTo(
          Files.getFileAttributeView(path, PosixFileAttributeView.class, NOFOLLOW_LINKS),
          owner.getAsInt());
    }
  }
}
