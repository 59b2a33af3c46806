package dev.sluice.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.auth.Quota;
import dev.sluice.auth.Tenant;
import dev.sluice.config.RoutingConfig;
import dev.sluice.config.RoutingConfig.Rule;
import java.util.List;
import org.junit.jupiter.api.Test;

class PermissionsTest {

  private static final Permissions PERMISSIONS = new Permissions(new RoutingConfig(List.of(
      new Rule("order.#", "orders"), new Rule("billing.*", "billing"), new Rule("#", "misc"))));

  private static Tenant tenant(List<String> types, List<String> topics) {
    return new Tenant("team-a", types, topics, new Quota(10, 0, 1));
  }

  @Test
  void allowsTheTypesOfItsPatternsWithTheRoutesSemantics() {
    Tenant t = tenant(List.of("order.#", "billing.*"), List.of());

    assertThat(PERMISSIONS.refusal(t, "order.created")).isNull();
    assertThat(PERMISSIONS.refusal(t, "order.item.added")).isNull();
    assertThat(PERMISSIONS.refusal(t, "billing.paid")).isNull();
    assertThat(PERMISSIONS.refusal(t, "billing.card.paid"))
        .isEqualTo("tenant 'team-a' may not publish event type 'billing.card.paid'");
    assertThat(PERMISSIONS.refusal(t, "user.created"))
        .isEqualTo("tenant 'team-a' may not publish event type 'user.created'");
  }

  @Test
  void refusesATypeWhoseRouteGoesToATopicNotListed() {
    Tenant t = tenant(List.of("#"), List.of("orders"));

    assertThat(PERMISSIONS.refusal(t, "order.created")).isNull();
    assertThat(PERMISSIONS.refusal(t, "billing.paid"))
        .isEqualTo("tenant 'team-a' may not publish event type 'billing.paid': its route goes to topic 'billing'");
  }

  @Test
  void leavesATypeWithoutRouteToTheRouter() {
    Permissions none = new Permissions(new RoutingConfig(List.of(new Rule("order.#", "orders"))));

    assertThat(none.refusal(tenant(List.of("#"), List.of("orders")), "user.created")).isNull();
  }

  @Test
  void allowsEverythingToTheAnonymousTenant() {
    assertThat(PERMISSIONS.refusal(Tenant.ANONYMOUS, "anything.at.all")).isNull();
  }

  @Test
  void keepsItsCacheBounded() {
    Tenant t = tenant(List.of("order.*"), List.of());
    for (int i = 0; i < Permissions.CACHE_LIMIT * 2; i++) {
      PERMISSIONS.refusal(t, "order.t" + i);
      PERMISSIONS.refusal(t, "x.t" + i);
    }
    assertThat(PERMISSIONS.cached()).isLessThanOrEqualTo(Permissions.CACHE_LIMIT);
    assertThat(PERMISSIONS.refusal(t, "order.t1")).isNull();
    assertThat(PERMISSIONS.refusal(t, "x.t1")).isNotNull();
  }
}
