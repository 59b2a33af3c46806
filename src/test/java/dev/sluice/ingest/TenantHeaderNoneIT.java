package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.Envelopes;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.Http.Reply;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.TestGateway;
import java.time.Duration;
import java.util.List;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code auth.mode: none}: every caller is the anonymous tenant — no allow-list, no quota, and no
 * {@code tenant} Kafka header, whatever the client sends (an HTTP header {@code tenant}, a CloudEvents
 * extension {@code tenant}).
 */
class TenantHeaderNoneIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  private static String topic;
  private static Http http;
  private static TestGateway gateway;

  @BeforeAll
  static void startGateway() throws Exception {
    topic = KAFKA.createTopic(KAFKA.uniqueTopic("tenant-none"), 1);
    http = new Http();
    gateway = TestGateway.startReady(GatewayConfig.forKafka(KAFKA.bootstrap()).route("#", topic), http);
  }

  @AfterAll
  static void stopGateway() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (http != null) {
      http.close();
    }
  }

  @Test
  void publishesAnyTypeWithoutTenantHeaderWhateverTheClientSent() throws Exception {
    Reply envelope = http.post(gateway.eventsUri(), Http.JSON,
        Envelopes.envelope(Envelopes.newId(), "any.type.at.all"), "tenant", "forged");
    Reply cloudEvent = http.post(gateway.eventsUri(), "application/json", "{\"n\":1}",
        "ce-specversion", "1.0", "ce-id", Envelopes.newId(), "ce-source", "/it", "ce-type", "other.type",
        "ce-tenant", "forged");

    assertThat(envelope.status()).as(envelope.toString()).isEqualTo(202);
    assertThat(cloudEvent.status()).as(cloudEvent.toString()).isEqualTo(202);
    List<ConsumerRecord<byte[], byte[]>> records = KAFKA.consume(topic, 2, Duration.ofSeconds(20));
    assertThat(records).hasSize(2);
    for (ConsumerRecord<byte[], byte[]> r : records) {
      assertThat(StreamSupport.stream(r.headers().spliterator(), false).map(h -> h.key()))
          .doesNotContain("tenant");
    }
  }
}
