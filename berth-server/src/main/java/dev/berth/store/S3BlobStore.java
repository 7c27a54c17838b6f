package dev.berth.store;

import dev.berth.config.BerthConfig.S3Settings;
import dev.berth.error.ApiException;
import dev.berth.model.StagedBlob;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * File bytes in an S3-compatible bucket shared by every node, under {@code blobs/<aa>/<digest>}.
 *
 * <p>An upload is staged on local disk while it is hashed ({@link Staging}), so the object is
 * written once, directly under its digest, and a crash never leaves a half-named object behind.
 * Files up to {@link #PART_BYTES} go up in one PUT; larger ones as a multipart upload, one part in
 * memory at a time at most (each part is streamed from the staged file). The staged file then
 * becomes this node's cached copy, so a mount right after an upload downloads nothing.
 *
 * <p>Sandboxes link to blobs, which needs a file on this node's disk: {@link #localPath} downloads
 * a blob once into a {@link LocalBlobStore} under {@code dataDir/blob-cache}, checks its digest,
 * and keeps it read-only there. Cached copies of one digest are never written twice concurrently.
 */
public final class S3BlobStore implements BlobStore, AutoCloseable {
  /** Parts of a multipart upload, and the size above which one is used (S3 wants 5 MiB or more). */
  static final long PART_BYTES = 16L * 1024 * 1024;

  /** How long {@link #checkWritable} waits for the bucket's answer. */
  private static final Duration PROBE_TIME = Duration.ofSeconds(2);

  private static final String PREFIX = "blobs/";
  private static final int STRIPES = 64;

  private final S3Client s3;
  private final String bucket;
  private final LocalBlobStore cache;
  private final Staging staging;
  private final ReentrantLock[] downloads = new ReentrantLock[STRIPES];

  public S3BlobStore(S3Settings settings, Path dataDir) {
    this.bucket = settings.bucket();
    this.staging = new Staging(dataDir.resolve("tmp"));
    this.cache = new LocalBlobStore(dataDir.resolve("blob-cache"), staging);
    for (int i = 0; i < STRIPES; i++) {
      downloads[i] = new ReentrantLock();
    }
    var builder =
        S3Client.builder()
            .httpClientBuilder(
                UrlConnectionHttpClient.builder()
                    .connectionTimeout(Duration.ofSeconds(5))
                    .socketTimeout(Duration.ofSeconds(60)))
            .region(Region.of(settings.region()))
            .credentialsProvider(credentials(settings))
            // S3-compatible servers differ in which checksums they accept; content addressing
            // already checks every byte that comes back.
            .requestChecksumCalculation(
                software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(
                software.amazon.awssdk.core.checksums.ResponseChecksumValidation.WHEN_REQUIRED);
    settings.endpoint().ifPresent(e -> builder.endpointOverride(e).forcePathStyle(true));
    this.s3 = builder.build();
    ensureBucket();
  }

  private static AwsCredentialsProvider credentials(S3Settings settings) {
    if (settings.accessKeyId().isPresent()) {
      return StaticCredentialsProvider.create(
          AwsBasicCredentials.create(
              settings.accessKeyId().get(), settings.secretAccessKey().orElseThrow()));
    }
    return DefaultCredentialsProvider.builder().build();
  }

  private void ensureBucket() {
    call(
        () -> {
          try {
            s3.headBucket(b -> b.bucket(bucket));
          } catch (NoSuchBucketException e) {
            s3.createBucket(b -> b.bucket(bucket));
          } catch (S3Exception e) {
            if (e.statusCode() != 404) {
              throw e;
            }
            s3.createBucket(b -> b.bucket(bucket));
          }
          return null;
        });
  }

  @Override
  public StagedBlob stage(InputStream in, long maxBytes) throws IOException {
    return staging.stage(in, maxBytes);
  }

  @Override
  public void publish(StagedBlob staged) {
    String key = key(staged.sha256());
    call(
        () -> {
          if (!exists(key)) {
            if (staged.size() <= PART_BYTES) {
              s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(staged.temp()));
            } else {
              uploadInParts(staged, key);
            }
          }
          return null;
        });
    cache.publish(staged);
  }

  private boolean exists(String key) {
    try {
      s3.headObject(b -> b.bucket(bucket).key(key));
      return true;
    } catch (NoSuchKeyException e) {
      return false;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  private void uploadInParts(StagedBlob staged, String key) {
    String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
    try {
      List<CompletedPart> parts = new ArrayList<>();
      for (long offset = 0; offset < staged.size(); offset += PART_BYTES) {
        int number = parts.size() + 1;
        long length = Math.min(PART_BYTES, staged.size() - offset);
        String etag =
            s3.uploadPart(
                    b ->
                        b.bucket(bucket)
                            .key(key)
                            .uploadId(uploadId)
                            .partNumber(number)
                            .contentLength(length),
                    RequestBody.fromContentProvider(
                        range(staged.temp(), offset, length), length, "application/octet-stream"))
                .eTag();
        parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
      }
      s3.completeMultipartUpload(
          b -> b.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(parts)));
    } catch (RuntimeException e) {
      try {
        s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** Opens a fresh stream of one part each time the SDK asks, so a retried part re-reads it. */
  private static ContentStreamProvider range(Path file, long offset, long length) {
    return () -> {
      try {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ).position(offset);
        return new java.io.FilterInputStream(Channels.newInputStream(channel)) {
          private long left = length;

          @Override
          public int read() throws IOException {
            if (left <= 0) {
              return -1;
            }
            int b = super.read();
            left -= b < 0 ? 0 : 1;
            return b;
          }

          @Override
          public int read(byte[] buf, int off, int len) throws IOException {
            if (left <= 0) {
              return -1;
            }
            int n = super.read(buf, off, (int) Math.min(len, left));
            left -= Math.max(n, 0);
            return n;
          }
        };
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }

  @Override
  public void discard(StagedBlob staged) {
    Staging.discard(staged);
  }

  @Override
  public InputStream open(String sha256) throws IOException {
    if (cache.contains(sha256)) {
      return cache.open(sha256);
    }
    try {
      return call(() -> s3.getObject(b -> b.bucket(bucket).key(key(sha256))));
    } catch (NoSuchKeyException e) {
      throw new NoSuchFileException("blob " + sha256 + " is not in bucket " + bucket);
    }
  }

  @Override
  public Optional<Path> localCopy(String sha256) {
    return cache.contains(sha256) ? Optional.of(cache.localPath(sha256)) : Optional.empty();
  }

  @Override
  public Path localPath(String sha256) {
    if (cache.contains(sha256)) {
      return cache.localPath(sha256);
    }
    ReentrantLock lock = downloads[Math.floorMod(sha256.hashCode(), STRIPES)];
    lock.lock();
    try {
      if (!cache.contains(sha256)) {
        download(sha256);
      }
      return cache.localPath(sha256);
    } finally {
      lock.unlock();
    }
  }

  private void download(String sha256) {
    StagedBlob copy;
    try (InputStream in = open(sha256)) {
      copy = cache.stage(in, Long.MAX_VALUE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot download blob " + sha256 + " from " + bucket, e);
    }
    if (!copy.sha256().equals(sha256)) {
      cache.discard(copy);
      throw new IllegalStateException(
          "object " + key(sha256) + " in bucket " + bucket + " does not hash to its name");
    }
    cache.publish(copy);
  }

  @Override
  public void delete(String sha256) {
    call(
        () -> {
          s3.deleteObject(b -> b.bucket(bucket).key(key(sha256)));
          return null;
        });
    cache.delete(sha256);
  }

  @Override
  public List<String> digests() {
    var all = new LinkedHashSet<String>();
    call(
        () -> {
          for (S3Object o :
              s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(PREFIX)).contents()) {
            all.add(o.key().substring(o.key().lastIndexOf('/') + 1));
          }
          return null;
        });
    all.addAll(cache.digests());
    return List.copyOf(all);
  }

  /** The staging and cache directories, then one HEAD of the bucket within {@link #PROBE_TIME}. */
  @Override
  public void checkWritable() {
    cache.checkWritable();
    try {
      s3.headBucket(b -> b.bucket(bucket).overrideConfiguration(o -> o.apiCallTimeout(PROBE_TIME)));
    } catch (SdkException e) {
      throw new IllegalStateException("the bucket cannot be reached or refused the request", e);
    }
  }

  @Override
  public void close() {
    s3.close();
  }

  private static String key(String sha256) {
    return PREFIX + sha256.substring(0, 2) + "/" + sha256;
  }

  /** Runs an S3 call; a server that cannot be reached is a 503 the client may retry. */
  private <T> T call(Supplier<T> request) {
    try {
      return request.get();
    } catch (SdkClientException e) {
      throw new ApiException.Unavailable("the blob store is unavailable; retry shortly");
    }
  }
}
