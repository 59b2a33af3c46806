package dev.sluice.ingest;

import static dev.sluice.testsupport.Envelopes.newId;
import static dev.sluice.testsupport.GrpcIngestClient.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.grpc.v1.IngestEvent;
import dev.sluice.grpc.v1.PublishResponse;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.GrpcIngestClient;
import dev.sluice.testsupport.GrpcJava;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.PostgresDb;
import dev.sluice.testsupport.TestGateway;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@code idempotency-key} metadata on {@code Ingest.Publish}, sent by grpc-java: a retry is
 * answered the first answer again (marked {@code idempotent-replayed}) and publishes nothing; another
 * request with the key is refused; a malformed key is INVALID_ARGUMENT. Real Kafka and PostgreSQL.
 */
class GrpcIdempotencyIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  private static final Metadata.Key<String> KEY = Metadata.Key.of("idempotency-key", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> REPLAYED =
      Metadata.Key.of("idempotent-replayed", Metadata.ASCII_STRING_MARSHALLER);

  private static Http http;
  private static TestGateway gateway;
  private static ManagedChannel channel;
  private static String topic;

  @BeforeAll
  static void start() throws Exception {
    topic = KAFKA.createTopic(KAFKA.uniqueTopic("grpc-idem"), 2);
    http = new Http();
    gateway = TestGateway.startReady(GatewayConfig.forKafka(KAFKA.bootstrap())
        .set("store.uri", PostgresDb.uri())
        .set("store.schema", PostgresDb.uniqueSchema())
        .route("idem.#", topic), http);
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

  /**
   * Publishes with {@code key}; the answer's metadata goes to {@code metadata}: its headers, or its
   * trailers when the call failed without a response (gRPC's trailers-only answer carries them there).
   */
  private static PublishResponse publish(String key, List<IngestEvent> events, AtomicReference<Metadata> metadata) {
    Metadata md = new Metadata();
    md.put(KEY, key);
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    io.grpc.Channel withKey = io.grpc.ClientInterceptors.intercept(channel,
        MetadataUtils.newAttachHeadersInterceptor(md), MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
    try {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(withKey, GrpcIngestClient.PUBLISH,
          io.grpc.CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
          dev.sluice.grpc.v1.PublishRequest.newBuilder().addAllEvents(events).build());
    } finally {
      metadata.set(headers.get() != null ? headers.get() : trailers.get());
    }
  }

  @Test
  void aRetryWithTheSameKeyIsTheFirstAnswerAgainAndPublishesNothing() {
    List<IngestEvent> events = List.of(event(newId(), "idem.created"), event(newId(), "idem.created"));
    String key = "grpc-" + newId();
    long before = KAFKA.kafkaOps().endOffsetsSum(topic);
    AtomicReference<Metadata> first = new AtomicReference<>();
    PublishResponse a = publish(key, events, first);
    assertThat(a.getAccepted()).isEqualTo(2);
    assertThat(first.get().get(REPLAYED)).isNull();
    AtomicReference<Metadata> again = new AtomicReference<>();
    PublishResponse b = publish(key, events, again);
    assertThat(b).isEqualTo(a);
    assertThat(again.get().get(REPLAYED)).isEqualTo("true");
    assertThat(KAFKA.kafkaOps().endOffsetsSum(topic) - before).as("records written for both calls").isEqualTo(2);

    // the same key with another request: refused, nothing published
    StatusRuntimeException other = catchThrowableOfType(StatusRuntimeException.class,
        () -> publish(key, List.of(event(newId(), "idem.created")), new AtomicReference<>()));
    assertThat(other.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(GrpcIngestClient.reason(other)).isEqualTo("SLC-1016");
    assertThat(KAFKA.kafkaOps().endOffsetsSum(topic) - before).isEqualTo(2);
  }

  @Test
  void aRefusedCallIsRefusedAgainTheSameWayAndAMalformedKeyIsInvalidArgument() {
    String key = "grpc-bad-" + newId();
    List<IngestEvent> invalid = List.of(event(newId(), "idem.created").toBuilder().setEventType("no dots!").build());
    StatusRuntimeException first = catchThrowableOfType(StatusRuntimeException.class,
        () -> publish(key, invalid, new AtomicReference<>()));
    AtomicReference<Metadata> headers = new AtomicReference<>();
    StatusRuntimeException again = catchThrowableOfType(StatusRuntimeException.class,
        () -> publish(key, invalid, headers));
    assertThat(first.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(again.getStatus().getCode()).isEqualTo(first.getStatus().getCode());
    assertThat(again.getStatus().getDescription()).isEqualTo(first.getStatus().getDescription());
    assertThat(GrpcIngestClient.violations(again)).isEqualTo(GrpcIngestClient.violations(first)).isNotEmpty();
    assertThat(headers.get().get(REPLAYED)).isEqualTo("true");

    StatusRuntimeException malformed = catchThrowableOfType(StatusRuntimeException.class,
        () -> publish("\"unterminated", List.of(event(newId(), "idem.created")), new AtomicReference<>()));
    assertThat(malformed.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(GrpcIngestClient.reason(malformed)).isEqualTo("SLC-1015");
  }

}
