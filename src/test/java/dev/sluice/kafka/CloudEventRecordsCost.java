package dev.sluice.kafka;

import dev.sluice.bus.Event;
import dev.sluice.schema.CloudEventReader;
import dev.sluice.schema.EnvelopeReader;
import dev.sluice.schema.PayloadCheck;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import org.apache.kafka.common.header.Header;

/**
 * A rough, JMH-free measure of what the CloudEvents forms cost per event (not a test: run it by hand,
 * {@code java -cp target/classes:target/test-classes:$(deps) dev.sluice.kafka.CloudEventRecordsCost}).
 * Prints nanoseconds per event for reading a native envelope, reading the same event as a structured
 * CloudEvent, and making the binary and structured Kafka forms of it.
 */
final class CloudEventRecordsCost {

  private CloudEventRecordsCost() {}

  public static void main(String[] args) {
    String id = "6f1c2a8e-58a4-4c9e-9a51-0d2f0b6e9d11";
    String data = "{\"orderId\":42,\"customer\":{\"id\":\"c-7\",\"tier\":\"gold\"},\"lines\":[{\"sku\":\"A-1\",\"qty\":2,"
        + "\"price\":9.5},{\"sku\":\"B-2\",\"qty\":1,\"price\":120}],\"note\":\"deliver after 5pm\"}";
    byte[] nativeBody = ("{\"eventId\":\"" + id + "\",\"eventType\":\"order.created\",\"eventVersion\":1,"
        + "\"occurredAt\":\"2026-11-29T12:00:00Z\",\"source\":\"shop\",\"aggregateId\":\"order-42\","
        + "\"correlationId\":\"corr-7\",\"data\":" + data + "}").getBytes(StandardCharsets.UTF_8);
    byte[] ceBody = ("{\"specversion\":\"1.0\",\"id\":\"" + id + "\",\"type\":\"order.created\",\"time\":"
        + "\"2026-11-29T12:00:00Z\",\"source\":\"shop\",\"partitionkey\":\"order-42\",\"correlationid\":\"corr-7\","
        + "\"datacontenttype\":\"application/json\",\"data\":" + data + "}").getBytes(StandardCharsets.UTF_8);
    EnvelopeReader envelopes = new EnvelopeReader(10);
    CloudEventReader cloudEvents = new CloudEventReader(10, PayloadCheck.NONE);
    Event e = envelopes.readJson(nativeBody, nativeBody.length, "c").events().get(0);
    for (int round = 0; round < 3; round++) {
      System.out.printf("round %d (event of %d bytes, data %d bytes)%n", round, nativeBody.length, data.length());
      time("read native envelope", () -> envelopes.readJson(nativeBody, nativeBody.length, "c").events().size());
      time("read structured CloudEvent", () ->
          cloudEvents.readStructured(ceBody, ceBody.length, "c", "2026-11-29T12:00:00Z").events().size());
      time("native -> Kafka binary", () -> {
        List<Header> h = new ArrayList<>(16);
        return CloudEventRecords.binary(e, null, h).length + h.size();
      });
      time("native -> Kafka structured", () -> {
        List<Header> h = new ArrayList<>(6);
        return CloudEventRecords.structured(e, null, h).length;
      });
    }
  }

  private static void time(String what, IntSupplier step) {
    int n = 500_000;
    long sink = 0;
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      sink += step.getAsInt();
    }
    long ns = (System.nanoTime() - start) / n;
    System.out.printf("  %-28s %5d ns/event (%d)%n", what, ns, sink % 7);
  }
}
