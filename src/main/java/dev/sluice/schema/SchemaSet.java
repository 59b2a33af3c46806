package dev.sluice.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.ValidationMessage;
import dev.sluice.bus.Failure;
import dev.sluice.config.ConfigException;
import dev.sluice.config.SchemasConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The payload schemas of every event type, read once at start: checks an event's {@code data} against
 * the schema of its type and version. Immutable and thread-safe (the compiled schemas are).
 */
public final class SchemaSet implements PayloadCheck {

  private static final Logger LOG = LoggerFactory.getLogger(SchemaSet.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** At most this many violations are listed for one payload; the last says how many more there were. */
  static final int MAX_VIOLATIONS = 100;
  static final int MAX_MESSAGE = 200;

  /**
   * The schemas of one type, by version and by the version's canonical text (what the envelope reader
   * gives for an integer version: the hot path, without parsing).
   */
  private record TypeSchemas(Map<Version, JsonSchema> byVersion, Map<String, JsonSchema> byText, String known) {}

  /** Payloads the validator failed on are logged once per this many. */
  static final long LOG_EVERY = 1000;

  private final Map<String, TypeSchemas> types;
  private final int versions;
  private final java.util.concurrent.atomic.AtomicLong uncheckable = new java.util.concurrent.atomic.AtomicLong();

  private SchemaSet(Map<String, TypeSchemas> types, int versions) {
    this.types = types;
    this.versions = versions;
  }

  /**
   * Reads the schemas {@code config} names and checks consecutive versions' compatibility.
   *
   * @throws ConfigException naming the file that cannot be used, or every incompatible pair
   */
  public static PayloadCheck load(SchemasConfig config) {
    if (!config.enabled()) {
      LOG.info("Schemas: off (schemas.enabled=false): payloads are not checked");
      return PayloadCheck.NONE;
    }
    if (!java.nio.file.Files.isDirectory(config.dir())) {
      LOG.info("Schemas: no directory {} (schemas.dir): payloads are not checked", config.dir());
      return PayloadCheck.NONE;
    }
    SchemaFiles files;
    try {
      files = SchemaFiles.read(config.dir());
    } catch (SchemaException e) {
      throw new ConfigException("schemas.dir", e.getMessage(), e);
    }
    List<String> findings = Compatibility.check(files, config.compatibility());
    if (!findings.isEmpty()) {
      throw new ConfigException("schemas.compatibility", config.compatibility().label() + " compatibility broken: "
          + String.join("; ", findings));
    }
    SchemaSet set = of(files);
    LOG.info("Schemas: {} version(s) of {} event type(s) from {} (compatibility {}): {}", set.versions,
        set.types.size(), config.dir(), config.compatibility().label(), describe(files));
    return set;
  }

  static SchemaSet of(SchemaFiles files) {
    Map<String, TypeSchemas> types = new HashMap<>();
    int count = 0;
    for (var e : files.types().entrySet()) {
      Map<Version, JsonSchema> byVersion = new HashMap<>();
      Map<String, JsonSchema> byText = new HashMap<>();
      e.getValue().forEach((v, loaded) -> {
        byVersion.put(v, loaded.schema());
        byText.put(v.text(), loaded.schema());
      });
      count += byVersion.size();
      types.put(e.getKey(), new TypeSchemas(byVersion, byText,
          e.getValue().keySet().stream().map(Version::text).collect(Collectors.joining(", "))));
    }
    return new SchemaSet(types, count);
  }

  private static String describe(SchemaFiles files) {
    return files.types().entrySet().stream()
        .map(e -> e.getKey() + " " + e.getValue().keySet())
        .collect(Collectors.joining(", "));
  }

  @Override
  public PayloadProblem check(
      String eventType, String eventVersion, byte[] json, int from, int to, String pointer) {
    TypeSchemas type = types.get(eventType);
    if (type == null) {
      return null;
    }
    JsonSchema schema = type.byText().get(eventVersion);
    if (schema == null) { // "01", "1.02": the same version written otherwise
      Version v = Version.parse(eventVersion);
      schema = v == null ? null : type.byVersion().get(v);
    }
    if (schema == null) {
      return new PayloadProblem(
          Failure.UNKNOWN_SCHEMA_VERSION,
          List.of(new Violation(pointer + "/eventVersion", "'" + clip(eventVersion, 40) + "' is not a known version of "
              + eventType + " (known: " + type.known() + ")")));
    }
    JsonNode data;
    try {
      data = JSON.readTree(json, from, to - from);
    } catch (IOException e) { // the envelope reader parsed these bytes already
      return new PayloadProblem(Failure.INVALID_PAYLOAD, List.of(new Violation(pointer + "/data", "cannot be read")));
    }
    Set<ValidationMessage> errors;
    try {
      errors = schema.validate(data);
    } catch (StackOverflowError | RuntimeException e) {
      return unchecked(eventType, eventVersion, pointer, e);
    }
    if (errors.isEmpty()) {
      return null;
    }
    List<Violation> out = new ArrayList<>(Math.min(errors.size(), MAX_VIOLATIONS));
    for (ValidationMessage m : errors) {
      if (out.size() == MAX_VIOLATIONS - 1 && errors.size() > MAX_VIOLATIONS) {
        out.add(new Violation(pointer + "/data", (errors.size() - out.size()) + " more violations not listed"));
        break;
      }
      out.add(new Violation(pointer + "/data" + m.getInstanceLocation(), message(m)));
    }
    return new PayloadProblem(Failure.INVALID_PAYLOAD, out);
  }

  /**
   * The validator failed on this payload: java.util.regex recurses once per repetition of a group, so a
   * pattern like {@code ^([a-z]|-)*$} overflows the stack on a long enough string. The event is refused
   * (the payload cannot be shown to conform); the error never leaves the check. Logged once per
   * {@link #LOG_EVERY}.
   */
  private PayloadProblem unchecked(String eventType, String eventVersion, String pointer, Throwable e) {
    long n = uncheckable.incrementAndGet();
    if (n % LOG_EVERY == 1) {
      LOG.warn("Schemas: a payload of {} v{} could not be checked against its schema ({}); {} such payload(s) so far",
          eventType, clip(eventVersion, 40), e instanceof StackOverflowError ? "a pattern recursed too deeply"
              : e.toString(), n);
    }
    String why = e instanceof StackOverflowError
        ? "a pattern of the schema recursed too deeply on this value; shorten the value or simplify the pattern"
        : "the validator failed (" + clip(e.getClass().getSimpleName(), 80) + ")";
    return new PayloadProblem(Failure.INVALID_PAYLOAD,
        List.of(new Violation(pointer + "/data", "could not be checked against the schema: " + why)));
  }

  /** The validator's words without the location it starts with (the pointer says it), clipped. */
  private static String message(ValidationMessage m) {
    String text = m.getMessage();
    String at = m.getInstanceLocation().toString() + ": ";
    if (text.startsWith(at)) {
      text = text.substring(at.length());
    } else if (text.startsWith(": ")) {
      text = text.substring(2);
    }
    return clip(text, MAX_MESSAGE);
  }

  private static String clip(String s, int max) {
    return s.length() > max ? s.substring(0, max) + "..." : s;
  }

  /** Event types with schemas, and their versions (for the start-up log and tests). */
  Map<String, String> known() {
    Map<String, String> out = new TreeMap<>();
    types.forEach((t, s) -> out.put(t, s.known()));
    return out;
  }
}
