package dev.sluice.ingest;

import static dev.sluice.testsupport.Envelopes.newId;
import static dev.sluice.testsupport.GrpcIngestClient.envelopeOf;
import static dev.sluice.testsupport.GrpcIngestClient.event;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.grpc.v1.EventResult;
import dev.sluice.grpc.v1.IngestEvent;
import dev.sluice.grpc.v1.StreamRequest;
import dev.sluice.grpc.v1.StreamResponse;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.GrpcIngestClient;
import dev.sluice.testsupport.GrpcJava;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.TestGateway;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@code Ingest.Stream} call against a real Kafka with grpc-java as the client: a hello with the
 * credits, an ack per message with a result per event, in order; the client sends within its credits;
 * Kafka holds exactly the acked events; a message beyond the credits is refused on its own.
 */
class GrpcStreamIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  private static final int CREDITS = 1000;
  private static final Duration READ = Duration.ofSeconds(120);

  private static Http http;
  private static TestGateway gateway;
  private static ManagedChannel channel;
  private static String topic;
  private static String edgeTopic;

  @BeforeAll
  static void startGateway() throws Exception {
    topic = KAFKA.createTopic(KAFKA.uniqueTopic("grpc-stream"), 6);
    edgeTopic = KAFKA.createTopic(KAFKA.uniqueTopic("grpc-stream-edge"), 1);
    http = new Http();
    gateway = TestGateway.startReady(GatewayConfig.forKafka(KAFKA.bootstrap())
        .set("grpc.stream-credits", CREDITS)
        .route("stream.#", topic)
        .route("edge.#", edgeTopic), http);
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

  /** What the server sent on one call, and a permit per credit it granted. */
  private static final class Received implements StreamObserver<StreamResponse> {
    final ConcurrentLinkedQueue<StreamResponse> responses = new ConcurrentLinkedQueue<>();
    final Semaphore credits = new Semaphore(0);
    final CompletableFuture<Void> done = new CompletableFuture<>();

    @Override
    public void onNext(StreamResponse r) {
      responses.add(r);
      if (r.hasHello()) {
        credits.release(r.getHello().getCredits());
      } else if (r.hasAck()) {
        credits.release(r.getAck().getCredits());
      }
    }

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      done.complete(null);
    }
  }

  @Test
  void streams100000EventsWithPerEventAcksAndKafkaHoldsExactlyTheAckedOnes() throws Exception {
    int messages = 1000;
    int perMessage = 100;
    Map<String, IngestEvent> sent = new HashMap<>();
    List<List<String>> idsByMessage = new ArrayList<>();
    Received in = new Received();
    StreamObserver<StreamRequest> out = GrpcIngestClient.stream(channel, in);
    for (int m = 0; m < messages; m++) {
      StreamRequest.Builder req = StreamRequest.newBuilder();
      List<String> ids = new ArrayList<>(perMessage);
      for (int i = 0; i < perMessage; i++) {
        IngestEvent e = event(newId(), "stream.created");
        req.addEvents(e);
        sent.put(e.getEventId(), e);
        ids.add(e.getEventId());
      }
      idsByMessage.add(ids);
      assertThat(in.credits.tryAcquire(perMessage, 60, TimeUnit.SECONDS)).as("credits for message " + (m + 1)).isTrue();
      out.onNext(req.build());
    }
    out.onCompleted();
    in.done.get(120, TimeUnit.SECONDS); // the server ends the call once every message is acked

    List<StreamResponse> responses = new ArrayList<>(in.responses);
    assertThat(responses.get(0).getHello().getCredits()).isEqualTo(CREDITS);
    assertThat(responses.get(0).getHello().getProtocol()).isEqualTo("sluice.stream.v1");
    assertThat(responses).hasSize(messages + 1);
    Map<String, String> acked = new HashMap<>();
    for (int m = 0; m < messages; m++) {
      StreamResponse r = responses.get(m + 1);
      assertThat(r.getAck().getMessage()).as("acks in message order").isEqualTo(m + 1);
      assertThat(r.getAck().getCredits()).isEqualTo(perMessage);
      assertThat(r.getAck().getAccepted()).isEqualTo(perMessage);
      for (int i = 0; i < perMessage; i++) {
        EventResult res = r.getAck().getResults(i);
        assertThat(res.getEventId()).isEqualTo(idsByMessage.get(m).get(i));
        acked.put(res.getEventId(), res.getAccepted().getPartition() + "/" + res.getAccepted().getOffset());
      }
    }
    assertThat(acked).hasSize(messages * perMessage);

    List<ConsumerRecord<byte[], byte[]>> records = KAFKA.kafkaOps().consumeAll(topic, READ);
    Map<String, String> held = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> rec : records) {
      String id = new String(rec.key(), StandardCharsets.UTF_8);
      assertThat(held.put(id, rec.partition() + "/" + rec.offset())).as("one record per event").isNull();
      assertThat(new String(rec.value(), StandardCharsets.UTF_8)).isEqualTo(envelopeOf(sent.get(id)));
    }
    assertThat(held).isEqualTo(acked);
  }

  @Test
  void aGatewayShuttingDownEndsOpenStreamsWithUnavailableAfterAckingWhatItTook() throws Exception {
    String byeTopic = KAFKA.createTopic(KAFKA.uniqueTopic("grpc-stream-bye"), 1);
    TestGateway closing = TestGateway.startReady(GatewayConfig.forKafka(KAFKA.bootstrap()).route("bye.#", byeTopic),
        http);
    ManagedChannel c = GrpcJava.channel(closing.ingestUri("/").getPort());
    boolean closed = false;
    try {
      Received in = new Received();
      StreamObserver<StreamRequest> out = GrpcIngestClient.stream(c, in);
      out.onNext(StreamRequest.newBuilder().addEvents(event(newId(), "bye.created")).build());
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> in.responses.size() == 2);
      closed = true;
      closing.close();
      Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> in.done.get(30, TimeUnit.SECONDS));
      io.grpc.StatusRuntimeException e = (io.grpc.StatusRuntimeException) t.getCause();
      assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE);
      assertThat(GrpcIngestClient.reason(e)).isEqualTo("SLC-5003");
      assertThat(new ArrayList<>(in.responses).get(1).getAck().getAccepted()).isEqualTo(1);
    } finally {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      if (!closed) {
        closing.close();
      }
    }
  }

  @Test
  void aMessageBeyondTheCreditsIsRefusedAloneAndInvalidEventsAreRefusedWithPointers() throws Exception {
    Received in = new Received();
    StreamObserver<StreamRequest> out = GrpcIngestClient.stream(channel, in);
    StreamRequest.Builder tooMany = StreamRequest.newBuilder();
    for (int i = 0; i <= CREDITS; i++) {
      tooMany.addEvents(event(newId(), "edge.created"));
    }
    out.onNext(tooMany.build());
    IngestEvent valid = event(newId(), "edge.created");
    out.onNext(StreamRequest.newBuilder().addEvents(valid)
        .addEvents(event(newId(), "edge.created").toBuilder().clearSource().build()).build());
    out.onCompleted();
    in.done.get(60, TimeUnit.SECONDS);

    List<StreamResponse> responses = new ArrayList<>(in.responses);
    assertThat(responses).hasSize(3);
    assertThat(responses.get(1).getError().getMessage()).isEqualTo(1);
    assertThat(responses.get(1).getError().getCode()).isEqualTo("SLC-1009");
    assertThat(responses.get(1).getError().getRetryable()).isTrue();
    StreamResponse ack = responses.get(2);
    assertThat(ack.getAck().getMessage()).isEqualTo(2);
    assertThat(ack.getAck().getAccepted()).isEqualTo(1);
    assertThat(ack.getAck().getResults(1).getRefused().getViolations(0).getField()).isEqualTo("/1/source");
    List<ConsumerRecord<byte[], byte[]>> records = KAFKA.kafkaOps().consumeAll(edgeTopic, READ);
    assertThat(records).hasSize(1);
    assertThat(new String(records.get(0).value(), StandardCharsets.UTF_8)).isEqualTo(envelopeOf(valid));
  }

  @Test
  void dataInUtf16IsRefusedInItsAckAndTheCallGoesOn() throws Exception {
    Received in = new Received();
    StreamObserver<StreamRequest> out = GrpcIngestClient.stream(channel, in);
    out.onNext(StreamRequest.newBuilder().addEvents(event(newId(), "edge.created").toBuilder()
        .setData(com.google.protobuf.ByteString.copyFrom("{\"n\":1}", StandardCharsets.UTF_16BE)).build()).build());
    out.onNext(StreamRequest.newBuilder().addEvents(event(newId(), "edge.created")).build());
    out.onCompleted();
    in.done.get(60, TimeUnit.SECONDS); // before the fix: UNKNOWN, the call died on the first message

    List<StreamResponse> responses = new ArrayList<>(in.responses);
    assertThat(responses).hasSize(3);
    assertThat(responses.get(1).getAck().getMessage()).isEqualTo(1);
    assertThat(responses.get(1).getAck().getAccepted()).isZero();
    assertThat(responses.get(1).getAck().getResults(0).getRefused().getCode()).isEqualTo("SLC-1005");
    assertThat(responses.get(1).getAck().getResults(0).getRefused().getViolations(0).getField())
        .isEqualTo("/0/data");
    assertThat(responses.get(2).getAck().getMessage()).isEqualTo(2);
    assertThat(responses.get(2).getAck().getAccepted()).isEqualTo(1);
  }
}
