package dev.berth.config;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything Berth can be told at start-up, loaded once by {@link ConfigLoader} and passed down
 * through constructors.
 *
 * @param dataDir where the embedded default keeps metadata, blobs and sandboxes
 * @param host the address the HTTP server binds
 * @param port the HTTP port; 0 picks a free one
 * @param maxUploadBytes largest accepted file upload; larger ones get 413
 * @param maxJsonBytes largest accepted JSON request body; larger ones get 413
 * @param maxFilesPerSession most file resources one session may hold (spec Q6)
 * @param uploadsDownloadable whether uploaded files may be downloaded (spec Q30; off as in the
 *     hosted API)
 * @param apiKeys keys given by configuration, each with the workspace it belongs to
 */
public record BerthConfig(
    Path dataDir,
    String host,
    int port,
    long maxUploadBytes,
    long maxJsonBytes,
    int maxFilesPerSession,
    boolean uploadsDownloadable,
    List<ApiKeyGrant> apiKeys) {

  public static final long DEFAULT_MAX_UPLOAD_BYTES = 500L * 1024 * 1024;

  /** An API key given by configuration and the name of the workspace it opens. */
  public record ApiKeyGrant(String key, String workspace) {}

  public BerthConfig {
    apiKeys = List.copyOf(apiKeys);
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be between 0 and 65535, got " + port);
    }
    if (maxUploadBytes < 1) {
      throw new IllegalArgumentException(
          "max upload bytes must be positive, got " + maxUploadBytes);
    }
    if (maxJsonBytes < 1024) {
      throw new IllegalArgumentException(
          "max JSON bytes must be at least 1024, got " + maxJsonBytes);
    }
    if (maxFilesPerSession < 1) {
      throw new IllegalArgumentException(
          "max files per session must be positive, got " + maxFilesPerSession);
    }
  }

  /** The embedded default: everything under {@code dataDir}, listening on {@code port}. */
  public static BerthConfig defaults(Path dataDir, int port) {
    return new BerthConfig(
        dataDir,
        "127.0.0.1",
        port,
        DEFAULT_MAX_UPLOAD_BYTES,
        10L * 1024 * 1024,
        100,
        false,
        List.of());
  }

  public BerthConfig withMaxUploadBytes(long bytes) {
    return new BerthConfig(
        dataDir, host, port, bytes, maxJsonBytes, maxFilesPerSession, uploadsDownloadable, apiKeys);
  }

  public BerthConfig withMaxJsonBytes(long bytes) {
    return new BerthConfig(
        dataDir,
        host,
        port,
        maxUploadBytes,
        bytes,
        maxFilesPerSession,
        uploadsDownloadable,
        apiKeys);
  }

  public BerthConfig withMaxFilesPerSession(int files) {
    return new BerthConfig(
        dataDir, host, port, maxUploadBytes, maxJsonBytes, files, uploadsDownloadable, apiKeys);
  }

  public BerthConfig withUploadsDownloadable(boolean downloadable) {
    return new BerthConfig(
        dataDir,
        host,
        port,
        maxUploadBytes,
        maxJsonBytes,
        maxFilesPerSession,
        downloadable,
        apiKeys);
  }

  public BerthConfig withApiKeys(List<ApiKeyGrant> keys) {
    return new BerthConfig(
        dataDir,
        host,
        port,
        maxUploadBytes,
        maxJsonBytes,
        maxFilesPerSession,
        uploadsDownloadable,
        keys);
  }
}
