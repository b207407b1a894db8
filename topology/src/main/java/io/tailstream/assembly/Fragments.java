package io.tailstream.assembly;

import io.tailstream.serdes.otlp.TraceFragment;

/** Encodes trace fragments for the repartition topic and the fragment store. */
public final class Fragments {
  private Fragments() {}

  /** The fragment's statistics header followed by its OTLP bytes. */
  public static byte[] encode(TraceFragment f) {
    return BufferedFragment.encode(f.spanCount(), f.rootSpanCount(), f.errorCount(),
        f.minStartUnixNano(), f.maxEndUnixNano(), f.tracesData());
  }
}
