package dev.berth.testing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Pseudo-random files that look like source code to a compressor: indented lines of keywords,
 * punctuation and identifiers from a few thousand made-up words, so zlib shrinks them about as much
 * as real code (3–4x), while no two files share long runs (git finds no deltas between them, as
 * between real files). The same seed gives the same files, byte for byte.
 */
final class GeneratedSource {
  private static final String[] SYLLABLES = {
    "ab", "ac", "ad", "al", "an", "ar", "as", "at", "be", "bi", "bo", "ca", "ce", "ch", "ci", "co",
    "da", "de", "di", "do", "el", "en", "er", "es", "ex", "fa", "fi", "fo", "ga", "ge", "go", "ha",
    "he", "hi", "im", "in", "is", "it", "ka", "la", "le", "li", "lo", "ma", "me", "mi", "mo", "na",
    "ne", "ni", "no", "ob", "of", "on", "or", "pa", "pe", "pi", "po", "qu", "ra", "re", "ri", "ro",
    "sa", "se", "si", "so", "st", "ta", "te", "th", "ti", "to", "tr", "un", "up", "ur", "va", "ve",
    "vi", "wa", "we", "wi", "xa", "yo", "za", "ze"
  };
  private static final String[] TYPES = {
    "int", "long", "String", "boolean", "var", "List<String>", "Map<String, Object>", "byte[]"
  };
  private static final String[] OPERATORS = {"==", "!=", "<", ">", "<=", ">=", "&&", "||"};
  private static final int WORDS = 1500;
  private static final int FILES_PER_DIRECTORY = 24;

  private static final int LOCAL_WORDS = 48;

  private final SplittableRandom random;
  private final String[] words = new String[WORDS];
  private final String[] local = new String[LOCAL_WORDS];

  GeneratedSource(long seed) {
    random = new SplittableRandom(seed);
    for (int i = 0; i < WORDS; i++) {
      var word = new StringBuilder();
      int syllables = 2 + random.nextInt(3);
      for (int s = 0; s < syllables; s++) {
        word.append(SYLLABLES[random.nextInt(SYLLABLES.length)]);
      }
      words[i] = word.toString();
    }
  }

  /**
   * The sizes of {@code files} files summing to exactly {@code totalBytes}, each within a factor of
   * about 7 of the others, as a code base's files are.
   */
  long[] sizes(int files, long totalBytes) {
    double[] weights = new double[files];
    double sum = 0;
    for (int i = 0; i < files; i++) {
      weights[i] = 0.25 + random.nextDouble() * 1.5;
      sum += weights[i];
    }
    long[] sizes = new long[files];
    long given = 0;
    for (int i = 0; i < files; i++) {
      sizes[i] = (long) (totalBytes * weights[i] / sum);
      given += sizes[i];
    }
    for (int i = 0; given < totalBytes; i = (i + 1) % files) {
      sizes[i]++;
      given++;
    }
    return sizes;
  }

  /**
   * The path of file {@code index} of {@code files}: about 24 files a directory, two levels of
   * directories below {@code src/}, each file's name unique.
   */
  String path(int index, int files) {
    int directories = Math.max(1, (files + FILES_PER_DIRECTORY - 1) / FILES_PER_DIRECTORY);
    int perTop = Math.max(1, (int) Math.ceil(Math.sqrt(directories)));
    int directory = index / FILES_PER_DIRECTORY;
    return "src/"
        + words[directory / perTop % WORDS]
        + "/"
        + words[(directory % perTop + 7) % WORDS]
        + "/"
        + capitalised(words[(index * 31 + 11) % WORDS])
        + index
        + ".java";
  }

  /** {@code size} bytes of code-like text. */
  byte[] content(long size) {
    for (int i = 0; i < LOCAL_WORDS; i++) {
      local[i] = words[random.nextInt(WORDS)];
    }
    var text = new StringBuilder((int) size + 128);
    int depth = 1;
    while (text.length() < size) {
      text.repeat("  ", depth);
      switch (random.nextInt(8)) {
        case 0 -> {
          text.append("if (").append(word()).append(' ');
          text.append(OPERATORS[random.nextInt(OPERATORS.length)]).append(' ');
          text.append(word()).append(") {");
          depth = Math.min(depth + 1, 6);
        }
        case 1 -> {
          text.setLength(text.length() - 2);
          text.append('}');
          depth = Math.max(depth - 1, 1);
        }
        case 2 -> {
          text.append("// ");
          int n = 3 + random.nextInt(8);
          for (int i = 0; i < n; i++) {
            text.append(i == 0 ? "" : " ").append(word());
          }
        }
        case 3 -> text.append("return ").append(word()).append('.').append(call()).append(';');
        case 4 ->
            text.append(word())
                .append('.')
                .append(word())
                .append("(\"")
                .append(word())
                .append(' ')
                .append(word())
                .append("\");");
        default ->
            text.append("final ")
                .append(TYPES[random.nextInt(TYPES.length)])
                .append(' ')
                .append(word())
                .append(" = ")
                .append(word())
                .append('.')
                .append(call())
                .append(';');
      }
      text.append('\n');
    }
    byte[] bytes = text.toString().getBytes(StandardCharsets.US_ASCII);
    return size == bytes.length ? bytes : Arrays.copyOf(bytes, (int) size);
  }

  private String call() {
    String name = word();
    return switch (random.nextInt(3)) {
      case 0 -> name + "()";
      case 1 -> name + "(" + word() + ")";
      default -> name + "(" + word() + ", " + random.nextInt(1000) + ")";
    };
  }

  /** Mostly one of the file's own few names, as code reuses its names; now and then any. */
  private String word() {
    return random.nextInt(8) == 0
        ? words[random.nextInt(WORDS)]
        : local[random.nextInt(LOCAL_WORDS)];
  }

  private static String capitalised(String word) {
    return Character.toUpperCase(word.charAt(0)) + word.substring(1);
  }
}
