package dev.sluice.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.RoutingConfig;
import dev.sluice.config.RoutingConfig.Rule;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoutingTableTest {

  private static RoutingTable table(Rule... rules) {
    return new RoutingTable(new RoutingConfig(List.of(rules)));
  }

  @Test
  void firstMatchingRuleWins() {
    RoutingTable t = table(new Rule("order.created", "created"), new Rule("order.#", "orders"), new Rule("#", "all"));
    assertThat(t.topicFor("order.created")).isEqualTo("created");
    assertThat(t.topicFor("order.paid")).isEqualTo("orders");
    assertThat(t.topicFor("user.signed_up")).isEqualTo("all");
  }

  @Test
  void starMatchesExactlyOneSegment() {
    RoutingTable t = table(new Rule("order.*", "orders"), new Rule("*.*.deleted", "deletions"));
    assertThat(t.topicFor("order.created")).isEqualTo("orders");
    assertThat(t.topicFor("order.item.added")).isNull();
    assertThat(t.topicFor("shop.order.deleted")).isEqualTo("deletions");
    assertThat(t.topicFor("order.deleted")).isEqualTo("orders");
  }

  @Test
  void hashMatchesAnyNumberOfSegmentsAnywhere() {
    RoutingTable t = table(new Rule("#.deleted", "deletions"), new Rule("shop.#.paid", "payments"), new Rule("audit.#", "audit"));
    assertThat(t.topicFor("order.deleted")).isEqualTo("deletions");
    assertThat(t.topicFor("a.b.c.deleted")).isEqualTo("deletions");
    assertThat(t.topicFor("shop.paid")).isEqualTo("payments"); // '#' may match no segment
    assertThat(t.topicFor("shop.order.paid")).isEqualTo("payments");
    assertThat(t.topicFor("shop.x.y.paid")).isEqualTo("payments");
    assertThat(t.topicFor("audit.login")).isEqualTo("audit");
    assertThat(t.topicFor("auditing.login")).isNull();
  }

  @Test
  void literalSegmentsAreNotRegularExpressions() {
    RoutingTable t = table(new Rule("a-b.c_d", "t"));
    assertThat(t.topicFor("a-b.c_d")).isEqualTo("t");
    assertThat(t.topicFor("aXb.c_d")).isNull();
  }

  @Test
  void answersNullWhenNothingMatchesAndStaysBounded() {
    RoutingTable t = table(new Rule("order.*", "orders"));
    for (int i = 0; i < RoutingTable.CACHE_LIMIT * 2; i++) {
      assertThat(t.topicFor("x.t" + i)).isNull();
    }
    assertThat(t.topicFor("order.created")).isEqualTo("orders");
  }
}
