package dev.sluice.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.Addresses;
import dev.sluice.bus.Batch;
import dev.sluice.bus.BatchOutcome;
import dev.sluice.bus.Event;
import dev.sluice.bus.GatewayState;
import dev.sluice.bus.LocalCodec;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.RecordFormat;
import dev.sluice.config.RoutingConfig;
import dev.sluice.config.RoutingConfig.Rule;
import dev.sluice.config.SluiceConfig;
import dev.sluice.testsupport.KafkaBroker;
import io.cloudevents.CloudEvent;
import io.cloudevents.kafka.CloudEventDeserializer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The record form is made at the Kafka edge: a batch shaped as the spool's relay sends it (its own trace
 * context per event, no request) gets its route's form, as an ingest batch does.
 */
class RelayedRecordFormIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  private static Vertx vertx;
  private static String binaryTopic;
  private static String nativeTopic;

  @BeforeAll
  static void deployPublisher() throws Exception {
    binaryTopic = KAFKA.createTopic(KAFKA.uniqueTopic("relay-binary"), 1);
    nativeTopic = KAFKA.createTopic(KAFKA.uniqueTopic("relay-native"), 1);
    SluiceConfig config = ConfigLoader.load((Path) null, Map.of("SLUICE_KAFKA_BOOTSTRAP_SERVERS", KAFKA.bootstrap()));
    RoutingConfig routing = new RoutingConfig(List.of(
        new Rule("relay.binary.#", binaryTopic, null, RecordFormat.CLOUDEVENTS_BINARY),
        new Rule("#", nativeTopic)));
    vertx = Vertx.vertx();
    LocalCodec.registerAll(vertx.eventBus());
    vertx.deployVerticle(new KafkaPublisherVerticle(config.kafka(), new GatewayState(), 64 << 20,
            new SimpleMeterRegistry(), routing))
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void close() throws Exception {
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aRelayedBatchGetsItsRoutesFormWithEachEventsTraceContext() throws Exception {
    Event binary = event("relay.binary.order.paid");
    Event plain = event("relay.plain.order.paid");
    Batch relayed = new Batch(List.of(binary, plain), new String[] {binaryTopic, nativeTopic}, null,
        new String[] {TRACEPARENT, null});

    BatchOutcome out = vertx.eventBus().<BatchOutcome>request(Addresses.KAFKA_PUBLISH, relayed)
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS).body();

    assertThat(out.outcomes()).allMatch(o -> o.isAccepted());
    ConsumerRecord<byte[], byte[]> b = KAFKA.consume(binaryTopic, 1, Duration.ofSeconds(30)).get(0);
    try (CloudEventDeserializer d = new CloudEventDeserializer()) {
      CloudEvent ce = d.deserialize(binaryTopic, b.headers(), b.value());
      assertThat(ce.getId()).isEqualTo(binary.eventId());
      assertThat(ce.getType()).isEqualTo("relay.binary.order.paid");
      assertThat(ce.getExtension("traceparent")).isEqualTo(TRACEPARENT);
      assertThat(ce.getExtension("correlationid")).isEqualTo("relay-corr");
      assertThat(new String(ce.getData().toBytes(), StandardCharsets.UTF_8)).isEqualTo("{\"n\":1}");
    }
    ConsumerRecord<byte[], byte[]> n = KAFKA.consume(nativeTopic, 1, Duration.ofSeconds(30)).get(0);
    assertThat(n.value()).isEqualTo(plain.value());
    assertThat(n.headers().lastHeader("ce_specversion")).isNull();
  }

  private static Event event(String type) {
    String id = UUID.randomUUID().toString();
    String env = "{\"eventId\":\"" + id + "\",\"eventType\":\"" + type + "\",\"eventVersion\":1,"
        + "\"occurredAt\":\"2026-11-29T12:00:00Z\",\"source\":\"spool\",\"data\":{\"n\":1}}";
    return new Event(0, id, type, "1", null, "relay-corr", env.getBytes(StandardCharsets.UTF_8));
  }
}
