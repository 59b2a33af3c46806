package dev.sluice.testsupport;

import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The one Kafka broker of a test JVM, shared by every test class that registers this extension
 * ({@code @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();}):
 *
 * <ol>
 *   <li>{@code SLUICE_TEST_KAFKA_BOOTSTRAP=host:port} when set (what {@code scripts/test} exports);
 *   <li>else a Testcontainers Kafka when a Docker engine answers;
 *   <li>else the test fails, saying how to get a broker.
 * </ol>
 *
 * Tests keep apart by topic: {@link #uniqueTopic(String)}.
 */
public final class KafkaBroker implements BeforeAllCallback {

  public static final String BOOTSTRAP_ENV = "SLUICE_TEST_KAFKA_BOOTSTRAP";
  static final String IMAGE = "apache/kafka:4.3.1";
  private static final String HOW =
      "no Kafka for integration tests: run scripts/test, or set "
          + BOOTSTRAP_ENV
          + "=host:port, or start a Docker engine";

  private static KafkaOps ops;
  private static KafkaContainer container;

  @Override
  public void beforeAll(ExtensionContext context) {
    ops();
  }

  /** Resolves (once per JVM) and returns the shared broker. */
  private static synchronized KafkaOps ops() {
    if (ops != null) {
      return ops;
    }
    String env = System.getenv(BOOTSTRAP_ENV);
    if (env != null && !env.isBlank()) {
      KafkaOps candidate = new KafkaOps(env.trim());
      candidate.checkReachable(
          Duration.ofSeconds(10),
          BOOTSTRAP_ENV + " names it; is it running? (scripts/infra status kafka)");
      ops = candidate;
      return ops;
    }
    if (!dockerAvailable()) {
      throw new IllegalStateException(HOW);
    }
    KafkaContainer kafka = new KafkaContainer(IMAGE);
    kafka.start();
    container = kafka;
    Runtime.getRuntime().addShutdownHook(new Thread(kafka::stop, "kafka-container-stop"));
    ops = new KafkaOps(kafka.getBootstrapServers());
    return ops;
  }

  private static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  /** {@code host:port} of the shared broker. */
  public String bootstrap() {
    return ops().bootstrap();
  }

  /** The helpers bound to the shared broker. */
  public KafkaOps kafkaOps() {
    return ops();
  }

  /** A topic name no other test uses. */
  public String uniqueTopic(String base) {
    return KafkaOps.uniqueTopic(base);
  }

  /** Creates a topic with {@code partitions} partitions and returns its name. */
  public String createTopic(String topic, int partitions) {
    ops().createTopic(topic, partitions);
    return topic;
  }

  /** The sum of the end offsets of {@code topics}: how many records they ever received. */
  public long endOffsetsSum(String... topics) {
    return ops().endOffsetsSum(topics);
  }

  public List<ConsumerRecord<byte[], byte[]>> consume(String topic, long max, Duration timeout) {
    return ops().consume(topic, max, timeout);
  }

  public List<ConsumerRecord<byte[], byte[]>> consumeAll(String topic, Duration timeout) {
    return ops().consumeAll(topic, timeout);
  }

  public ConsumerRecord<byte[], byte[]> recordAt(
      String topic, int partition, long offset, Duration timeout) {
    return ops().recordAt(topic, partition, offset, timeout);
  }
}
