package dev.sluice.subscribe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.deadletter.DeadLetter;
import dev.sluice.testsupport.Envelopes;
import dev.sluice.testsupport.Ports;
import dev.sluice.testsupport.SelfSignedCert;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The HTTP sink against a Vert.x HTTP server on a real port, answering as each test tells it. */
@ExtendWith(VertxExtension.class)
class HttpSinkTest {

  private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  private Vertx vertx;
  private HttpServer server;
  private volatile Handler<HttpServerRequest> answer;
  private HttpSink sink;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    this.answer = req -> req.response().setStatusCode(204).end();
    this.server = vertx.createHttpServer().requestHandler(req -> answer.handle(req)).listen(0, "127.0.0.1").await();
    this.sink = new HttpSink(vertx, URI.create("http://127.0.0.1:" + server.actualPort() + "/events?x=1"), 4);
  }

  @AfterEach
  void stop() {
    sink.close().await();
    server.close().await();
  }

  @Test
  void a2xxIsDoneWithItsStatus() throws Exception {
    answer = req -> req.response().setStatusCode(200).end("{\"ok\":true}");
    assertThat(deliver(request("{}", 2000))).isEqualTo(SinkResult.done(200));
    answer = req -> req.response().setStatusCode(204).end();
    assertThat(deliver(request("{}", 2000))).isEqualTo(SinkResult.done(204));
  }

  @Test
  void postsTheBodyUnchangedWithTheEventHeaders() throws Exception {
    AtomicReference<MultiMap> headers = new AtomicReference<>();
    AtomicReference<Buffer> body = new AtomicReference<>();
    AtomicReference<String> line = new AtomicReference<>();
    answer = req -> req.body().onSuccess(b -> {
      headers.set(req.headers());
      body.set(b);
      line.set(req.method() + " " + req.uri());
      req.response().setStatusCode(202).end();
    });
    String id = Envelopes.newId();
    byte[] envelope = Envelopes.envelope(id, "order.created", "order-7", "corr-1",
        "{\"s\":\"\uFEFFcaf\u00e9 \u6f22\u5b57 \ud83d\ude00\"}").getBytes(StandardCharsets.UTF_8);
    SinkRequest r = new SinkRequest(id, "order.created", "1.2", "corr-1", TRACEPARENT, "order-7", "orders",
        envelope, 2000);

    assertThat(deliver(r)).isEqualTo(SinkResult.done(202));

    assertThat(line.get()).isEqualTo("POST /events?x=1");
    assertThat(body.get().getBytes()).isEqualTo(envelope);
    MultiMap h = headers.get();
    assertThat(h.get("Content-Type")).isEqualTo("application/json");
    assertThat(h.get("event-id")).isEqualTo(id);
    assertThat(h.get("Idempotency-Key")).isEqualTo(id);
    assertThat(h.get("event-type")).isEqualTo("order.created");
    assertThat(h.get("event-version")).isEqualTo("1.2");
    assertThat(h.get("correlation-id")).isEqualTo("corr-1");
    assertThat(h.get("traceparent")).isEqualTo(TRACEPARENT);
  }

  @Test
  void omitsTheHeadersOfAbsentValues() throws Exception {
    AtomicReference<MultiMap> headers = new AtomicReference<>();
    answer = req -> {
      headers.set(req.headers());
      req.response().setStatusCode(204).end();
    };
    SinkRequest r = new SinkRequest("e-1", null, null, null, null, null, "orders", "{}".getBytes(StandardCharsets.UTF_8), 2000);

    assertThat(deliver(r).done()).isTrue();

    assertThat(headers.get().names()).doesNotContain("event-type", "event-version", "correlation-id", "traceparent");
    assertThat(headers.get().get("event-id")).isEqualTo("e-1");
  }

  @ParameterizedTest
  @ValueSource(ints = {408, 429, 500, 502, 503, 504})
  void retriesTimeoutTooManyAndServerErrorsWithTheirBody(int status) throws Exception {
    answer = req -> req.response().setStatusCode(status).end("{\"error\":\"busy\"}");
    assertThat(deliver(request("{}", 2000)))
        .isEqualTo(SinkResult.retry(DeadLetter.CLASS_STATUS, status, "{\"error\":\"busy\"}", 0, false));
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 401, 403, 404, 409, 413, 422, 301, 302, 304})
  void otherStatusesArePermanent(int status) throws Exception {
    answer = req -> req.response().setStatusCode(status).putHeader("Location", "http://127.0.0.1:1/").end("no");
    assertThat(deliver(request("{}", 2000)))
        .isEqualTo(SinkResult.permanent(DeadLetter.CLASS_STATUS, status, status == 304 ? "" : "no"));
  }

  @Test
  void retryAfterInSecondsIsHonoured() throws Exception {
    answer = req -> req.response().setStatusCode(503).putHeader("Retry-After", "7").end();
    assertThat(deliver(request("{}", 2000)).retryAfterMs()).isEqualTo(7000);
  }

  @Test
  void retryAfterAsAnHttpDateIsTheTimeUntilThen() throws Exception {
    String in30s = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(30));
    answer = req -> req.response().setStatusCode(429).putHeader("Retry-After", in30s).end();
    assertThat(deliver(request("{}", 2000)).retryAfterMs()).isBetween(25_000L, 30_000L);
  }

  @ParameterizedTest
  @ValueSource(strings = {"soon", "-5", "1.5", "Mon, 32 Foo 2026 99:00:00 GMT"})
  void anInvalidRetryAfterAsksForNoWait(String value) throws Exception {
    answer = req -> req.response().setStatusCode(503).putHeader("Retry-After", value).end();
    SinkResult r = deliver(request("{}", 2000));
    assertThat(r.kind()).isEqualTo(SinkResult.Kind.RETRY);
    assertThat(r.retryAfterMs()).isZero();
  }

  @Test
  void aHugeErrorBodyIsCutTo1KiBAndTheRestDrained() throws Exception {
    Buffer huge = Buffer.buffer();
    for (int i = 0; i < 64 * 1024; i++) {
      huge.appendString("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"); // 4 MiB
    }
    answer = req -> req.response().setStatusCode(500).setChunked(true).end(huge);
    SinkResult r = deliver(request("{}", 5000));
    assertThat(r.status()).isEqualTo(500);
    assertThat(r.response()).hasSize(DeadLetter.MAX_RESPONSE_BYTES)
        .isEqualTo(huge.getString(0, DeadLetter.MAX_RESPONSE_BYTES));
    // the connection is still good for the next delivery
    answer = req -> req.response().setStatusCode(204).end();
    assertThat(deliver(request("{}", 2000)).done()).isTrue();
  }

  @Test
  void noAnswerWithinTheTimeoutIsAnAmbiguousRetry() throws Exception {
    answer = req -> { }; // never answers
    long started = System.nanoTime();
    SinkResult r = deliver(request("{}", 800));
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertThat(r.kind()).isEqualTo(SinkResult.Kind.RETRY);
    assertThat(r.failureClass()).isEqualTo(DeadLetter.CLASS_TIMEOUT);
    assertThat(r.status()).isNull();
    assertThat(r.ambiguous()).isTrue();
    assertThat(r.response()).contains("800 ms");
    assertThat(tookMs).isBetween(750L, 3000L);
  }

  @Test
  void aTimeoutWaitingForAPooledConnectionIsNotAmbiguous() throws Exception {
    answer = req -> { }; // never answers: the one connection stays busy
    HttpSink one = new HttpSink(vertx, URI.create("http://127.0.0.1:" + server.actualPort() + "/"), 1);
    try {
      io.vertx.core.Future<SinkResult> first = one.deliver(request("{}", 3000));
      SinkResult queued = one.deliver(request("{}", 500)).await(10, TimeUnit.SECONDS);
      assertThat(queued.failureClass()).isEqualTo(DeadLetter.CLASS_TIMEOUT);
      assertThat(queued.ambiguous()).isFalse(); // never sent
      assertThat(queued.response()).contains("not sent");
      assertThat(first.await(10, TimeUnit.SECONDS).ambiguous()).isTrue();
    } finally {
      one.close().await();
    }
  }

  @Test
  void aRefusedConnectionIsAnUnambiguousRetry() throws Exception {
    HttpSink nowhere = new HttpSink(vertx, URI.create("http://127.0.0.1:" + Ports.free() + "/"), 1);
    try {
      SinkResult r = nowhere.deliver(request("{}", 2000)).await(10, TimeUnit.SECONDS);
      assertThat(r.kind()).isEqualTo(SinkResult.Kind.RETRY);
      assertThat(r.failureClass()).isEqualTo(DeadLetter.CLASS_CONNECTION);
      assertThat(r.status()).isNull();
      assertThat(r.ambiguous()).isFalse();
    } finally {
      nowhere.close().await();
    }
  }

  @Test
  void anUnknownHostIsAnUnambiguousRetry() throws Exception {
    HttpSink nowhere = new HttpSink(vertx, URI.create("http://no-such-host.invalid/"), 1);
    try {
      SinkResult r = nowhere.deliver(request("{}", 5000)).await(10, TimeUnit.SECONDS);
      assertThat(r.kind()).isEqualTo(SinkResult.Kind.RETRY);
      assertThat(r.failureClass()).isEqualTo(DeadLetter.CLASS_CONNECTION);
      assertThat(r.response()).contains("no-such-host.invalid");
      assertThat(r.ambiguous()).isFalse();
      assertThat(r.status()).isNull();
    } finally {
      nowhere.close().await();
    }
  }

  @Test
  void aConnectionClosedAfterTheRequestWasWrittenIsAnAmbiguousRetry() throws Exception {
    answer = req -> req.end().onComplete(v -> req.connection().close());
    SinkResult r = deliver(request("{}", 2000));
    assertThat(r.kind()).isEqualTo(SinkResult.Kind.RETRY);
    assertThat(r.failureClass()).isEqualTo(DeadLetter.CLASS_CONNECTION);
    assertThat(r.status()).isNull();
    assertThat(r.ambiguous()).isTrue();
  }

  @Test
  void usesTlsForHttpsWithTheJvmTrust(@TempDir Path dir) throws Exception {
    SelfSignedCert cert = SelfSignedCert.create(dir);
    HttpServer tls = vertx.createHttpServer(new HttpServerOptions().setSsl(true)
            .setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert.certPem().toString()).setKeyPath(cert.keyPem().toString())))
        .requestHandler(req -> req.response().setStatusCode(204).end())
        .listen(0, "127.0.0.1").await();
    HttpSink https = new HttpSink(vertx, URI.create("https://127.0.0.1:" + tls.actualPort() + "/"), 1);
    try {
      SinkResult r = https.deliver(request("{}", 3000)).await(10, TimeUnit.SECONDS);
      // a self-signed certificate is not in the JVM's trust: the handshake fails, nothing was sent
      assertThat(r.failureClass()).isEqualTo(DeadLetter.CLASS_CONNECTION);
      assertThat(r.ambiguous()).isFalse();
    } finally {
      https.close().await();
      tls.close().await();
    }
  }

  @Test
  void keepsAtMostConcurrencyConnectionsAlive() throws Exception {
    Set<String> connections = ConcurrentHashMap.newKeySet();
    answer = req -> {
      connections.add(req.remoteAddress().toString());
      vertx.setTimer(20, id -> req.response().setStatusCode(204).end());
    };
    List<io.vertx.core.Future<SinkResult>> all = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      all.add(sink.deliver(request("{}", 5000)));
    }
    for (io.vertx.core.Future<SinkResult> f : all) {
      assertThat(f.await(10, TimeUnit.SECONDS).done()).isTrue();
    }
    assertThat(connections).hasSizeBetween(1, 4);
  }

  @Test
  void describesItselfByItsUrl() {
    assertThat(sink.describe()).isEqualTo("http://127.0.0.1:" + server.actualPort() + "/events?x=1");
  }

  private SinkResult deliver(SinkRequest r) throws Exception {
    return sink.deliver(r).await(10, TimeUnit.SECONDS);
  }

  private static SinkRequest request(String body, long timeoutMs) {
    return new SinkRequest(Envelopes.newId(), "order.created", "1", null, TRACEPARENT, "k", "orders",
        body.getBytes(StandardCharsets.UTF_8), timeoutMs);
  }
}
