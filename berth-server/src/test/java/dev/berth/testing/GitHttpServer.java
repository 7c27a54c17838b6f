package dev.berth.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real git smart-HTTP server for tests and benchmarks, standing in for GitHub: bare repositories
 * kept in a directory as {@code OWNER/NAME.git}, served at {@code http://127.0.0.1:PORT/OWNER/NAME}
 * (with or without {@code .git}) by git's own {@code git http-backend}, run as a CGI program for
 * each request behind the JDK's HTTP server. So any git client fetches from it exactly as from a
 * forge, protocol v2 (the {@code Git-Protocol} header) and v0 alike.
 *
 * <p>Around git it does what a test needs of GitHub: a private repository wants {@code
 * Authorization: Basic base64("x-access-token:" + token)} and answers anything else 401; an unknown
 * repository is a 404 (GitHub answers an anonymous caller 401 there, to hide private ones); each
 * repository counts the requests it got and the packs it sent ({@link Repo#counts}); and switches
 * make a repository misbehave: {@link Repo#redirectTo} and {@link Repo#stall}. Tokens are compared,
 * never logged, and never reach git.
 *
 * <p>Run standalone for a benchmark or the TypeScript SDK suite: {@code GitHttpServer DIR PORT
 * [--generate OWNER/NAME FILES BYTES]...} serves every repository in DIR (public), those put there
 * later included, generating the named ones first unless DIR already holds them, and prints its
 * base URL on stdout once it is ready.
 */
public final class GitHttpServer implements AutoCloseable {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
  private static final String TOKEN_USER = "x-access-token";
  private static final long EPOCH = 1_700_000_000L;

  private final Path root;
  private final Path home;
  private final boolean temporary;
  private final GitCli git;
  private final HttpServer http;
  private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
  private final Map<String, Repo> repos = new ConcurrentHashMap<>();
  private final Set<Process> backends = ConcurrentHashMap.newKeySet();
  private final CompletableFuture<Void> closing = new CompletableFuture<>();

  private GitHttpServer(Path root, int port, boolean temporary) throws IOException {
    this.root = root.toAbsolutePath();
    this.temporary = temporary;
    this.home = Files.createTempDirectory("berth-git-home-");
    this.git = new GitCli(home);
    try (Stream<Path> owners = Files.list(this.root)) {
      for (Path owner : owners.filter(Files::isDirectory).toList()) {
        try (Stream<Path> names = Files.list(owner)) {
          for (Path dir : names.filter(d -> Files.isRegularFile(d.resolve("HEAD"))).toList()) {
            String name = dir.getFileName().toString();
            if (name.endsWith(".git")) {
              String repo = name.substring(0, name.length() - 4);
              repos.put(key(owner.getFileName().toString(), repo), found(owner, repo, dir));
            }
          }
        }
      }
    }
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    http.setExecutor(handlers);
    http.createContext("/", this::handle);
    http.start();
  }

  /** A server on a random port, its repositories in a temporary directory deleted on close. */
  public static GitHttpServer start() {
    try {
      return new GitHttpServer(Files.createTempDirectory("berth-git-repos-"), 0, true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the git server", e);
    }
  }

  /**
   * A server on {@code port} (0: a random one) for the repositories in {@code dir}, kept on close;
   * those already there, or put there later as {@code OWNER/NAME.git}, are served as public
   * repositories.
   */
  public static GitHttpServer serve(Path dir, int port) {
    try {
      Files.createDirectories(dir);
      return new GitHttpServer(dir, port, false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the git server on " + dir, e);
    }
  }

  /** {@code http://127.0.0.1:PORT}, what {@code --github-url} is set to. */
  public String baseUrl() {
    return "http://127.0.0.1:" + http.getAddress().getPort();
  }

  /** The directory holding the bare repositories, as {@code OWNER/NAME.git}. */
  public Path directory() {
    return root;
  }

  /** A new, empty public repository. */
  public Repo createRepository(String owner, String name) {
    return create(owner, name, null);
  }

  /** A new, empty private repository, readable with {@code token}. */
  public Repo createPrivateRepository(String owner, String name, String token) {
    return create(owner, name, token);
  }

  /**
   * A new public repository of one commit on {@code main}: {@code files} files of code-like text
   * (see {@link GeneratedSource}) whose sizes sum to {@code totalBytes}, in nested directories, the
   * same for the same {@code seed}, all in one pack as a forge would serve it.
   */
  public Repo createGeneratedRepository(
      String owner, String name, int files, long totalBytes, long seed) {
    if (files < 1 || totalBytes < 0) {
      throw new IllegalArgumentException("files must be positive and totalBytes not negative");
    }
    Repo repo = create(owner, name, null);
    var source = new GeneratedSource(seed);
    long[] sizes = source.sizes(files, totalBytes);
    repo.fastImport(
        out -> {
          repo.writeCommitHeader(out, "main", "Generated " + files + " files", Optional.empty());
          for (int i = 0; i < files; i++) {
            repo.writeFile(out, source.path(i, files), source.content(sizes[i]));
          }
        });
    repo.setDefaultBranch("main");
    git.check(repo.dir, "repack", "-a", "-d", "-q");
    return repo;
  }

  /** The repository {@code owner/name}, if this server has it. */
  public Optional<Repo> repository(String owner, String name) {
    return Optional.ofNullable(repos.get(key(owner, name)));
  }

  private Repo create(String owner, String name, String token) {
    if (!NAME.matcher(owner).matches()
        || !NAME.matcher(name).matches()
        || name.endsWith(".git")
        || name.contains("..")) {
      throw new IllegalArgumentException("not a repository name: " + owner + "/" + name);
    }
    Path dir = root.resolve(owner).resolve(name + ".git");
    var repo = new Repo(owner, name, dir, token);
    if (repos.putIfAbsent(key(owner, name), repo) != null) {
      throw new IllegalStateException("repository exists: " + owner + "/" + name);
    }
    try {
      Files.createDirectories(dir.getParent());
      git.check(root, "init", "--bare", "-q", dir.toString());
    } catch (IOException e) {
      repos.remove(key(owner, name));
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      repos.remove(key(owner, name));
      throw e;
    }
    return repo;
  }

  /** A bare repository found in the directory rather than made here: public, its HEAD kept. */
  private Repo found(Path owner, String name, Path dir) {
    var r = new Repo(owner.getFileName().toString(), name, dir, null);
    r.defaultBranchChosen = true;
    return r;
  }

  /**
   * The repository {@code owner/name} a request names: one made here, or a bare repository in the
   * directory as {@code OWNER/NAME.git}, whether there at start or put there since (by a test that
   * ran {@code git init --bare} and pushed to it through the file system), served as public.
   */
  private Repo lookup(String owner, String name) {
    Repo known = repos.get(key(owner, name));
    if (known != null
        || !NAME.matcher(owner).matches()
        || !NAME.matcher(name).matches()
        || name.contains("..")) {
      return known;
    }
    Path dir = root.resolve(owner).resolve(name + ".git");
    if (!Files.isRegularFile(dir.resolve("HEAD"))) {
      return null;
    }
    return repos.computeIfAbsent(key(owner, name), k -> found(dir.getParent(), name, dir));
  }

  private static String key(String owner, String name) {
    return (owner + "/" + name).toLowerCase(Locale.ROOT);
  }

  /**
   * What one repository got and sent since it was made or {@link Repo#resetCounts} ran.
   *
   * @param requests every request, refused, redirected and held ones included
   * @param infoRefs {@code GET .../info/refs}: one per clone, fetch or ls-remote
   * @param uploadPacks {@code POST .../git-upload-pack}: in protocol v2 also the ref listing, so a
   *     fetch with nothing new still makes one
   * @param packsSent responses that carried a packfile: objects actually downloaded
   * @param bytesSent response body bytes, packs and everything else
   */
  public record Counts(
      long requests, long infoRefs, long uploadPacks, long packsSent, long bytesSent) {}

  /**
   * Requests to a repository held unanswered while this is open. {@link #close} (or {@link
   * #release}) lets them, and later ones, through; closing the server drops them unanswered.
   */
  public static final class Stall implements AutoCloseable {
    private final Repo repo;
    private final CompletableFuture<Void> released = new CompletableFuture<>();
    private final CountDownLatch firstHeld = new CountDownLatch(1);
    private final AtomicInteger held = new AtomicInteger();

    private Stall(Repo repo) {
      this.repo = repo;
    }

    /** How many requests this has held so far (released ones included). */
    public int held() {
      return held.get();
    }

    /** Waits up to {@code timeout} for a request to be held; whether one was. */
    public boolean awaitHeld(Duration timeout) throws InterruptedException {
      return firstHeld.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Lets the held requests, and those to come, be answered. */
    public void release() {
      repo.stall.compareAndSet(this, null);
      released.complete(null);
    }

    @Override
    public void close() {
      release();
    }

    /** Holds the calling request; true once released, false when the server closes first. */
    private boolean hold(CompletableFuture<Void> closing) {
      held.incrementAndGet();
      firstHeld.countDown();
      CompletableFuture.anyOf(released, closing).join();
      return !closing.isDone();
    }
  }

  /** One bare repository of the server, with its access rule, counters and switches. */
  public final class Repo {
    private final String owner;
    private final String name;
    private final Path dir;
    private volatile String token;
    private volatile String redirect;
    private final AtomicReference<Stall> stall = new AtomicReference<>();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong infoRefs = new AtomicLong();
    private final AtomicLong uploadPacks = new AtomicLong();
    private final AtomicLong packsSent = new AtomicLong();
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    private boolean defaultBranchChosen;

    private Repo(String owner, String name, Path dir, String token) {
      this.owner = owner;
      this.name = name;
      this.dir = dir;
      this.token = token;
    }

    public String owner() {
      return owner;
    }

    public String name() {
      return name;
    }

    /** {@code http://127.0.0.1:PORT/OWNER/NAME}, as a client clones it. */
    public String url() {
      return baseUrl() + "/" + owner + "/" + name;
    }

    /** {@code https://github.com/OWNER/NAME}: the URL a session names, mapped here by Berth. */
    public String githubUrl() {
      return "https://github.com/" + owner + "/" + name;
    }

    /** The bare repository on disk. */
    public Path directory() {
      return dir;
    }

    /**
     * Commits {@code files} (path → UTF-8 content), added to or replacing those of the branch's
     * tip, on {@code branch}; a new branch starts at the default branch's tip, or with no parent in
     * an empty repository. The first branch committed to becomes the default one unless {@link
     * #setDefaultBranch} chose another. Returns the commit's full SHA.
     */
    public synchronized String commit(String branch, Map<String, String> files, String message) {
      Optional<String> parent = resolve("refs/heads/" + branch);
      if (parent.isEmpty() && defaultBranchChosen) {
        parent = resolve("HEAD");
      }
      Optional<String> from = parent;
      fastImport(
          out -> {
            writeCommitHeader(out, branch, message, from);
            for (var file : new TreeMap<>(files).entrySet()) {
              writeFile(out, file.getKey(), file.getValue().getBytes(StandardCharsets.UTF_8));
            }
          });
      if (!defaultBranchChosen) {
        setDefaultBranch(branch);
      }
      return resolve("refs/heads/" + branch).orElseThrow();
    }

    /** Points {@code HEAD}, the branch a clone checks out by default, at {@code branch}. */
    public synchronized void setDefaultBranch(String branch) {
      git.check(dir, "symbolic-ref", "HEAD", "refs/heads/" + branch);
      defaultBranchChosen = true;
    }

    /** The branch {@code HEAD} points at. */
    public String defaultBranch() {
      return git.check(dir, "symbolic-ref", "--short", "HEAD").strip();
    }

    /** The full SHA of the commit {@code revision} names (a branch, a ref, a SHA), if any. */
    public Optional<String> resolve(String revision) {
      var r = git.run(dir, Map.of(), "rev-parse", "-q", "--verify", revision + "^{commit}");
      return r.succeeded() ? Optional.of(r.stdout().strip()) : Optional.empty();
    }

    /**
     * Makes {@code newToken} the only one accepted from now on (a public repository becomes
     * private).
     */
    public void rotateToken(String newToken) {
      token = newToken;
    }

    /**
     * Answers every request for this repository from now on with a 302 to the same path under
     * {@code otherBaseUrl}, as a forge that moved a repository to another host.
     */
    public void redirectTo(String otherBaseUrl) {
      redirect = otherBaseUrl.replaceAll("/+$", "");
    }

    /** Serves this repository again after {@link #redirectTo}. */
    public void stopRedirecting() {
      redirect = null;
    }

    /**
     * Holds every request for this repository, from now until the returned handle is released or
     * the server closes, unanswered (the request is counted first).
     */
    public Stall stall() {
      var s = new Stall(this);
      Stall before = stall.getAndSet(s);
      if (before != null) {
        before.release();
      }
      return s;
    }

    public Counts counts() {
      return new Counts(
          requests.get(), infoRefs.get(), uploadPacks.get(), packsSent.get(), bytesSent.get());
    }

    public void resetCounts() {
      requests.set(0);
      infoRefs.set(0);
      uploadPacks.set(0);
      packsSent.set(0);
      bytesSent.set(0);
    }

    private boolean authorized(String authorization) {
      String expected = token;
      if (expected == null) {
        return true;
      }
      if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
        return false;
      }
      byte[] given;
      try {
        given = Base64.getDecoder().decode(authorization.substring(6).strip());
      } catch (IllegalArgumentException e) {
        return false;
      }
      return MessageDigest.isEqual(
          given, (TOKEN_USER + ":" + expected).getBytes(StandardCharsets.UTF_8));
    }

    private void fastImport(GitCli.Input commands) {
      git.check(
          dir,
          stdin -> {
            try (var out = new BufferedOutputStream(stdin, 1 << 16)) {
              commands.writeTo(out);
            }
          },
          "fast-import",
          "--quiet",
          "--date-format=raw");
    }

    private void writeCommitHeader(
        OutputStream out, String branch, String message, Optional<String> parent)
        throws IOException {
      String who = "Berth Test <test@berth.invalid> " + (EPOCH + commits.getAndIncrement());
      byte[] text = message.getBytes(StandardCharsets.UTF_8);
      out.write(
          ("commit refs/heads/"
                  + branch
                  + "\nauthor "
                  + who
                  + " +0000\ncommitter "
                  + who
                  + " +0000\ndata "
                  + text.length
                  + "\n")
              .getBytes(StandardCharsets.UTF_8));
      out.write(text);
      out.write('\n');
      if (parent.isPresent()) {
        out.write(("from " + parent.get() + "\n").getBytes(StandardCharsets.UTF_8));
      }
    }

    private void writeFile(OutputStream out, String path, byte[] content) throws IOException {
      String quoted =
          '"' + path.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
      out.write(
          ("M 100644 inline " + quoted + "\ndata " + content.length + "\n")
              .getBytes(StandardCharsets.UTF_8));
      out.write(content);
      out.write('\n');
    }
  }

  private void handle(HttpExchange exchange) {
    try (exchange) {
      String[] parts = exchange.getRequestURI().getPath().split("/", 4);
      Repo repo = null;
      if (parts.length >= 3) {
        String name =
            parts[2].endsWith(".git") ? parts[2].substring(0, parts[2].length() - 4) : parts[2];
        repo = lookup(parts[1], name);
      }
      if (repo == null) {
        text(exchange, 404, "Repository not found.");
        return;
      }
      String rest = parts.length == 4 ? parts[3] : "";
      if (rest.contains("..")) {
        text(exchange, 404, "Not found.");
        return;
      }
      boolean post = exchange.getRequestMethod().equals("POST");
      repo.requests.incrementAndGet();
      if (rest.equals("info/refs")) {
        repo.infoRefs.incrementAndGet();
      } else if (post && rest.equals("git-upload-pack")) {
        repo.uploadPacks.incrementAndGet();
      }
      Stall stall = repo.stall.get();
      if (stall != null && !stall.hold(closing)) {
        return; // the server closes: the client sees its connection dropped, unanswered
      }
      String redirect = repo.redirect;
      if (redirect != null) {
        String query = exchange.getRequestURI().getRawQuery();
        exchange
            .getResponseHeaders()
            .set(
                "Location",
                redirect
                    + exchange.getRequestURI().getRawPath()
                    + (query == null ? "" : "?" + query));
        exchange.sendResponseHeaders(302, -1);
        return;
      }
      if (!repo.authorized(exchange.getRequestHeaders().getFirst("Authorization"))) {
        exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"GitHub\"");
        text(exchange, 401, "Invalid username or token.");
        return;
      }
      backend(exchange, repo, rest);
    } catch (IOException e) {
      // the client went away; nothing to answer
    }
  }

  /** Runs {@code git http-backend} for one request, as a CGI program, streaming both ways. */
  private void backend(HttpExchange exchange, Repo repo, String rest) throws IOException {
    var headers = exchange.getRequestHeaders();
    ProcessBuilder builder = git.processBuilder(List.of("git", "http-backend"));
    Map<String, String> env = builder.environment();
    env.put("GIT_PROJECT_ROOT", root.toString());
    env.put("GIT_HTTP_EXPORT_ALL", "1");
    env.put("PATH_INFO", "/" + root.relativize(repo.dir) + "/" + rest);
    env.put("REQUEST_METHOD", exchange.getRequestMethod());
    String query = exchange.getRequestURI().getRawQuery();
    env.put("QUERY_STRING", query == null ? "" : query);
    env.put("GATEWAY_INTERFACE", "CGI/1.1");
    env.put("SERVER_PROTOCOL", "HTTP/1.1");
    env.put("REMOTE_ADDR", exchange.getRemoteAddress().getAddress().getHostAddress());
    putIfPresent(env, "CONTENT_TYPE", headers.getFirst("Content-Type"));
    putIfPresent(env, "CONTENT_LENGTH", headers.getFirst("Content-Length"));
    putIfPresent(env, "HTTP_CONTENT_ENCODING", headers.getFirst("Content-Encoding"));
    putIfPresent(env, "GIT_PROTOCOL", headers.getFirst("Git-Protocol"));
    // What GitHub allows: fetching a reachable commit by its SHA, and partial clones.
    env.put("GIT_CONFIG_COUNT", "2");
    env.put("GIT_CONFIG_KEY_0", "uploadpack.allowReachableSHA1InWant");
    env.put("GIT_CONFIG_VALUE_0", "true");
    env.put("GIT_CONFIG_KEY_1", "uploadpack.allowFilter");
    env.put("GIT_CONFIG_VALUE_1", "true");
    Process p = builder.start();
    backends.add(p);
    try {
      var stderr = new ByteArrayOutputStream();
      Thread.ofVirtual().start(() -> copyRequest(exchange.getRequestBody(), p.getOutputStream()));
      Thread err = Thread.ofVirtual().start(() -> collect(p.getErrorStream(), stderr));
      InputStream out = p.getInputStream();
      int status = 200;
      long length = 0; // unknown: sent chunked
      String line;
      while ((line = readLine(out)) != null && !line.isEmpty()) {
        int colon = line.indexOf(':');
        String header = line.substring(0, colon).strip();
        String value = line.substring(colon + 1).strip();
        if (header.equalsIgnoreCase("Status")) {
          status = Integer.parseInt(value.substring(0, 3));
        } else if (header.equalsIgnoreCase("Content-Length")) {
          length = Long.parseLong(value) == 0 ? -1 : Long.parseLong(value);
        } else {
          exchange.getResponseHeaders().add(header, value);
        }
      }
      if (line == null) {
        exchange.getResponseHeaders().clear();
        text(exchange, 502, "git http-backend ended without an answer");
      } else {
        boolean empty =
            exchange.getRequestMethod().equals("HEAD") || status == 204 || status == 304;
        exchange.sendResponseHeaders(status, empty ? -1 : length);
        try (var body = new CountingStream(exchange.getResponseBody(), repo)) {
          out.transferTo(body);
        }
      }
      p.waitFor();
      err.join();
      if (p.exitValue() != 0) {
        System.err.print("git http-backend: " + stderr.toString(StandardCharsets.UTF_8));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      p.destroyForcibly();
      backends.remove(p);
    }
  }

  private static void putIfPresent(Map<String, String> env, String name, String value) {
    if (value != null) {
      env.put(name, value);
    }
  }

  private static void copyRequest(InputStream body, OutputStream stdin) {
    try (body;
        stdin) {
      body.transferTo(stdin);
    } catch (IOException e) {
      // the client or the backend went away; the backend sees its input end
    }
  }

  private static void collect(InputStream in, ByteArrayOutputStream into) {
    try (in) {
      in.transferTo(into);
    } catch (IOException e) {
      // the backend is gone
    }
  }

  /**
   * One CGI header line, without its line end: empty at the blank line ending the headers, null if
   * the output ends first.
   */
  private static String readLine(InputStream in) throws IOException {
    var line = new ByteArrayOutputStream();
    int b = in.read();
    if (b == -1) {
      return null;
    }
    for (; b != -1 && b != '\n'; b = in.read()) {
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }

  private static void text(HttpExchange exchange, int status, String message) throws IOException {
    byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, body.length);
    exchange.getResponseBody().write(body);
  }

  /**
   * A response body that adds what it writes to its repository's bytes and notes a packfile in it:
   * the pack header, {@code PACK} and version 2 or 3, found wherever it starts (after a side-band
   * byte in today's protocols). Nothing else git sends holds those bytes, so a response counts as
   * one pack sent exactly when it carried one.
   */
  private static final class CountingStream extends OutputStream {
    private static final byte[] SIGNATURE = {'P', 'A', 'C', 'K', 0, 0, 0};
    private final OutputStream out;
    private final Repo repo;
    private int matched;
    private boolean found;

    CountingStream(OutputStream out, Repo repo) {
      this.out = out;
      this.repo = repo;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      repo.bytesSent.addAndGet(len);
      for (int i = off; i < off + len && !found; i++) {
        if (matched == SIGNATURE.length) {
          found = b[i] == 2 || b[i] == 3;
          matched = b[i] == 'P' ? 1 : 0;
        } else if (b[i] == SIGNATURE[matched]) {
          matched++;
        } else {
          matched = b[i] == 'P' ? 1 : 0;
        }
        if (found) {
          repo.packsSent.incrementAndGet();
        }
      }
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }

  /**
   * Stops at once: requests still held by a {@link Stall} are dropped unanswered, running backends
   * are killed, and a temporary directory is deleted.
   */
  @Override
  public void close() {
    if (!closing.complete(null)) {
      return;
    }
    http.stop(0);
    for (Process p : backends) {
      p.destroyForcibly();
    }
    handlers.shutdownNow();
    for (Process p : backends) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (temporary) {
      deleteTree(root);
    }
    deleteTree(home);
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }

  /**
   * {@code GitHttpServer DIR PORT [--generate OWNER/NAME FILES BYTES]...}: serves the repositories
   * in DIR on 127.0.0.1:PORT (0: any port) until killed, after generating each named repository
   * (seed 1) that DIR does not hold yet; prints the base URL on stdout once ready.
   */
  public static void main(String[] args) throws InterruptedException {
    if (args.length < 2 || (args.length - 2) % 4 != 0) {
      System.err.println("usage: GitHttpServer DIR PORT [--generate OWNER/NAME FILES BYTES]...");
      System.exit(2);
    }
    GitHttpServer server = serve(Path.of(args[0]), Integer.parseInt(args[1]));
    Runtime.getRuntime().addShutdownHook(new Thread(server::close));
    List<String> generated = new ArrayList<>();
    for (int i = 2; i < args.length; i += 4) {
      if (!args[i].equals("--generate") || !args[i + 1].contains("/")) {
        System.err.println("expected --generate OWNER/NAME FILES BYTES, got " + args[i]);
        System.exit(2);
      }
      String[] repo = args[i + 1].split("/", 2);
      if (server.repository(repo[0], repo[1]).isEmpty()) {
        server.createGeneratedRepository(
            repo[0], repo[1], Integer.parseInt(args[i + 2]), Long.parseLong(args[i + 3]), 1);
        generated.add(args[i + 1]);
      }
    }
    if (!generated.isEmpty()) {
      System.err.println("generated " + String.join(", ", generated));
    }
    System.out.println(server.baseUrl());
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
