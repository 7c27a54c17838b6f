package dev.berth.store;

import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.http.auth.aws.scheme.AwsV4AuthScheme;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.scheme.AuthScheme;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignRequest;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignedRequest;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.identity.spi.IdentityProviders;

/**
 * SigV4 ({@code aws.auth#sigv4}) that sends request bodies as {@code UNSIGNED-PAYLOAD} over plain
 * HTTP too, as the SDK already does over HTTPS.
 *
 * <p>Over {@code http} the SDK's signer (2.57) signs every body, whatever {@link
 * AwsV4FamilyHttpSigner#PAYLOAD_SIGNING_ENABLED} says: the synchronous client then sends a part as
 * SigV4 streaming chunks, a SHA-256 and an HMAC per 128 KiB, which costs more CPU than sending it
 * (aws-sdk-java-v2 issue 5103). Its asynchronous client, under the SDK's transfer manager, sends
 * the same request unsigned. This scheme signs such a request as the SDK signs one without a body
 * (method, path, query and headers, with {@code x-amz-content-sha256: UNSIGNED-PAYLOAD}) and then
 * sends the body untouched. A blob's bytes are still checked where it counts for content
 * addressing: every download is hashed against the blob's name. A request that asks for a flexible
 * checksum or a trailer goes to the SDK's signer unchanged, as does every request over HTTPS.
 */
final class UnsignedPayloadAuthScheme implements AuthScheme<AwsCredentialsIdentity> {
  private final Signer signer = new Signer(AwsV4HttpSigner.create());

  @Override
  public String schemeId() {
    return AwsV4AuthScheme.SCHEME_ID;
  }

  @Override
  public IdentityProvider<AwsCredentialsIdentity> identityProvider(IdentityProviders providers) {
    return providers.identityProvider(AwsCredentialsIdentity.class);
  }

  @Override
  public HttpSigner<AwsCredentialsIdentity> signer() {
    return signer;
  }

  private record Signer(AwsV4HttpSigner v4) implements HttpSigner<AwsCredentialsIdentity> {
    @Override
    public SignedRequest sign(SignRequest<? extends AwsCredentialsIdentity> request) {
      var body = request.payload();
      if (body.isEmpty() || !plainBody(request)) {
        return v4.sign(request);
      }
      // Without a body to read, the signer takes PAYLOAD_SIGNING_ENABLED at its word.
      SignedRequest headers =
          v4.sign(
              request.copy(
                  r ->
                      r.payload(null)
                          .putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false)
                          .putProperty(AwsV4FamilyHttpSigner.CHUNK_ENCODING_ENABLED, false)));
      return headers.copy(r -> r.payload(body.get()));
    }

    /** Sent over plain HTTP with no checksum the signer would compute from, or trail, the body. */
    private static boolean plainBody(SignRequest<? extends AwsCredentialsIdentity> request) {
      return !"https".equals(request.request().protocol())
          && !request.hasProperty(AwsV4FamilyHttpSigner.CHECKSUM_ALGORITHM)
          && request.request().firstMatchingHeader("x-amz-trailer").isEmpty();
    }

    /**
     * Berth's clients are synchronous; the SDK's asynchronous signer already skips these bodies.
     */
    @Override
    public CompletableFuture<AsyncSignedRequest> signAsync(
        AsyncSignRequest<? extends AwsCredentialsIdentity> request) {
      return v4.signAsync(request);
    }
  }
}
