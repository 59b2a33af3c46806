package dev.sluice.ingest;

import static dev.sluice.testsupport.Envelopes.newId;
import static dev.sluice.testsupport.GrpcIngestClient.envelopeOf;
import static dev.sluice.testsupport.GrpcIngestClient.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.sluice.grpc.v1.EventResult;
import dev.sluice.grpc.v1.IngestEvent;
import dev.sluice.grpc.v1.PublishRequest;
import dev.sluice.grpc.v1.PublishResponse;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.GrpcIngestClient;
import dev.sluice.testsupport.GrpcJava;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.Metrics;
import dev.sluice.testsupport.Ports;
import dev.sluice.testsupport.TestGateway;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCalls;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * gRPC ingest ({@code sluice.v1.Ingest} on the ingest port) against a real Kafka, with grpc-java as
 * the client: unary batches and their per-event results, errors as google.rpc.Status with the pointers,
 * overload, the message size limit, health and reflection. The Stream call is in {@link GrpcStreamIT}.
 */
class GrpcIngestIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  static final int MAX_MESSAGE_BYTES = 262_144;
  private static final Duration READ = Duration.ofSeconds(60);

  private static Http http;
  private static TestGateway gateway;
  private static ManagedChannel channel;
  private static String unaryTopic;
  private static String invalidTopic;

  @BeforeAll
  static void startGateway() throws Exception {
    unaryTopic = KAFKA.createTopic(KAFKA.uniqueTopic("grpc-unary"), 6);
    invalidTopic = KAFKA.createTopic(KAFKA.uniqueTopic("grpc-invalid"), 1);
    http = new Http();
    gateway = TestGateway.startReady(GatewayConfig.forKafka(KAFKA.bootstrap())
        .set("grpc.max-message-bytes", MAX_MESSAGE_BYTES)
        .route("unary.#", unaryTopic)
        .route("invalid.#", invalidTopic), http);
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

  @Test
  void publishes10000EventsInBatchesAndKafkaHoldsExactlyThemAtTheAnsweredPositions() {
    Map<String, IngestEvent> sent = new HashMap<>();
    Map<String, String> positionOf = new HashMap<>();
    double acceptedBefore = acceptedByGrpc();
    for (int b = 0; b < 20; b++) {
      List<IngestEvent> batch = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        IngestEvent e = event(newId(), "unary.created");
        batch.add(e);
        sent.put(e.getEventId(), e);
      }
      PublishResponse r = GrpcIngestClient.publish(channel, batch);
      assertThat(r.getAccepted()).isEqualTo(500);
      assertThat(r.getResultsCount()).isEqualTo(500);
      for (int i = 0; i < 500; i++) {
        EventResult res = r.getResults(i);
        assertThat(res.getIndex()).isEqualTo(i);
        assertThat(res.getEventId()).isEqualTo(batch.get(i).getEventId());
        assertThat(res.getAccepted().getStatus()).isEqualTo("accepted");
        assertThat(res.getAccepted().getTopic()).isEqualTo(unaryTopic);
        positionOf.put(res.getEventId(), res.getAccepted().getPartition() + "/" + res.getAccepted().getOffset());
      }
    }
    List<ConsumerRecord<byte[], byte[]>> records = KAFKA.kafkaOps().consumeAll(unaryTopic, READ);
    assertThat(records).hasSize(10_000);
    Map<String, String> held = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> rec : records) {
      String id = new String(rec.key(), StandardCharsets.UTF_8);
      assertThat(held.put(id, rec.partition() + "/" + rec.offset())).as("one record per event").isNull();
      assertThat(new String(rec.value(), StandardCharsets.UTF_8)).isEqualTo(envelopeOf(sent.get(id)));
    }
    assertThat(held).isEqualTo(positionOf);
    assertThat(acceptedByGrpc() - acceptedBefore).as("sluice_ingest_events_total{protocol=grpc,result=accepted}")
        .isEqualTo(10_000);
  }

  private static double acceptedByGrpc() {
    try {
      Http.Reply r = http.get(gateway.adminUri("/metrics"));
      return Metrics.parse(r.text()).sum("sluice_ingest_events_total", Map.of("protocol", "grpc", "result", "accepted"));
    } catch (java.io.IOException | InterruptedException e) {
      throw new AssertionError("cannot read /metrics: " + e, e);
    }
  }

  @Test
  void withoutKafkaPublishIsUnavailableAndHealthNotServing() throws Exception {
    // nothing listens on the bootstrap port and no spool or fallback is configured
    try (TestGateway alone = TestGateway.start(GatewayConfig.forKafka("127.0.0.1:" + Ports.free())
            .route("unary.#", unaryTopic))) {
      ManagedChannel c = GrpcJava.channel(alone.ingestUri("/").getPort());
      try {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
            () -> GrpcIngestClient.publish(c, List.of(event(newId(), "unary.created"))));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(GrpcIngestClient.reason(e)).isEqualTo("SLC-5002");
        assertThat(HealthGrpc.newBlockingStub(c).check(HealthCheckRequest.getDefaultInstance()).getStatus())
            .isEqualTo(HealthCheckResponse.ServingStatus.NOT_SERVING);
      } finally {
        c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void invalidEventsGetInvalidArgumentWithThePointersAndNothingIsPublished() {
    List<IngestEvent> batch = List.of(
        event(newId(), "invalid.created").toBuilder().clearEventType().build(),
        event(newId(), "invalid.created").toBuilder().setData(ByteString.copyFromUtf8("{\"n\":1},\"x\":2")).build(),
        event("not-a-uuid", "invalid.created"));
    StatusRuntimeException e =
        catchThrowableOfType(StatusRuntimeException.class, () -> GrpcIngestClient.publish(channel, batch));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(GrpcIngestClient.reason(e)).isEqualTo("SLC-1005");
    List<String> violations = GrpcIngestClient.violations(e);
    assertThat(violations).anyMatch(v -> v.startsWith("/0/eventType: "));
    assertThat(violations).anyMatch(v -> v.startsWith("/1/data: "));
    assertThat(violations).anyMatch(v -> v.startsWith("/2/eventId: "));
    PublishResponse results = GrpcIngestClient.results(e);
    assertThat(results.getRejected()).isEqualTo(3);
    assertThat(results.getResults(2).getRefused().getViolations(0).getField()).isEqualTo("/2/eventId");

    // one valid, one invalid: OK, a result each
    IngestEvent valid = event(newId(), "invalid.created");
    PublishResponse mixed = GrpcIngestClient.publish(channel,
        List.of(valid, event(newId(), "invalid.created").toBuilder().setOccurredAt("yesterday").build()));
    assertThat(mixed.getAccepted()).isEqualTo(1);
    assertThat(mixed.getResults(1).getRefused().getCode()).isEqualTo("SLC-1005");
    assertThat(mixed.getResults(1).getRefused().getViolations(0).getField()).isEqualTo("/1/occurredAt");
    List<ConsumerRecord<byte[], byte[]>> records = KAFKA.kafkaOps().consumeAll(invalidTopic, READ);
    assertThat(records).hasSize(1);
    assertThat(new String(records.get(0).value(), StandardCharsets.UTF_8)).isEqualTo(envelopeOf(valid));
  }

  @Test
  void aMessageOverTheLimitGetsResourceExhaustedAndTheServerKeepsServing() {
    String big = "{\"pad\":\"" + "x".repeat(MAX_MESSAGE_BYTES) + "\"}";
    IngestEvent tooBig = event(newId(), "unary.big").toBuilder().setData(ByteString.copyFromUtf8(big)).build();
    StatusRuntimeException e =
        catchThrowableOfType(StatusRuntimeException.class, () -> GrpcIngestClient.publish(channel, List.of(tooBig)));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(GrpcIngestClient.reason(e)).isEqualTo("SLC-1002");
    assertThat(e.getStatus().getDescription()).startsWith("SLC-1002: a message of ").endsWith("(grpc.max-message-bytes)");
    PublishResponse after = GrpcIngestClient.publish(channel, List.of(event(newId(), "unary.after")));
    assertThat(after.getAccepted()).isEqualTo(1);
  }

  @Test
  void anEmptyRequestIsInvalidArgument() {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
        () -> ClientCalls.blockingUnaryCall(channel, GrpcIngestClient.PUBLISH, CallOptions.DEFAULT,
            PublishRequest.getDefaultInstance()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(GrpcIngestClient.reason(e)).isEqualTo("SLC-1008");
  }

  @Test
  void aCallWithoutARequestMessageIsAnsweredInvalidArgument() {
    io.grpc.ClientCall<PublishRequest, PublishResponse> call = channel.newCall(GrpcIngestClient.PUBLISH,
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
    java.util.concurrent.CompletableFuture<Status> closed = new java.util.concurrent.CompletableFuture<>();
    call.start(new io.grpc.ClientCall.Listener<>() {
      @Override
      public void onClose(Status status, io.grpc.Metadata trailers) {
        closed.complete(status);
      }
    }, new io.grpc.Metadata());
    call.request(1);
    call.halfClose(); // no message
    Status status = closed.orTimeout(15, TimeUnit.SECONDS).join();
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).startsWith("SLC-1008");
  }

  @Test
  void healthFollowsReadinessAndReflectionListsTheServices() throws Exception {
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
    assertThat(health.check(HealthCheckRequest.newBuilder().setService("sluice.v1.Ingest").build()).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    StatusRuntimeException unknown = catchThrowableOfType(StatusRuntimeException.class,
        () -> health.check(HealthCheckRequest.newBuilder().setService("no.such.Service").build()));
    assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(health.watch(HealthCheckRequest.getDefaultInstance()).next().getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(GrpcReflection.listServices(channel))
        .contains("sluice.v1.Ingest", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection");
    assertThat(GrpcReflection.fileContaining(channel, "sluice.v1.Ingest")).isEqualTo("sluice/v1/ingest.proto");
  }

  @Test
  void overloadGetsResourceExhausted() throws Exception {
    String topic = KAFKA.createTopic(KAFKA.uniqueTopic("grpc-overload"), 3);
    try (Http h = new Http();
        TestGateway small = TestGateway.startReady(GatewayConfig.forKafka(KAFKA.bootstrap())
            .set("limits.max-in-flight-events", 10)
            .set("http.max-batch-events", 10)
            .set("websocket.credits", 10)
            .set("grpc.stream-credits", 10)
            .route("busy.#", topic), h)) {
      ManagedChannel c = GrpcJava.channel(small.ingestUri("/").getPort());
      try {
        List<com.google.common.util.concurrent.ListenableFuture<PublishResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
          List<IngestEvent> batch = new ArrayList<>();
          for (int j = 0; j < 10; j++) {
            batch.add(event(newId(), "busy.created"));
          }
          calls.add(ClientCalls.futureUnaryCall(c.newCall(GrpcIngestClient.PUBLISH, CallOptions.DEFAULT),
              PublishRequest.newBuilder().addAllEvents(batch).build()));
        }
        int accepted = 0;
        int exhausted = 0;
        for (var f : calls) {
          try {
            accepted += f.get(60, TimeUnit.SECONDS).getAccepted();
          } catch (ExecutionException x) {
            StatusRuntimeException s = (StatusRuntimeException) x.getCause();
            assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(GrpcIngestClient.reason(s)).isEqualTo("SLC-5001");
            exhausted++;
          }
        }
        assertThat(exhausted).as("calls refused as overloaded").isPositive();
        assertThat(accepted).isEqualTo((50 - exhausted) * 10);
        assertThat(KAFKA.kafkaOps().consumeAll(topic, READ)).hasSize(accepted);
      } finally {
        c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
