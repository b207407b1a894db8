package io.tailstream.rulestest;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.tailstream.rules.CompletionReason;
import io.tailstream.rules.OtlpTraceView;
import io.tailstream.serdes.otlp.CorruptSpanDataException;
import io.tailstream.serdes.otlp.OtlpJson;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads a trace from a file: OTLP JSON ({@code .json}, hex IDs, one trace) or a compact trace
 * ({@code .yaml} or {@code .yml}, the format of a rule test case's {@code trace}). A compact
 * trace without {@code trace-id} gets one derived from the file name.
 */
public final class TraceFiles {

  private TraceFiles() {}

  /**
   * Reads a trace file, choosing the format by its extension.
   *
   * @param file the file; problems name it as given here
   * @param completion the completion reason, or null for the file's own: {@code idle} for JSON, the
   *     {@code completion} key of a compact trace
   * @return the trace
   * @throws InvalidCasesException if the file cannot be read, is not a valid trace, or holds spans
   *     of more than one trace
   */
  public static TraceFixture read(Path file, CompletionReason completion)
      throws InvalidCasesException {
    String name = file.getFileName() == null ? "" : file.getFileName().toString();
    String lowerCase = name.toLowerCase(Locale.ROOT);
    YamlProblems problems = new YamlProblems(file.toString());
    TraceFixture trace;
    if (lowerCase.endsWith(".json")) {
      trace = readOtlpJson(file, completion, problems);
    } else if (lowerCase.endsWith(".yaml") || lowerCase.endsWith(".yml")) {
      trace = readCompact(file, name, completion, problems);
    } else {
      problems.atStart("a trace file must be OTLP JSON (.json) or a compact trace (.yaml, .yml)");
      trace = null;
    }
    problems.throwIfAny();
    return trace;
  }

  /**
   * Reads an OTLP JSON file as one trace.
   *
   * @return the spans
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException if it is not OTLP JSON holding the spans of exactly one trace
   */
  static TracesData readOtlpJson(Path file) throws IOException {
    TracesData data;
    try {
      data = TracesData.parseFrom(OtlpJson.toProto(Files.readAllBytes(file)));
    } catch (CorruptSpanDataException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    } catch (InvalidProtocolBufferException e) {
      // OtlpJson produced these bytes from a TracesData, so this does not happen.
      throw new IllegalStateException("cannot re-read the decoded OTLP JSON", e);
    }
    // Checks that there is exactly one trace, with a 16-byte ID.
    OtlpTraceView.of(data, CompletionReason.IDLE);
    return data;
  }

  /** Describes why a file cannot be read, for a problem message. */
  static String describe(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  /** Reads a UTF-8 text file; returns null after reporting why it cannot be read. */
  static String readText(Path file, String what, YamlProblems problems) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      problems.atStart("cannot read the " + what + ": " + describe(e));
      return null;
    }
    try {
      return UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      problems.atStart("the " + what + " is not valid UTF-8");
      return null;
    }
  }

  private static TraceFixture readOtlpJson(
      Path file, CompletionReason completion, YamlProblems problems) {
    try {
      return new TraceFixture(
          readOtlpJson(file), completion != null ? completion : CompletionReason.IDLE);
    } catch (IOException e) {
      problems.atStart("cannot read the trace file: " + describe(e));
    } catch (IllegalArgumentException e) {
      problems.atStart(e.getMessage());
    }
    return null;
  }

  private static TraceFixture readCompact(
      Path file, String name, CompletionReason completion, YamlProblems problems) {
    String yaml = readText(file, "trace file", problems);
    if (yaml == null) {
      return null;
    }
    Node document = problems.compose(yaml, "the trace file is empty");
    if (document == null) {
      return null;
    }
    CompactTrace trace = CompactTraceParser.parse(document, name, problems);
    if (trace == null || !problems.isEmpty()) {
      return null;
    }
    return new TraceFixture(
        trace.toTracesData(), completion != null ? completion : trace.completion());
  }
}
