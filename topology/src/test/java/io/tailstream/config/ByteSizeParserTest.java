package io.tailstream.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ByteSizeParserTest {
  @Test
  void readsPlainBytesAndBinaryUnitsInAnyCase() {
    assertThat(ByteSizeParser.parse("1048576")).isEqualTo(1_048_576L);
    assertThat(ByteSizeParser.parse("100b")).isEqualTo(100L);
    assertThat(ByteSizeParser.parse("4k")).isEqualTo(4096L);
    assertThat(ByteSizeParser.parse("512KiB")).isEqualTo(512L * 1024);
    assertThat(ByteSizeParser.parse("64m")).isEqualTo(64L << 20);
    assertThat(ByteSizeParser.parse("128MB")).isEqualTo(128L << 20);
    assertThat(ByteSizeParser.parse("128MiB")).isEqualTo(128L << 20);
    assertThat(ByteSizeParser.parse(" 1 GiB ")).isEqualTo(1L << 30);
    assertThat(ByteSizeParser.parse("2gb")).isEqualTo(2L << 30);
  }

  @Test
  void rejectsWhatIsNotAWholeSize() {
    for (String bad : new String[] {"", "MB", "1.5GiB", "-1", "10 TB", "ten"}) {
      assertThatThrownBy(() -> ByteSizeParser.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("not a size");
    }
  }

  @Test
  void rejectsSizesBeyondALong() {
    assertThatThrownBy(() -> ByteSizeParser.parse("99999999999999999999"))
        .hasMessage("too large");
    assertThatThrownBy(() -> ByteSizeParser.parse("9999999999GiB")).hasMessage("too large");
  }

  @Test
  void formatsInTheLargestExactUnit() {
    assertThat(ByteSizeParser.format(8L << 20)).isEqualTo("8MiB");
    assertThat(ByteSizeParser.format(1L << 30)).isEqualTo("1GiB");
    assertThat(ByteSizeParser.format(1024)).isEqualTo("1KiB");
    assertThat(ByteSizeParser.format(1500)).isEqualTo("1500B");
    assertThat(ByteSizeParser.format(0)).isEqualTo("0B");
  }
}
