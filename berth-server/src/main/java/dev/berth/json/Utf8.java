package dev.berth.json;

import dev.berth.error.ApiException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8 for what clients send. The usual decoders put U+FFFD in place of bytes that are not
 * UTF-8, and Jackson, given bytes, also reads JSON written in UTF-16 or UTF-32; either way Berth
 * would act on text the client did not send. The JDK's decoder, told to report, refuses overlong
 * forms ({@code C0 AF} for {@code /}), encoded surrogates and everything else that is not UTF-8.
 */
public final class Utf8 {
  private Utf8() {}

  /**
   * The text of {@code bytes}, or a 400 naming {@code what} and the offset of the first byte that
   * is not UTF-8.
   */
  public static String decode(byte[] bytes, String what) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result = decoder.decode(in, out, true);
    if (!result.isError()) {
      result = decoder.flush(out);
    }
    if (result.isError()) {
      throw new ApiException.InvalidRequest(
          what + " is not valid UTF-8: the bytes at offset " + in.position() + " are no character");
    }
    return out.flip().toString();
  }

  /** Whether {@code text} holds half of a surrogate pair without the other. */
  public static boolean hasLoneSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }
}
