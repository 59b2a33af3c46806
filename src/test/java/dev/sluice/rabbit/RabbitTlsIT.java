package dev.sluice.rabbit;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.rabbitmq.client.AMQP;
import dev.sluice.bus.GatewayState;
import dev.sluice.config.RabbitConfig;
import dev.sluice.config.RabbitTlsConfig;
import dev.sluice.testsupport.LocalRabbit;
import dev.sluice.testsupport.RabbitOps;
import dev.sluice.testsupport.TestDirs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A RabbitMQ link over real TLS, against a broker of the test's own whose certificate names {@code
 * localhost} only and which verifies a client certificate when one is sent: with the CA that signed
 * the broker's certificate the link connects, presents its client certificate and a publish is
 * confirmed and arrives; the broker's certificate is verified (a CA that did not sign it: no
 * connection, readiness down, the log says why) and so is its name (the broker's IP address is not a
 * name its certificate has, unless {@code verify-hostname} is false).
 */
class RabbitTlsIT {

  private static LocalRabbit rabbit;
  private static OpensslPki pki;
  private static RabbitOps ops;
  private static final Failures FAILURES = new Failures();
  private Vertx vertx;
  private Context context;
  private RabbitLink link;
  private ConfirmingPublisher publisher;
  private GatewayState state;

  @BeforeAll
  static void broker() {
    Path dir = TestDirs.create("rabbit-tls-pki");
    pki = OpensslPki.create(dir, "DNS:localhost");
    rabbit = new LocalRabbit("tls").tls(new LocalRabbit.Tls(pki.ca(), pki.serverCert(), pki.serverKey(),
        LocalRabbit.ClientCert.VERIFIED));
    rabbit.start();
    ops = rabbit.ops();
    FAILURES.start();
    ((Logger) LoggerFactory.getLogger(RabbitLink.class)).addAppender(FAILURES);
  }

  @AfterAll
  static void stopBroker() {
    ((Logger) LoggerFactory.getLogger(RabbitLink.class)).detachAppender(FAILURES);
    if (rabbit != null) {
      rabbit.close();
    }
  }

  @AfterEach
  void close() throws Exception {
    if (link != null) {
      on(() -> {
        publisher.close();
        return link.stop();
      }).get(30, TimeUnit.SECONDS);
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void deliversOverTlsWithTheBrokersCaAndAClientCertificate() throws Exception {
    String queue = RabbitOps.unique("tls");
    ops.queue(queue);
    CompletableFuture<Void> up = connect("delivers", "localhost", tls(pki.ca(), true, true));
    assertThat(up).succeedsWithin(20, TimeUnit.SECONDS);
    assertThat(state.rabbitUp()).isTrue();
    assertThat(rabbit.connectionCertSubjects()).as("the broker verified the client certificate")
        .anySatisfy(subject -> assertThat(subject).contains("CN=sluice"));
    assertThat(on(() -> publisher.publish("", queue, props(), Buffer.buffer("over tls"))))
        .succeedsWithin(10, TimeUnit.SECONDS);
    List<RabbitOps.Message> got = ops.consume(queue, 1, Duration.ofSeconds(10), Duration.ZERO);
    assertThat(got).hasSize(1);
    assertThat(new String(got.get(0).body(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("over tls");
  }

  @Test
  void refusesABrokerCertificateThatAnotherCaSigned() {
    String queue = RabbitOps.unique("tls-other-ca");
    ops.queue(queue);
    connect("other-ca", "localhost", tls(pki.otherCa(), true, true));
    String why = awaitFailure("other-ca");
    assertThat(why).containsAnyOf("PKIX", "certification path", "unable to find valid certification path");
    assertNotConnected(queue);
  }

  @Test
  void refusesABrokerWhoseCertificateDoesNotNameTheHost() {
    String queue = RabbitOps.unique("tls-ip");
    ops.queue(queue);
    connect("by-ip", "127.0.0.1", tls(pki.ca(), true, true));
    String why = awaitFailure("by-ip");
    assertThat(why).contains("No subject alternative names matching IP address 127.0.0.1");
    assertNotConnected(queue);
  }

  @Test
  void connectsByAddressWhenHostnameVerificationIsOff() {
    connect("by-ip-unchecked", "127.0.0.1", tls(pki.ca(), true, false));
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> state.rabbitUp() && link.up());
  }

  private static RabbitTlsConfig tls(Path ca, boolean clientCert, boolean verifyHostname) {
    return new RabbitTlsConfig(ca, clientCert ? pki.clientCert() : null, clientCert ? pki.clientKey() : null,
        verifyHostname);
  }

  /** Starts a link (name {@code name}) to the TLS listener at {@code host}; completes when it is up. */
  private CompletableFuture<Void> connect(String name, String host, RabbitTlsConfig tls) {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    state = new GatewayState();
    RabbitConfig config = new RabbitConfig("amqps://guest:guest@" + host + ":" + rabbit.tlsPort(), 100, 500, 0,
        60_000, tls);
    return on(() -> {
      publisher = new ConfirmingPublisher(vertx, 100, config.confirmTimeoutMs());
      link = new RabbitLink(vertx, config, name, state, new SimpleMeterRegistry().counter("reconnects"),
          publisher::setup, publisher::connectionLost);
      publisher.link(link);
      return link.start();
    });
  }

  /** Waits for the link's log line saying it cannot connect, and returns the line. */
  private static String awaitFailure(String name) {
    String prefix = "RabbitMQ link " + name + ": cannot connect";
    return Awaitility.await("link " + name + " failing to connect").atMost(Duration.ofSeconds(20))
        .until(() -> FAILURES.lines.stream().filter(l -> l.startsWith(prefix)).findFirst().orElse(null),
            l -> l != null);
  }

  /** Readiness down (rabbitmq names it), a publish refused, nothing in the queue. */
  private void assertNotConnected(String queue) {
    assertThat(state.rabbitConfigured()).isTrue();
    assertThat(state.rabbitUp()).as("readiness: rabbitmq DOWN").isFalse();
    assertThat(on(() -> publisher.publish("", queue, props(), Buffer.buffer("must not arrive"))))
        .failsWithin(10, TimeUnit.SECONDS);
    assertThat(ops.messageCount(queue)).isZero();
  }

  private <T> CompletableFuture<T> on(Supplier<Future<T>> work) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> work.get().onComplete(p));
    return p.future().toCompletionStage().toCompletableFuture();
  }

  private static AMQP.BasicProperties props() {
    return new AMQP.BasicProperties.Builder().messageId("m1").deliveryMode(2).build();
  }

  /** The link's WARN lines, formatted. */
  private static final class Failures extends AppenderBase<ILoggingEvent> {
    final Queue<String> lines = new ConcurrentLinkedQueue<>();

    @Override
    protected void append(ILoggingEvent event) {
      lines.add(event.getFormattedMessage());
    }
  }
}
