package dev.sluice.ingest;

import dev.sluice.bus.Failure;
import dev.sluice.bus.Outcome;
import dev.sluice.schema.Rejection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The ingest meters, registered once per instance (Micrometer shares meters of the same name). */
final class IngestMetrics {

  /** The failures that happen to single events (the others refuse whole requests). */
  private static final Failure[] EVENT_FAILURES = {
    Failure.INVALID_ENVELOPE,
    Failure.INVALID_CLOUDEVENT,
    Failure.INVALID_PAYLOAD,
    Failure.UNKNOWN_SCHEMA_VERSION,
    Failure.CREDIT_EXCEEDED,
    Failure.UNKNOWN_EVENT_TYPE,
    Failure.EVENT_TOO_LARGE,
    Failure.KAFKA_UNAVAILABLE,
    Failure.SHUTTING_DOWN,
    Failure.BROKER_REJECTED,
    Failure.TOPIC_MISSING,
    Failure.OUTCOME_UNKNOWN,
    Failure.REFUSED_WITH_BATCH,
    Failure.SPOOL_FULL,
    Failure.FALLBACK_REJECTED
  };

  private final MeterRegistry registry;
  private final Counter accepted;
  private final Map<Failure, Counter> eventsByFailure = new EnumMap<>(Failure.class);
  private final Map<Failure, Counter> rejections = new EnumMap<>(Failure.class);
  private final Timer[] durationByStatus = new Timer[600];

  private final String protocol;

  /**
   * @param protocol the {@code protocol} tag: {@code http}, {@code websocket} or {@code grpc}
   */
  IngestMetrics(MeterRegistry registry, String protocol) {
    this.registry = registry;
    this.protocol = protocol;
    this.accepted = events("accepted", "none");
    for (Failure f : EVENT_FAILURES) {
      eventsByFailure.put(f, events(f.isClientError() ? "rejected" : "failed", f.reason()));
    }
    for (Failure f : Failure.values()) {
      rejections.put(
          f,
          Counter.builder("sluice.ingest.rejections")
              .description("Requests (HTTP), frames (WebSocket) or calls and messages (gRPC) refused as a whole, by reason")
              .tag("reason", f.reason())
              .tag("protocol", protocol)
              .register(registry));
    }
  }

  private Counter events(String result, String reason) {
    return Counter.builder("sluice.ingest.events")
        .description("Events by outcome")
        .tag("result", result)
        .tag("reason", reason)
        .tag("protocol", protocol)
        .register(registry);
  }

  void accepted(int n) {
    if (n > 0) {
      accepted.increment(n);
    }
  }

  void events(Failure failure, int n) {
    if (n > 0) {
      // a failure missing from EVENT_FAILURES gets its counter when first seen, never a 500
      eventsByFailure
          .computeIfAbsent(failure, f -> events(f.isClientError() ? "rejected" : "failed", f.reason()))
          .increment(n);
    }
  }

  /**
   * Counts the events of a request or frame once their outcomes are known: the rejected ones, and each
   * published one as accepted or by its failure. Returns how many were accepted.
   */
  int settled(List<Rejection> rejections, Outcome[] outcomes) {
    int accepted = 0;
    for (Outcome o : outcomes) {
      if (o.isAccepted()) {
        accepted++;
      } else {
        events(o.failure(), 1);
      }
    }
    accepted(accepted);
    for (Rejection r : rejections) {
      events(r.failure(), 1);
    }
    return accepted;
  }

  void rejected(Failure failure) {
    rejections.get(failure).increment();
  }

  void answered(int status, long startedNanos) {
    Timer t = durationByStatus[status];
    if (t == null) {
      t =
          Timer.builder("sluice.ingest.request.duration")
              .description("Request arrival to answer")
              .tag("status", Integer.toString(status))
              .publishPercentileHistogram()
              .register(registry);
      durationByStatus[status] = t;
    }
    t.record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
  }
}
