package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.Envelopes;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.GatewayProcess;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.Http.Reply;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.Metrics;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * More load than the in-flight bound on the real jar with a small heap: the excess is refused at
 * once with 503 SLC-5001 and Retry-After (never anything else), admitted bytes never pass the
 * bound, the heap stays under -Xmx, the process lives on, and a normal request is accepted
 * afterwards.
 */
class OverloadIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  private static final int HEAP_MB = 160;
  private static final long MAX_IN_FLIGHT_BYTES = 8_388_608;
  private static final long MAX_IN_FLIGHT_EVENTS = 5_000;
  private static final int CLIENTS = 48;
  private static final int BODY_BYTES = 1 << 20;
  private static final Duration LOAD = Duration.ofSeconds(15);
  private static final int MAX_REQUESTS = 2_000;

  @Test
  void refusesLoadBeyondTheInFlightBoundWith503AndStaysWithinItsHeap() throws Exception {
    String topic = KAFKA.createTopic(KAFKA.uniqueTopic("overload"), 3);
    GatewayConfig config =
        GatewayConfig.forKafka(KAFKA.bootstrap())
            .set("limits.max-in-flight-bytes", MAX_IN_FLIGHT_BYTES)
            .set("limits.max-in-flight-events", MAX_IN_FLIGHT_EVENTS)
            .set("http.max-batch-events", MAX_IN_FLIGHT_EVENTS) // at most the in-flight bound
            .route("#", topic);
    List<byte[]> bodies = new ArrayList<>();
    for (int b = 0; b < 4; b++) {
      bodies.add(batchOfAbout(BODY_BYTES));
    }
    Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
    AtomicInteger requests = new AtomicInteger();
    AtomicLong maxInFlightBytes = new AtomicLong();
    AtomicLong maxInFlightEvents = new AtomicLong();
    AtomicLong maxHeapUsed = new AtomicLong();
    AtomicInteger samples = new AtomicInteger();

    try (Http http = new Http(Duration.ofSeconds(60));
        GatewayProcess gateway =
            GatewayProcess.start(
                config,
                GatewayProcess.options().name("overload").heap(HEAP_MB + "m"),
                http,
                Duration.ofSeconds(60))) {
      ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
      sampler.scheduleWithFixedDelay(
          () -> {
            try {
              Metrics m = Metrics.parse(http.get(gateway.adminUri("/metrics")).text());
              maxInFlightBytes.accumulateAndGet((long) m.sum("sluice_inflight_bytes"), Math::max);
              maxInFlightEvents.accumulateAndGet((long) m.sum("sluice_inflight_events"), Math::max);
              // the old generation: what survives collections (eden fills to the brim between
              // young collections by design, so the whole heap may read 100% at a sample)
              maxHeapUsed.accumulateAndGet((long) m.samples().stream()
                  .filter(s -> s.name().equals("jvm_memory_used_bytes") && "heap".equals(s.labels().get("area"))
                      && s.labels().getOrDefault("id", "").matches("(?i).*(old|tenured).*"))
                  .mapToDouble(Metrics.Sample::value).sum(), Math::max);
              samples.incrementAndGet();
            } catch (IOException | RuntimeException e) {
              unexpected.add("/metrics: " + e);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          },
          0,
          100,
          TimeUnit.MILLISECONDS);
      long deadline = System.nanoTime() + LOAD.toNanos();
      ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
      try {
        for (int c = 0; c < CLIENTS; c++) {
          int client = c;
          clients.execute(
              () -> {
                int n = 0;
                while (System.nanoTime() < deadline && requests.incrementAndGet() <= MAX_REQUESTS) {
                  try {
                    Reply r =
                        http.post(
                            gateway.eventsUri(),
                            Http.NDJSON,
                            bodies.get((client + n++) % bodies.size()));
                    statuses
                        .computeIfAbsent(r.status(), s -> new AtomicInteger())
                        .incrementAndGet();
                    if (r.status() == 503) {
                      if (!"SLC-5001".equals(r.json().getString("code"))
                          || !"1".equals(r.header("retry-after"))) {
                        unexpected.add(
                            "503 without SLC-5001 and Retry-After: 1: "
                                + r.headers().map()
                                + " "
                                + r);
                      }
                    } else if (r.status() != 202) {
                      unexpected.add(r.toString());
                    }
                  } catch (IOException e) {
                    unexpected.add("transport: " + e);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              });
        }
      } finally {
        clients.shutdown();
        if (!clients.awaitTermination(LOAD.toSeconds() + 120, TimeUnit.SECONDS)) {
          clients.shutdownNow();
        }
        sampler.shutdown();
        sampler.awaitTermination(10, TimeUnit.SECONDS);
      }

      System.out.printf(
          "OverloadIT: %s requests, statuses %s; max in flight %d bytes / %d events; max old gen used"
              + " %d MiB; %d samples%n",
          Math.min(requests.get(), MAX_REQUESTS),
          statuses,
          maxInFlightBytes.get(),
          maxInFlightEvents.get(),
          maxHeapUsed.get() >> 20,
          samples.get());
      assertThat(gateway.isAlive()).as("gateway alive (log:\n%s)", gateway.logTail(30)).isTrue();
      assertThat(unexpected).as("answers other than 202 or 503 SLC-5001").isEmpty();
      assertThat(statuses.keySet()).containsOnly(202, 503);
      assertThat(statuses.get(503)).as("503s").isNotNull();
      assertThat(statuses.get(202)).as("202s").isNotNull();
      assertThat(samples.get()).as("/metrics samples during the load").isGreaterThanOrEqualTo(10);
      assertThat(maxInFlightBytes.get())
          .as("sluice_inflight_bytes")
          .isLessThanOrEqualTo(MAX_IN_FLIGHT_BYTES);
      assertThat(maxInFlightEvents.get())
          .as("sluice_inflight_events")
          .isLessThanOrEqualTo(MAX_IN_FLIGHT_EVENTS);
      assertThat(maxHeapUsed.get()).as("old generation used").isPositive().isLessThan((long) HEAP_MB << 20);

      Metrics m = Metrics.parse(http.get(gateway.adminUri("/metrics")).text());
      assertThat(m.sum("sluice_ingest_rejections_total", Map.of("reason", "overloaded")))
          .as("503s counted in /metrics")
          .isEqualTo(statuses.get(503).get());
      assertThat(http.get(gateway.adminUri("/health/live")).status()).isEqualTo(200);
      Reply after =
          http.post(
              gateway.eventsUri(),
              Http.JSON,
              Envelopes.envelope(Envelopes.newId(), "overload.after"));
      assertThat(after.status()).as("a normal request after the load: %s", after).isEqualTo(202);
    }
  }

  /**
   * An NDJSON batch of about {@code bytes} bytes: events with 2 KiB payloads (compressible, like
   * logs).
   */
  private static byte[] batchOfAbout(int bytes) {
    String pad = "lorem ipsum dolor sit amet ".repeat(76);
    List<String> lines = new ArrayList<>();
    int size = 0;
    while (size < bytes) {
      String e =
          Envelopes.envelope(
              Envelopes.newId(), "overload.load", null, null, "{\"text\":\"" + pad + "\"}");
      lines.add(e);
      size += e.length() + 1;
    }
    return Envelopes.ndjson(lines);
  }
}
