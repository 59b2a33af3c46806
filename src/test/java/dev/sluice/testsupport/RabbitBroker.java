package dev.sluice.testsupport;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.rabbitmq.RabbitMQContainer;

/**
 * The one RabbitMQ broker of a test JVM ({@code @RegisterExtension static final RabbitBroker RABBIT =
 * new RabbitBroker();}): {@code SLUICE_TEST_RABBITMQ_URI=amqp://user:pass@host:port} when set (what
 * {@code scripts/test} exports); else a Testcontainers RabbitMQ when a Docker engine answers; else the
 * test fails saying how to get one. Tests keep apart by queue and exchange names ({@link
 * RabbitOps#unique}).
 */
public final class RabbitBroker implements BeforeAllCallback {

  public static final String URI_ENV = "SLUICE_TEST_RABBITMQ_URI";
  static final String IMAGE = "rabbitmq:3.13-management";
  private static RabbitOps ops;

  @Override
  public void beforeAll(ExtensionContext context) {
    ops();
  }

  private static synchronized RabbitOps ops() {
    if (ops != null) {
      return ops;
    }
    String env = System.getenv(URI_ENV);
    if (env != null && !env.isBlank()) {
      RabbitOps candidate = new RabbitOps(env.trim());
      try {
        candidate.run(ch -> {});
      } catch (RuntimeException e) {
        throw new IllegalStateException(
            "RabbitMQ at " + env + " (" + URI_ENV + ") does not answer; is it running? (scripts/infra status rabbitmq)", e);
      }
      ops = candidate;
      return ops;
    }
    if (!dockerAvailable()) {
      throw new IllegalStateException(
          "no RabbitMQ for integration tests: run scripts/test, or set " + URI_ENV
              + "=amqp://guest:guest@host:port, or start a Docker engine");
    }
    RabbitMQContainer rabbit = new RabbitMQContainer(IMAGE);
    rabbit.start();
    Runtime.getRuntime().addShutdownHook(new Thread(rabbit::stop, "rabbitmq-container-stop"));
    ops = new RabbitOps(rabbit.getAmqpUrl().replace("amqp://", "amqp://guest:guest@"));
    return ops;
  }

  private static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  /** {@code amqp://user:pass@host:port} of the shared broker. */
  public String uri() {
    return ops().uri();
  }

  public RabbitOps rabbitOps() {
    return ops();
  }
}
