package dev.berth.model;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * A page of results. {@code next} is the position after the last item when more follow; {@code
 * prev} the position of the first item when some precede (only bidirectional lists fill it).
 */
public record Page<T>(List<T> items, Optional<String> next, Optional<String> prev) {
  public <R> Page<R> map(Function<T, R> f) {
    return new Page<>(items.stream().map(f).toList(), next, prev);
  }
}
