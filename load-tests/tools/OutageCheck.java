import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The check of {@code load-tests/bench --outage}: reads the whole topic and compares it with what the
 * load was told was accepted ({@code accepted.tsv}: key TAB eventId, each key in its order of
 * acceptance). Run with the Kafka client jars on the class path:
 *
 * <pre>
 *   java -cp 'kafka-libs/*' load-tests/tools/OutageCheck.java BOOTSTRAP TOPIC accepted.tsv
 * </pre>
 *
 * Prints {@code SLUICE_OUTAGE_CHECK {json}}: accepted, records, distinct, missing (accepted and not in
 * Kafka), duplicates, keys whose first occurrences in Kafka are not in their order of acceptance. Exit 1
 * when an accepted event is missing or a key is out of order.
 */
public final class OutageCheck {

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String topic = args[1];
    Map<String, List<String>> acceptedByKey = new HashMap<>();
    Set<String> accepted = new HashSet<>();
    for (String line : Files.readAllLines(Path.of(args[2]))) {
      int tab = line.indexOf('\t');
      acceptedByKey.computeIfAbsent(line.substring(0, tab), k -> new ArrayList<>()).add(line.substring(tab + 1));
      accepted.add(line.substring(tab + 1));
    }
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    p.put("max.poll.records", "5000");
    Map<String, List<String>> inKafka = new HashMap<>();
    Set<String> distinct = new HashSet<>();
    long records = 0;
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      List<TopicPartition> parts = c.partitionsFor(topic).stream()
          .map(i -> new TopicPartition(topic, i.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofSeconds(1))) {
          records++;
          Header h = r.headers().lastHeader("event-id");
          String id = h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
          distinct.add(id);
          inKafka.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>()).add(id);
        }
      }
    }
    long missing = accepted.stream().filter(id -> !distinct.contains(id)).count();
    long outOfOrder = 0;
    for (Map.Entry<String, List<String>> e : acceptedByKey.entrySet()) {
      List<String> first = new ArrayList<>(new LinkedHashSet<>(inKafka.getOrDefault(e.getKey(), List.of())));
      first.retainAll(new HashSet<>(e.getValue()));
      if (!first.equals(e.getValue())) {
        if (outOfOrder++ < 3) {
          System.err.printf("key %s: accepted %s%n  in Kafka %s%n", e.getKey(), e.getValue(), first);
        }
      }
    }
    System.out.printf("SLUICE_OUTAGE_CHECK {\"accepted\":%d,\"records\":%d,\"distinct\":%d,\"missing\":%d,"
            + "\"duplicates\":%d,\"keys\":%d,\"keysOutOfOrder\":%d}%n", accepted.size(), records, distinct.size(),
        missing, records - distinct.size(), acceptedByKey.size(), outOfOrder);
    System.exit(missing > 0 || outOfOrder > 0 ? 1 : 0);
  }
}
