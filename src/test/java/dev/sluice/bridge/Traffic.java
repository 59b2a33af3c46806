package dev.sluice.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import dev.sluice.testsupport.GatewayConfig;
import dev.sluice.testsupport.KafkaOps;
import dev.sluice.testsupport.RabbitOps;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Test traffic for the bridge: numbered messages over a few keys, and the checks on the far side. */
final class Traffic {

  static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  static final int KEYS = 64;

  /**
   * Message {@code i} is stamped {@code T0 + i} seconds: whole seconds (AMQP timestamps have no
   * milliseconds), starting two days ago, so that 100,000 messages still end in the past. Not a
   * fixed date: the bridge keeps the AMQP timestamp as the record's CreateTime, Kafka's time
   * retention (7 days by default) deletes older records at its next check, under the consumer's
   * feet, and Kafka refuses timestamps over an hour ahead ({@code message.timestamp.after.max.ms}).
   */
  static final long T0 = (System.currentTimeMillis() / 1000 - 2 * 86_400) * 1000;

  /** What arrived: its id, key, per-key sequence number. */
  record Seen(String id, String key, int seq) {}

  private Traffic() {}

  static String key(int i) {
    return "key-" + (i % KEYS);
  }

  static long timestamp(int i) {
    return T0 + i * 1000L;
  }

  static byte[] body(int i) {
    return body(i, 0);
  }

  /** A message body: its key, its sequence number within the key, and {@code padBytes} of filler. */
  static byte[] body(int i, int padBytes) {
    String pad = padBytes == 0 ? "" : "\"pad\":\"" + "x".repeat(padBytes) + "\",";
    return ("{\"key\":\"" + key(i) + "\"," + pad + "\"seq\":" + (i / KEYS) + "}").getBytes(StandardCharsets.UTF_8);
  }

  static int seqOf(byte[] body) {
    String s = new String(body, StandardCharsets.UTF_8);
    return Integer.parseInt(s.substring(s.indexOf("\"seq\":") + 6, s.length() - 1));
  }

  /**
   * Produces messages {@code from..to-1} to {@code topic} with the documented headers; fails unless
   * Kafka acknowledged every one.
   */
  static void produce(String bootstrap, String topic, int from, int to) {
    produce(bootstrap, topic, from, to, 0);
  }

