package dev.berth.http;

import dev.berth.domain.FileService;
import dev.berth.error.ApiException;
import dev.berth.model.StagedBlob;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.fileupload2.core.AbstractFileUpload;
import org.apache.commons.fileupload2.core.DiskFileItem;
import org.apache.commons.fileupload2.core.DiskFileItemFactory;
import org.apache.commons.fileupload2.core.FileItemHeaders;
import org.apache.commons.fileupload2.core.RequestContext;
import org.jspecify.annotations.Nullable;

/**
 * Reads a {@code multipart/form-data} upload (spec §6.1) as a stream: the {@code file} part goes
 * straight into a staged blob while it is hashed, so memory use does not grow with file size.
 */
final class MultipartUpload {
  private static final int MAX_FIELD_BYTES = 1024;

  /** Reads what a part's headers say, as Commons FileUpload does (RFC 7578, RFC 5987 names). */
  private static final HeaderReader HEADERS = new HeaderReader();

  private MultipartUpload() {}

  /** The staged bytes and what the other parts said. */
  record Parsed(StagedBlob staged, FileService.UploadParams params) {}

  static Parsed read(Context ctx, FileService files) {
    // The header as sent: the server's own reading of it throws on a charset it cannot name.
    String contentType = ctx.header("Content-Type");
    if (contentType == null
        || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
      throw new ApiException.InvalidRequest(
          "upload must be multipart/form-data with a 'file' part");
    }
    long declared = ctx.req().getContentLengthLong();
    if (declared > files.maxUploadBytes() + 64 * 1024) {
      throw new ApiException.TooLarge(
          "file exceeds the maximum upload size of " + files.maxUploadBytes() + " bytes");
    }
    StagedBlob staged = null;
    Optional<String> filename = Optional.empty();
    Optional<String> partType = Optional.empty();
    Optional<String> expires = Optional.empty();
    try {
      byte[] boundary = HEADERS.getBoundary(contentType);
      if (boundary == null) {
        throw new ApiException.InvalidRequest(
            "malformed multipart body: the Content-Type has no boundary");
      }
      var parts = new MultipartStream(ctx.req().getInputStream(), boundary);
      for (Optional<String> head = parts.nextPart(); head.isPresent(); head = parts.nextPart()) {
        FileItemHeaders headers = HEADERS.getParsedHeaders(head.get());
        String field = HEADERS.getFieldName(headers);
        // Read whole only when needed: the next part skips the rest, and an oversize file must be
        // answered (413) without reading all of it.
        InputStream in = parts.body();
        if ("file".equals(field) && staged == null) {
          filename = Optional.ofNullable(filename(HEADERS.getFileName(headers)));
          partType = Optional.ofNullable(headers.getHeader("Content-Type"));
          staged = files.stage(in);
        } else if ("expires_in_seconds".equals(field)) {
          expires = Optional.of(readField(in, field));
        }
      }
    } catch (MultipartStream.MalformedException e) {
      discard(files, staged);
      throw new ApiException.InvalidRequest("malformed multipart body: " + e.getMessage());
    } catch (IOException e) {
      discard(files, staged);
      throw new ApiException.InvalidRequest("could not read the upload: " + e.getMessage());
    } catch (RuntimeException e) {
      discard(files, staged);
      throw e;
    }
    if (staged == null) {
      throw new ApiException.InvalidRequest("multipart body has no 'file' part");
    }
    return new Parsed(staged, new FileService.UploadParams(filename, partType, expires));
  }

  /** The part's filename; one with NUL is refused, which is the client's mistake. */
  private static @Nullable String filename(@Nullable String name) {
    if (name == null) {
      return null;
    }
    try {
      return DiskFileItem.checkFileName(name);
    } catch (InvalidPathException e) {
      throw new ApiException.InvalidRequest(
          "filename must not contain NUL or other control characters: '"
              + e.getInput().replace('\0', '?')
              + "'");
    }
  }

  private static void discard(FileService files, StagedBlob staged) {
    if (staged != null) {
      files.discard(staged);
    }
  }

  private static String readField(InputStream in, String field) throws IOException {
    byte[] bytes = in.readNBytes(MAX_FIELD_BYTES + 1);
    if (bytes.length > MAX_FIELD_BYTES) {
      throw new ApiException.InvalidRequest(field + " is too long");
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** Commons FileUpload's reading of boundaries and part headers; its parser is not used. */
  private static final class HeaderReader
      extends AbstractFileUpload<RequestContext, DiskFileItem, DiskFileItemFactory> {
    HeaderReader() {
      setHeaderCharset(StandardCharsets.UTF_8);
    }

    @Override
    public Map<String, List<DiskFileItem>> parseParameterMap(RequestContext request) {
      throw new UnsupportedOperationException("only the header reading is used");
    }

    @Override
    public List<DiskFileItem> parseRequest(RequestContext request) {
      throw new UnsupportedOperationException("only the header reading is used");
    }
  }
}
