import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Helper of the bridge mode of {@code load-tests/bench}, independent of the gateway's code: the Kafka
 * client and the RabbitMQ Java client only, run as a single-file program with both on the class path.
 *
 * <pre>
 *   java -cp 'KAFKA_LIBS/*:amqp-client.jar' load-tests/tools/BridgeLoad.java fill --bootstrap 127.0.0.1:29092
 *        --topic bench-bridge --records N [--event-bytes 256]
 *   java -cp ... BridgeLoad.java queue --uri amqp://guest:guest@127.0.0.1:25673 --exchange E --queue Q
 *        --binding K [--reset true]
 *   java -cp ... BridgeLoad.java count --uri U --queue Q
 *   java -cp ... BridgeLoad.java purge --uri U --queue Q
 * </pre>
 *
 * {@code fill} writes N records as the gateway's ingest would: key {@code agg-NNNN} (one of 4096), value
 * an envelope of B bytes like wrk/events.lua (fresh v4 UUID), headers {@code event-id}, {@code event-type}
 * ({@code bench.measured}), {@code event-version} and {@code correlation-id}; with the gateway's producer
 * settings (acks=all, idempotent, lz4). Prints {@code SLUICE_FILL {json}}; exits 1 if a send failed.
 *
 * {@code queue} declares a durable topic exchange E, a durable classic queue Q bound to it with K, and
 * purges Q ({@code --reset true}: deletes and re-creates it, which also gives its memory back); {@code
 * count} and {@code purge} print {@code SLUICE_QUEUE {json}} with the queue's message count (before the
 * purge) and consumers.
 */
public final class BridgeLoad {

  static final int DISTINCT_KEYS = 4096;
  static final String PAD = "x".repeat(64 * 1024);
  static final String[] KEYS = new String[DISTINCT_KEYS];

  static {
    for (int k = 0; k < DISTINCT_KEYS; k++) {
      KEYS[k] = String.format("agg-%04d", k);
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
      System.out.println("java BridgeLoad.java fill|queue|count|purge [--option value]... (see the source)");
      return;
    }
    Map<String, String> o = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        die("expected --option value, got " + args[i]);
      }
      o.put(args[i].substring(2), args[++i]);
    }
    switch (args[0]) {
      case "fill" -> fill(need(o, "bootstrap"), need(o, "topic"), Long.parseLong(need(o, "records")),
          Integer.parseInt(o.getOrDefault("event-bytes", "256")));
      case "queue", "count", "purge" -> rabbit(args[0], need(o, "uri"), o.getOrDefault("exchange", ""),
          need(o, "queue"), o.getOrDefault("binding", "#"), Boolean.parseBoolean(o.getOrDefault("reset", "false")));
      default -> die("unknown command " + args[0] + " (fill, queue, count, purge)");
    }
  }

  static String need(Map<String, String> o, String k) {
    String v = o.get(k);
    if (v == null) {
      die("--" + k + " is required");
    }
    return v;
  }

  static void die(String msg) {
    System.err.println("BridgeLoad: " + msg);
    System.exit(2);
  }

  // ---------------------------------------------------------------------------------------- Kafka

  static void fill(String bootstrap, String topic, long records, int eventBytes) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("acks", "all");
    p.put("enable.idempotence", "true");
    p.put("compression.type", "lz4");
    p.put("linger.ms", "5");
    p.put("batch.size", "131072");
    p.put("buffer.memory", "67108864");
    p.put("client.id", "bench-bridge-fill");
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    byte[] type = utf8("bench.measured");
    byte[] version = utf8("1");
    AtomicLong acked = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicReference<Exception> firstError = new AtomicReference<>();
    long t0 = System.nanoTime();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      StringBuilder sb = new StringBuilder(eventBytes + 64);
      for (long n = 0; n < records; n++) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        String id = new UUID((r.nextLong() & ~0xF000L) | 0x4000L,
            (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L).toString();
        String key = KEYS[r.nextInt(DISTINCT_KEYS)];
        sb.setLength(0);
        sb.append("{\"eventId\":\"").append(id)
            .append("\",\"eventType\":\"bench.measured\",\"eventVersion\":1,\"occurredAt\":\"").append(now)
            .append("\",\"source\":\"sluice-load-tests\",\"aggregateId\":\"").append(key)
            .append("\",\"data\":{\"reading\":").append(100_000 + r.nextInt(900_000)).append(",\"pad\":\"");
        int pad = eventBytes - sb.length() - 3;
        if (pad > 0) {
          sb.append(PAD, 0, pad);
        }
        sb.append("\"}}");
        byte[] idBytes = utf8(id);
        List<Header> headers = new ArrayList<>(4);
        headers.add(new RecordHeader("event-id", idBytes));
        headers.add(new RecordHeader("event-type", type));
        headers.add(new RecordHeader("event-version", version));
        headers.add(new RecordHeader("correlation-id", idBytes));
        producer.send(new ProducerRecord<>(topic, null, null, utf8(key), utf8(sb.toString()), headers), (md, e) -> {
          if (e == null) {
            acked.incrementAndGet();
          } else {
            failed.incrementAndGet();
            firstError.compareAndSet(null, e);
          }
        });
      }
      producer.flush();
    }
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("SLUICE_FILL {\"records\":%d,\"acked\":%d,\"failed\":%d,\"ms\":%d,\"per_s\":%.0f}%n",
        records, acked.get(), failed.get(), ms, acked.get() * 1000.0 / Math.max(1, ms));
    if (firstError.get() != null) {
      System.err.println("BridgeLoad: first send error: " + firstError.get());
      System.exit(1);
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  // ---------------------------------------------------------------------------------------- RabbitMQ

  static void rabbit(String cmd, String uri, String exchange, String queue, String binding, boolean reset)
      throws Exception {
    ConnectionFactory f = new ConnectionFactory();
    f.setUri(uri);
    f.setAutomaticRecoveryEnabled(false);
    try (Connection c = f.newConnection("bench-bridge-admin"); Channel ch = c.createChannel()) {
      AMQP.Queue.DeclareOk ok;
      long purged = 0;
      switch (cmd) {
        case "queue" -> {
          if (reset) {
            ch.queueDelete(queue);
          }
          ch.exchangeDeclare(exchange, "topic", true);
          ok = ch.queueDeclare(queue, true, false, false, Map.of("x-queue-type", "classic"));
          ch.queueBind(queue, exchange, binding);
          purged = ch.queuePurge(queue).getMessageCount();
        }
        case "purge" -> {
          ok = ch.queueDeclarePassive(queue);
          purged = ch.queuePurge(queue).getMessageCount();
        }
        default -> ok = ch.queueDeclarePassive(queue);
      }
      System.out.printf("SLUICE_QUEUE {\"queue\":\"%s\",\"messages\":%d,\"consumers\":%d,\"purged\":%d}%n",
          queue, ok.getMessageCount(), ok.getConsumerCount(), purged);
    }
  }
}