  /** {@link #produce(String, String, int, int)} with bodies padded by {@code padBytes}. */
  static void produce(String bootstrap, String topic, int from, int to, int padBytes) {
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (int i = from; i < to; i++) {
      ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, null, timestamp(i),
          utf8(key(i)), body(i, padBytes));
      r.headers().add("event-id", utf8(UUID.randomUUID().toString()));
      r.headers().add("event-type", utf8("bridge.test"));
      r.headers().add("event-version", utf8("1"));
      r.headers().add("correlation-id", utf8("corr-" + i));
      r.headers().add("content-type", utf8("application/json"));
      r.headers().add("traceparent", utf8(TRACEPARENT));
      records.add(r);
    }
    send(bootstrap, records);
  }

  /** Sends {@code records} in order; fails unless Kafka acknowledged every one. */
  static void send(String bootstrap, List<ProducerRecord<byte[], byte[]>> records) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("acks", "all");
    p.put("linger.ms", "5");
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      for (ProducerRecord<byte[], byte[]> r : records) {
        sent.add(producer.send(r));
      }
      producer.flush();
      for (java.util.concurrent.Future<?> f : sent) {
        f.get();
      }
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("test traffic not accepted by Kafka: " + e.getCause(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted producing test traffic", e);
    }
  }

  /** Publishes messages {@code from..to-1} to {@code queue} with the documented properties. */
  static void publish(RabbitOps ops, String queue, int from, int to) {
    List<AMQP.BasicProperties> props = new ArrayList<>();
    List<byte[]> bodies = new ArrayList<>();
    for (int i = from; i < to; i++) {
      Map<String, Object> headers = new HashMap<>();
      headers.put("kafka-key", key(i));
      headers.put("traceparent", TRACEPARENT);
      headers.put("event-version", "1");
      props.add(new AMQP.BasicProperties.Builder()
          .messageId(UUID.randomUUID().toString())
          .correlationId("corr-" + i)
          .type("bridge.test")
          .contentType("application/json")
          .timestamp(new Date(timestamp(i)))
          .deliveryMode(2)
          .headers(headers)
          .build());
      bodies.add(body(i));
    }
    ops.publish(queue, props, bodies);
  }

  /** The id of {@link #publishRefusedWithNoDeadLetterPath}'s message. */
  static final String REFUSED_ID = "poison-1";

  /** RabbitMQ's default {@code frame_max}: the properties and headers of a message must fit one frame. */
  static final int FRAME_MAX = 131_072;

  /**
   * Publishes to {@code queue} a message Kafka refuses for good (stamped two hours ahead; Kafka takes at
   * most one, {@code message.timestamp.after.max.ms}), keyed {@code poison}, whose dead letter cannot be
   * encoded either: its headers fill an AMQP frame but for 256 bytes, fewer than the dead-letter headers
   * take. It has no dead-letter path, so a RabbitMQ → Kafka route parks it.
   */
  static void publishRefusedWithNoDeadLetterPath(RabbitOps ops, String queue) {
    AMQP.BasicProperties poison = poison(0);
    int size;
    try {
      size = poison.toFrame(0, 0).size();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    ops.publish(queue, List.of(poison(FRAME_MAX - 256 - size)), List.of("{}".getBytes(StandardCharsets.UTF_8)));
  }

  private static AMQP.BasicProperties poison(int padBytes) {
    return new AMQP.BasicProperties.Builder()
        .messageId(REFUSED_ID)
        .timestamp(new Date(System.currentTimeMillis() + 2 * 3_600_000L))
        .headers(Map.of("kafka-key", "poison", "pad", "p".repeat(padBytes)))
        .deliveryMode(2)
        .build();
  }

  /**
   * A gateway on {@code kafkaBootstrap} with one RabbitMQ → Kafka route {@code route} from {@code queue}
   * to {@code topic}, its consumer group prefix unique, reconnecting within {@code reconnectMaxMs}.
   */
  static GatewayConfig rabbitToKafka(String kafkaBootstrap, String rabbitUri, String route, String queue,
      String topic, int reconnectMaxMs) {
    return GatewayConfig.forKafka(kafkaBootstrap).route("#", "events")
        .set("bridge.group-id-prefix", RabbitOps.unique("group"))
        .set("rabbitmq.reconnect-max-ms", reconnectMaxMs)
        .bridge(rabbitUri, """
        rabbitmq-to-kafka:
          - name: %s
            queues: [%s]
            topic: %s
        """.formatted(route, queue, topic));
  }

  static List<Seen> fromRabbit(List<RabbitOps.Message> messages) {
    return messages.stream().map(m -> new Seen(m.properties().getMessageId(),
        RabbitHeaders.text(m.properties().getHeaders().get("kafka-key")), seqOf(m.body()))).toList();
  }

  static List<Seen> fromKafka(List<ConsumerRecord<byte[], byte[]>> records) {
    return records.stream().map(r -> new Seen(KafkaOps.header(r, "event-id"),
        new String(r.key(), StandardCharsets.UTF_8), seqOf(r.value()))).toList();
  }

  /**
   * Every one of {@code n} messages arrived; returns the duplicates. First arrivals of a key carry
   * strictly increasing sequence numbers; with {@code strict}, also every arrival (no duplicates).
   */
  static int check(List<Seen> seen, int n, boolean strict) {
    Set<String> ids = new HashSet<>();
    Map<String, Integer> lastSeq = new HashMap<>();
    Map<String, Set<Integer>> seqs = new HashMap<>();
    int duplicates = 0;
    for (Seen s : seen) {
      if (!ids.add(s.id())) {
        duplicates++;
        continue;
      }
      Integer last = lastSeq.put(s.key(), s.seq());
      assertThat(last == null || s.seq() > last)
          .as("key %s: seq %s after %s", s.key(), s.seq(), last).isTrue();
      seqs.computeIfAbsent(s.key(), k -> new HashSet<>()).add(s.seq());
    }
    assertThat(ids).as("unique ids").hasSize(n);
    assertThat(seqs.values().stream().mapToInt(Set::size).sum()).isEqualTo(n);
    if (strict) {
      assertThat(duplicates).as("duplicates").isZero();
    }
    return duplicates;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** AMQP header values as text. */
  static final class RabbitHeaders {
    private RabbitHeaders() {}

    static String text(Object v) {
      return v == null ? null : HeaderMapping.text(v);
    }
  }
}
