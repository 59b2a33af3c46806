package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The event-type patterns as PostgreSQL regexes, and the cursors of the dead-letter lists. */
class DeadLetterQueryTest {

  private static final List<String> TYPES = List.of("order", "order.created", "order.created.v2", "orders.created",
      "order.item.added", "payment.failed", "a+b.c", "order-x.created", "ordercreated", "x.order.created");

  @Test
  void theRegexMatchesWhatTheRoutingPatternMatches() throws ReflectiveOperationException {
    // RoutingTable is package-private to route/: its compile is the reference the regex must agree with
    Method compile = Class.forName("dev.sluice.route.RoutingTable").getMethod("compile", String.class);
    compile.setAccessible(true);
    for (String p : List.of("order.*", "order.#", "#.created", "#", "*", "*.created", "order.*.added", "a+b.*",
        "order-x.#", "order.created")) {
      Pattern routing = (Pattern) compile.invoke(null, p);
      Pattern posix = Pattern.compile(DeadLetterQuery.posixRegex(p));
      for (String t : TYPES) {
        assertThat(posix.matcher(t).find()).as(p + " ~ " + t).isEqualTo(routing.matcher(t).matches());
      }
    }
    assertThat(DeadLetterQuery.posixRegex("a+b.*")).isEqualTo("^a\\+b\\.[^.]+$").doesNotContain("\\Q");
  }

  @Test
  void onlyStarsAndHashesMakeAPattern() {
    assertThat(DeadLetterQuery.isPattern("order.created")).isFalse();
    assertThat(DeadLetterQuery.isPattern("order.*")).isTrue();
    assertThat(DeadLetterQuery.isPattern("#")).isTrue();
    assertThat(DeadLetterQuery.isPattern("a*b")).isFalse();
  }

  @Test
  void aCursorNamesItsPositionAndAForeignOneIsRefused() {
    Instant at = Instant.parse("2026-11-29T09:10:11.123456Z");
    String c = DeadLetterQuery.encode(at, "ev:1");
    assertThat(DeadLetterQuery.decode(c)).isEqualTo(new DeadLetterQuery.Position(at, "ev:1"));
    assertThatThrownBy(() -> DeadLetterQuery.decode("not-a-cursor")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DeadLetterQuery.decode("%%%")).isInstanceOf(IllegalArgumentException.class);
  }
}
