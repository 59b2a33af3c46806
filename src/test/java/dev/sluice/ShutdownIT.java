package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.testsupport.Envelopes;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.GatewayProcess;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.Http.Reply;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.KafkaOps;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SIGTERM to the real jar under a steady stream from several clients: it drains and exits 0 within
 * the drain timeout, answers nothing but 202 or 503 SLC-5003 meanwhile (or the connection is
 * refused once the listener is gone), and every event it answered 202 is in Kafka.
 */
class ShutdownIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  private static final int DRAIN_TIMEOUT_MS = 10_000;

  /** What the JVM may need past the drain: undeploy, producer close, exit. */
  private static final int EXIT_MARGIN_MS = 5_000;

  private static final int CLIENTS = 8;
  private static final int EVENTS_PER_REQUEST = 10;
  private static final int ACCEPTED_BEFORE_SIGTERM = 300;

  @Test
  void drainsOnSigtermAndExits0WithEveryAcceptedEventInKafka() throws Exception {
    String topic = KAFKA.createTopic(KAFKA.uniqueTopic("shutdown"), 3);
    GatewayConfig config =
        GatewayConfig.forKafka(KAFKA.bootstrap())
            .set("shutdown.drain-timeout-ms", DRAIN_TIMEOUT_MS)
            .route("#", topic);
    Set<String> accepted = ConcurrentHashMap.newKeySet();
    AtomicInteger acceptedRequests = new AtomicInteger();
    AtomicInteger shuttingDown = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    AtomicInteger closed = new AtomicInteger();
    AtomicInteger answeredAfterSigterm = new AtomicInteger();
    ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
    AtomicBoolean sigtermSent = new AtomicBoolean();
    OptionalInt exit;
    long drainMillis;

    try (Http http = new Http(Duration.ofSeconds(30));
        GatewayProcess gateway =
            GatewayProcess.start(
                config, GatewayProcess.options().name("shutdown"), http, Duration.ofSeconds(60))) {
      ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
      for (int c = 0; c < CLIENTS; c++) {
        clients.execute(
            () -> {
              while (true) {
                List<String> ids = new ArrayList<>(EVENTS_PER_REQUEST);
                List<String> lines = new ArrayList<>(EVENTS_PER_REQUEST);
                for (int i = 0; i < EVENTS_PER_REQUEST; i++) {
                  String id = Envelopes.newId();
                  ids.add(id);
                  lines.add(Envelopes.envelope(id, "shutdown.tick"));
                }
                boolean afterSigterm = sigtermSent.get();
                Reply r;
                try {
                  r = http.post(gateway.eventsUri(), Http.NDJSON, Envelopes.ndjson(lines));
                } catch (IOException e) {
                  if (afterSigterm || sigtermSent.get()) {
                    // the listener went away: this client is done
                    (e instanceof java.net.ConnectException ? refused : closed).incrementAndGet();
                  } else {
                    unexpected.add("before SIGTERM: " + e);
                  }
                  return;
                } catch (InterruptedException e) {
                  return;
                }
                if (sigtermSent.get()) {
                  answeredAfterSigterm.incrementAndGet();
                }
                if (r.status() == 202 && r.json().getInteger("accepted") == EVENTS_PER_REQUEST) {
                  accepted.addAll(ids);
                  acceptedRequests.incrementAndGet();
                } else if (r.status() == 503 && "SLC-5003".equals(r.json().getString("code"))) {
                  shuttingDown.incrementAndGet();
                  if (r.header("retry-after") == null) {
                    unexpected.add("503 without Retry-After: " + r);
                  }
                } else {
                  unexpected.add((sigtermSent.get() ? "after" : "before") + " SIGTERM: " + r);
                  return;
                }
              }
            });
      }
      try {
        await("a few hundred requests answered 202")
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(20))
            .until(
                () -> acceptedRequests.get() >= ACCEPTED_BEFORE_SIGTERM || !unexpected.isEmpty());
        assertThat(unexpected).as("answers before SIGTERM").isEmpty();

        long sigterm = System.nanoTime();
        sigtermSent.set(true);
        gateway.sigterm();
        exit = gateway.waitForExit(Duration.ofMillis(DRAIN_TIMEOUT_MS + EXIT_MARGIN_MS + 20_000));
        drainMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigterm);
      } finally {
        clients.shutdown();
        if (!clients.awaitTermination(60, TimeUnit.SECONDS)) {
          clients.shutdownNow();
        }
      }
      assertThat(exit).as("exit code (log:\n%s)", gateway.logTail(30)).hasValue(0);
    }

    System.out.printf(
        "ShutdownIT: %d requests accepted (%d events), %d answered after SIGTERM, %d x 503"
            + " SLC-5003, then %d clients were refused a connection and %d saw theirs closed; exit"
            + " after %d ms%n",
        acceptedRequests.get(),
        accepted.size(),
        answeredAfterSigterm.get(),
        shuttingDown.get(),
        refused.get(),
        closed.get(),
        drainMillis);
    assertThat(unexpected).as("answers other than 202 or 503 SLC-5003").isEmpty();
    assertThat(drainMillis)
        .as("ms from SIGTERM to exit")
        .isLessThanOrEqualTo(DRAIN_TIMEOUT_MS + EXIT_MARGIN_MS);

    Set<String> inKafka = new HashSet<>();
    KAFKA
        .consumeAll(topic, Duration.ofSeconds(60))
        .forEach(r -> inKafka.add(KafkaOps.header(r, "event-id")));
    assertThat(accepted).hasSizeGreaterThanOrEqualTo(ACCEPTED_BEFORE_SIGTERM * EVENTS_PER_REQUEST);
    Set<String> missing = new HashSet<>(accepted);
    missing.removeAll(inKafka);
    assertThat(missing).as("events answered 202 but not in Kafka").isEmpty();
  }
}
