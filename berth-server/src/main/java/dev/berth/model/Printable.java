package dev.berth.model;

import java.util.Locale;

/**
 * A value, such as a path, as an error message shows it: its first 200 characters, with each
 * control, format or separator character, and each half of a surrogate pair alone, written as a
 * Java escape (a backslash, {@code u} and four hex digits), so the message says what was sent
 * without carrying it.
 */
final class Printable {
  private static final int SHOWN = 200;

  private Printable() {}

  static String of(String value) {
    String shown = value.length() > SHOWN ? value.substring(0, SHOWN) + "…" : value;
    StringBuilder printable = new StringBuilder();
    shown
        .codePoints()
        .forEach(
            cp -> {
              switch (Character.getType(cp)) {
                case Character.CONTROL,
                    Character.FORMAT,
                    Character.SURROGATE,
                    Character.LINE_SEPARATOR,
                    Character.PARAGRAPH_SEPARATOR ->
                    printable.append(String.format(Locale.ROOT, "\\u%04x", cp));
                default -> printable.appendCodePoint(cp);
              }
            });
    return printable.toString();
  }
}
