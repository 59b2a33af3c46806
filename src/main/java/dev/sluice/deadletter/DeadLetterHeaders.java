package dev.sluice.deadletter;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The headers a dead letter carries: the message's own headers, with the {@code sluice-dlq-*} ones
 * <em>replaced</em> (a message dead-lettered again, e.g. after a replay or by a subscription reading a
 * dead-letter topic, carries one set, never a pile of them).
 */
public final class DeadLetterHeaders {

  /** Every dead-letter header starts with this. */
  public static final String PREFIX = "sluice-dlq-";

  private DeadLetterHeaders() {}

  /** The dead-letter headers of {@code d}, by name, in a stable order (absent values left out). */
  public static Map<String, String> of(DeadLetter d) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put(PREFIX + "subscription", d.subscription());
    h.put(PREFIX + "source", d.origin().source());
    put(h, "topic", d.origin().topic());
    put(h, "partition", d.origin().partition());
    put(h, "offset", d.origin().offset());
    put(h, "timestamp", d.origin().timestampMs());
    put(h, "queue", d.origin().queue());
    h.put(PREFIX + "attempts", Integer.toString(d.attempts()));
    h.put(PREFIX + "first-failure", d.firstFailure().toString());
    h.put(PREFIX + "last-failure", d.lastFailure().toString());
    h.put(PREFIX + "failure-class", d.failureClass());
    put(h, "status", d.status());
    put(h, "response", d.response());
    return h;
  }

  private static void put(Map<String, String> h, String name, Object value) {
    if (value != null) {
      h.put(PREFIX + name, value.toString());
    }
  }

  /**
   * Kafka headers of the dead letter: {@code original} without any {@code sluice-dlq-*} header, then
   * those of {@code d}. {@code traceparent} is kept as the original has it (or set from {@code d}).
   */
  public static List<Header> kafka(Iterable<Header> original, DeadLetter d) {
    List<Header> out = new ArrayList<>();
    boolean trace = false;
    if (original != null) {
      for (Header h : original) {
        if (!h.key().startsWith(PREFIX)) {
          out.add(h);
          trace |= h.key().equals("traceparent");
        }
      }
    }
    if (!trace && d.traceparent() != null) {
      out.add(new RecordHeader("traceparent", d.traceparent().getBytes(StandardCharsets.UTF_8)));
    }
    of(d).forEach((k, v) -> out.add(new RecordHeader(k, v.getBytes(StandardCharsets.UTF_8))));
    return out;
  }

  /** AMQP headers of the dead letter: {@code original} without any {@code sluice-dlq-*}, then those of {@code d}. */
  public static Map<String, Object> amqp(Map<String, Object> original, DeadLetter d) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (original != null) {
      original.forEach((k, v) -> {
        if (!k.startsWith(PREFIX)) {
          out.put(k, v);
        }
      });
    }
    if (!out.containsKey("traceparent") && d.traceparent() != null) {
      out.put("traceparent", d.traceparent());
    }
    out.putAll(of(d));
    return out;
  }
}
