package dev.sluice.ingest;

import static dev.sluice.testsupport.Envelopes.newId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.sluice.grpc.v1.IngestEvent;
import dev.sluice.grpc.v1.PublishRequest;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.GrpcIngestClient;
import dev.sluice.testsupport.GrpcJava;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.TestGateway;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Publish refusals that must reach a grpc-java client as a readable google.rpc.Status: data that is not
 * UTF-8, hundreds of invalid events (the details trailer stays under grpc-java's 8 KiB of metadata), and
 * a request whose envelopes exceed the whole in-flight budget (refused for good, not "retry later").
 */
class GrpcRefusalsIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  private static final int BUDGET = 65_536;
  private static final int MAX_MESSAGE = BUDGET / 2;

  private static Http http;
  private static TestGateway gateway;
  private static ManagedChannel channel;

  @BeforeAll
  static void startGateway() throws Exception {
    String topic = KAFKA.createTopic(KAFKA.uniqueTopic("grpc-refusals"), 1);
    java.nio.file.Path schemas = dev.sluice.testsupport.TestDirs.create("grpc-schemas");
    java.nio.file.Files.createDirectories(schemas.resolve("r.paid"));
    java.nio.file.Files.writeString(schemas.resolve("r.paid/1.json"), "{\"$schema\": "
        + "\"https://json-schema.org/draft/2020-12/schema\", \"type\": \"object\", \"required\": [\"n\"], "
        + "\"properties\": {\"n\": {\"type\": \"integer\"}}}");
    http = new Http();
    gateway = TestGateway.startReady(GatewayConfig.forKafka(KAFKA.bootstrap())
        .set("schemas.dir", schemas.toString())
        .set("limits.max-in-flight-bytes", BUDGET)
        .set("http.max-body-bytes", MAX_MESSAGE)
        .set("websocket.max-message-bytes", MAX_MESSAGE)
        .set("grpc.max-message-bytes", MAX_MESSAGE)
        .producer("buffer.memory", 4 << 20)
        .route("r.#", topic), http);
    channel = GrpcJava.channel(gateway.ingestUri("/").getPort());
  }

  @AfterAll
  static void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (gateway != null) {
      gateway.close();
    }
    if (http != null) {
      http.close();
    }
  }

  private static StatusRuntimeException refusal(List<IngestEvent> events) {
    return catchThrowableOfType(StatusRuntimeException.class, () -> GrpcIngestClient.publish(channel, events));
  }

  @Test
  void dataInUtf16IsAViolationAtItsPointer() {
    IngestEvent e = GrpcIngestClient.event(newId(), "r.created").toBuilder()
        .setData(ByteString.copyFrom("{\"n\":1}", StandardCharsets.UTF_16LE)).build();
    StatusRuntimeException x = refusal(List.of(e));
    assertThat(x.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(GrpcIngestClient.reason(x)).isEqualTo("SLC-1005");
    assertThat(GrpcIngestClient.violations(x)).singleElement().asString()
        .startsWith("/0/data: must be UTF-8 JSON (RFC 8259)");
  }

  @Test
  void threeHundredInvalidEventsKeepTheirDetailsReadable() {
    List<IngestEvent> events = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      events.add(IngestEvent.newBuilder().setEventId(newId()).build());
    }
    StatusRuntimeException x = refusal(events);
    assertThat(x.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(GrpcIngestClient.reason(x)).isEqualTo("SLC-1005");
    List<String> vs = GrpcIngestClient.violations(x);
    assertThat(vs.get(0)).startsWith("/0/");
    assertThat(vs.get(vs.size() - 1)).contains("more violations were cut");
  }

  @Test
  void aRequestWhoseEnvelopesExceedTheWholeBudgetIsRefusedForGood() {
    List<IngestEvent> events = new ArrayList<>();
    for (int i = 0; i < 350; i++) {
      events.add(IngestEvent.newBuilder().setEventId(newId()).setEventType("r.c").setEventVersion("1")
          .setOccurredAt("2026-11-23T10:15:30Z").setSource("s").setAggregateId("a").setCorrelationId("a").setSubject("a")
          .setData(ByteString.copyFromUtf8("{}")).build());
    }
    long envelopes = 0;
    for (IngestEvent e : events) {
      envelopes += GrpcEnvelopes.envelope(e).length;
    }
    assertThat(PublishRequest.newBuilder().addAllEvents(events).build().getSerializedSize())
        .isLessThanOrEqualTo(MAX_MESSAGE);
    assertThat(envelopes).isGreaterThan(BUDGET);
    StatusRuntimeException x = refusal(events);
    assertThat(x.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(GrpcIngestClient.reason(x)).isEqualTo("SLC-1002");
    assertThat(x.getStatus().getDescription()).contains("limits.max-in-flight-bytes");
  }

  @Test
  void eventsAllRefusedForTheirPayloadAnswerThePayloadCode() {
    IngestEvent bad = GrpcIngestClient.event(newId(), "r.paid").toBuilder()
        .setData(ByteString.copyFromUtf8("{\"n\":\"x\"}")).build();
    StatusRuntimeException x = refusal(List.of(bad, bad.toBuilder().setEventId(newId()).build()));
    assertThat(x.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(GrpcIngestClient.reason(x)).isEqualTo("SLC-1012");
    assertThat(GrpcIngestClient.violations(x)).first().asString().startsWith("/0/data");
  }
}
