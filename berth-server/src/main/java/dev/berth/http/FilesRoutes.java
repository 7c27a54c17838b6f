package dev.berth.http;

import dev.berth.api.Deleted;
import dev.berth.api.FileJson;
import dev.berth.domain.FileService;
import dev.berth.domain.Ids;
import dev.berth.error.ApiException;
import dev.berth.model.FileRecord;
import dev.berth.model.Page;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.util.List;
import java.util.function.Predicate;

/** {@code /v1/files} (spec §6). No beta header is required here. */
public final class FilesRoutes implements HttpServer.Routes {
  static final int MAX_LIMIT = 1000;
  private static final Predicate<String> FILE_ID = Ids.shapeOf(Ids.FILE);
  private final FileService files;

  public FilesRoutes(FileService files) {
    this.files = files;
  }

  @Override
  public void register(JavalinConfig cfg) {
    cfg.routes.post("/v1/files", this::upload);
    cfg.routes.get("/v1/files", this::list);
    cfg.routes.get("/v1/files/{file_id}", this::retrieve);
    cfg.routes.get("/v1/files/{file_id}/content", this::download);
    cfg.routes.delete("/v1/files/{file_id}", this::delete);
  }

  private void upload(Context ctx) {
    var parsed = MultipartUpload.read(ctx, files);
    FileRecord file = files.upload(HttpServer.workspace(ctx), parsed.staged(), parsed.params());
    ctx.json(FileJson.from(file));
  }

  private void list(Context ctx) {
    String workspace = HttpServer.workspace(ctx);
    List<String> ids = Query.array(ctx, "ids");
    if (!ids.isEmpty()) {
      if (ctx.queryParam("page") != null || ctx.queryParam("limit") != null) {
        throw new ApiException.InvalidRequest("ids[] cannot be combined with page or limit");
      }
      var found = files.listByIds(workspace, ids).stream().map(FileJson::from).toList();
      ctx.json(new Pages.Cursor<>(found, null));
      return;
    }
    Page<FileRecord> page =
        files.list(workspace, Query.string(ctx, "scope_id"), Query.page(ctx, MAX_LIMIT, FILE_ID));
    ctx.json(Pages.cursor(page.map(FileJson::from)));
  }

  private void retrieve(Context ctx) {
    ctx.json(FileJson.from(files.retrieve(HttpServer.workspace(ctx), ctx.pathParam("file_id"))));
  }

  private void download(Context ctx) throws IOException {
    FileRecord file = files.retrieve(HttpServer.workspace(ctx), ctx.pathParam("file_id"));
    var bytes = files.download(file);
    ctx.contentType(file.mimeType());
    ctx.header(
        "Content-Disposition",
        "attachment; filename=\"" + file.filename().replace("\"", "") + "\"");
    if (ctx.method().equals(HandlerType.HEAD)) {
      // the headers say it all; reading the blob only to drop it is waste
      ctx.res().setContentLengthLong(file.sizeBytes());
      return;
    }
    FileSender.send(ctx, bytes, file.sizeBytes());
  }

  private void delete(Context ctx) {
    FileRecord deleted = files.delete(HttpServer.workspace(ctx), ctx.pathParam("file_id"));
    ctx.json(new Deleted(deleted.id(), "file_deleted"));
  }
}
