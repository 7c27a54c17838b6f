package dev.berth.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A real S3-compatible server for the tests: Adobe S3Mock, run from its executable jar (copied to
 * {@code target/s3mock} by the build) as a separate JVM, once per test JVM and only when a test
 * needs it. {@code BERTH_TEST_S3_ENDPOINT} names a server already running instead, so one can serve
 * every JVM of a run.
 */
public final class S3Server {
  public static final String ACCESS_KEY_ID = "berth-test";
  public static final String SECRET_ACCESS_KEY = "berth-test-secret";
  private static final Pattern STARTED =
      Pattern.compile("Tomcat started on ports? .*?(\\d+) \\(http\\)");
  private static URI endpoint;
  private static S3Client client;

  private S3Server() {}

  /** The server's URL, starting it on first use. */
  public static synchronized URI endpoint() {
    if (endpoint == null) {
      String given = System.getenv("BERTH_TEST_S3_ENDPOINT");
      endpoint = given != null && !given.isBlank() ? URI.create(given) : launch();
    }
    return endpoint;
  }

  /** A bucket name no other test uses; Berth creates the bucket when it starts. */
  public static String newBucketName() {
    return "berth-it-" + UUID.randomUUID().toString().substring(0, 13);
  }

  /** A client for looking into buckets from the tests. */
  public static synchronized S3Client client() {
    if (client == null) {
      client =
          S3Client.builder()
              .httpClientBuilder(UrlConnectionHttpClient.builder())
              .endpointOverride(endpoint())
              .forcePathStyle(true)
              .region(Region.US_EAST_1)
              .credentialsProvider(
                  StaticCredentialsProvider.create(
                      AwsBasicCredentials.create(ACCESS_KEY_ID, SECRET_ACCESS_KEY)))
              .build();
    }
    return client;
  }

  /** Every object key in the bucket; none when it does not exist. */
  public static List<String> keys(String bucket) {
    try {
      return client().listObjectsV2Paginator(b -> b.bucket(bucket)).contents().stream()
          .map(S3Object::key)
          .toList();
    } catch (NoSuchBucketException e) {
      return List.of();
    }
  }

  /** Empties and deletes the bucket, if it exists. */
  public static void deleteBucket(String bucket) {
    for (String key : keys(bucket)) {
      client().deleteObject(b -> b.bucket(bucket).key(key));
    }
    try {
      client().deleteBucket(b -> b.bucket(bucket));
    } catch (NoSuchBucketException e) {
      // never created: the server did not get that far
    }
  }

  private static URI launch() {
    Path jar = Path.of(System.getProperty("berth.test.s3mock.jar", "target/s3mock/s3mock.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing; run the tests through Maven");
    }
    try {
      Path dir = Files.createTempDirectory("berth-s3mock-");
      Path log = dir.resolve("s3mock.log");
      String java = ProcessHandle.current().info().command().orElse("java");
      Process p =
          new ProcessBuilder(
                  java,
                  "-Xmx384m",
                  "-XX:TieredStopAtLevel=1",
                  "-jar",
                  jar.toAbsolutePath().toString(),
                  "--server.port=0",
                  "--com.adobe.testing.s3mock.http-port=0",
                  "--com.adobe.testing.s3mock.store.root=" + dir.resolve("root"))
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
      Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
      while (Instant.now().isBefore(deadline)) {
        if (!p.isAlive()) {
          throw new IllegalStateException("S3Mock exited: " + Files.readString(log));
        }
        Matcher m = STARTED.matcher(Files.readString(log));
        if (m.find()) {
          return URI.create("http://127.0.0.1:" + m.group(1));
        }
        Thread.sleep(200);
      }
      p.destroyForcibly();
      throw new IllegalStateException("S3Mock did not start within 120 s: " + log);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start S3Mock", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
