package dev.sluice.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.Awaitility;

/**
 * What tests do on a Kafka cluster with plain kafka-clients: create topics, read end offsets,
 * consume everything a topic holds. One admin client is kept (closed by {@link #close()}); each
 * consume opens its own consumer.
 */
public final class KafkaOps implements AutoCloseable {

  private static final Duration CALL = Duration.ofSeconds(30);

  private final String bootstrap;
  private final Map<String, Object> clientOptions;
  private Admin admin;

  public KafkaOps(String bootstrap) {
    this(bootstrap, Map.of());
  }

  /** Helpers whose clients also get {@code clientOptions} (e.g. security settings). */
  public KafkaOps(String bootstrap, Map<String, Object> clientOptions) {
    this.bootstrap = bootstrap;
    this.clientOptions = Map.copyOf(clientOptions);
  }

  public String bootstrap() {
    return bootstrap;
  }

  /** A topic name no other test uses: {@code it-<base>-<random>}. */
  public static String uniqueTopic(String base) {
    return "it-" + base + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Creates {@code topic} with {@code partitions} partitions (replication 1) and waits for it. */
  public void createTopic(String topic, int partitions) {
    createTopic(topic, partitions, Map.of());
  }

  /**
   * Creates {@code topic} with {@code partitions} partitions (replication 1) and the topic {@code
   * configs} (e.g. {@code max.message.bytes}), and waits for it.
   */
  public void createTopic(String topic, int partitions, Map<String, String> configs) {
    try {
      Admin admin = admin();
      admin
          .createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs)))
          .all()
          .get(CALL.toSeconds(), TimeUnit.SECONDS);
      // the broker's metadata follows the controller: wait until every partition has its leader
      Awaitility.await("leaders of " + topic)
          .atMost(CALL)
          .pollInterval(Duration.ofMillis(50))
          .ignoreExceptionsInstanceOf(ExecutionException.class)
          .until(
              () -> {
                TopicDescription d =
                    admin
                        .describeTopics(List.of(topic))
                        .allTopicNames()
                        .get(CALL.toSeconds(), TimeUnit.SECONDS)
                        .get(topic);
                return d.partitions().size() == partitions
                    && d.partitions().stream().allMatch(p -> p.leader() != null);
              });
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted creating " + topic, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "cannot create topic " + topic + " on " + bootstrap + ": " + e, e);
    }
  }

  /** End offset per partition of {@code topic}; empty when it does not exist. */
  public Map<Integer, Long> endOffsets(String topic) {
    Map<Integer, Long> out = new HashMap<>();
    endOffsetsOf(List.of(topic)).forEach((tp, offset) -> out.put(tp.partition(), offset));
    return out;
  }

  /** The sum of the end offsets of {@code topics}: how many records they ever received. */
  public long endOffsetsSum(String... topics) {
    return endOffsetsOf(List.of(topics)).values().stream().mapToLong(Long::longValue).sum();
  }

  private Map<TopicPartition, Long> endOffsetsOf(List<String> topics) {
    try {
      Admin admin = admin();
      Map<TopicPartition, OffsetSpec> request = new HashMap<>();
      for (String topic : topics) {
        TopicDescription d;
        try {
          d =
              admin
                  .describeTopics(List.of(topic))
                  .allTopicNames()
                  .get(CALL.toSeconds(), TimeUnit.SECONDS)
                  .get(topic);
        } catch (ExecutionException e) {
          if (e.getCause() instanceof UnknownTopicOrPartitionException) {
            continue;
          }
          throw e;
        }
        d.partitions()
            .forEach(
                p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
      }
      Map<TopicPartition, Long> out = new HashMap<>();
      admin
          .listOffsets(request)
          .all()
          .get(CALL.toSeconds(), TimeUnit.SECONDS)
          .forEach((tp, info) -> out.put(tp, info.offset()));
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted reading offsets of " + topics, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot read end offsets of " + topics + ": " + e, e);
    }
  }

  /**
   * Reads {@code topic} from the beginning until {@code max} records arrived or {@code timeout}
   * passed, and returns what it read (the test asserts the count).
   */
  public List<ConsumerRecord<byte[], byte[]>> consume(String topic, long max, Duration timeout) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic, CALL).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (out.size() < max && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          out.add(r);
        }
      }
    }
    return out;
  }

  /** Every record {@code topic} holds now (up to its end offsets). */
  public List<ConsumerRecord<byte[], byte[]>> consumeAll(String topic, Duration timeout) {
    long end = endOffsetsSum(topic);
    List<ConsumerRecord<byte[], byte[]>> records = consume(topic, end, timeout);
    if (records.size() < end) {
      throw new AssertionError(
          "read "
              + records.size()
              + " of the "
              + end
              + " records of "
              + topic
              + " within "
              + timeout);
    }
    return records;
  }

  /**
   * The record at {@code partition}/{@code offset} of {@code topic}, or null within the timeout.
   */
  public ConsumerRecord<byte[], byte[]> recordAt(
      String topic, int partition, long offset, Duration timeout) {
    try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
      TopicPartition tp = new TopicPartition(topic, partition);
      consumer.assign(List.of(tp));
      consumer.seek(tp, offset);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.offset() == offset) {
            return r;
          }
        }
      }
      return null;
    }
  }

  /** A record header's value as text, or null when absent. */
  public static String header(ConsumerRecord<?, ?> record, String name) {
    Header h = record.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Checks within {@code timeout} that the cluster answers; the message names how to start one. */
  public void checkReachable(Duration timeout, String hint) {
    Properties p = adminProperties();
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    try (Admin admin = Admin.create(p)) {
      admin.describeCluster().nodes().get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "Kafka at " + bootstrap + " does not answer (" + e + "); " + hint, e);
    }
  }

  /** The sum of the offsets {@code group} committed on the partitions of {@code topic}. */
  public long committedSum(String group, String topic) {
    try {
      return admin().listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
          .get(CALL.toSeconds(), TimeUnit.SECONDS).entrySet().stream()
          .filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
          .mapToLong(e -> e.getValue().offset())
          .sum();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted reading offsets of " + group, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot read committed offsets of " + group + ": " + e, e);
    }
  }

  /** The offsets {@code group} committed on the partitions of {@code topic}, by partition. */
  public Map<Integer, Long> committed(String group, String topic) {
    try {
      Map<Integer, Long> out = new HashMap<>();
      admin().listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
          .get(CALL.toSeconds(), TimeUnit.SECONDS)
          .forEach((tp, om) -> {
            if (tp.topic().equals(topic) && om != null) {
              out.put(tp.partition(), om.offset());
            }
          });
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted reading offsets of " + group, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot read committed offsets of " + group + ": " + e, e);
    }
  }

  /** Members of consumer group {@code group} now. */
  public int groupMembers(String group) {
    try {
      return admin().describeConsumerGroups(List.of(group)).all().get(CALL.toSeconds(), TimeUnit.SECONDS)
          .get(group).members().size();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted describing " + group, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot describe group " + group + ": " + e, e);
    }
  }

  private synchronized Admin admin() {
    if (admin == null) {
      admin = Admin.create(adminProperties());
    }
    return admin;
  }

  @Override
  public synchronized void close() {
    if (admin != null) {
      admin.close(Duration.ofSeconds(5));
      admin = null;
    }
  }

  private Properties adminProperties() {
    Properties p = new Properties();
    p.putAll(clientOptions);
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.CLIENT_ID_CONFIG, "sluice-it-admin");
    return p;
  }

  private KafkaConsumer<byte[], byte[]> consumer() {
    Properties p = new Properties();
    p.putAll(clientOptions);
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-it-consumer");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }
}
