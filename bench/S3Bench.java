import dev.berth.config.BerthConfig.S3Settings;
import dev.berth.model.StagedBlob;
import dev.berth.store.S3BlobStore;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.transfer.s3.S3TransferManager;

/**
 * S3 transfers of one large file, Berth against the AWS SDK's own transfer manager, to the same
 * S3-compatible server in the same run, with the same part size and concurrency:
 *
 * <ul>
 *   <li>upload: Berth publishes a staged blob ({@link S3BlobStore#publish}: a multipart upload with
 *       its parts in parallel); the transfer manager uploads the file ({@code uploadFile});
 *   <li>download: Berth fetches the blob into a node's empty cache ({@link S3BlobStore#localPath}:
 *       ranged GETs in parallel into one file, then the SHA-256 check and an fsync); the transfer
 *       manager downloads the object to a file ({@code downloadFile}), checking nothing.
 * </ul>
 *
 * The transfer manager runs on the Java-based multipart {@link S3AsyncClient} (Netty). Rounds
 * alternate which side goes first; the table gives each round and the medians.
 *
 * <p>Usage: {@code java -cp berth.jar:<transfer manager classpath> bench/S3Bench.java ENDPOINT FILE
 * WORK-DIR ROUNDS PART-BYTES PARALLELISM}
 */
@SuppressWarnings("DefaultPackage")
public class S3Bench {
  static final String KEY_ID = "bench";
  static final String SECRET = "bench-secret";

  public static void main(String[] args) throws Exception {
    URI endpoint = URI.create(args[0]);
    Path file = Path.of(args[1]);
    Path work = Path.of(args[2]);
    int rounds = Integer.parseInt(args[3]);
    long part = Long.parseLong(args[4]);
    int parallelism = Integer.parseInt(args[5]);
    long size = Files.size(file);
    var settings =
        new S3Settings(
            Optional.of(endpoint),
            "bench-berth",
            "us-east-1",
            Optional.of(KEY_ID),
            Optional.of(SECRET),
            part,
            parallelism);

    try (S3AsyncClient async =
            S3AsyncClient.builder()
                .multipartEnabled(true)
                .multipartConfiguration(
                    c -> c.minimumPartSizeInBytes(part).thresholdInBytes(part))
                .httpClientBuilder(
                    NettyNioAsyncHttpClient.builder()
                        .maxConcurrency(parallelism)
                        // it queues every part at once; on a loaded machine the last wait long
                        .connectionAcquisitionTimeout(Duration.ofMinutes(10)))
                .endpointOverride(endpoint)
                .forcePathStyle(true)
                .region(Region.US_EAST_1)
                .credentialsProvider(
                    StaticCredentialsProvider.create(AwsBasicCredentials.create(KEY_ID, SECRET)))
                // as Berth: no checksums beyond what the protocol needs
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
        S3TransferManager tm = S3TransferManager.builder().s3Client(async).build();
        S3BlobStore uploader = new S3BlobStore(settings, work.resolve("uploader"))) {
      async.createBucket(b -> b.bucket("bench-tm")).exceptionally(e -> null).join();

      // warm-up: one of each, not counted
      String sha = berthUpload(uploader, file).sha256;
      berthDownload(settings, work, sha, 0);
      tmUpload(tm, file);
      tmDownload(tm, work);

      List<double[]> results = new ArrayList<>(); // berth up, tm up, berth down, tm down
      for (int r = 1; r <= rounds; r++) {
        double[] row = new double[4];
        boolean berthFirst = r % 2 == 1;
        for (int side = 0; side < 2; side++) {
          if ((side == 0) == berthFirst) {
            row[0] = mibs(size, () -> berthUpload(uploader, file).nanos());
          } else {
            row[1] = mibs(size, () -> tmUpload(tm, file));
          }
        }
        int round = r;
        for (int side = 0; side < 2; side++) {
          if ((side == 0) == berthFirst) {
            row[2] = mibs(size, () -> berthDownload(settings, work, sha, round));
          } else {
            row[3] = mibs(size, () -> tmDownload(tm, work));
          }
        }
        results.add(row);
        System.out.printf(
            "round %d (%s first): upload Berth %.0f, transfer manager %.0f MiB/s;"
                + " download Berth %.0f, transfer manager %.0f MiB/s%n",
            r, berthFirst ? "Berth" : "transfer manager", row[0], row[1], row[2], row[3]);
      }
      double berthUp = median(results, 0);
      double tmUp = median(results, 1);
      double berthDown = median(results, 2);
      double tmDown = median(results, 3);
      System.out.printf(
          "%n| %d MiB, parts of %d MiB, %d in flight, median of %d rounds | Berth MiB/s"
              + " | transfer manager MiB/s | Berth / transfer manager |%n",
          size >> 20, part >> 20, parallelism, rounds);
      System.out.println("|---|---|---|---|");
      System.out.printf(
          "| upload | %.0f | %.0f | %.2f× |%n", berthUp, tmUp, berthUp / tmUp);
      System.out.printf(
          "| download (Berth: into the cache, digest checked) | %.0f | %.0f | %.2f× |%n",
          berthDown, tmDown, berthDown / tmDown);
    }
  }

