package dev.sluice.admin;

import static dev.sluice.admin.DlqFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.Addresses;
import dev.sluice.deadletter.DeadLetter;
import dev.sluice.deadletter.StoredDeadLetter;
import dev.sluice.testsupport.Ports;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code sluice dlq ...} against the admin API on a real port, its index in the real PostgreSQL. */
class DlqCliIT {

  private DlqFixture fx;

  /** What a run printed and returned. */
  record Run(int code, String out, String err) {
    JsonObject json() {
      return new JsonObject(out);
    }
  }

  @BeforeEach
  void open() {
    fx = new DlqFixture();
    for (int i = 0; i < 5; i++) {
      fx.put("s1", "e" + i, i < 3 ? "order.created" : "order.paid", DeadLetter.CLASS_STATUS, 500);
    }
    fx.start();
  }

  @AfterEach
  void close() {
    fx.close();
  }

  private Run dlq(String... args) {
    return dlq(Map.of("SLUICE_ADMIN_URL", fx.base.toString()), args);
  }

  /** Runs the CLI with {@code env} plus the test admin token (unless env names one; "" = none). */
  private static Run dlq(Map<String, String> env, String... args) {
    if (!env.containsKey("SLUICE_ADMIN_TOKEN")) {
      env = new java.util.HashMap<>(env);
      env.put("SLUICE_ADMIN_TOKEN", dev.sluice.testsupport.GatewayConfig.ADMIN_TOKEN);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = DlqCli.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void sendsTheAdminTokenOfTheEnvironment() {
    Run none = dlq(Map.of("SLUICE_ADMIN_URL", fx.base.toString(), "SLUICE_ADMIN_TOKEN", ""), "summary");
    assertThat(none.code()).isEqualTo(1);
    assertThat(none.err()).contains("SLC-1401");
    Run wrong = dlq(Map.of("SLUICE_ADMIN_URL", fx.base.toString(), "SLUICE_ADMIN_TOKEN", "not-the-token"), "summary");
    assertThat(wrong.code()).isEqualTo(1);
    assertThat(wrong.err()).contains("SLC-1402").doesNotContain("not-the-token");
    assertThat(dlq().code()).isZero();
  }

  @Test
  void summaryListAndShowPrintTheJson() {
    Run summary = dlq();
    assertThat(summary.code()).as(summary.err()).isZero();
    assertThat(summary.json().getJsonArray("subscriptions").getJsonObject(0).getLong("depth")).isEqualTo(5);
    assertThat(summary.out()).contains("\n"); // pretty
    Run viaOption = dlq(Map.of(), "--admin", fx.base.toString(), "summary");
    assertThat(viaOption.json().getJsonArray("subscriptions").getJsonObject(0).getLong("depth")).isEqualTo(5);

    Run page = dlq("list", "s1", "--limit", "2");
    assertThat(page.code()).isZero();
    assertThat(page.json().getJsonArray("items").size()).isEqualTo(2);
    assertThat(page.json().getString("next")).isNotNull();

    Run all = dlq("list", "s1", "--limit", "2", "--all-pages", "--event-type", "order.*");
    assertThat(all.code()).as(all.err()).isZero();
    assertThat(ids(all.json())).containsExactly("e0", "e1", "e2", "e3", "e4");
    assertThat(all.json().getValue("next")).isNull();
    assertThat(ids(dlq("list", "s1", "--event-type", "order.paid").json())).containsExactly("e3", "e4");

    Run show = dlq("show", "s1", "e3");
    assertThat(show.code()).isZero();
    assertThat(show.json().getJsonObject("value")).isEqualTo(new JsonObject().put("id", "e3"));

    String odd = "orders/3@42 é?#&+";  // an event id naming its origin, with what a URL must escape
    fx.put("s1", odd, "order.paid", DeadLetter.CLASS_STATUS, 500);
    Run shown = dlq("show", "s1", odd);
    assertThat(shown.code()).as(shown.err()).isZero();
    assertThat(shown.json().getString("eventId")).isEqualTo(odd);
    assertThat(dlq("purge", "s1", "--ids", odd).json().getLong("deleted")).isEqualTo(1);
  }

  @Test
  void replayWaitsForTheEndAndPurgeCounts() {
    fx.vertx.eventBus().<StoredDeadLetter>consumer(Addresses.replay("s1"), m -> m.reply("delivered"));
    Run replay = dlq("replay", "s1", "--event-type", "order.created", "--rate", "50");
    assertThat(replay.code()).as(replay.err()).isZero();
    assertThat(replay.json().getString("status")).isEqualTo("done");
    assertThat(replay.json().getLong("delivered")).isEqualTo(3);
    assertThat(await(fx.dl.summary("s1")).depth()).isEqualTo(2);

    Run purge = dlq("purge", "s1", "--ids", "e3,nope");
    assertThat(purge.code()).isZero();
    assertThat(purge.json().getLong("deleted")).isEqualTo(1);
    assertThat(dlq("purge", "s1", "--all").json().getLong("deleted")).isEqualTo(1);
  }

  @Test
  void aFailedReplayExitsOne() {
    Run replay = dlq("replay", "s1", "--ids", "e0"); // nothing answers on the replay address
    assertThat(replay.code()).isEqualTo(1);
    assertThat(replay.err()).contains("failed");
    assertThat(replay.json().getString("status")).isEqualTo("failed");
  }

  @Test
  void serverErrorsExitOneAndUsageErrorsTwo() {
    Run unknown = dlq("list", "nope");
    assertThat(unknown.code()).isEqualTo(1);
    assertThat(unknown.err()).contains("SLC-1201").contains("nope");
    Run badLimit = dlq("list", "s1", "--limit", "0");
    assertThat(badLimit.code()).isEqualTo(1);
    assertThat(badLimit.err()).contains("SLC-1202").contains("limit");

    for (String[] args : new String[][] {{"purge", "s1"}, {"replay", "s1"}, {"purge", "s1", "--all", "--ids", "e1"},
        {"list"}, {"show", "s1"}, {"frobnicate"}, {"list", "s1", "--limit", "x"}, {"list", "s1", "--rate", "3"},
        {"list", "s1", "--limit"}}) {
      Run r = dlq(args);
      assertThat(r.code()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(r.err()).as(String.join(" ", args)).contains("usage: sluice dlq");
    }
    assertThat(await(fx.dl.summary("s1")).depth()).isEqualTo(5); // nothing purged by a usage error
    assertThat(dlq("--help").code()).isZero();

    Run away = dlq(Map.of("SLUICE_ADMIN_URL", "http://127.0.0.1:" + Ports.free()), "summary");
    assertThat(away.code()).isEqualTo(1);
    assertThat(away.err()).contains("cannot reach the admin API");
  }

  private static List<String> ids(JsonObject page) {
    List<String> out = new ArrayList<>();
    page.getJsonArray("items").forEach(o -> out.add(((JsonObject) o).getString("eventId")));
    return out;
  }
}
