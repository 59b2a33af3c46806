package dev.sluice.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.Failure;
import dev.sluice.config.SchemasConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The envelope reader hands each valid envelope's {@code data} bytes to the payload check. */
class EnvelopeReaderPayloadTest {

  private static final String ID = "7b0e5a4e-3f7c-4d2a-9a57-1f0d1c2b3a4e";

  @TempDir Path dir;

  static String envelope(String version, String data) {
    return "{\"eventId\":\"" + ID + "\",\"eventType\":\"order.created\",\"eventVersion\":" + version
        + ",\"occurredAt\":\"2026-11-23T10:15:30Z\",\"source\":\"checkout\",\"data\":" + data + ",\"aggregateId\":\"a\"}";
  }

  private EnvelopeReader reader() {
    SchemaDirs.write(dir, "order.created/1.json", SchemaSetTest.ORDER_V1);
    return new EnvelopeReader(10, SchemaSet.load(new SchemasConfig(true, dir, SchemasConfig.Compatibility.BACKWARD)));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void handsTheCheckExactlyTheDataBytesOfEachEnvelope() {
    List<String> seen = new ArrayList<>();
    PayloadCheck recording = (type, version, json, from, to, pointer) -> {
      seen.add(type + " " + version + " " + pointer + " " + new String(json, from, to - from, StandardCharsets.UTF_8));
      return null;
    };
    EnvelopeReader reader = new EnvelopeReader(10, recording);
    byte[] single = bytes("\uFEFF  " + envelope("1", "{ \"é\" : [1, {\"x\": \"}\"}] }") + " ");
    reader.readJson(single, single.length, "c");
    byte[] batch = bytes("[" + envelope("\"1.2\"", "{}") + ",\n " + envelope("2", "{\"a\":1}") + "]");
    reader.readJson(batch, batch.length, "c");
    byte[] nd = bytes(envelope("1", "{\"n\":1}") + "\n\n  " + envelope("3", "{\"n\":2}") + "\n");
    reader.readNdjson(nd, nd.length, "c");

    assertThat(seen).containsExactly(
        "order.created 1  { \"é\" : [1, {\"x\": \"}\"}] }",
        "order.created 1.2 /0 {}",
        "order.created 2 /1 {\"a\":1}",
        "order.created 1 /0 {\"n\":1}",
        "order.created 3 /1 {\"n\":2}");
  }

  @Test
  void aSingleEventWhosePayloadViolatesItsSchemaIsRejectedWithDataPointers() {
    byte[] body = bytes(envelope("1", "{\"orderId\":\"ord-1\",\"amount\":\"ten\",\"currency\":\"EUR\"}"));
    ReadResult r = reader().readJson(body, body.length, "c");

    assertThat(r.events()).isEmpty();
    assertThat(r.rejections()).singleElement().satisfies(rej -> {
      assertThat(rej.failure()).isEqualTo(Failure.INVALID_PAYLOAD);
      assertThat(rej.eventId()).isEqualTo(ID);
      assertThat(rej.violations()).extracting(Violation::pointer).containsExactly("/data/amount");
    });
  }

  @Test
  void inABatchOnlyTheViolatingEventIsRejected() {
    String ok = envelope("1", "{\"orderId\":\"ord-1\",\"amount\":1,\"currency\":\"EUR\"}");
    byte[] body = bytes("[" + ok + "," + envelope("1", "{\"orderId\":\"ord-2\",\"amount\":1}") + ","
        + envelope("4", "{}") + "," + ok + "]");
    ReadResult r = reader().readJson(body, body.length, "c");

    assertThat(r.total()).isEqualTo(4);
    assertThat(r.events()).extracting(e -> e.index()).containsExactly(0, 3);
    assertThat(r.rejections()).extracting(Rejection::index, Rejection::failure)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(1, Failure.INVALID_PAYLOAD),
            org.assertj.core.groups.Tuple.tuple(2, Failure.UNKNOWN_SCHEMA_VERSION));
    assertThat(r.rejections().get(0).violations()).extracting(Violation::pointer).containsExactly("/1/data");
    assertThat(r.rejections().get(1).message()).isEqualTo("/2/eventVersion '4' is not a known version of order.created (known: 1)");
  }

  @Test
  void anInvalidEnvelopeIsNotCheckedAgainstItsSchema() {
    List<String> called = new ArrayList<>();
    EnvelopeReader reader = new EnvelopeReader(10, (t, v, j, f, to, p) -> {
      called.add(t);
      return null;
    });
    byte[] body = bytes(envelope("1", "{}").replace("\"source\":\"checkout\",", ""));
    ReadResult r = reader.readJson(body, body.length, "c");

    assertThat(called).isEmpty();
    assertThat(r.rejections()).singleElement().extracting(Rejection::failure).isEqualTo(Failure.INVALID_ENVELOPE);
  }
}
