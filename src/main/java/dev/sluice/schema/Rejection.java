package dev.sluice.schema;

import dev.sluice.bus.Failure;
import java.util.List;

/**
 * An event refused before it reached a broker.
 *
 * @param index position in the request
 * @param eventId the event's id when it had a readable one, else {@code null}
 * @param violations every problem found, each with its pointer
 */
public record Rejection(int index, String eventId, Failure failure, List<Violation> violations) {

  /** At most this many violations are listed per event; the last then says how many more there were. */
  public static final int MAX_VIOLATIONS = 100;

  public Rejection {
    if (violations.size() > MAX_VIOLATIONS) {
      List<Violation> cut = new java.util.ArrayList<>(violations.subList(0, MAX_VIOLATIONS - 1));
      Violation next = violations.get(MAX_VIOLATIONS - 1);
      cut.add(new Violation(next.pointer(), (violations.size() - MAX_VIOLATIONS + 1)
          + " more violations not listed, the next: " + next.message()));
      violations = cut;
    }
    violations = List.copyOf(violations);
  }

  /** A one-line summary for the client. */
  public String message() {
    if (violations.size() == 1) {
      Violation v = violations.get(0);
      return v.pointer() + " " + v.message();
    }
    return violations.size() + " violations, the first: " + violations.get(0).pointer() + " "
        + violations.get(0).message();
  }
}
