package dev.sluice.config;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;

/**
 * The Kafka clients' own option definitions (kafka-clients' {@link ConfigDef}s): which names each
 * client knows, which values are valid, which are secret. Checks the open maps {@code kafka.common},
 * {@code kafka.producer}, {@code kafka.consumer} and {@code kafka.admin} against them.
 */
final class KafkaOptions {

  /** A Kafka client Sluice creates, with the options it knows. */
  enum Client {
    PRODUCER("kafka.producer", "Kafka producer", ProducerConfig.configDef()),
    CONSUMER("kafka.consumer", "Kafka consumer", ConsumerConfig.configDef()),
    ADMIN("kafka.admin", "Kafka admin client", AdminClientConfig.configDef());

    final String key;
    final String label;
    final ConfigDef def;

    Client(String key, String label, ConfigDef def) {
      this.key = key;
      this.label = label;
      this.def = def;
    }
  }

  static final String COMMON = "kafka.common";

  /** What the value of a redacted option is shown as. */
  static final String HIDDEN = "[hidden]";

  /** Options every client knows: what {@code kafka.common} may hold. */
  private static final Set<String> EVERY_CLIENT;

  /** Options of type PASSWORD in any client's definition: Kafka's own idea of a secret. */
  private static final Set<String> PASSWORDS;

  /** Names that look secret whatever Kafka says (a future option, a plugin's). */
  private static final Pattern SECRET_NAME =
      Pattern.compile("password|passphrase|secret|jaas|token|credentials|\\.key$");

  static {
    Set<String> every = new HashSet<>(Client.PRODUCER.def.names());
    Set<String> passwords = new HashSet<>();
    for (Client c : Client.values()) {
      every.retainAll(c.def.names());
      c.def.configKeys().forEach((name, key) -> {
        if (key.type == ConfigDef.Type.PASSWORD) {
          passwords.add(name);
        }
      });
    }
    EVERY_CLIENT = Collections.unmodifiableSet(every);
    PASSWORDS = Collections.unmodifiableSet(passwords);
  }

  private KafkaOptions() {}

  /** True when the value of Kafka option {@code name} must never be shown. */
  static boolean isSecret(String name) {
    return PASSWORDS.contains(name) || SECRET_NAME.matcher(name).find();
  }

  /** The options sorted by name, secret values replaced by {@link #HIDDEN}, for logs. */
  static Map<String, String> redacted(Map<String, String> options) {
    Map<String, String> out = new TreeMap<>();
    options.forEach((k, v) -> out.put(k, isSecret(k) ? HIDDEN : v));
    return out;
  }

  /**
   * Checks the options of {@code kafka.common} (every client must know each one) or of one client's
   * map: known names, valid values, none of those Sluice sets itself ({@code owned}: name → what to
   * use instead).
   */
  static Map<String, String> check(Client client, Map<String, String> options, Map<String, String> owned) {
    String prefix = client == null ? COMMON : client.key;
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : options.entrySet()) {
      String name = e.getKey().trim();
      String key = prefix + "." + name;
      if (owned.containsKey(name)) {
        throw new ConfigException(key, "is set by Sluice; " + owned.get(name));
      }
      ConfigDef def = client == null ? Client.PRODUCER.def : client.def;
      if (client == null && !EVERY_CLIENT.contains(name)) {
        throw new ConfigException(key, notEveryClient(name));
      }
      if (client != null && !def.names().contains(name)) {
        throw new ConfigException(key, "is not a " + client.label + " option (" + docs(client) + ")");
      }
      out.put(name, valid(key, name, e.getValue(), def));
    }
    return out;
  }

  private static String notEveryClient(String name) {
    List<String> where = new java.util.ArrayList<>();
    for (Client c : Client.values()) {
      if (c.def.names().contains(name)) {
        where.add(c.key + "." + name);
      }
    }
    return "is not an option of every Kafka client (producer, consumer, admin)"
        + (where.isEmpty() ? "; no Kafka client knows it" : "; set " + String.join(" or ", where) + " instead");
  }

  /** Parses and validates the value as the client would; a secret value is never echoed. */
  private static String valid(String key, String name, String value, ConfigDef def) {
    ConfigDef.ConfigKey k = def.configKeys().get(name);
    try {
      Object parsed = ConfigDef.parseType(name, value, k.type);
      if (k.validator != null) {
        k.validator.ensureValid(name, parsed);
      }
    } catch (org.apache.kafka.common.config.ConfigException | IllegalArgumentException e) {
      throw new ConfigException(key, isSecret(name) ? "is not a valid value" : e.getMessage());
    }
    return value;
  }

  private static String docs(Client client) {
    return "https://kafka.apache.org/documentation/#"
        + switch (client) {
          case PRODUCER -> "producerconfigs";
          case CONSUMER -> "consumerconfigs";
          case ADMIN -> "adminclientconfigs";
        };
  }
}
