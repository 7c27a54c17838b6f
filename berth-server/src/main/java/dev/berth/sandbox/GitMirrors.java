package dev.berth.sandbox;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's cache of repositories: one bare mirror per upstream URL under {@code
 * <dataDir>/repositories/mirrors}, checked against the forge's branches and tags each time a
 * session needs it, with that session's token, so the listing is also the check that the token may
 * read the repository, and brought up to date with {@code git fetch} when they differ. A second
 * session on a repository the node has fetched downloads only what changed, nothing when nothing
 * did.
 *
 * <p>Design note. The host's {@code git} runs here, and only to fetch into a bare repository: no
 * checkout, so nothing a repository holds runs or is written as a file on the host (DESIGN: what
 * comes from a repository is checked out inside a sandbox). Every run gets an empty environment and
 * no system or user configuration; hooks, submodules, credential helpers, prompts and redirects are
 * off; only {@code https}, and {@code http} where the configured base is {@code http}, may be
 * fetched. The token travels in an {@code http.extraHeader} given through the environment ({@code
 * GIT_CONFIG_*}), never on a command line, in a URL or in a file. The download is one pack file
 * (objects are never unpacked), so {@code prlimit --fsize} caps its size exactly.
 */
public final class GitMirrors {
  private static final Logger log = LoggerFactory.getLogger(GitMirrors.class);
  private static final String GIT = "/usr/bin/git";
  private static final String PRLIMIT = "/usr/bin/prlimit";
  private static final int SIGXFSZ = 25;
  private static final int STDERR_KEPT = 8192;
  private static final int SIZES_KEPT = 4096;

  private final Path mirrors;
  private final Path home;
  private final boolean allowHttp;
  private final long maxBytes;
  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

