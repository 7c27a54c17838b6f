package dev.berth.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class IdsTest {
  @Test
  void idsHaveTheApisShape() {
    assertThat(Ids.file()).matches("file_01[0-9A-Za-z]{22}");
    assertThat(Ids.session()).matches("sesn_01[0-9A-Za-z]{22}");
    assertThat(Ids.resource()).matches("sesrsc_01[0-9A-Za-z]{22}");
    assertThat(Ids.request()).matches("req_01[0-9A-Za-z]{22}");
  }

  @Test
  void idsMintedInARowAreUniqueAndSortInCreationOrder() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 50_000; i++) {
      ids.add(Ids.file());
    }
    assertThat(new HashSet<>(ids)).hasSize(ids.size());
    assertThat(ids).isSorted();
  }

  @Test
  void idsOfLaterMillisecondsSortAfterEarlierOnes() throws InterruptedException {
    String before = Ids.session();
    Thread.sleep(2);
    assertThat(Ids.session()).isGreaterThan(before);
  }
}
