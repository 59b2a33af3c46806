package dev.sluice.schema;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes schema files for tests: {@code dir/<type>/<version>.json}. */
final class SchemaDirs {

  private SchemaDirs() {}

  static Path write(Path dir, String relative, String json) {
    try {
      Path file = dir.resolve(relative);
      Files.createDirectories(file.getParent());
      Files.writeString(file, json);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A draft 2020-12 object schema with the given body (members after "type": "object"). */
  static String object(String members) {
    return "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\""
        + (members.isEmpty() ? "" : "," + members) + "}";
  }
}
