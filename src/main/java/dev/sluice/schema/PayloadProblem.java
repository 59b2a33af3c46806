package dev.sluice.schema;

import dev.sluice.bus.Failure;
import java.util.List;

/**
 * Why a payload was refused: {@link Failure#INVALID_PAYLOAD} with one violation per schema error, or
 * {@link Failure#UNKNOWN_SCHEMA_VERSION} with one violation at the event's version naming the known ones.
 */
public record PayloadProblem(Failure failure, List<Violation> violations) {

  public PayloadProblem {
    violations = List.copyOf(violations);
    if (violations.isEmpty()) {
      throw new IllegalArgumentException("a payload problem names at least one violation");
    }
  }
}
