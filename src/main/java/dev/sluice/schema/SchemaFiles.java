package dev.sluice.schema;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.AbsoluteIri;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaId;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.resource.InputStreamSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Reads a schema directory: {@code <dir>/<eventType>/<version>.json}, each checked against the draft
 * 2020-12 meta-schema and compiled. A {@code $ref} may name a place in the same file or another file
 * under the directory (other JSON files there, e.g. in {@code common/}, are only such targets); nothing
 * is fetched from the network and nothing outside the directory is read.
 */
final class SchemaFiles {

  static final String DRAFT_2020_12 = SchemaId.V202012;

  private static final ObjectMapper STRICT =
      new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  /** One version's schema. */
  record Loaded(String type, Version version, Path file, JsonNode doc, JsonSchema schema) {}

  private final Path root;
  private final TreeMap<String, TreeMap<Version, Loaded>> types = new TreeMap<>();
  private final Map<Path, JsonNode> documents = new HashMap<>();
  private final JsonSchemaFactory factory;
  private final SchemaValidatorsConfig config;

  private SchemaFiles(Path root) {
    this.root = root.toAbsolutePath().normalize();
    this.factory =
        JsonSchemaFactory.getInstance(
            SpecVersion.VersionFlag.V202012,
            b -> b.schemaLoaders(l -> l.add(this::load)));
    this.config =
        SchemaValidatorsConfig.builder()
            .pathType(PathType.JSON_POINTER)
            .formatAssertionsEnabled(true)
            .build();
  }

  /** Reads every type's versions; none when the directory does not exist. */
  static SchemaFiles read(Path root) {
    SchemaFiles files = new SchemaFiles(root);
    TreeMap<String, TreeMap<Version, Loaded>> out = files.types;
    if (!Files.isDirectory(files.root)) {
      return files;
    }
    JsonSchema meta = files.factory.getSchema(SchemaLocation.of(DRAFT_2020_12), files.config);
    for (Path typeDir : list(files.root)) {
      String type = typeDir.getFileName().toString();
      if (!Files.isDirectory(typeDir) || !Formats.isEventType(type)) {
        continue; // shared definitions (common/ ...), or not a directory
      }
      TreeMap<Version, Loaded> versions = new TreeMap<>();
      for (Path file : list(typeDir)) {
        String name = file.getFileName().toString();
        Version v = name.endsWith(".json") ? Version.parse(name.substring(0, name.length() - 5)) : null;
        if (v == null || !Files.isRegularFile(file)) {
          continue; // a definition a version refers to
        }
        Loaded before = versions.get(v);
        if (before != null) {
          throw new SchemaException(file, "names version " + v + " like " + before.file().getFileName());
        }
        versions.put(v, files.compile(type, v, file, meta));
      }
      if (!versions.isEmpty()) {
        out.put(type, versions);
      }
    }
    return files;
  }

  /** The versions of each type, by type then version. */
  TreeMap<String, TreeMap<Version, Loaded>> types() {
    return types;
  }

  Path root() {
    return root;
  }

  private Loaded compile(String type, Version version, Path file, JsonSchema meta) {
    JsonNode doc = document(file);
    if (!doc.isObject() && !doc.isBoolean()) {
      throw new SchemaException(file, "is not a JSON Schema: a schema is an object or a boolean");
    }
    JsonNode declared = doc.get("$schema");
    if (declared != null && !DRAFT_2020_12.equals(declared.asText().replaceAll("#$", ""))) {
      throw new SchemaException(file, "declares \"$schema\": " + declared + "; Sluice reads draft 2020-12 ("
          + DRAFT_2020_12 + ") only");
    }
    Set<ValidationMessage> problems = meta.validate(doc);
    if (!problems.isEmpty()) {
      List<String> some = new ArrayList<>();
      for (ValidationMessage m : problems) {
        if (some.size() == 3) {
          some.add("...");
          break;
        }
        some.add(m.getMessage());
      }
      throw new SchemaException(file, "is not a valid draft 2020-12 schema: " + String.join("; ", some));
    }
    try {
      JsonSchema schema = factory.getSchema(SchemaLocation.of(iri(file)), doc, config);
      schema.initializeValidators(); // resolves every $ref now, not on the first event
      return new Loaded(type, version, file, doc, schema);
    } catch (RuntimeException e) {
      throw new SchemaException(file, "cannot be compiled: " + rootMessage(e), e);
    }
  }

  /** A JSON document under the directory, read once. */
  JsonNode document(Path file) {
    Path abs = file.toAbsolutePath().normalize();
    JsonNode doc = documents.get(abs);
    if (doc == null) {
      try {
        doc = STRICT.readTree(abs.toFile());
      } catch (IOException e) {
        throw new SchemaException(abs, "is not valid JSON: " + firstLine(e.getMessage()), e);
      }
      if (doc == null || doc.isMissingNode()) {
        throw new SchemaException(abs, "is empty");
      }
      documents.put(abs, doc);
    }
    return doc;
  }

  /** The validator's loader: files under the directory only, the bundled meta-schemas, nothing else. */
  private InputStreamSource load(AbsoluteIri iri) {
    String s = iri.toString();
    if (s.startsWith("classpath:draft/")) {
      return null; // the bundled meta-schemas, loaded by the library's classpath loader
    }
    if (s.startsWith("file:")) {
      Path file = Paths.get(java.net.URI.create(s)).normalize();
      if (file.startsWith(root)) {
        return () -> Files.newInputStream(file);
      }
      return () -> {
        throw new IOException("$ref to " + s + ": only files under " + root + " are read");
      };
    }
    return () -> {
      throw new IOException("$ref to " + s + ": schemas are not fetched (a $ref may name a file under " + root + ")");
    };
  }

  static String iri(Path file) {
    return file.toAbsolutePath().normalize().toUri().toString();
  }

  private static List<Path> list(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    } catch (IOException e) {
      throw new SchemaException(dir, "cannot be listed: " + e.getMessage(), e);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage() != null ? t.getMessage() : t.toString();
    return firstLine(m);
  }

  private static String firstLine(String m) {
    if (m == null) {
      return "unreadable";
    }
    int nl = m.indexOf('\n');
    return nl >= 0 ? m.substring(0, nl) : m;
  }
}
