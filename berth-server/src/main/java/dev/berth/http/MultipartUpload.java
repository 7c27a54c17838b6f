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
import org.apache.commons.fileupload2.core.FileItemInput;
import org.apache.commons.fileupload2.core.FileItemInputIterator;
import org.apache.commons.fileupload2.core.FileUploadException;
import org.apache.commons.fileupload2.core.RequestContext;

/**
 * Reads a {@code multipart/form-data} upload (spec §6.1) as a stream: the {@code file} part goes
 * straight into a staged blob while it is hashed, so memory use does not grow with file size.
 */
final class MultipartUpload {
  private static final int MAX_FIELD_BYTES = 1024;

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
      FileItemInputIterator parts =
          new StreamingParser().getItemIterator(context(ctx, contentType));
      while (parts.hasNext()) {
        FileItemInput part = parts.next();
        String field = part.getFieldName();
        // Closed only after a part was read whole: closing a part skips to its end, which for
        // an oversize file would mean reading all of it just to answer 413.
        InputStream in = part.getInputStream();
        if ("file".equals(field) && staged == null) {
          filename = Optional.ofNullable(filename(part));
          partType = Optional.ofNullable(part.getContentType());
          staged = files.stage(in);
        } else if ("expires_in_seconds".equals(field)) {
          expires = Optional.of(readField(in, field));
        } else {
          in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        in.close();
      }
    } catch (FileUploadException e) {
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

  /** The part's filename; the library refuses one with NUL, which is the client's mistake. */
  private static String filename(FileItemInput part) {
    try {
      return part.getName();
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

  private static RequestContext context(Context ctx, String contentType) {
    return new RequestContext() {
      @Override
      public String getCharacterEncoding() {
        return StandardCharsets.UTF_8.name();
      }

      @Override
      public long getContentLength() {
        return ctx.req().getContentLengthLong();
      }

      @Override
      public String getContentType() {
        return contentType;
      }

      @Override
      public InputStream getInputStream() throws IOException {
        return ctx.req().getInputStream();
      }

      @Override
      public boolean isMultipartRelated() {
        return false;
      }
    };
  }

  /** Commons FileUpload's streaming API over a plain {@link RequestContext}. */
  private static final class StreamingParser
      extends AbstractFileUpload<RequestContext, DiskFileItem, DiskFileItemFactory> {
    StreamingParser() {
      setHeaderCharset(StandardCharsets.UTF_8);
    }

    @Override
    public FileItemInputIterator getItemIterator(RequestContext request)
        throws FileUploadException, IOException {
      return super.getItemIterator(request);
    }

    @Override
    public Map<String, List<DiskFileItem>> parseParameterMap(RequestContext request)
        throws FileUploadException {
      throw new UnsupportedOperationException("only the streaming API is used");
    }

    @Override
    public List<DiskFileItem> parseRequest(RequestContext request) throws FileUploadException {
      throw new UnsupportedOperationException("only the streaming API is used");
    }
  }
}
