package dev.berth.domain;

import dev.berth.error.ApiException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts secrets kept in the metadata store (repository tokens) under a key of this server's,
 * with AES-256-GCM bound to the record they belong to, so neither a copy of the database nor a
 * search of the data directory shows them. The key lives in its own file ({@code
 * --secrets-key-file}), made with 32 random bytes on first start when missing, readable by its
 * owner only; every node of a cluster is given the same file.
 */
public final class Secrets {
  private static final String VERSION = "v1:";
  private static final int KEY_BYTES = 32;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final SecretKeySpec key;
  private final SecureRandom random = new SecureRandom();

  private Secrets(byte[] key) {
    this.key = new SecretKeySpec(key, "AES");
  }

  /** The key in {@code file}, made first when the file does not exist. */
  public static Secrets open(Path file) {
    try {
      if (!Files.exists(file)) {
        create(file);
      }
      byte[] key = Base64.getDecoder().decode(Files.readString(file).strip());
      if (key.length != KEY_BYTES) {
        throw new IllegalStateException(
            "the secrets key file " + file + " must hold " + KEY_BYTES + " bytes in base64");
      }
      return new Secrets(key);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("the secrets key file " + file + " is not base64", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the secrets key file " + file, e);
    }
  }

  /** Writes a new key under a temporary name and moves it into place, unless one won the race. */
  private static void create(Path file) throws IOException {
    byte[] key = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(key);
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temp =
        Files.createTempFile(
            dir,
            ".secrets-",
            ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      Files.writeString(temp, Base64.getEncoder().encodeToString(key) + "\n");
      try {
        Files.createLink(file, temp);
      } catch (FileAlreadyExistsException raced) {
        // another process made it first: use theirs
      } catch (UnsupportedOperationException | IOException noLinks) {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** {@code secret} encrypted for the record {@code owner} (e.g. a resource id). */
  public String seal(String owner, String secret) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(owner.getBytes(StandardCharsets.UTF_8));
      byte[] encrypted = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[NONCE_BYTES + encrypted.length];
      System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
      System.arraycopy(encrypted, 0, out, NONCE_BYTES, encrypted.length);
      return VERSION + Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }

  /**
   * The secret {@link #seal} made for {@code owner}.
   *
   * @throws ApiException.Unavailable if this key did not seal it (a node given another key file)
   */
  public String open(String owner, String stored) {
    try {
      if (!stored.startsWith(VERSION)) {
        throw new GeneralSecurityException("unknown format");
      }
      byte[] in = Base64.getDecoder().decode(stored.substring(VERSION.length()));
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
      cipher.updateAAD(owner.getBytes(StandardCharsets.UTF_8));
      return new String(
          cipher.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new CannotOpen(owner);
    }
  }

  /** A secret this server's key did not seal. */
  public static final class CannotOpen extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CannotOpen(String owner) {
      super(
          "the token of "
              + owner
              + " was encrypted under another secrets key (every node needs the same"
              + " --secrets-key-file)",
          null,
          false,
          false);
    }
  }
}
