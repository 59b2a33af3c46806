package dev.sluice.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import dev.sluice.testsupport.Envelopes;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.GatewayProcess;
import dev.sluice.testsupport.Http;
import dev.sluice.testsupport.KafkaOps;
import dev.sluice.testsupport.RabbitBroker;
import dev.sluice.testsupport.RabbitOps;
import dev.sluice.testsupport.TestDirs;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The real artifact against a Kafka that wants SASL (the SASL_PLAINTEXT listener of scripts/infra,
 * mechanism PLAIN): ingest, readiness and both bridge directions work with the password given in
 * {@code kafka.common.sasl.jaas.config}; a wrong password leaves readiness at 503 with the reason;
 * the password is nowhere in the process's output.
 */
class KafkaSaslIT {

  static final String BOOTSTRAP_ENV = "SLUICE_TEST_KAFKA_SASL_BOOTSTRAP";
  static final String USER_ENV = "SLUICE_TEST_KAFKA_SASL_USER";
  static final String PASSWORD_ENV = "SLUICE_TEST_KAFKA_SASL_PASSWORD";

  @RegisterExtension static final RabbitBroker RABBIT = new RabbitBroker();

  private static String bootstrap;
  private static String user;
  private static String password;
  private static KafkaOps kafka;
  private final Http http = new Http(Duration.ofSeconds(30));

  @BeforeAll
  static void saslKafka() {
    bootstrap = required(BOOTSTRAP_ENV);
    user = required(USER_ENV);
    password = required(PASSWORD_ENV);
    kafka = new KafkaOps(bootstrap, Map.copyOf(clientSecurity(jaas(user, password))));
    kafka.checkReachable(Duration.ofSeconds(10), BOOTSTRAP_ENV + " names it. A broker started by an older"
        + " scripts/infra has no SASL listener: scripts/infra stop kafka; scripts/infra start kafka");
  }

  @AfterAll
  static void close() {
    if (kafka != null) {
      kafka.close();
    }
  }

  private static String required(String name) {
    String v = System.getenv(name);
    if (v == null || v.isBlank()) {
      throw new IllegalStateException(name + " is not set: run this test through scripts/test, which starts"
          + " Kafka with a SASL listener (scripts/infra) and exports " + BOOTSTRAP_ENV + ", " + USER_ENV
          + " and " + PASSWORD_ENV);
    }
    return v.trim();
  }

  static String jaas(String user, String password) {
    return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user
        + "\" password=\"" + password + "\";";
  }

  private static Map<String, String> clientSecurity(String jaas) {
    return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN", "sasl.jaas.config", jaas);
  }

  private static GatewayConfig gateway(String routeTopic) {
    GatewayConfig config = GatewayConfig.forKafka(bootstrap).route("#", routeTopic);
    clientSecurity(jaas(user, password)).forEach((k, v) -> config.set("kafka.common." + k, v));
    return config;
  }

