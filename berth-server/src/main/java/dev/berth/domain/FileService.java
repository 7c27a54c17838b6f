package dev.berth.domain;

import dev.berth.error.ApiException;
import dev.berth.metrics.ServerMetrics;
import dev.berth.model.FileRecord;
import dev.berth.model.Page;
import dev.berth.model.PageRequest;
import dev.berth.model.StagedBlob;
import dev.berth.store.BlobStore;
import dev.berth.store.Database;
import dev.berth.store.FileStore;
import dev.berth.store.OutputStore;
import dev.berth.store.ResourceStore;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The Files API's rules (spec §6). */
public final class FileService {
  static final long MIN_EXPIRY_SECONDS = 3600;
  static final long MAX_EXPIRY_SECONDS = 7_776_000;
  private static final String OCTET_STREAM = "application/octet-stream";
  private static final Map<String, String> MIME_BY_EXTENSION =
      Map.ofEntries(
          Map.entry("txt", "text/plain"),
          Map.entry("csv", "text/csv"),
          Map.entry("md", "text/markdown"),
          Map.entry("html", "text/html"),
          Map.entry("json", "application/json"),
          Map.entry("xml", "application/xml"),
          Map.entry("pdf", "application/pdf"),
          Map.entry("zip", "application/zip"),
          Map.entry("png", "image/png"),
          Map.entry("jpg", "image/jpeg"),
          Map.entry("gif", "image/gif"),
          Map.entry("webp", "image/webp"),
          Map.entry("py", "text/x-python"),
          Map.entry("js", "text/javascript"));

  private final Database db;
  private final FileStore files;
  private final BlobStore blobs;
  private final BlobReferences references;
  private final OutputCatalogue outputs;
  private final long maxUploadBytes;
  private final boolean uploadsDownloadable;
  private final ServerMetrics metrics;

  public FileService(
      Database db,
      FileStore files,
      BlobStore blobs,
      BlobReferences references,
      OutputCatalogue outputs,
      long maxUploadBytes,
      boolean uploadsDownloadable,
      ServerMetrics metrics) {
    this.metrics = metrics;
    this.db = db;
    this.files = files;
    this.blobs = blobs;
    this.references = references;
    this.outputs = outputs;
    this.maxUploadBytes = maxUploadBytes;
    this.uploadsDownloadable = uploadsDownloadable;
  }

  /** What a multipart upload carried besides the bytes. */
  public record UploadParams(
      Optional<String> filename, Optional<String> contentType, Optional<String> expiresInSeconds) {}

  public long maxUploadBytes() {
    return maxUploadBytes;
  }

  /** Streams an upload's bytes to a staged blob; over the size limit → 413, nothing kept. */
  public StagedBlob stage(InputStream bytes) throws IOException {
    return blobs.stage(bytes, maxUploadBytes);
  }

  /** Drops staged bytes of an upload that failed. */
  public void discard(StagedBlob staged) {
    blobs.discard(staged);
  }

  /** Records an uploaded file whose bytes were staged; the staged bytes are consumed either way. */
  public FileRecord upload(String workspaceId, StagedBlob staged, UploadParams params) {
    FileRecord file;
    try {
      String now = Timestamps.now();
      Optional<String> expiresAt = params.expiresInSeconds().map(v -> expiry(v, now));
      String name = filename(params.filename());
      String mime = mimeType(params.contentType(), name);
      if (name.isEmpty()) { // none given, or nothing left of it, such as "dir/" or ".."
        name = unnamed(mime);
      }
      file =
          new FileRecord(
              Ids.file(),
              workspaceId,
              name,
              mime,
              staged.size(),
              staged.sha256(),
              uploadsDownloadable,
              Optional.empty(),
              Optional.empty(),
              now,
              expiresAt);
    } catch (RuntimeException e) {
      blobs.discard(staged);
      throw e;
    }
    FileRecord uploaded =
        references.publish(
            staged,
            () -> {
              files.insert(file);
              return file;
            });
    metrics.uploaded(uploaded.sizeBytes());
    return uploaded;
  }

  public FileRecord retrieve(String workspaceId, String fileId) {
    return files.find(workspaceId, fileId).orElseThrow(() -> notFound(fileId));
  }

  /**
   * A page of workspace-level files, or of one session's files when {@code scopeId} is given. The
   * first page of a session's files brings the catalogue of its outputs up to date first; later
   * pages go on from the same picture.
   */
  public Page<FileRecord> list(String workspaceId, Optional<String> scopeId, PageRequest page) {
    if (scopeId.isPresent() && page.after().isEmpty()) {
      outputs.refreshFor(workspaceId, scopeId.get());
    }
    return files.list(workspaceId, scopeId, page);
  }

  /** The named files that exist, as one page (spec §6.2 {@code ids[]}). */
  public List<FileRecord> listByIds(String workspaceId, List<String> ids) {
    var unique = new LinkedHashSet<>(ids);
    if (unique.size() > 100) {
      throw new ApiException.InvalidRequest(
          "ids[] may name at most 100 files, got " + unique.size());
    }
    return files.listByIds(workspaceId, List.copyOf(unique));
  }

