package dev.sluice.ingest;

import static dev.sluice.testsupport.Envelopes.newId;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import dev.sluice.grpc.v1.PublishRequest;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.GrpcIngestClient;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.KafkaBroker;
import dev.sluice.testsupport.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * gRPC calls as raw HTTP/2 requests (prior knowledge), shaped as no gRPC library sends them: each is
 * answered with a gRPC status, and none leaves an ERROR in the gateway's log.
 */
class GrpcWireIT {

  @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

  private static final Errors ERRORS = new Errors();
  private static String topic;
  private static Http http;
  private static TestGateway gateway;
  private static Vertx vertx;
  private static HttpClient client;

  @BeforeAll
  static void start() throws Exception {
    ERRORS.start();
    ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(ERRORS);
    topic = KAFKA.createTopic(KAFKA.uniqueTopic("grpc-wire"), 1);
    http = new Http();
    gateway = TestGateway.startReady(GatewayConfig.forKafka(KAFKA.bootstrap()).route("wire.#", topic), http);
    vertx = Vertx.vertx();
    client = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false).setDefaultHost("127.0.0.1")
        .setDefaultPort(gateway.ingestUri("/").getPort()), new PoolOptions());
  }

  @AfterAll
  static void stop() throws Exception {
    ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(ERRORS);
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
    if (gateway != null) {
      gateway.close();
    }
    if (http != null) {
      http.close();
    }
  }

  @BeforeEach
  void clearErrors() {
    ERRORS.lines.clear();
  }

  @Test
  void compressedMessageWithoutEncodingIsAnsweredInternalWithAnSlcCode() throws Exception {
    byte[] message = PublishRequest.newBuilder()
        .addEvents(GrpcIngestClient.event(newId(), "wire.compressed")).build().toByteArray();
    long before = KAFKA.endOffsetsSum(topic);
    for (int i = 0; i < 3; i++) {
      String[] status = call(Buffer.buffer().appendByte((byte) 1).appendInt(message.length).appendBytes(message));
      assertThat(status[0]).as("grpc-status").isEqualTo("13"); // INTERNAL, as the gRPC spec says
      assertThat(status[1]).as("grpc-message").startsWith("SLC-1004");
    }
    assertThat(KAFKA.endOffsetsSum(topic)).isEqualTo(before);
    assertThat(ERRORS.lines).isEmpty();
  }

  @Test
  void compressedMessageOnAStreamEndsItInternalAfterTheHello() throws Exception {
    byte[] message = dev.sluice.grpc.v1.StreamRequest.getDefaultInstance().toByteArray();
    String[] status = call("/sluice.v1.Ingest/Stream",
        Buffer.buffer().appendByte((byte) 1).appendInt(message.length).appendBytes(message));
    assertThat(status[0]).as("grpc-status").isEqualTo("13");
    assertThat(status[1]).as("grpc-message").startsWith("SLC-1004");
    assertThat(call(validCall())[0]).isEqualTo("0");
    assertThat(ERRORS.lines).isEmpty();
  }

  @Test
  void undecodableMessageFollowedByAnOversizeOneLeavesNoErrorInTheLog() throws Exception {
    // vertx-grpc cancels the call on the first message (not protobuf), then answers the second one's
    // size with RESOURCE_EXHAUSTED into the cancelled call: "The stream is failed: CANCELLED"
    Buffer body = Buffer.buffer().appendByte((byte) 0).appendInt(3).appendBytes(new byte[] {-1, -1, -1})
        .appendByte((byte) 0).appendInt(Integer.MAX_VALUE);
    for (int i = 0; i < 3; i++) {
      java.util.concurrent.CompletableFuture<Object> answer = client.request(HttpMethod.POST, "/sluice.v1.Ingest/Publish")
          .compose(req -> req.putHeader("content-type", "application/grpc").putHeader("te", "trailers").send(body))
          .<Object>map(resp -> resp.statusCode()).otherwise(err -> err.getClass().getSimpleName())
          .toCompletionStage().toCompletableFuture();
      assertThat(answer.get(5, TimeUnit.SECONDS)).as("answered or reset").isNotNull();
    }
    assertThat(call(validCall())[0]).isEqualTo("0");
    assertThat(ERRORS.lines).isEmpty();
  }

  @Test
  void callsCancelledRightAfterSendingLeaveNoErrorInTheLog() throws Exception {
    long before = KAFKA.endOffsetsSum(topic);
    int calls = 30;
    for (int i = 0; i < calls; i++) {
      byte[] message = PublishRequest.newBuilder()
          .addEvents(GrpcIngestClient.event(newId(), "wire.cancelled")).build().toByteArray();
      Buffer body = Buffer.buffer().appendByte((byte) 0).appendInt(message.length).appendBytes(message);
      client.request(HttpMethod.POST, "/sluice.v1.Ingest/Publish")
          .compose(req -> {
            req.putHeader("content-type", "application/grpc").putHeader("te", "trailers");
            return req.end(body).compose(v -> req.reset());
          })
          .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
    assertThat(call(validCall())[0]).isEqualTo("0");
    // a cancelled call that was read is published, then answered into a cancelled stream: for a while,
    // no ERROR (a call may also be cancelled before it is read: Kafka grows by at most the calls)
    Awaitility.await("no ERROR in the log").during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
        .until(() -> ERRORS.lines.isEmpty());
    assertThat(ERRORS.lines).isEmpty();
    assertThat(KAFKA.endOffsetsSum(topic) - before).isBetween(1L, calls + 1L);
  }

  private static Buffer validCall() {
    byte[] message = PublishRequest.newBuilder()
        .addEvents(GrpcIngestClient.event(newId(), "wire.valid")).build().toByteArray();
    return Buffer.buffer().appendByte((byte) 0).appendInt(message.length).appendBytes(message);
  }

  /** grpc-status and grpc-message of a Publish call with this body, answered within 5 s. */
  private static String[] call(Buffer body) throws Exception {
    return call("/sluice.v1.Ingest/Publish", body);
  }

  private static String[] call(String path, Buffer body) throws Exception {
    return client.request(HttpMethod.POST, path)
        .compose(req -> req.putHeader("content-type", "application/grpc").putHeader("te", "trailers").send(body))
        .compose(resp -> resp.body().map(b -> new String[] {header(resp, "grpc-status"),
            header(resp, "grpc-message")}))
        .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private static String header(HttpClientResponse resp, String name) {
    String v = resp.getHeader(name);
    return v != null ? v : resp.getTrailer(name);
  }

  /** The ERROR lines of any logger, with their stack traces. */
  private static final class Errors extends AppenderBase<ILoggingEvent> {
    final Queue<String> lines = new ConcurrentLinkedQueue<>();

    @Override
    protected void append(ILoggingEvent event) {
      if (event.getLevel().isGreaterOrEqual(Level.ERROR)) {
        lines.add(event.getLoggerName() + ": " + event.getFormattedMessage()
            + (event.getThrowableProxy() == null ? "" : "\n" + ThrowableProxyUtil.asString(event.getThrowableProxy())));
      }
    }
  }
}
