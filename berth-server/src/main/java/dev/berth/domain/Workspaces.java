package dev.berth.domain;

import dev.berth.config.BerthConfig.ApiKeyGrant;
import dev.berth.error.ApiException;
import dev.berth.model.Caller;
import dev.berth.store.WorkspaceStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * API keys and the workspaces they open. Only SHA-256 hashes of keys are stored; a key is shown
 * once, when Berth makes it on first start.
 */
public final class Workspaces {
  private final WorkspaceStore store;
  private final ConcurrentHashMap<String, Caller> callerByHash = new ConcurrentHashMap<>();

  public Workspaces(WorkspaceStore store) {
    this.store = store;
  }

  /**
   * Installs the configured keys; if no key exists at all, makes one for the {@code default}
   * workspace and returns it so that it can be printed once.
   */
  public Optional<String> bootstrap(List<ApiKeyGrant> configured) {
    for (ApiKeyGrant grant : configured) {
      String workspace =
          store.ensureWorkspace(grant.workspace(), Ids.workspace(), Timestamps.now());
      store.putKey(hash(grant.key()), Ids.apiKey(), workspace, Timestamps.now());
    }
    if (store.anyKeys()) {
      return Optional.empty();
    }
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    String key = "sk-berth-" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    String workspace = store.ensureWorkspace("default", Ids.workspace(), Timestamps.now());
    store.putKey(hash(key), Ids.apiKey(), workspace, Timestamps.now());
    return Optional.of(key);
  }

  /** The workspace a presented key opens and the key's id, or 401. */
  public Caller authenticate(String key) {
    if (key == null || key.isEmpty()) {
      throw new ApiException.Unauthenticated(
          "missing API key: send it as 'x-api-key' or 'Authorization: Bearer <key>'");
    }
    String h = hash(key);
    Caller cached = callerByHash.get(h);
    if (cached != null) {
      return cached;
    }
    Caller caller =
        store
            .callerForKeyHash(h)
            .orElseThrow(() -> new ApiException.Unauthenticated("invalid API key"));
    callerByHash.put(h, caller);
    return caller;
  }

  /** Whether a key is valid, for requests that present two. */
  public boolean isValid(String key) {
    try {
      authenticate(key);
      return true;
    } catch (ApiException.Unauthenticated e) {
      return false;
    }
  }

  static String hash(String key) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
