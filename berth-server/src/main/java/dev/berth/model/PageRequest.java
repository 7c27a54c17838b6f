package dev.berth.model;

import java.util.Optional;

/**
 * One page of a keyset-paginated list (DESIGN "IDs, time, paging"): at most {@code limit} items
 * strictly after {@code after} in the list's order, or, when {@code backward}, the {@code limit}
 * items just before it.
 */
public record PageRequest(int limit, Optional<String> after, boolean backward) {
  public static PageRequest first(int limit) {
    return new PageRequest(limit, Optional.empty(), false);
  }
}
