package dev.berth.junit5;

import java.nio.file.Path;

/**
 * The Berth a test runs against, as a client sees it: point an SDK at {@link #baseUrl()} with
 * {@link #apiKey()}, which opens the workspace {@code default}.
 *
 * @param baseUrl where the server listens, {@code http://127.0.0.1:<port>}, without a trailing
 *     slash
 * @param apiKey a key of the server's one workspace, {@code default}
 * @param dataDir the server's data directory, removed when the server stops: its metadata, blobs
 *     and each session's sandbox tree under {@code sandboxes/<session id>/}
 */
public record BerthServer(String baseUrl, String apiKey, Path dataDir) {
  @Override
  public String toString() { // keeps the key out of test reports
    return "BerthServer[baseUrl=" + baseUrl + ", dataDir=" + dataDir + "]";
  }
}