  /**
   * What {@link #checkoutBytes} found, by mirror and commit: a commit's files never change, and
   * listing a large tree's sizes takes longer than the rest of a cached checkout.
   */
  private final Map<String, Long> checkoutBytes =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
          return size() > SIZES_KEPT;
        }
      };

  /**
   * @param dataDir mirrors live in {@code <dataDir>/repositories/mirrors}
   * @param allowHttp whether plain {@code http} may be fetched (the configured base is {@code
   *     http})
   * @param maxBytes the most bytes one fetch may download
   */
  public GitMirrors(Path dataDir, boolean allowHttp, long maxBytes) {
    this.mirrors = dataDir.resolve("repositories").resolve("mirrors");
    this.home = dataDir.resolve("repositories").resolve("home");
    this.allowHttp = allowHttp;
    this.maxBytes = maxBytes;
  }

  /** Whether this machine has the programs fetching needs. */
  public static Optional<String> missing() {
    for (String program : List.of(GIT, PRLIMIT)) {
      if (!Files.isExecutable(Path.of(program))) {
        return Optional.of(program + " is not installed");
      }
    }
    return Optional.empty();
  }

  /** A mirror, and the commit of it a session checks out (with its branch, when one was named). */
  public record Fetched(Path mirror, String commit, Optional<String> branch) {}

  /**
   * Why a repository could not be fetched, in words that may be shown to the session's owner: never
   * the token, nor what the forge answered beyond its kind.
   */
  public static final class Failed extends Exception {
    private static final long serialVersionUID = 1L;

    public Failed(String reason) {
      super(reason, null, false, false);
    }
  }

  /**
   * Brings the mirror of {@code upstream} up to date and finds what to check out.
   *
   * @param upstream the URL fetched (after {@code --github-url} mapping)
   * @param shown the URL as the session gave it, for messages
   * @param token sent as GitHub expects it (basic auth as {@code x-access-token}), when given
   * @param branch the branch to check out; empty with {@code commit} empty: the default branch
   * @param commit the full SHA to check out
   * @param deadline when the fetch must have ended ({@link System#nanoTime})
   */
  public Fetched fetch(
      URI upstream,
      String shown,
      Optional<String> token,
      Optional<String> branch,
      Optional<String> commit,
      long deadline)
      throws Failed {
    String scheme = upstream.getScheme();
    if (!"https".equals(scheme) && !("http".equals(scheme) && allowHttp)) {
      throw new Failed("only https repositories can be fetched, not " + scheme);
    }
    String key = key(upstream.toString());
    Path mirror = mirrors.resolve(key + ".git");
    ReentrantLock lock = locks.computeIfAbsent(key, k -> new ReentrantLock());
    lock.lock();
    try {
      if (!Files.isDirectory(mirror)) {
        create(mirror, deadline);
      }
      boolean defaultBranch = branch.isEmpty() && commit.isEmpty();
      Advertised advertised = advertised(mirror, upstream, shown, token, deadline, defaultBranch);
      Optional<String> wanted = branch;
      if (defaultBranch) {
        wanted =
            Optional.of(
                advertised
                    .head()
                    .orElseThrow(
                        () -> new Failed(shown + " has no default branch (is it empty?)")));
      }
      if (!advertised.tips().equals(tips(mirror, deadline))) {
        remote(
            mirror,
            token,
            deadline,
            shown,
            List.of(
                "fetch",
                "--prune",
                "--no-tags",
                "--quiet",
                "--no-write-fetch-head",
                upstream.toString(),
                "+refs/heads/*:refs/heads/*",
                "+refs/tags/*:refs/tags/*"));
      }
      if (commit.isPresent()) {
        String sha = commit.get();
        if (!hasCommit(mirror, sha, deadline)) {
          try {
            remote(
                mirror,
                token,
                deadline,
                shown,
                List.of("fetch", "--quiet", "--no-write-fetch-head", upstream.toString(), sha));
          } catch (Failed notServed) {
            // the server does not give unadvertised commits: it is not on any branch or tag
          }
          if (!hasCommit(mirror, sha, deadline)) {
            throw new Failed("commit " + sha + " was not found in " + shown);
          }
        }
        return new Fetched(mirror, sha, Optional.empty());
      }
      String name = wanted.orElseThrow();
      Optional<String> sha =
          local(mirror, deadline, "rev-parse", "--verify", "--quiet", "refs/heads/" + name);
      if (sha.isEmpty()) {
        throw new Failed("branch '" + name + "' was not found in " + shown);
      }
      return new Fetched(mirror, sha.get().strip(), Optional.of(name));
    } finally {
      lock.unlock();
    }
  }

  /**
   * The bytes the files of {@code commit} take once checked out (blob sizes; submodules and links
   * count nothing and a link's target).
   */
  public long checkoutBytes(Path mirror, String commit, long deadline) throws Failed {
    String key = mirror + "\0" + commit;
    synchronized (checkoutBytes) {
      Long known = checkoutBytes.get(key);
      if (known != null) {
        return known;
      }
    }
    long total = listedBytes(mirror, commit, deadline);
    synchronized (checkoutBytes) {
      checkoutBytes.put(key, total);
    }
    return total;
  }

  private long listedBytes(Path mirror, String commit, long deadline) throws Failed {
    String listing =
        local(mirror, deadline, "ls-tree", "-r", "-l", "-z", "--full-tree", commit)
            .orElseThrow(() -> new Failed("commit " + commit + " cannot be read"));
    long total = 0;
    for (String entry : listing.split("\0", -1)) {
      String[] fields = entry.split("\t", 2)[0].split(" +", -1);
      if (fields.length == 4 && fields[1].equals("blob")) {
        total += Long.parseLong(fields[3]);
      }
    }
    return total;
  }

  private void create(Path mirror, long deadline) throws Failed {
    try {
      Files.createDirectories(mirrors);
      Files.createDirectories(home);
      Path temp = Files.createTempDirectory(mirrors, ".new-");
      run(
          List.of(GIT, "init", "--quiet", "--bare", "--template=", temp.toString()),
          Map.of(),
          deadline,
          "");
      Files.move(temp, mirror, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a mirror in " + mirrors, e);
    }
  }

  /**
   * What the forge has: its branches and tags, and the default branch when asked for. Listing them
   * is also the check that the token may read the repository, so a mirror already holding every tip
   * needs no fetch: a second session on an unchanged repository costs one round trip.
   */
  private Advertised advertised(
      Path mirror,
      URI upstream,
      String shown,
      Optional<String> token,
      long deadline,
      boolean withHead)
      throws Failed {
    // --symref only names HEAD's branch when nothing filters HEAD out of the listing
    List<String> args =
        withHead
            ? List.of("ls-remote", "--symref", upstream.toString())
            : List.of("ls-remote", "--heads", "--tags", upstream.toString());
    String listing = remote(mirror, token, deadline, shown, args);
    Optional<String> head = Optional.empty();
    Map<String, String> tips = new TreeMap<>();
    for (String line : listing.lines().toList()) {
      if (line.startsWith("ref: refs/heads/") && line.endsWith("\tHEAD")) {
        head =
            Optional.of(
                line.substring("ref: refs/heads/".length(), line.length() - "\tHEAD".length()));
      } else {
        tip(line).ifPresent(t -> tips.put(t.getKey(), t.getValue()));
      }
    }
    return new Advertised(head, tips);
  }

  /** The branches and tags the forge listed, and the branch its HEAD names. */
  private record Advertised(Optional<String> head, Map<String, String> tips) {}

  /** The mirror's branches and tags, by name, as {@link #advertised} lists the forge's. */
  private Map<String, String> tips(Path mirror, long deadline) throws Failed {
    String listing =
        local(
                mirror,
                deadline,
                "for-each-ref",
                "--format=%(objectname)\t%(refname)",
                "refs/heads",
                "refs/tags")
            .orElseThrow(() -> new Failed("the mirror of the repository cannot be read"));
    Map<String, String> tips = new TreeMap<>();
    for (String line : listing.lines().toList()) {
      tip(line).ifPresent(t -> tips.put(t.getKey(), t.getValue()));
    }
    return tips;
  }

  /** A branch or tag from a line {@code SHA<tab>REF} (peeled tags, {@code ^{}}, are not tips). */
  private static Optional<Map.Entry<String, String>> tip(String line) {
    String[] fields = line.split("\t", 2);
    if (fields.length == 2
        && (fields[1].startsWith("refs/heads/") || fields[1].startsWith("refs/tags/"))
        && !fields[1].endsWith("^{}")) {
      return Optional.of(Map.entry(fields[1], fields[0]));
    }
    return Optional.empty();
  }

  private boolean hasCommit(Path mirror, String sha, long deadline) throws Failed {
    return local(mirror, deadline, "cat-file", "-e", sha + "^{commit}").isPresent();
  }

  /** A read of the mirror: its output, or empty when git says no. */
  private Optional<String> local(Path mirror, long deadline, String... args) throws Failed {
    List<String> argv = new ArrayList<>(List.of(GIT, "--git-dir=" + mirror));
    argv.addAll(List.of(args));
    Outcome out = start(argv, Map.of(), deadline);
    return out.status() == 0 ? Optional.of(out.stdout()) : Optional.empty();
  }

  /** A command that talks to the forge; its output, or {@link Failed} saying why it failed. */
  private String remote(
      Path mirror, Optional<String> token, long deadline, String shown, List<String> args)
      throws Failed {
    List<String> argv = new ArrayList<>(List.of(PRLIMIT, "--fsize=" + maxBytes, "--", GIT));
    argv.add("--git-dir=" + mirror);
    argv.addAll(args);
    Map<String, String> config = new LinkedHashMap<>();
    token.ifPresent(
        t ->
            config.put(
                "http.extraHeader",
                "Authorization: Basic "
                    + Base64.getEncoder()
                        .encodeToString(("x-access-token:" + t).getBytes(StandardCharsets.UTF_8))));
    Outcome out = start(argv, config, deadline);
    boolean capped = out.status() != 0 && removePartialPacks(mirror) >= maxBytes;
    return settle(argv, out, shown, capped);
  }

  private String run(List<String> argv, Map<String, String> config, long deadline, String shown)
      throws Failed {
    return settle(argv, start(argv, config, deadline), shown, false);
  }

  /** {@code out}'s stdout, or {@link Failed} saying why it failed. */
  private String settle(List<String> argv, Outcome out, String shown, boolean capped)
      throws Failed {
    if (out.status() == 0) {
      return out.stdout();
    }
    String reason = reason(out, shown, capped);
    log.info("{} failed for {}: {} (git: {})", argv, shown, reason, out.stderr().strip());
    throw new Failed(reason);
  }

  /**
   * Removes the packs a failed fetch left half-written in {@code mirror}; the size of the largest.
   * The pack is written by {@code git index-pack}, a child of the fetch, so a pack reaching {@code
   * --fsize} kills that child, not git: the fetch then fails with git's usual status, and only the
   * size of what it left shows that the limit stopped it.
   */
  private static long removePartialPacks(Path mirror) {
    long largest = 0;
    try (var packs = Files.newDirectoryStream(mirror.resolve("objects/pack"), "tmp_pack_*")) {
      for (Path partial : packs) {
        largest = Math.max(largest, Files.size(partial));
        Files.delete(partial);
      }
    } catch (java.nio.file.NoSuchFileException e) {
      return 0;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove the partial packs in " + mirror, e);
    }
    return largest;
  }

  /**
   * What went wrong, from git's exit and messages (run with {@code LC_ALL=C}); {@code capped}: the
   * download reached {@code --repository-max-bytes}.
   */
  private String reason(Outcome out, String shown, boolean capped) {
    String err = out.stderr().toLowerCase(Locale.ROOT);
    if (out.timedOut()) {
      return "fetching " + shown + " took longer than the limit (--repository-clone-timeout-ms)";
    }
    if (capped || out.status() == 128 + SIGXFSZ) {
      return shown + " is larger than the limit of " + maxBytes + " bytes (--repository-max-bytes)";
    }
    if (err.contains("authentication failed")
        || err.contains("could not read username")
        || err.contains("could not read password")
        || err.contains("error: 401")
        || err.contains("error: 403")) {
      return "access to "
          + shown
          + " was refused: the authorization_token is missing, wrong or"
          + " lacks access";
    }
    if (err.contains("not found") || err.contains("error: 404")) {
      return shown + " was not found";
    }
    if (err.contains("error: 30") || err.contains("redirect")) {
      return "the server of " + shown + " answered with a redirect, which Berth does not follow";
    }
    if (err.contains("could not resolve")
        || err.contains("failed to connect")
        || err.contains("couldn't connect")
        || err.contains("connection refused")
        || err.contains("connection timed out")
        || err.contains("ssl")
        || err.contains("tls")) {
      return "the server of " + shown + " could not be reached";
    }
    return "fetching " + shown + " failed (git exited with status " + out.status() + ")";
  }

  record Outcome(int status, String stdout, String stderr, boolean timedOut) {}

  Outcome start(List<String> argv, Map<String, String> extraConfig, long deadline) throws Failed {
    ProcessBuilder builder = new ProcessBuilder(argv);
    Map<String, String> env = builder.environment();
    env.clear();
    env.putAll(environment(extraConfig));
    builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process process;
    try {
      Files.createDirectories(home);
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run git", e);
    }
    try (InputStream stdout = process.getInputStream();
        InputStream stderr = process.getErrorStream()) {
      var err = new ByteArrayOutputStream();
      Thread drain =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      copyTail(stderr, err);
                    } catch (IOException e) {
                      // the process went away
                    }
                  });
      var out = new ByteArrayOutputStream();
      var reader =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      stdout.transferTo(out);
                    } catch (IOException e) {
                      // the process went away
                    }
                  });
      long left = deadline - System.nanoTime();
      boolean ended = left > 0 && process.waitFor(left, TimeUnit.NANOSECONDS);
      if (!ended) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor();
      }
      reader.join();
      drain.join();
      return new Outcome(
          ended ? process.exitValue() : -1,
          out.toString(StandardCharsets.UTF_8),
          err.toString(StandardCharsets.UTF_8),
          !ended);
    } catch (InterruptedException e) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new Failed("the server is stopping");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read what git wrote", e);
    }
  }

  /** Keeps the last {@link #STDERR_KEPT} bytes of {@code in}. */
  private static void copyTail(InputStream in, ByteArrayOutputStream out) throws IOException {
    byte[] buffer = new byte[4096];
    for (int n; (n = in.read(buffer)) >= 0; ) {
      if (out.size() + n > STDERR_KEPT) {
        byte[] kept = out.toByteArray();
        out.reset();
        int keep = Math.max(0, STDERR_KEPT - n);
        out.write(kept, kept.length - Math.min(keep, kept.length), Math.min(keep, kept.length));
      }
      out.write(buffer, 0, n);
    }
  }

  /**
   * Nothing from the host's configuration or environment, and the settings that keep a fetch to
   * fetching: no hooks, prompts, helpers, submodules, redirects or other protocols.
   */
  Map<String, String> environment(Map<String, String> extraConfig) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", "/usr/bin:/bin");
    env.put("HOME", home.toString());
    env.put("LC_ALL", "C");
    env.put("GIT_CONFIG_NOSYSTEM", "1");
    env.put("GIT_CONFIG_GLOBAL", "/dev/null");
    env.put("GIT_TERMINAL_PROMPT", "0");
    env.put("GIT_ASKPASS", "/bin/false");
    env.put("GIT_LFS_SKIP_SMUDGE", "1");
    Map<String, String> config = new LinkedHashMap<>();
    config.put("protocol.allow", "never");
    config.put("protocol.https.allow", "always");
    if (allowHttp) {
      config.put("protocol.http.allow", "always");
    }
    config.put("http.followRedirects", "false");
    config.put("core.hooksPath", "/dev/null");
    config.put("credential.helper", "");
    config.put("transfer.unpackLimit", "1");
    config.put("fetch.unpackLimit", "1");
    config.put("gc.auto", "0");
    config.put("maintenance.auto", "false");
    config.put("fetch.recurseSubmodules", "false");
    config.put("submodule.recurse", "false");
    config.put("core.fsmonitor", "false");
    config.put("core.sshCommand", "/bin/false");
    config.putAll(extraConfig);
    int i = 0;
    for (var e : config.entrySet()) {
      env.put("GIT_CONFIG_KEY_" + i, e.getKey());
      env.put("GIT_CONFIG_VALUE_" + i, e.getValue());
      i++;
    }
    env.put("GIT_CONFIG_COUNT", Integer.toString(i));
    return env;
  }

  /** The mirror's name: a digest of the URL fetched, so no URL text becomes a path. */
  static String key(String url) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(url.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** How long is left until {@code deadline}, never negative. */
  static Duration left(long deadline) {
    return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
  }
}
