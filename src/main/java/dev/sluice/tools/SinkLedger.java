package dev.sluice.tools;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a {@link SinkServer} received: totals always, and with {@code record} each delivery, the distinct
 * event ids processed, the duplicates and the order violations. A delivery is <em>processed</em> when
 * the service took it: answered 2xx, or held unanswered (a timeout: the work is done, the answer lost).
 * Safe from several event loops.
 */
public final class SinkLedger {

  /**
   * One call.
   *
   * @param eventId its {@code event-id} header (else {@code Idempotency-Key}, else the envelope's eventId)
   * @param key the envelope's partition key: its {@code aggregateId}, else the event id
   * @param sequence {@code data.<sequence-field>}, or null
   * @param headers its headers, names in lower case (the first value of each)
   * @param status the status answered; 0: never answered (held until the client gave up)
   * @param at when it came
   */
  public record Delivery(String eventId, String key, Long sequence, Map<String, String> headers, int status,
      Instant at) {

    /** Answered 2xx. */
    public boolean ok() {
      return status >= 200 && status < 300;
    }

    /** Taken by the service: answered 2xx, or held unanswered. */
    public boolean processed() {
      return ok() || status == 0;
    }
  }

  /**
   * The counts; the last three are null unless the server records.
   *
   * @param calls deliveries received (POSTs)
   * @param ok answered 2xx
   * @param failed answered 500 or 503 (the fail rate)
   * @param poison answered 400 (the poison field)
   * @param held never answered (the timeout rate)
   * @param distinctProcessed distinct event ids processed
   * @param duplicates processed deliveries of an event id processed before
   * @param orderViolations processed deliveries whose sequence is lower than that of an earlier processed
   *     delivery of the same key (only with a sequence field)
   */
  public record Stats(long calls, long ok, long failed, long poison, long held, Long distinctProcessed,
      Long duplicates, Long orderViolations) {

    public JsonObject toJson() {
      return new JsonObject().put("calls", calls).put("ok", ok).put("failed", failed).put("poison", poison)
          .put("held", held).put("distinctProcessed", distinctProcessed).put("duplicates", duplicates)
          .put("orderViolations", orderViolations);
    }
  }

  private final boolean record;
  private final LongAdder calls = new LongAdder();
  private final LongAdder ok = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder poison = new LongAdder();
  private final LongAdder held = new LongAdder();
  private final List<Delivery> deliveries = new ArrayList<>();
  private final Set<String> processed = new HashSet<>();
  private final Map<String, Long> highest = new HashMap<>();
  private long duplicates;
  private long orderViolations;

  SinkLedger(boolean record) {
    this.record = record;
  }

  /** Whether a call's details are wanted ({@link #add(Delivery)}); else {@link #count(int)} suffices. */
  boolean records() {
    return record;
  }

  void count(int status) {
    calls.increment();
    if (status >= 200 && status < 300) {
      ok.increment();
    } else if (status == 0) {
      held.increment();
    } else if (status == 400) {
      poison.increment();
    } else {
      failed.increment();
    }
  }

  synchronized void add(Delivery d) {
    count(d.status());
    deliveries.add(d);
    if (!d.processed()) {
      return;
    }
    if (d.eventId() != null && !processed.add(d.eventId())) {
      duplicates++;
    }
    if (d.sequence() != null && d.key() != null) {
      Long before = highest.get(d.key());
      if (before != null && d.sequence() < before) {
        orderViolations++;
      } else {
        highest.put(d.key(), d.sequence());
      }
    }
  }

  public synchronized Stats stats() {
    return new Stats(calls.sum(), ok.sum(), failed.sum(), poison.sum(), held.sum(),
        record ? (long) processed.size() : null, record ? duplicates : null, record ? orderViolations : null);
  }

  /** The deliveries in arrival order (empty unless recording). */
  public synchronized List<Delivery> deliveries() {
    return List.copyOf(deliveries);
  }
}
