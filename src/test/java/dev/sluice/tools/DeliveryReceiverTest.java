package dev.sluice.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.sluice.grpc.v1.DeliverRequest;
import dev.sluice.grpc.v1.DeliverResponse;
import dev.sluice.grpc.v1.Event;
import dev.sluice.grpc.v1.Result;
import dev.sluice.testsupport.Envelopes;
import dev.sluice.testsupport.GrpcJava;
import dev.sluice.testsupport.SelfSignedCert;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The receiver (Vert.x gRPC server) called by a grpc-java client on a real port. */
@ExtendWith(VertxExtension.class)
class DeliveryReceiverTest {

  @TempDir Path dir;

  @Test
  void takesEveryEventAndAppendsOneJsonLineEach(Vertx vertx) throws Exception {
    Path out = dir.resolve("received.jsonl");
    DeliverRequest request = request(2);

    DeliverResponse response = call(vertx, options(0, ReceiverOptions.Fail.NONE, out),
        port -> deliver(port, request, 5000));

    assertThat(response.getResultsList()).extracting(Result::getStatus)
        .containsExactly(Result.Status.OK, Result.Status.OK);
    List<String> lines = Files.readAllLines(out);
    assertThat(lines).hasSize(2);
    JsonObject first = new JsonObject(lines.get(0));
    Event sent = request.getEvents(0);
    assertThat(first.getString("eventId")).isEqualTo(sent.getEventId());
    assertThat(first.getString("status")).isEqualTo("OK");
    assertThat(first.getString("eventType")).isEqualTo("order.created");
    assertThat(first.getString("topic")).isEqualTo("orders");
    assertThat(first.getString("key")).isEqualTo("order-0");
    assertThat(first.getString("traceparent")).isEqualTo(sent.getTraceparent());
    assertThat(first.getJsonObject("envelope").getString("eventId")).isEqualTo(sent.getEventId());
    assertThat(new JsonObject(lines.get(1)).getString("eventId")).isEqualTo(request.getEvents(1).getEventId());
  }

  @Test
  void toldToRejectAnswersRejectForEveryEventWithWhy(Vertx vertx) throws Exception {
    DeliverResponse response = call(vertx, options(0, ReceiverOptions.Fail.REJECT, dir.resolve("r.jsonl")),
        port -> deliver(port, request(3), 5000));

    assertThat(response.getResultsList()).hasSize(3).allSatisfy(r -> {
      assertThat(r.getStatus()).isEqualTo(Result.Status.REJECT);
      assertThat(r.getMessage()).contains("--fail reject");
    });
  }

  @Test
  void toldToBeUnavailableFailsTheCallWithThatStatus(Vertx vertx) throws Exception {
    assertThatThrownBy(() -> call(vertx, options(0, ReceiverOptions.Fail.UNAVAILABLE, null),
        port -> deliver(port, request(1), 5000)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).contains("--fail unavailable");
        });
  }

  @Test
  void slowerThanTheClientsDeadlineEndsInDeadlineExceeded(Vertx vertx) throws Exception {
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> call(vertx, options(3000, ReceiverOptions.Fail.NONE, dir.resolve("r.jsonl")),
        port -> deliver(port, request(1), 200)))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(2500);
  }

  @Test
  void servesTlsToAClientThatTrustsItsCertificate(Vertx vertx) throws Exception {
    SelfSignedCert cert = SelfSignedCert.create(dir);
    ReceiverOptions tls = new ReceiverOptions("127.0.0.1", 0, 0, ReceiverOptions.Fail.NONE, dir.resolve("r.jsonl"),
        cert.certPem(), cert.keyPem());

    DeliverResponse response = call(vertx, tls, port -> {
      ManagedChannel channel = Grpc.newChannelBuilderForAddress("localhost", port,
          TlsChannelCredentials.newBuilder().trustManager(cert.certPem().toFile()).build()).build();
      try {
        return GrpcJava.deliver(channel, request(1), 5000);
      } finally {
        channel.shutdownNow();
      }
    });

    assertThat(response.getResults(0).getStatus()).isEqualTo(Result.Status.OK);
  }

  // -- helpers

  private interface Client {
    DeliverResponse call(int port) throws IOException;
  }

  /** Starts a receiver, runs {@code client} against it off the event loop, closes the receiver. */
  private static DeliverResponse call(Vertx vertx, ReceiverOptions options, Client client) throws Exception {
    DeliveryReceiver receiver = DeliveryReceiver.start(vertx, options).await(10, TimeUnit.SECONDS);
    try {
      return client.call(receiver.port());
    } finally {
      receiver.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static DeliverResponse deliver(int port, DeliverRequest request, long deadlineMs) {
    ManagedChannel channel = GrpcJava.channel(port);
    try {
      return GrpcJava.deliver(channel, request, deadlineMs);
    } finally {
      channel.shutdownNow();
    }
  }

  private static ReceiverOptions options(long delayMs, ReceiverOptions.Fail fail, Path out) {
    return new ReceiverOptions("127.0.0.1", 0, delayMs, fail, out, null, null);
  }

  private static DeliverRequest request(int n) {
    DeliverRequest.Builder b = DeliverRequest.newBuilder();
    for (int i = 0; i < n; i++) {
      String id = Envelopes.newId();
      b.addEvents(Event.newBuilder()
          .setEventId(id)
          .setEventType("order.created")
          .setEventVersion("1")
          .setTopic("orders")
          .setKey("order-" + i)
          .setCorrelationId("corr")
          .setTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
          .setEnvelope(ByteString.copyFrom(Envelopes.envelope(id, "order.created", "order-" + i, "corr", "{}"),
              StandardCharsets.UTF_8)));
    }
    return b.build();
  }
}
