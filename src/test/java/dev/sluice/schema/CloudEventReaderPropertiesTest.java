package dev.sluice.schema;

import dev.sluice.testsupport.Malformed;
import dev.sluice.testsupport.Tries;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Any bytes given to the {@link CloudEventReader} in structured, batch or binary mode give a result or
 * a client-error rejection, never an exception; every accepted event is one JSON object (its {@code
 * data} copied as sent is checked by the reader's unit tests).
 */
class CloudEventReaderPropertiesTest {

  private static final CloudEventReader READER = new CloudEventReader(50, PayloadCheck.NONE);
  private static final String RECEIVED = "2026-11-23T10:15:30Z";
  private static final String[] CONTENT_TYPES = {
    null, "application/json", "text/plain", "application/json; charset=utf-16", "application/octet-stream",
    "application/cloudevents+json", "", ";;;", "application/json; charset=\"utf-8\"", "application/*+json"
  };

  @TestFactory
  Stream<DynamicTest> anyBytesGiveAResultOrARejection() {
    return Tries.of("cloudevent.anyBytes", 1500, r -> check(ReaderProperties.bytes(r)));
  }

  @TestFactory
  Stream<DynamicTest> mutatedEventsAndBatchesGiveAResultOrARejection() {
    return Tries.of("cloudevent.mutated", 3000, r -> check(mutated(r)));
  }

  @TestFactory
  Stream<DynamicTest> binaryModeWithAnyHeadersAndDataGivesAResultOrARejection() {
    return Tries.of("cloudevent.binary", 1000, CloudEventReaderPropertiesTest::binary);
  }

  private static void binary(Random r) {
    Map<String, String> headers = new java.util.LinkedHashMap<>();
    String[][] attributes = {{"ce-specversion", "1.0"}, {"ce-id", "x-" + r.nextInt(99)}, {"ce-source", "/s"},
      {"ce-type", "fuzz.ce"}, {"ce-time", RECEIVED}, {"ce-subject", "%zz%41%"}, {"ce-partitionkey", "k"},
      {"ce-dataschema", "not a uri \u00e9"}, {"ce-traceparent", "00-xyz"}, {"ce-" + "x".repeat(r.nextInt(30)), "v"}};
    for (String[] a : attributes) {
      if (r.nextInt(4) != 0) {
        String value = r.nextInt(5) == 0
            ? new String(Malformed.randomBytes(r, r.nextInt(40)), StandardCharsets.ISO_8859_1) : a[1];
        headers.put(a[0], value);
      }
    }
    byte[] data = Malformed.any(r, ("{\"n\":" + r.nextInt() + "}").getBytes(StandardCharsets.UTF_8));
    ReaderProperties.wellFormed(READER.readBinary(headers.entrySet(), CONTENT_TYPES[r.nextInt(CONTENT_TYPES.length)],
        data, data.length, "c", RECEIVED));
  }

  private static void check(byte[] body) {
    ReaderProperties.wellFormed(READER.readStructured(body, body.length, "c", RECEIVED));
    ReaderProperties.wellFormed(READER.readBatch(body, body.length, "c", RECEIVED));
  }

  private static byte[] mutated(Random r) {
    int n = 1 + r.nextInt(3);
    StringBuilder sb = new StringBuilder(n > 1 || r.nextBoolean() ? "[" : "");
    for (int i = 0; i < n; i++) {
      sb.append(i > 0 ? "," : "").append(Malformed.cloudEvent(r, "fuzz.ce"));
    }
    String valid = sb.charAt(0) == '[' ? sb.append(']').toString() : sb.toString();
    return Malformed.any(r, valid.getBytes(StandardCharsets.UTF_8));
  }
}
