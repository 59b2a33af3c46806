package dev.sluice.config;

import dev.sluice.auth.Quota;
import dev.sluice.auth.Tenant;
import dev.sluice.auth.Tenants;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/**
 * Reads the tenants file ({@code auth.tenants-file}, see {@code conf/tenants.example.yaml}): a {@code
 * tenants} list, each with a unique name, the event types it may publish, optionally topics, a quota,
 * API keys (at most two per client, ids unique in the file) and client-certificate subjects.
 */
public final class TenantsFile {

  private static final String KEY = "auth.tenants-file";
  private static final Set<String> TENANT_KEYS = Set.of("name", "event-types", "topics", "quota", "api-keys",
      "certificates");
  private static final Set<String> QUOTA_KEYS = Set.of("events-per-second", "bytes-per-second", "burst-seconds");
  private static final Set<String> CLIENT_KEYS = Set.of("client", "keys");
  private static final Set<String> API_KEY_KEYS = Set.of("id", "sha256");

  private TenantsFile() {}

  /** The tenants of {@code auth}'s file; a file that is missing or breaks a rule stops start-up. */
  public static Tenants load(AuthConfig auth) {
    String name = auth.tenantsFile();
    boolean bundled = name.startsWith(ConfigLoader.CLASSPATH);
    boolean exists = bundled
        ? TenantsFile.class.getClassLoader().getResource("conf/" + name.substring(ConfigLoader.CLASSPATH.length())) != null
        : Files.exists(Path.of(name));
    if (!exists) {
      throw new ConfigException(KEY, (bundled ? name + " is not bundled" : name + " does not exist")
          + ", and auth.mode is required. Create the file (conf/tenants.example.yaml shows every field;"
          + " `java -jar sluice.jar keys new` prints an API key and its entry), or set auth.mode: none"
          + " to let anyone who reaches the port publish");
    }
    return parse(ConfigLoader.readRelative(KEY, name, null), name);
  }

  /** The tenants of a parsed file ({@code source} names it in errors). */
  static Tenants parse(Map<String, Object> doc, String source) {
    for (String top : doc.keySet()) {
      if (!top.equals("tenants")) {
        throw new ConfigException(KEY, source + ": unknown section '" + top + "' (tenants)");
      }
    }
    if (!(doc.get("tenants") instanceof List<?> items) || items.isEmpty()) {
      throw new ConfigException(KEY, source + " must hold a non-empty 'tenants' list");
    }
    List<Tenant> tenants = new ArrayList<>();
    List<Tenants.Key> keys = new ArrayList<>();
    Map<String, Tenant> subjects = new LinkedHashMap<>();
    Set<String> names = new HashSet<>();
    Set<String> ids = new HashSet<>();
    for (Object item : items) {
      String n = item instanceof Map<?, ?> raw && raw.get("name") != null ? raw.get("name").toString() : "";
      String at = "tenants[" + n + "]";
      Map<?, ?> m = map(item, at, TENANT_KEYS);
      if (!n.matches("[a-z0-9][a-z0-9._-]{0,62}")) {
        throw new ConfigException(at + ".name", "'" + n + "' must match [a-z0-9][a-z0-9._-]{0,62}");
      }
      if (n.equals(Tenant.ANONYMOUS.name())) {
        throw new ConfigException(at + ".name", "'anonymous' is the tenant of auth.mode: none; choose another name");
      }
      if (!names.add(n)) {
        throw new ConfigException(at + ".name", "two tenants are named '" + n + "'");
      }
      List<String> types = ConfigLoader.strings(at + ".event-types", m.get("event-types"));
      if (types.isEmpty()) {
        throw new ConfigException(at + ".event-types", "is required: the event types it may publish (\"#\" = all)");
      }
      for (String type : types) {
        checkPattern(at + ".event-types", type);
      }
      List<String> topics = ConfigLoader.strings(at + ".topics", m.get("topics"));
      for (String topic : topics) {
        if (!topic.matches("[A-Za-z0-9._-]{1,249}")) {
          throw new ConfigException(at + ".topics", "'" + topic + "' is not a valid Kafka topic name");
        }
      }
      Tenant tenant = new Tenant(n, types, topics, quota(m.get("quota"), at + ".quota"));
      tenants.add(tenant);
      keys.addAll(apiKeys(m.get("api-keys"), at + ".api-keys", tenant, ids));
      for (String subject : ConfigLoader.strings(at + ".certificates", m.get("certificates"))) {
        String normal = subject(at + ".certificates", subject);
        Tenant other = subjects.putIfAbsent(normal, tenant);
        if (other != null) {
          throw new ConfigException(at + ".certificates", "'" + subject + "' is also listed by tenant " + other.name());
        }
      }
    }
    return new Tenants(tenants, keys, subjects);
  }

