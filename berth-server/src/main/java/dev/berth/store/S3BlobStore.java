package dev.berth.store;

import dev.berth.config.BerthConfig.S3Settings;
import dev.berth.error.ApiException;
import dev.berth.model.StagedBlob;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * File bytes in an S3-compatible bucket shared by every node, under {@code blobs/<aa>/<digest>}.
 *
 * <p>An upload is staged on local disk while it is hashed ({@link Staging}), so the object is
 * written once, directly under its digest, and a crash never leaves a half-named object behind.
 * Files up to the part size go up in one PUT; larger ones as a multipart upload whose parts are
 * sent concurrently, each streamed from its range of the staged file. The staged file then becomes
 * this node's cached copy, so a mount right after an upload downloads nothing.
 *
 * <p>Sandboxes link to blobs, which needs a file on this node's disk: {@link #localPath} downloads
 * a blob once into a {@link LocalBlobStore} under {@code dataDir/blob-cache}, checks its digest,
 * and keeps it read-only there. A blob larger than one part comes down as ranged GETs run
 * concurrently, each written at its offset of one temporary file. Cached copies of one digest are
 * never written twice concurrently.
 *
 * <p>Part requests, up and down, go through {@link #transfers}, a client whose connection pool
 * holds {@link S3Settings#parallelism} connections, and each first takes one of as many {@link
 * #slots}: a part never waits for a connection, a connection is leased for one part's request only,
 * and this node never has more than that many parts (and their buffers) in flight, whatever the
 * number of transfers. Every other request, and the streams {@link #open} hands out, use {@link
 * #s3}, on the JDK's URL connection, so a slow reader never holds a transfer connection. Part
 * bodies go up unsigned over plain HTTP as over HTTPS ({@link UnsignedPayloadAuthScheme}).
 */
public final class S3BlobStore implements BlobStore, AutoCloseable {
  /** How long {@link #checkWritable} waits for the bucket's answer. */
  private static final Duration PROBE_TIME = Duration.ofSeconds(2);

  /** S3's limit on the parts of one multipart upload. */
  private static final int MAX_PARTS = 10_000;

  private static final int BUFFER = 256 * 1024;
  private static final String PREFIX = "blobs/";
  private static final int STRIPES = 64;

  private final S3Client s3;
  private final S3Client transfers;
  private final Semaphore slots;
  private final long partBytes;
  private final int parallelism;
  private final String bucket;
  private final LocalBlobStore cache;
  private final Staging staging;
  private final ReentrantLock[] downloads = new ReentrantLock[STRIPES];

  public S3BlobStore(S3Settings settings, Path dataDir) {
    this.bucket = settings.bucket();
    this.partBytes = settings.partBytes();
    this.parallelism = settings.parallelism();
    this.slots = new Semaphore(parallelism, true);
    this.staging = new Staging(dataDir.resolve("tmp"));
    this.cache = new LocalBlobStore(dataDir.resolve("blob-cache"), staging);
    for (int i = 0; i < STRIPES; i++) {
      downloads[i] = new ReentrantLock();
    }
    this.s3 =
        client(
                settings,
                UrlConnectionHttpClient.builder()
                    .connectionTimeout(Duration.ofSeconds(5))
                    .socketTimeout(Duration.ofSeconds(60)))
            .build();
    this.transfers =
        client(
                settings,
                Apache5HttpClient.builder()
                    .maxConnections(parallelism)
                    .connectionTimeout(Duration.ofSeconds(5))
                    .socketTimeout(Duration.ofSeconds(60)))
            // parts go up unsigned over plain HTTP too, as over HTTPS (see the scheme)
            .putAuthScheme(new UnsignedPayloadAuthScheme())
            .build();
    ensureBucket();
  }

  private static S3ClientBuilder client(S3Settings settings, SdkHttpClient.Builder<?> http) {
    var builder =
        S3Client.builder()
            .httpClientBuilder(http)
            .region(Region.of(settings.region()))
            .credentialsProvider(credentials(settings))
            // S3-compatible servers differ in which checksums they accept; content addressing
            // already checks every byte that comes back.
            .requestChecksumCalculation(
                software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(
                software.amazon.awssdk.core.checksums.ResponseChecksumValidation.WHEN_REQUIRED);
    settings.endpoint().ifPresent(e -> builder.endpointOverride(e).forcePathStyle(true));
    return builder;
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
            if (staged.size() <= partBytes) {
              inSlot(
                  () ->
                      transfers.putObject(
                          b -> b.bucket(bucket).key(key), RequestBody.fromFile(staged.temp())));
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

  /** One multipart upload, its parts sent concurrently; aborted if any part fails. */
  private void uploadInParts(StagedBlob staged, String key) {
    long size = staged.size();
    // Past 10,000 parts S3 refuses the upload: such a blob goes in larger parts.
    long part = Math.max(partBytes, Math.ceilDiv(size, MAX_PARTS));
    int count = Math.toIntExact(Math.ceilDiv(size, part));
    String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
    try {
      String[] etags = new String[count];
      inParallel(
          0,
          count,
          i -> {
            long offset = i * part;
            long length = Math.min(part, size - offset);
            etags[i] =
                inSlot(
                    () ->
                        transfers
                            .uploadPart(
                                b ->
                                    b.bucket(bucket)
                                        .key(key)
                                        .uploadId(uploadId)
                                        .partNumber(i + 1)
                                        .contentLength(length),
                                RequestBody.fromContentProvider(
                                    range(staged.temp(), offset, length),
                                    length,
                                    "application/octet-stream"))
                            .eTag());
          },
          () -> {});
      List<CompletedPart> parts = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        parts.add(CompletedPart.builder().partNumber(i + 1).eTag(etags[i]).build());
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

  /**
   * Runs {@code part} for each index from {@code from} to {@code to} on up to {@code parallelism}
   * virtual threads, and {@code meanwhile} on this one. The first failure stops the parts not yet
   * started and is thrown once every thread has stopped, so no request outlives the transfer.
   */
  private void inParallel(int from, int to, IntConsumer part, Runnable meanwhile) {
    var next = new AtomicInteger(from);
    var failure = new AtomicReference<@Nullable RuntimeException>();
    Runnable worker =
        () -> {
          for (int i; failure.get() == null && (i = next.getAndIncrement()) < to; ) {
            try {
              part.accept(i);
            } catch (RuntimeException e) {
              fail(failure, e);
            }
          }
        };
    try (var workers = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int w = 0; w < Math.min(parallelism, to - from); w++) {
        workers.execute(worker);
      }
      try {
        meanwhile.run();
      } catch (RuntimeException e) {
        fail(failure, e);
      }
    }
    RuntimeException e = failure.get();
    if (e != null) {
      throw e;
    }
  }

  private static void fail(
      AtomicReference<@Nullable RuntimeException> failure, RuntimeException e) {
    RuntimeException first = failure.compareAndExchange(null, e);
    if (first != null) {
      first.addSuppressed(e);
    }
  }

  /** Runs one part request holding one of the {@link #slots}. */
  private <T> T inSlot(Supplier<T> request) {
    acquireSlot();
    try {
      return request.get();
    } finally {
      slots.release();
    }
  }

  private void acquireSlot() {
    try {
      slots.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting to transfer a part", e);
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

  /**
   * Fetches the object into a temporary file, first part by part if it is larger than one, checks
   * its digest and publishes it in the cache; on any failure the file is removed.
   */
  private void download(String sha256) {
    String key = key(sha256);
    Path temp = staging.temp(".download");
    boolean done = false;
    try {
      long size;
      try (FileChannel out =
          FileChannel.open(
              temp,
              StandardOpenOption.CREATE_NEW,
              StandardOpenOption.WRITE,
              StandardOpenOption.READ)) {
        size = call(() -> fetch(key, out));
        out.force(true);
        if (!sha256(out, size).equals(sha256)) {
          throw new IllegalStateException(
              "object " + key + " in bucket " + bucket + " does not hash to its name");
        }
      }
      cache.publish(new StagedBlob(temp, sha256, size));
      done = true;
    } catch (NoSuchKeyException e) {
      throw new UncheckedIOException(
          "cannot download blob " + sha256 + " from " + bucket,
          new NoSuchFileException("blob " + sha256 + " is not in bucket " + bucket));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot download blob " + sha256 + " from " + bucket, e);
    } finally {
      if (!done) {
        removePartial(temp);
      }
    }
  }

  /** Best effort: what is left in the staging directory goes when the node next starts. */
  private static void removePartial(Path temp) {
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      // the failure being thrown says more than this one would
    }
  }

  /**
   * Writes the object into {@code out} and returns its size: a GET of the first part tells the
   * size, and while its body comes in the other parts are fetched as ranged GETs concurrently.
   */
  private long fetch(String key, FileChannel out) {
    ResponseInputStream<GetObjectResponse> first;
    acquireSlot();
    try {
      first =
          transfers.getObject(b -> b.bucket(bucket).key(key).range("bytes=0-" + (partBytes - 1)));
    } catch (S3Exception e) {
      slots.release();
      if (e.statusCode() == 416) { // no byte 0: the object is empty
        return 0;
      }
      throw e;
    } catch (RuntimeException e) {
      slots.release();
      throw e;
    }
    long size;
    try {
      size = size(first.response());
    } catch (RuntimeException e) {
      first.abort();
      slots.release();
      throw e;
    }
    long firstLength = Math.min(size, partBytes);
    inParallel(
        1,
        Math.toIntExact(Math.ceilDiv(size, partBytes)),
        i -> {
          long offset = i * partBytes;
          long last = Math.min(size, offset + partBytes) - 1;
          inSlot(
              () -> {
                try (var in =
                    transfers.getObject(
                        b -> b.bucket(bucket).key(key).range("bytes=" + offset + "-" + last))) {
                  copy(in, out, offset, last - offset + 1);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
                return null;
              });
        },
        () -> {
          try (first) {
            copy(first, out, 0, firstLength);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          } finally {
            slots.release();
          }
        });
    return size;
  }

  /** The object's size from a response to a GET of its first part (or all of it). */
  private static long size(GetObjectResponse first) {
    String range = first.contentRange(); // bytes 0-16777215/268435456
    if (range == null) { // the server sent the whole object
      return first.contentLength();
    }
    return Long.parseLong(range.substring(range.lastIndexOf('/') + 1));
  }

  /** Writes exactly {@code length} bytes of {@code in} at {@code position} of {@code out}. */
  private static void copy(InputStream in, FileChannel out, long position, long length)
      throws IOException {
    byte[] buf = new byte[BUFFER];
    long at = position;
    for (int n; (n = in.read(buf, 0, (int) Math.min(buf.length, position + length - at))) > 0; ) {
      ByteBuffer chunk = ByteBuffer.wrap(buf, 0, n);
      while (chunk.hasRemaining()) {
        at += out.write(chunk, at);
      }
    }
    if (at != position + length) {
      throw new IOException(
          "the server sent " + (at - position) + " bytes of a part of " + length + " bytes");
    }
  }

  private static String sha256(FileChannel file, long size) throws IOException {
    MessageDigest sha = Staging.sha256();
    ByteBuffer buf = ByteBuffer.allocate(1024 * 1024);
    for (long at = 0; at < size; ) {
      int n = file.read(buf.clear(), at);
      if (n < 0) {
        throw new IOException("the download ended at " + at + " of " + size + " bytes");
      }
      sha.update(buf.flip());
      at += n;
    }
    return HexFormat.of().formatHex(sha.digest());
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
    try (transfers) {
      s3.close();
    }
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
