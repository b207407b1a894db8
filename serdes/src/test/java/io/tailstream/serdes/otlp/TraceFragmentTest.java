package io.tailstream.serdes.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TraceFragmentTest {
  private static final byte[] TRACE_ID = TraceIds.fromHex("4bf92f3577b34da6a3ce929d0e0e4736");

  @Test
  void comparesArraysByContent() {
    TraceFragment fragment = new TraceFragment(TRACE_ID, new byte[] {1, 2}, 2, 1, 0, 10, 20);
    TraceFragment same = new TraceFragment(TRACE_ID.clone(), new byte[] {1, 2}, 2, 1, 0, 10, 20);

    assertThat(fragment).isEqualTo(same).hasSameHashCodeAs(same);
    assertThat(fragment)
        .isNotEqualTo(new TraceFragment(TRACE_ID, new byte[] {1, 3}, 2, 1, 0, 10, 20));
    assertThat(fragment.traceIdHex()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(fragment)
        .hasToString(
            "TraceFragment[traceId=4bf92f3577b34da6a3ce929d0e0e4736, tracesData=2 bytes,"
                + " spanCount=2, rootSpanCount=1, errorCount=0, minStartUnixNano=10,"
                + " maxEndUnixNano=20]");
  }

  @Test
  void rejectsTraceIdThatIsNot16Bytes() {
    assertThatThrownBy(() -> new TraceFragment(new byte[8], new byte[0], 0, 0, 0, 0, 0))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("traceId must be 16 bytes, but it has 8");
  }

  @Test
  void rejectsInconsistentCounts() {
    assertThatThrownBy(() -> new TraceFragment(TRACE_ID, new byte[0], -1, 0, 0, 0, 0))
        .hasMessage("spanCount was -1 but it must be >= 0");
    assertThatThrownBy(() -> new TraceFragment(TRACE_ID, new byte[0], 1, 2, 0, 0, 0))
        .hasMessage("rootSpanCount was 2 but it must be in [0, 1]");
    assertThatThrownBy(() -> new TraceFragment(TRACE_ID, new byte[0], 1, 0, -1, 0, 0))
        .hasMessage("errorCount was -1 but it must be in [0, 1]");
  }
}
