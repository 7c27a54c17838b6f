package dev.berth.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The git server the repository tests use, checked with the machine's git as the client. */
class GitHttpServerTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static GitHttpServer server;
  private final HttpClient http =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  private GitCli git;
  @TempDir Path work;

  @BeforeAll
  static void start() {
    server = GitHttpServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @BeforeEach
  void client() throws IOException {
    git = new GitCli(Files.createDirectory(work.resolve("home")));
  }

  @Test
  void cloneOverProtocolV2HasTheCommittedFilesBranchesAndDefaultBranch() throws IOException {
    var repo = server.createRepository("acme", "v2");
    String first = repo.commit("main", Map.of("README.md", "hello\n", "src/a.txt", "a"), "first");
    String feature = repo.commit("feature", Map.of("src/b.txt", "b"), "feature");

    var clone =
        run(Map.of("GIT_TRACE_PACKET", "1"), "-c", "protocol.version=2", "clone", repo.url());

    assertThat(clone.stderr()).contains("git< version 2");
    Path tree = work.resolve("v2");
    assertThat(Files.readString(tree.resolve("README.md"))).isEqualTo("hello\n");
    assertThat(Files.readString(tree.resolve("src/a.txt"))).isEqualTo("a");
    assertThat(tree.resolve("src/b.txt")).doesNotExist();
    assertThat(git(tree, "rev-parse", "HEAD")).isEqualTo(first);
    assertThat(git(tree, "rev-parse", "origin/feature")).isEqualTo(feature);
    assertThat(git(tree, "rev-parse", "origin/feature^")).isEqualTo(first);
  }

  @Test
  void cloneOverProtocolV0WithDotGitUrlHasTheCommittedFiles() throws IOException {
    var repo = server.createRepository("acme", "v0");
    String sha = repo.commit("trunk", Map.of("f.txt", "v0 content"), "only");

    var clone =
        run(
            Map.of("GIT_TRACE_PACKET", "1"),
            "-c",
            "protocol.version=0",
            "clone",
            repo.url() + ".git");

    assertThat(clone.stderr()).doesNotContain("version 2").contains("git-upload-pack");
    assertThat(Files.readString(work.resolve("v0/f.txt"))).isEqualTo("v0 content");
    assertThat(git(work.resolve("v0"), "rev-parse", "HEAD")).isEqualTo(sha);
    assertThat(git(work.resolve("v0"), "branch", "--show-current")).isEqualTo("trunk");
  }

  @Test
  void lsRemoteSymrefShowsTheDefaultBranchSetAfterTheFirstCommit() {
    var repo = server.createRepository("acme", "symref");
    repo.commit("main", Map.of("a", "1"), "one");
    String release = repo.commit("release", Map.of("b", "2"), "two");
    repo.setDefaultBranch("release");

    String refs = git(work, "ls-remote", "--symref", repo.url());

    assertThat(refs).startsWith("ref: refs/heads/release\tHEAD\n" + release + "\tHEAD\n");
    assertThat(repo.defaultBranch()).isEqualTo("release");
  }

  @Test
  void fetchOfACommitByShaGetsIt() {
    var repo = server.createRepository("acme", "by-sha");
    String old = repo.commit("main", Map.of("a", "old"), "old");
    repo.commit("main", Map.of("a", "new"), "new");
    git(work, "init", "-q", "bare-client");

    git(work.resolve("bare-client"), "fetch", "-q", repo.url(), old);

    assertThat(git(work.resolve("bare-client"), "show", old + ":a")).isEqualTo("old");
  }

  @Test
  void privateRepositoryClonesWithItsTokenInAHeaderOrInTheUrl() throws IOException {
    var repo = server.createPrivateRepository("acme", "secret", "tok-1");
    repo.commit("main", Map.of("s.txt", "private"), "s");

    git(work, "-c", "http.extraHeader=" + basic("tok-1"), "clone", "-q", repo.url(), "by-header");
    git(work, "clone", "-q", withUserInfo(repo.url(), "x-access-token:tok-1"), "by-url");

    assertThat(Files.readString(work.resolve("by-header/s.txt"))).isEqualTo("private");
    assertThat(Files.readString(work.resolve("by-url/s.txt"))).isEqualTo("private");
  }

  @Test
  void privateRepositoryRefusesNoTokenAWrongTokenAndARotatedAwayToken() throws Exception {
    var repo = server.createPrivateRepository("acme", "locked", "old-token");
    repo.commit("main", Map.of("x", "x"), "x");
    String infoRefs = repo.url() + "/info/refs?service=git-upload-pack";

    var none = get(infoRefs, Map.of());
    var wrong = get(infoRefs, Map.of("Authorization", basicValue("wrong")));
    var otherUser = get(infoRefs, Map.of("Authorization", basicValue("user", "old-token")));
    repo.rotateToken("new-token");
    var rotated = get(infoRefs, Map.of("Authorization", basicValue("old-token")));
    var current = get(infoRefs, Map.of("Authorization", basicValue("new-token")));

    for (var refused : List.of(none, wrong, otherUser, rotated)) {
      assertThat(refused.statusCode()).isEqualTo(401);
      assertThat(refused.headers().firstValue("WWW-Authenticate"))
          .contains("Basic realm=\"GitHub\"");
    }
    assertThat(current.statusCode()).isEqualTo(200);
    var withOldToken =
        run(Map.of(), "ls-remote", withUserInfo(repo.url(), "x-access-token:old-token"));
    assertThat(withOldToken.exitCode()).isNotZero();
    assertThat(withOldToken.stderr()).contains("Authentication failed");
    assertThat(run(Map.of(), "ls-remote", repo.url()).exitCode()).isNotZero();
    assertThat(git(work, "-c", "http.extraHeader=" + basic("new-token"), "ls-remote", repo.url()))
        .contains("refs/heads/main");
  }

  @Test
  void unknownRepositoryIs404() throws Exception {
    var response =
        get(server.baseUrl() + "/acme/nowhere/info/refs?service=git-upload-pack", Map.of());
    var lsRemote = run(Map.of(), "ls-remote", server.baseUrl() + "/acme/nowhere");

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(lsRemote.exitCode()).isNotZero();
    assertThat(lsRemote.stderr()).contains("not found");
  }

  @Test
  void packCounterCountsOneAfterACloneNoneAfterAFetchWithNothingNewAndOneForANewCommit() {
    var repo = server.createRepository("acme", "counted");
    repo.commit("main", Map.of("a", "a"), "a");
    git(work, "clone", "-q", repo.url(), "counted");
    var afterClone = repo.counts();
    repo.resetCounts();
    git(work.resolve("counted"), "fetch", "-q");
    var afterNoopFetch = repo.counts();
    repo.resetCounts();
    repo.commit("main", Map.of("b", "b"), "b");
    git(work.resolve("counted"), "fetch", "-q");
    var afterFetch = repo.counts();

    assertThat(afterClone.packsSent()).isEqualTo(1);
    assertThat(afterClone.infoRefs()).isEqualTo(1);
    assertThat(afterClone.bytesSent()).isPositive();
    assertThat(afterNoopFetch.packsSent()).isZero();
    assertThat(afterNoopFetch.infoRefs()).isEqualTo(1);
    assertThat(afterFetch.packsSent()).isEqualTo(1);
    assertThat(afterFetch.uploadPacks()).isEqualTo(2);
  }

  @Test
  void fetchWithAGzippedRequestBodyGetsTheNewCommit() {
    var repo = server.createRepository("acme", "gzip");
    repo.commit("main", Map.of("a", "a"), "a");
    git(work, "clone", "-q", repo.url(), "gzip");
    Path tree = work.resolve("gzip");
    // 40 local commits newer than the remote ones: the fetch sends a "have" line for each, a
    // request body big enough for git to gzip
    git.check(
        tree,
        stdin -> {
          var commits = new StringBuilder();
          for (int i = 0; i < 40; i++) {
            commits.append("commit refs/heads/main\ncommitter t <t@t> ").append(2_000_000_000 + i);
            commits.append(" +0000\ndata 2\nc\n").append(i == 0 ? "from refs/heads/main^0\n" : "");
          }
          stdin.write(commits.toString().getBytes(StandardCharsets.UTF_8));
        },
        "fast-import",
        "--quiet",
        "--date-format=raw");
    String remote = repo.commit("main", Map.of("b", "b"), "b");

    var fetch = run(tree, Map.of("GIT_TRACE_CURL", "1", "GIT_TRACE_CURL_NO_DATA", "1"), "fetch");

    assertThat(fetch.exitCode()).as(fetch.stderr()).isZero();
    assertThat(fetch.stderr()).contains("Content-Encoding: gzip");
    assertThat(git(tree, "rev-parse", "origin/main")).isEqualTo(remote);
  }

  @Test
  void redirectedRepositoryAnswers302ToTheSamePathOnTheOtherHost() throws Exception {
    var repo = server.createRepository("acme", "moved");
    repo.commit("main", Map.of("a", "a"), "a");
    repo.redirectTo("http://other.invalid:8080/");

    var response = get(repo.url() + "/info/refs?service=git-upload-pack", Map.of());
    var lsRemote = run(Map.of(), "-c", "http.followRedirects=false", "ls-remote", repo.url());
    repo.stopRedirecting();

    assertThat(response.statusCode()).isEqualTo(302);
    assertThat(response.headers().firstValue("Location"))
        .contains("http://other.invalid:8080/acme/moved/info/refs?service=git-upload-pack");
    assertThat(lsRemote.exitCode()).isNotZero();
    assertThat(git(work, "ls-remote", repo.url())).contains("refs/heads/main");
  }

  @Test
  void stalledRequestIsAnsweredOnlyOnceTheStallIsReleased() throws Exception {
    var repo = server.createRepository("acme", "stalled");
    repo.commit("main", Map.of("a", "a"), "a");
    var stall = repo.stall();

    var response = getAsync(repo.url() + "/info/refs?service=git-upload-pack");
    assertThat(stall.awaitHeld(WAIT)).isTrue();
    assertThat(response)
        .as("no answer while held")
        .failsWithin(Duration.ofMillis(300))
        .withThrowableOfType(TimeoutException.class);
    stall.release();

    assertThat(response).succeedsWithin(WAIT).extracting(HttpResponse::statusCode).isEqualTo(200);
    assertThat(repo.counts().infoRefs()).isEqualTo(1);
  }

  @Test
  void closingTheServerDropsStalledRequestsWithoutWaitingForThem() throws Exception {
    var own = GitHttpServer.start();
    var repo = own.createRepository("acme", "held");
    var stall = repo.stall();
    var response = getAsync(repo.url() + "/info/refs?service=git-upload-pack");
    assertThat(stall.awaitHeld(WAIT)).isTrue();

    assertTimeoutPreemptively(Duration.ofSeconds(5), own::close);

    assertThat(response)
        .failsWithin(WAIT)
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(IOException.class);
    assertThat(own.directory()).doesNotExist();
  }

  @Test
  void generatedRepositoryHasTheRequestedFilesAndBytesTheSameForTheSameSeed() throws IOException {
    var repo = server.createGeneratedRepository("acme", "generated", 400, 1_000_000, 7);
    var again = server.createGeneratedRepository("acme", "generated-again", 400, 1_000_000, 7);

    git(work, "clone", "-q", repo.url(), "generated");

    List<Path> files;
    try (Stream<Path> walk = Files.walk(work.resolve("generated"))) {
      files =
          walk.filter(Files::isRegularFile).filter(p -> !p.toString().contains("/.git/")).toList();
    }
    long bytes = files.stream().mapToLong(GitHttpServerTest::size).sum();
    long directories = files.stream().map(Path::getParent).distinct().count();
    assertThat(files).hasSize(400);
    assertThat(bytes).isEqualTo(1_000_000);
    assertThat(directories).isGreaterThan(10);
    assertThat(repo.resolve("main")).isEqualTo(again.resolve("main"));
    assertThat(packFiles(repo.directory())).hasSize(1);
  }

  @Test
  void serverServesTheRepositoriesAlreadyInItsDirectory() {
    Path dir = work.resolve("repos");
    String sha;
    try (var first = GitHttpServer.serve(dir, 0)) {
      sha = first.createRepository("acme", "kept").commit("main", Map.of("a", "a"), "a");
    }

    try (var second = GitHttpServer.serve(dir, 0)) {
      assertThat(git(work, "ls-remote", second.baseUrl() + "/acme/kept"))
          .isEqualTo(sha + "\tHEAD\n" + sha + "\trefs/heads/main");
    }
  }

  @Test
  void aBareRepositoryPushedIntoTheDirectoryAfterStartIsServedAsPublic() throws IOException {
    Path dir = work.resolve("repos");
    try (var late = GitHttpServer.serve(dir, 0)) {
      Path bare = dir.resolve("acme/late.git");
      git(work, "init", "--bare", "-q", "-b", "main", bare.toString());
      Path scratch = Files.createDirectory(work.resolve("scratch"));
      git(scratch, "init", "-q", "-b", "main");
      Files.writeString(scratch.resolve("a.txt"), "a\n");
      git(scratch, "add", "a.txt");
      git(scratch, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "a");
      git(scratch, "push", "-q", bare.toString(), "main");
      String sha = git(scratch, "rev-parse", "HEAD");

      assertThat(git(work, "ls-remote", late.baseUrl() + "/acme/late"))
          .isEqualTo(sha + "\tHEAD\n" + sha + "\trefs/heads/main");
      assertThat(late.repository("acme", "late")).isPresent();
    }
  }

  private String git(Path dir, String... args) {
    var r = run(dir, Map.of(), args);
    assertThat(r.exitCode()).as("git %s: %s", String.join(" ", args), r.stderr()).isZero();
    return r.stdout().strip();
  }

  private GitCli.Result run(Map<String, String> env, String... args) {
    return run(work, env, args);
  }

  private GitCli.Result run(Path dir, Map<String, String> env, String... args) {
    return git.run(dir, env, args);
  }

  private HttpResponse<String> get(String url, Map<String, String> headers) throws Exception {
    var request = HttpRequest.newBuilder(URI.create(url)).timeout(WAIT);
    headers.forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private CompletableFuture<HttpResponse<String>> getAsync(String url) {
    return http.sendAsync(
        HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String basic(String token) {
    return "Authorization: " + basicValue(token);
  }

  private static String basicValue(String token) {
    return basicValue("x-access-token", token);
  }

  private static String basicValue(String user, String token) {
    return "Basic "
        + Base64.getEncoder().encodeToString((user + ":" + token).getBytes(StandardCharsets.UTF_8));
  }

  private static String withUserInfo(String url, String userInfo) {
    return url.replace("http://", "http://" + userInfo + "@");
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Path> packFiles(Path bareRepository) throws IOException {
    try (Stream<Path> packs = Files.list(bareRepository.resolve("objects/pack"))) {
      return packs.filter(p -> p.toString().endsWith(".pack")).toList();
    }
  }
}
