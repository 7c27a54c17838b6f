package dev.berth.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One scrape of {@code GET /berth/v1/metrics}, parsed from the Prometheus text format: every sample
 * by its name and labels, so a test can say exactly which series moved.
 */
public record Scrape(String text, Map<Series, Double> samples) {
  /** A series: the sample's name and its labels. */
  public record Series(String name, Map<String, String> labels) {}

  /** Scrapes with {@code http}'s key; fails unless the answer is a 200 in the text format. */
  public static Scrape of(Http http) {
    var r = http.get("/berth/v1/metrics");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("content-type")).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
    return parse(new String(r.raw().body(), StandardCharsets.UTF_8));
  }

  static Scrape parse(String text) {
    Map<Series, Double> samples = new HashMap<>();
    for (String line : text.split("\n", -1)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int i = 0;
      while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
        i++;
      }
      String name = line.substring(0, i);
      Map<String, String> labels = new LinkedHashMap<>();
      if (line.charAt(i) == '{') {
        i++;
        while (line.charAt(i) != '}') {
          int eq = line.indexOf('=', i);
          String label = line.substring(i, eq);
          var value = new StringBuilder();
          int j = eq + 2; // past ="
          for (; line.charAt(j) != '"'; j++) {
            char c = line.charAt(j);
            if (c == '\\') {
              char next = line.charAt(++j);
              value.append(next == 'n' ? '\n' : next);
            } else {
              value.append(c);
            }
          }
          labels.put(label, value.toString());
          i = j + 1;
          if (line.charAt(i) == ',') {
            i++;
          }
        }
        i++;
      }
      String rest = line.substring(i).strip();
      int space = rest.indexOf(' '); // a timestamp may follow the value
      String value = space < 0 ? rest : rest.substring(0, space);
      samples.put(new Series(name, Map.copyOf(labels)), Double.parseDouble(value));
    }
    return new Scrape(text, samples);
  }

  /** The value of the series {@code name} with exactly these labels (name, value, …); 0 if none. */
  public double value(String name, String... labels) {
    return samples.getOrDefault(new Series(name, labels(labels)), 0.0);
  }

  /** Whether the series {@code name} with exactly these labels is there. */
  public boolean has(String name, String... labels) {
    return samples.containsKey(new Series(name, labels(labels)));
  }

  /** How much the series moved since {@code before}. */
  public double since(Scrape before, String name, String... labels) {
    return value(name, labels) - before.value(name, labels);
  }

  private static Map<String, String> labels(String... pairs) {
    Map<String, String> labels = new HashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      labels.put(pairs[i], pairs[i + 1]);
    }
    return Map.copyOf(labels);
  }
}
