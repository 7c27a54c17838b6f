package dev.berth.domain;

import dev.berth.config.BerthConfig.ApiKeyGrant;
import dev.berth.error.ApiException;
import dev.berth.model.ApiKey;
import dev.berth.model.Caller;
import dev.berth.store.WorkspaceStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * API keys and the workspaces they open. Only SHA-256 hashes of keys are stored; a key is shown
 * once, when it is made: by Berth on the first start of a database that never had a key, or by
 * {@code berth keys create}. Keys are created and revoked while servers run; each server sees the
 * change within {@link RecentCallers#FRESH}.
 */
public final class Workspaces {
  private static final Logger log = LoggerFactory.getLogger(Workspaces.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final WorkspaceStore store;
  private final RecentCallers callers;

  public Workspaces(WorkspaceStore store) {
    this.store = store;
    this.callers = new RecentCallers(store::callerForKeyHash, System::nanoTime);
  }

  /** A key just made: its id, and the key itself, which is shown once and never stored. */
  public record NewKey(String id, String key) {
    @Override
    public String toString() { // keeps the key out of logs
      return "NewKey[id=" + id + "]";
    }
  }

  /**
   * Installs the configured keys; if no key was ever recorded (a new database), makes one for the
   * {@code default} workspace and returns it so that it can be printed once. A database whose keys
   * were all revoked gets none: a restart must not hand out a key to whoever sees the output.
   */
  public Optional<String> bootstrap(List<ApiKeyGrant> configured) {
    for (ApiKeyGrant grant : configured) {
      String workspace =
          store.ensureWorkspace(grant.workspace(), Ids.workspace(), Timestamps.now());
      String h = hash(grant.key());
      store.putKey(h, Ids.apiKey(), workspace, Timestamps.now());
      if (store.callerForKeyHash(h).isEmpty()) {
        log.warn(
            "an API key given by --api-key or BERTH_API_KEYS (workspace '{}') was revoked and stays"
                + " so; remove it from the configuration",
            grant.workspace());
      }
    }
    if (store.anyKeys()) {
      return Optional.empty();
    }
    return Optional.of(createKey("default").key());
  }

  /** Makes a new key for the workspace called {@code workspaceName}, creating it if needed. */
  public NewKey createKey(String workspaceName) {
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    String key = "sk-berth-" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    String workspace = store.ensureWorkspace(workspaceName, Ids.workspace(), Timestamps.now());
    String id = Ids.apiKey();
    store.putKey(hash(key), id, workspace, Timestamps.now());
    return new NewKey(id, key);
  }

  /** Every key, revoked ones included, oldest first; never a secret. */
  public List<ApiKey> listKeys() {
    return store.listKeys();
  }

  /**
   * Revokes the key {@code id}: from now on, within {@link RecentCallers#FRESH}, every server
   * answers it 401. Revoking a revoked key changes nothing.
   *
   * @return the key as it is now, or empty when there is no such key
   */
  public Optional<ApiKey> revokeKey(String id) {
    return store.revokeKey(id, Timestamps.now());
  }

  /** How many keys open a workspace. */
  public long activeKeys() {
    return store.activeKeys();
  }

  /** The workspace a presented key opens and the key's id, or 401. */
  public Caller authenticate(String key) {
    if (key == null || key.isEmpty()) {
      throw new ApiException.Unauthenticated(
          "missing API key: send it as 'x-api-key' or 'Authorization: Bearer <key>'");
    }
    return callers
        .caller(hash(key))
        .orElseThrow(() -> new ApiException.Unauthenticated("invalid API key"));
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