  private static void checkPattern(String key, String pattern) {
    if (!pattern.matches("[A-Za-z0-9_*#-]+(\\.[A-Za-z0-9_*#-]+)*")) {
      throw new ConfigException(key, "'" + pattern + "' is not a dot-separated pattern (order.*, order.#, #)");
    }
    for (String segment : pattern.split("\\.")) {
      if (segment.length() > 1 && (segment.contains("*") || segment.contains("#"))) {
        throw new ConfigException(key, "'" + pattern + "': a wildcard (* or #) must be a whole segment");
      }
    }
  }

  private static Quota quota(Object o, String at) {
    if (o == null) {
      return null;
    }
    Map<?, ?> q = map(o, at, QUOTA_KEYS);
    long events = number(q, "events-per-second", 0, at);
    long bytes = number(q, "bytes-per-second", 0, at);
    double burst;
    try {
      burst = q.get("burst-seconds") == null ? 1.0 : Double.parseDouble(q.get("burst-seconds").toString().trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(at + ".burst-seconds", "must be a number, got '" + q.get("burst-seconds") + "'");
    }
    try {
      return new Quota(events, bytes, burst);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(at, e.getMessage());
    }
  }

  private static List<Tenants.Key> apiKeys(Object o, String at, Tenant tenant, Set<String> ids) {
    List<Tenants.Key> out = new ArrayList<>();
    if (o == null) {
      return out;
    }
    if (!(o instanceof List<?> clients)) {
      throw new ConfigException(at, "must be a list of clients, each {client: NAME, keys: [{id, sha256}]}");
    }
    Set<String> clientNames = new HashSet<>();
    for (Object c : clients) {
      String cn = c instanceof Map<?, ?> raw && raw.get("client") != null ? raw.get("client").toString() : "";
      String cat = at + "[" + cn + "]";
      Map<?, ?> cm = map(c, cat, CLIENT_KEYS);
      if (!cn.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
        throw new ConfigException(cat + ".client", "'" + cn + "' must match [A-Za-z0-9][A-Za-z0-9._-]{0,62}");
      }
      if (!clientNames.add(cn)) {
        throw new ConfigException(cat + ".client", "two clients are named '" + cn + "'");
      }
      if (!(cm.get("keys") instanceof List<?> ks) || ks.isEmpty() || ks.size() > 2) {
        throw new ConfigException(cat + ".keys", "must list one or two keys (the current one and the next)");
      }
      for (int i = 0; i < ks.size(); i++) {
        String kat = cat + ".keys[" + i + "]";
        Map<?, ?> km = map(ks.get(i), kat, API_KEY_KEYS);
        String id = String.valueOf(km.get("id"));
        String sha = String.valueOf(km.get("sha256"));
        if (!id.matches("[0-9a-f]{12}")) {
          throw new ConfigException(kat + ".id", "'" + id + "' must be 12 lowercase hex characters (the id in sk_<id>_...)");
        }
        if (!sha.matches("[0-9a-f]{64}")) {
          throw new ConfigException(kat + ".sha256", "must be 64 lowercase hex characters (the SHA-256 of the whole key)");
        }
        if (!ids.add(id)) {
          throw new ConfigException(kat + ".id", "'" + id + "' is the id of another key in the file");
        }
        out.add(new Tenants.Key(id, HexFormat.of().parseHex(sha), cn, tenant));
      }
    }
    return out;
  }

  /** A subject in the form Java prints it (RFC 2253), so that the file may space it as it likes. */
  private static String subject(String key, String subject) {
    try {
      return new X500Principal(subject).getName(X500Principal.RFC2253);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key, "'" + subject + "' is not a distinguished name (CN=client,O=team): "
          + e.getMessage());
    }
  }

  private static Map<?, ?> map(Object o, String at, Set<String> allowed) {
    if (!(o instanceof Map<?, ?> m)) {
      throw new ConfigException(at, "must be a map of " + new java.util.TreeSet<>(allowed));
    }
    for (Object k : m.keySet()) {
      if (!allowed.contains(String.valueOf(k))) {
        throw new ConfigException(at + "." + k, "is not an option here " + new java.util.TreeSet<>(allowed));
      }
    }
    return m;
  }

  private static long number(Map<?, ?> m, String k, long dflt, String at) {
    Object v = m.get(k);
    if (v == null) {
      return dflt;
    }
    try {
      return Long.parseLong(v.toString().trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(at + "." + k, "must be a whole number, got '" + v + "'");
    }
  }
}
