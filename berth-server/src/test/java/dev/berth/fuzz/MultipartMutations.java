package dev.berth.fuzz;

import static dev.berth.fuzz.Fuzzer.BOUNDARY;
import static dev.berth.fuzz.Fuzzer.concat;
import static dev.berth.fuzz.Fuzzer.utf8;

import java.util.Random;

/**
 * Mutations of an upload's {@code multipart/form-data} body: filenames with NUL, control
 * characters, bytes that are not UTF-8 or RFC 5987 escapes of them; bad {@code expires_in_seconds};
 * parts missing, repeated, unnamed or without headers; a wrong or missing boundary; a body cut off.
 */
final class MultipartMutations {
  private MultipartMutations() {}

  static byte[] wellFormed() {
    return form(
        part("form-data; name=\"file\"; filename=\"fuzz.txt\"", "text/plain", utf8("fuzz")),
        part("form-data; name=\"expires_in_seconds\"", "text/plain", utf8("3600")));
  }

  static FuzzRequest mutate(Random random, FuzzRequest r) {
    byte[] file = utf8("fuzz");
    return switch (random.nextInt(12)) {
      case 0 -> filename(r, utf8(pick(random, "a\u0000b.txt", "a\u0001b", "", "/", "..", "a\rb")));
      case 1 -> filename(r, concat(utf8("a"), new byte[] {(byte) 0xC0, (byte) 0xAF}, utf8("b")));
      case 2 ->
          upload(
              r,
              form(
                  part(
                      "form-data; name=\"file\"; filename*=UTF-8''"
                          + pick(random, "a%00b.txt", "a%C0%AFb", "%ED%A0%80", "%zz", "a%0d%0ab"),
                      "text/plain",
                      file)),
              "filename*");
      case 3 ->
          upload(
              r,
              form(
                  part("form-data; name=\"file\"; filename=\"f\"", "text/plain", file),
                  part(
                      "form-data; name=\"expires_in_seconds\"",
                      "text/plain",
                      utf8(
                          pick(
                              random,
                              " 3600",
                              "3600 ",
                              "١٢٣٤",
                              "-1",
                              "1e4",
                              "99999999999999999999",
                              "",
                              "3599",
                              "7776001",
                              "0x10")))),
              "expires_in_seconds");
      case 4 -> upload(r, form(), "no parts");
      case 5 ->
          upload(
              r,
              form(
                  part("form-data; name=\"file\"; filename=\"a\"", "text/plain", file),
                  part("form-data; name=\"file\"; filename=\"b\"", "text/plain", file)),
              "two files");
      case 6 ->
          upload(
              r,
              form(part("form-data; name=\"other\"; filename=\"a\"", "text/plain", file)),
              "no file part");
      case 7 ->
          upload(
              r,
              concat(utf8("--" + BOUNDARY + "\r\n\r\n"), file, utf8("\r\n--" + BOUNDARY + "--")),
              "part without headers");
      case 8 ->
          r.withHeader("content-type", "multipart/form-data; boundary=other")
              .withMutation("wrong boundary");
      case 9 -> {
        byte[] body = r.body();
        byte[] cut = java.util.Arrays.copyOf(body, random.nextInt(Math.max(1, body.length)));
        yield r.withBody(cut).withMutation("truncated form");
      }
      case 10 ->
          upload(
              r,
              form(
                  part(
                      "form-data; name=\"file\"; filename=\"f\"",
                      pick(random, "text/plain\u0001", "", "a/b; charset=\"", "x".repeat(9000)),
                      file)),
              "part content type");
      default ->
          upload(
              r,
              form(
                  part(
                      pick(
                          random,
                          "form-data",
                          "attachment; name=\"file\"",
                          "form-data; name=file; filename"),
                      null,
                      file)),
              "disposition");
    };
  }

  private static FuzzRequest filename(FuzzRequest r, byte[] name) {
    byte[] disposition = concat(utf8("form-data; name=\"file\"; filename=\""), name, utf8("\""));
    return upload(r, form(part(disposition, "text/plain", utf8("fuzz"))), "filename");
  }

  private static FuzzRequest upload(FuzzRequest r, byte[] body, String mutation) {
    return r.withBody(body).withMutation("multipart " + mutation);
  }

  private static byte[] part(String disposition, String contentType, byte[] bytes) {
    return part(utf8(disposition), contentType, bytes);
  }

  private static byte[] part(byte[] disposition, String contentType, byte[] bytes) {
    byte[] head =
        concat(
            utf8("--" + BOUNDARY + "\r\nContent-Disposition: "),
            disposition,
            utf8("\r\n" + (contentType == null ? "" : "Content-Type: " + contentType + "\r\n")));
    return concat(head, utf8("\r\n"), bytes, utf8("\r\n"));
  }

  private static byte[] form(byte[]... parts) {
    return concat(concat(parts), utf8("--" + BOUNDARY + "--\r\n"));
  }

  private static String pick(Random random, String... options) {
    return options[random.nextInt(options.length)];
  }
}
