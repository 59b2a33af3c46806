package dev.sluice.schema;

import java.nio.file.Path;

/** A schema file that cannot be used (unreadable, not JSON, not draft 2020-12, a $ref that does not resolve). */
public final class SchemaException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  SchemaException(Path file, String problem) {
    super(file + ": " + problem);
  }

  SchemaException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
  }
}
