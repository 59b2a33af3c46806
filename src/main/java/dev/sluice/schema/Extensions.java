package dev.sluice.schema;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.sluice.bus.CloudEventAttribute;
import java.io.IOException;
import java.util.List;

/**
 * The native envelope's {@code extensions}: CloudEvents extension attributes, an object of lower-case
 * names ({@code [a-z0-9]{1,20}}, none of the mapped attributes) to strings, numbers or booleans.
 */
final class Extensions {

  static final int MAX_VALUE_LENGTH = 1024;
  /** Extension attributes per event (each becomes a Kafka header in the binary form). */
  static final int MAX_EXTENSIONS = 64;

  private Extensions() {}

  /** Reads the object at token {@code t}, adding a violation per bad member under {@code pointer}. */
  static void read(JsonToken t, JsonParser p, String pointer, List<Violation> violations) throws IOException {
    if (t != JsonToken.START_OBJECT) {
      violations.add(new Violation(pointer, "must be a JSON object, got " + EnvelopeReader.kind(t)));
      p.skipChildren();
      return;
    }
    java.util.Set<String> seen = new java.util.HashSet<>();
    boolean tooMany = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      if (tooMany) { // said once; the rest of the object is read, not looked at
        p.skipChildren();
        continue;
      }
      String problem = problem(name, v, v == JsonToken.VALUE_STRING ? p.getText() : null);
      if (!seen.add(name)) {
        problem = "appears more than once";
      } else if (seen.size() > MAX_EXTENSIONS) {
        tooMany = true;
        problem = null;
        violations.add(new Violation(pointer, "holds more than " + MAX_EXTENSIONS + " extension attributes"));
      }
      if (problem != null) {
        violations.add(new Violation(pointer + "/" + Envelope.escape(name), problem));
      }
      p.skipChildren();
    }
  }

  /** Why extension {@code name} with a value at token {@code v} ({@code text} when a string) is refused, or null. */
  static String problem(String name, JsonToken v, String text) {
    String nameProblem = CloudEventAttribute.extensionNameProblem(name);
    if (nameProblem != null) {
      return nameProblem;
    }
    return switch (v) {
      case VALUE_STRING ->
          text.length() > MAX_VALUE_LENGTH ? "must be at most " + MAX_VALUE_LENGTH + " characters" : null;
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT, VALUE_TRUE, VALUE_FALSE -> null;
      default -> "an extension's value is a string, a number or a boolean, got " + EnvelopeReader.kind(v);
    };
  }
}