  /** A downloadable file's bytes, checked to be downloadable now. */
  public Download download(FileRecord file) {
    if (file.isExpired(Timestamps.now())) {
      throw new ApiException.NotFound("file " + file.id() + " has expired", "file_expired");
    }
    if (!file.downloadable()) {
      throw new ApiException.InvalidRequest(
          "file "
              + file.id()
              + " is not downloadable: only files created in a session can be"
              + " downloaded",
          "file_not_downloadable");
    }
    return new Download(blobs, file.sha256(), metrics);
  }

  /**
   * Deletes a file. A session's copy that backs a mounted resource is refused: the resource owns
   * it, and deleting the resource deletes the copy. A session's output can be deleted: the agent's
   * file stays in its outputs, dismissed, and is catalogued again (as a new file) only once the
   * agent changes it.
   */
  public FileRecord delete(String workspaceId, String fileId) {
    FileRecord deleted =
        db.write(
            c -> {
              FileRecord f =
                  FileStore.findToDelete(c, workspaceId, fileId)
                      .orElseThrow(() -> notFound(fileId));
              // only a session's copy backs a resource, and only in that session
              Optional<String> resource =
                  f.scopeSessionId().flatMap(s -> ResourceStore.resourceBackedBy(c, s, fileId));
              if (resource.isPresent()) {
                throw new ApiException.InvalidRequest(
                    "file "
                        + fileId
                        + " is mounted in session "
                        + f.scopeSessionId().orElse("?")
                        + " as resource "
                        + resource.get()
                        + "; delete the resource instead");
              }
              OutputStore.forget(c, fileId);
              FileStore.deleteFile(c, fileId);
              return f;
            });
    collect(List.of(deleted.sha256()));
    return deleted;
  }

  /** Deletes the blobs no file record points at any more. */
  public void collect(List<String> sha256s) {
    references.collect(sha256s);
  }

  static ApiException notFound(String fileId) {
    return new ApiException.NotFound("file '" + fileId + "' not found");
  }

  /** An integer as text in ASCII digits (spec §6.1): no sign, space or other script's digits. */
  private static String expiry(String value, String now) {
    if (!value.matches("-?[0-9]+")) {
      throw new ApiException.InvalidRequest(
          "expires_in_seconds must be an integer in ASCII digits, got '" + value + "'");
    }
    var seconds = new BigInteger(value);
    if (seconds.compareTo(BigInteger.valueOf(MIN_EXPIRY_SECONDS)) < 0
        || seconds.compareTo(BigInteger.valueOf(MAX_EXPIRY_SECONDS)) > 0) {
      throw new ApiException.InvalidRequest(
          "expires_in_seconds must be between "
              + MIN_EXPIRY_SECONDS
              + " and "
              + MAX_EXPIRY_SECONDS
              + ", got "
              + seconds);
    }
    return Timestamps.format(Instant.parse(now).plusSeconds(seconds.longValueExact()));
  }

  /** Keeps only the last path component (spec §6.1). */
  static String filename(Optional<String> given) {
    String name = given.orElse("");
    if (name.chars().anyMatch(c -> c < 0x20 || c == 0x7F)) {
      // no name anyone means holds one, and a line break would end the header of its download
      throw new ApiException.InvalidRequest(
          "filename must not contain NUL or other control characters: '"
              + name.replaceAll("\\p{Cntrl}", "?")
              + "'");
    }
    name = name.strip();
    int slash = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
    name = name.substring(slash + 1);
    if (name.equals(".") || name.equals("..")) {
      name = "";
    }
    return name.length() > 255 ? name.substring(name.length() - 255) : name;
  }

  static String mimeType(Optional<String> partType, String filename) {
    if (partType.orElse("").chars().anyMatch(c -> (c < 0x20 && c != '\t') || c == 0x7F)) {
      // the type is stored and served as the download's Content-Type; a tab is header whitespace
      throw new ApiException.InvalidRequest(
          "the file part's Content-Type must not contain NUL or other control characters");
    }
    String type =
        partType.map(t -> t.split(";", -1)[0].strip().toLowerCase(Locale.ROOT)).orElse("");
    if (!type.isEmpty() && !type.equals(OCTET_STREAM) && type.contains("/")) {
      return type;
    }
    int dot = filename.lastIndexOf('.');
    if (dot >= 0) {
      String known = MIME_BY_EXTENSION.get(filename.substring(dot + 1).toLowerCase(Locale.ROOT));
      if (known != null) {
        return known;
      }
      String guessed = java.net.URLConnection.guessContentTypeFromName(filename);
      if (guessed != null) {
        return guessed;
      }
    }
    return OCTET_STREAM;
  }

  private static String unnamed(String mime) {
    return MIME_BY_EXTENSION.entrySet().stream()
        .filter(e -> e.getValue().equals(mime))
        .map(e -> "unnamed." + e.getKey())
        .sorted()
        .findFirst()
        .orElse("unnamed");
  }
}