  /** One step: the nanoseconds of its timed part (set-up such as staging does not count). */
  interface Step {
    long run() throws Exception;
  }

  static double mibs(long size, Step step) throws Exception {
    return (size / 1048576.0) / (step.run() / 1e9);
  }

  record Upload(String sha256, long nanos) {}

  /** Stages the file and deletes the object (untimed), so that the publish uploads it. */
  static Upload berthUpload(S3BlobStore store, Path file) throws Exception {
    StagedBlob staged;
    try (InputStream in = Files.newInputStream(file)) {
      staged = store.stage(in, Long.MAX_VALUE);
    }
    store.delete(staged.sha256());
    long start = System.nanoTime();
    store.publish(staged);
    return new Upload(staged.sha256(), System.nanoTime() - start);
  }

  /** A node with an empty cache (opened untimed) fetches the blob. */
  static long berthDownload(S3Settings settings, Path work, String sha, int round)
      throws Exception {
    Path dir = work.resolve("node-" + round);
    long nanos;
    try (S3BlobStore node = new S3BlobStore(settings, dir)) {
      long start = System.nanoTime();
      node.localPath(sha);
      nanos = System.nanoTime() - start;
    }
    delete(dir);
    return nanos;
  }

  static long tmUpload(S3TransferManager tm, Path file) {
    long start = System.nanoTime();
    tm.uploadFile(u -> u.source(file).putObjectRequest(p -> p.bucket("bench-tm").key("object")))
        .completionFuture()
        .join();
    return System.nanoTime() - start;
  }

  /**
   * The transfer manager's download; a failure (its multipart download needs a Content-Range on
   * every part, which S3Mock does not always send) counts as no result, reported once.
   */
  static long tmDownload(S3TransferManager tm, Path work) throws Exception {
    Path target = work.resolve("tm-download.bin");
    Files.deleteIfExists(target);
    long start = System.nanoTime();
    try {
      tm.downloadFile(
              d -> d.destination(target).getObjectRequest(g -> g.bucket("bench-tm").key("object")))
          .completionFuture()
          .join();
    } catch (RuntimeException e) {
      if (!downloadFailed) {
        System.out.println("transfer manager download failed: " + e.getMessage());
      }
      downloadFailed = true;
      return Long.MAX_VALUE;
    }
    return System.nanoTime() - start;
  }

  static boolean downloadFailed;

  static double median(List<double[]> rows, int column) {
    double[] v = rows.stream().mapToDouble(r -> r[column]).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  static void delete(Path dir) throws Exception {
    try (var all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        p.toFile().setWritable(true);
        Files.delete(p);
      }
    }
  }
}