  @Test
  void ingestReadinessAndTheBridgeWorkThroughSasl() throws Exception {
    RabbitOps rabbit = RABBIT.rabbitOps();
    String eventsTopic = KafkaOps.uniqueTopic("sasl-events");
    String k2rTopic = KafkaOps.uniqueTopic("sasl-k2r");
    String r2kTopic = KafkaOps.uniqueTopic("sasl-r2k");
    for (String t : List.of(eventsTopic, k2rTopic, r2kTopic)) {
      kafka.createTopic(t, 1);
    }
    String exchange = RabbitOps.unique("sasl-x");
    String farQueue = RabbitOps.unique("sasl-far");
    String inQueue = RabbitOps.unique("sasl-in");
    rabbit.exchangeWithQueue(exchange, farQueue);
    rabbit.queue(inQueue);
    GatewayConfig config = gateway(eventsTopic)
        .set("bridge.group-id-prefix", RabbitOps.unique("sasl-group"))
        .bridge(RABBIT.uri(), """
            kafka-to-rabbitmq:
              - name: out
                topics: [%s]
                exchange: %s
                routing-key: sasl.out
            rabbitmq-to-kafka:
              - name: in
                queues: [%s]
                topic: %s
            """.formatted(k2rTopic, exchange, inQueue, r2kTopic));

    // Kafka's clients log at INFO here (the gateway's default is WARN): their config dumps are checked too
    GatewayProcess gw = GatewayProcess.start(config, GatewayProcess.options().name("sasl")
        .jvmArg("-Dlogback.configurationFile=" + kafkaAtInfo()), http, Duration.ofSeconds(60));
    try (gw) {
      // ingest: acknowledged only once Kafka (through SASL) has it
      String id = Envelopes.newId();
      Http.Reply r = http.post(gw.eventsUri(), Http.JSON, Envelopes.envelope(id, "sasl.checked"));
      assertThat(r.status()).as("%s", r).isEqualTo(202);
      List<ConsumerRecord<byte[], byte[]>> events = kafka.consume(eventsTopic, 1, Duration.ofSeconds(30));
      assertThat(events).extracting(e -> KafkaOps.header(e, "event-id")).containsExactly(id);

      // Kafka -> RabbitMQ: the bridge's consumer reads through SASL
      try (KafkaProducer<byte[], byte[]> producer = producer()) {
        producer.send(new ProducerRecord<>(k2rTopic, "k".getBytes(StandardCharsets.UTF_8),
            "to-rabbit".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
      }
      List<RabbitOps.Message> far = rabbit.consume(farQueue, 1, Duration.ofSeconds(30), Duration.ofMillis(200));
      assertThat(far).extracting(m -> new String(m.body(), StandardCharsets.UTF_8)).containsExactly("to-rabbit");

      // RabbitMQ -> Kafka: the bridge's producer writes through SASL
      rabbit.publish(inQueue, List.of(new AMQP.BasicProperties.Builder().deliveryMode(2).build()),
          List.of("to-kafka".getBytes(StandardCharsets.UTF_8)));
      List<ConsumerRecord<byte[], byte[]>> in = kafka.consume(r2kTopic, 1, Duration.ofSeconds(30));
      assertThat(in).extracting(e -> new String(e.value(), StandardCharsets.UTF_8)).containsExactly("to-kafka");

      gw.sigterm();
      assertThat(gw.waitForExit(Duration.ofSeconds(60))).as(gw.logTail(30)).hasValue(0);
    }
    String log = gw.logText();
    assertThat(log).as("the start-up configuration line").contains("sasl.jaas.config=[hidden]");
    assertThat(log).as("Kafka's own config dumps").contains("sasl.jaas.config = [hidden]");
    assertThat(log).as("the whole output of the gateway (%s)", gw.log()).doesNotContain(password);
  }

  @Test
  void aWrongPasswordKeepsReadinessDownWithTheReason() throws Exception {
    String wrong = "not-" + password;
    GatewayConfig config = gateway(KafkaOps.uniqueTopic("sasl-wrong")).set("kafka.health-interval-ms", 250);
    GatewayProcess gw = GatewayProcess.launch(config, GatewayProcess.options().name("sasl-wrong")
        .env("SLUICE_KAFKA_COMMON_SASL_JAAS_CONFIG", jaas(user, wrong)));
    try (gw) {
      Awaitility.await("readiness says why Kafka is down")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptionsInstanceOf(java.io.IOException.class)
          .until(() -> authenticationFailed(gw));
      // and keeps saying it (the probes that merely time out while the client backs off do not hide it)
      Awaitility.await("readiness keeps the reason")
          .during(Duration.ofSeconds(3))
          .atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> authenticationFailed(gw));
      Http.Reply post = http.post(gw.eventsUri(), Http.JSON, Envelopes.envelope(Envelopes.newId(), "sasl.wrong"));
      assertThat(post.status()).as("%s", post).isEqualTo(503);
      gw.sigterm();
      assertThat(gw.waitForExit(Duration.ofSeconds(60))).as(gw.logTail(30)).isPresent();
    }
    String log = gw.logText();
    assertThat(log).as("the output of the gateway (%s)", gw.log()).doesNotContain(wrong).doesNotContain(password);
  }

  private boolean authenticationFailed(GatewayProcess gw) throws Exception {
    assertThat(gw.isAlive()).as(gw.logTail(30)).isTrue();
    Http.Reply ready = http.get(gw.adminUri("/health/ready"));
    if (ready.status() != 503) {
      return false;
    }
    JsonObject body = ready.json();
    JsonObject reasons = body.getJsonObject("reasons");
    return "DOWN".equals(body.getJsonObject("checks").getString("kafka"))
        && reasons != null
        && reasons.getString("kafka", "").contains("SaslAuthenticationException: Authentication failed");
  }

  private static Path kafkaAtInfo() throws java.io.IOException {
    Path file = TestDirs.create("sasl-logback").resolve("logback.xml");
    Files.writeString(file, """
        <configuration>
          <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
            <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{24} - %msg%n</pattern></encoder>
          </appender>
          <logger name="org.apache.kafka" level="INFO"/>
          <root level="INFO"><appender-ref ref="STDOUT"/></root>
        </configuration>
        """);
    return file;
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    Properties p = new Properties();
    p.putAll(clientSecurity(jaas(user, password)));
    p.put("bootstrap.servers", bootstrap);
    p.put("client.id", "sluice-it-sasl-producer");
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }
}
