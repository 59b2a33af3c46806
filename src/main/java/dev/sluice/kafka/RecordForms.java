package dev.sluice.kafka;

import dev.sluice.bus.Event;
import dev.sluice.config.RecordFormat;
import dev.sluice.config.RoutingConfig;
import dev.sluice.route.RoutingTable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Makes each event's Kafka record in the form of its route ({@code routes[].format}, first matching rule
 * as in routing): the native envelope, or a CloudEvent in the Kafka binding's binary or structured mode,
 * made here from the native value so that every path to Kafka (ingest, the spool's relay) writes the
 * route's form. Used on the sender thread only (its cache is not synchronised).
 */
final class RecordForms {

  private static final int CACHE_LIMIT = 10_000;

  private record Compiled(Pattern pattern, RecordFormat format) {}

  private final List<Compiled> rules;
  private final boolean allNative;
  private final Map<String, RecordFormat> cache = new HashMap<>();

  RecordForms(RoutingConfig routing) {
    this.rules = routing.rules().stream()
        .map(r -> new Compiled(RoutingTable.compile(r.match()), r.format()))
        .toList();
    this.allNative = rules.stream().allMatch(r -> r.format() == RecordFormat.NATIVE);
  }

  /** Every event in the native form. */
  static RecordForms nativeOnly() {
    return new RecordForms(new RoutingConfig(List.of()));
  }

  /** The form of {@code eventType}'s records (native when no rule matches). */
  RecordFormat formatOf(String eventType) {
    if (allNative) {
      return RecordFormat.NATIVE;
    }
    RecordFormat f = cache.get(eventType);
    if (f == null) {
      f = RecordFormat.NATIVE;
      for (Compiled rule : rules) {
        if (rule.pattern().matcher(eventType).matches()) {
          f = rule.format();
          break;
        }
      }
      if (cache.size() >= CACHE_LIMIT) {
        cache.clear();
      }
      cache.put(eventType, f);
    }
    return f;
  }

  /**
   * The record of {@code e} for {@code topic}, with Sluice's headers ({@code headers}, {@code traceparent}
   * the event's trace context when it has its own, else null) and, in a CloudEvents form, the binding's.
   */
  ProducerRecord<byte[], byte[]> record(String topic, Event e, RecordHeaders headers, String traceparent,
      String batchTraceparent) {
    List<Header> h = traceparent == null ? headers.of(e) : headers.of(e, traceparent);
    byte[] key = RecordHeaders.utf8(e.key());
    String tp = traceparent != null ? traceparent : batchTraceparent;
    return switch (formatOf(e.eventType())) {
      case NATIVE -> new ProducerRecord<>(topic, null, key, e.value(), h);
      case CLOUDEVENTS_BINARY -> new ProducerRecord<>(topic, null, key, CloudEventRecords.binary(e, tp, h), h);
      case CLOUDEVENTS_STRUCTURED ->
          new ProducerRecord<>(topic, null, key, CloudEventRecords.structured(e, tp, h), h);
    };
  }
}
