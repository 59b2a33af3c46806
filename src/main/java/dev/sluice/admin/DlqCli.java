package dev.sluice.admin;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * {@code java -jar sluice.jar dlq ...}: the dead-letter tools from a shell, a client of the admin API
 * ({@code --admin URL}, else {@code SLUICE_ADMIN_URL}, else {@code http://localhost:9090}) with the admin
 * token of {@code SLUICE_ADMIN_TOKEN} (never an argument: it would show in the process list). Prints the
 * answer's JSON; exits 0, 1 when the server answered an error (or cannot be reached), 2 on a usage error.
 */
public final class DlqCli {

  static final String USAGE = """
      usage: sluice dlq [--admin URL] [summary]
             sluice dlq list    <subscription> [FILTER] [--limit N] [--cursor C] [--all-pages]
             sluice dlq show    <subscription> <eventId>
             sluice dlq replay  <subscription> (--ids a,b,... | FILTER | --all) [--rate N]
             sluice dlq purge   <subscription> (--ids a,b,... | FILTER | --all)
      FILTER: [--event-type T] [--failure-class C] [--status N] [--from ISO-TIME] [--to ISO-TIME]
              (--event-type takes a type or a dotted pattern: order.* one segment, order.# any)
      --admin: the admin API (default $SLUICE_ADMIN_URL, else http://localhost:9090)
      the admin token: $SLUICE_ADMIN_TOKEN (sent as Authorization: Bearer)
      exit: 0 ok, 1 the server answered an error, 2 usage error""";

  private static final Map<String, String> FILTER_OPTIONS = Map.of("--event-type", "eventType", "--failure-class",
      "failureClass", "--status", "status", "--from", "from", "--to", "to");

  private final PrintStream out;
  private final PrintStream err;
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private URI admin;
  private String token;

  private DlqCli(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  /** Runs the command {@code args} (what follows {@code dlq}); returns the exit code. */
  public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    DlqCli cli = new DlqCli(out, err);
    try {
      return cli.command(args, env);
    } catch (Usage e) {
      err.println("sluice dlq: " + e.getMessage());
      err.println(USAGE);
      return 2;
    } catch (IOException e) {
      err.println("sluice dlq: cannot reach the admin API at " + cli.admin + ": " + e);
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  private static final class Usage extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Usage(String message) {
      super(message);
    }
  }

  private int command(String[] args, Map<String, String> env) throws IOException, InterruptedException {
    List<String> positional = new ArrayList<>();
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-h") || a.equals("--help") || a.equals("help")) {
        out.println(USAGE);
        return 0;
      }
      if (a.equals("--all") || a.equals("--all-pages")) {
        options.put(a, "true");
      } else if (a.startsWith("--")) {
        if (i + 1 >= args.length) {
          throw new Usage(a + " needs a value");
        }
        options.put(a, args[++i]);
      } else {
        positional.add(a);
      }
    }
    String url = options.remove("--admin");
    url = url != null ? url : env.getOrDefault("SLUICE_ADMIN_URL", "http://localhost:9090");
    try {
      admin = URI.create(url.endsWith("/") ? url : url + "/");
      if (admin.getScheme() == null || admin.getHost() == null) {
        throw new IllegalArgumentException("no scheme or host");
      }
    } catch (IllegalArgumentException e) {
      throw new Usage("--admin '" + url + "' is not an http:// URL");
    }
    token = env.get("SLUICE_ADMIN_TOKEN");
    String cmd = positional.isEmpty() ? "summary" : positional.get(0);
    List<String> rest = positional.subList(Math.min(1, positional.size()), positional.size());
    return switch (cmd) {
      case "summary" -> {
        expect(rest, 0, options, List.of(), false);
        yield print(call("GET", "admin/dlq", null, Duration.ofSeconds(30)));
      }
      case "list" -> list(rest, options);
      case "show" -> {
        expect(rest, 2, options, List.of(), false);
        yield print(call("GET", "admin/dlq/" + seg(rest.get(0)) + "/" + seg(rest.get(1)), null, Duration.ofSeconds(30)));
      }
      case "replay" -> {
        expect(rest, 1, options, List.of("--ids", "--all", "--rate"), true);
        JsonObject body = selection(options).put("wait", true);
        if (options.containsKey("--rate")) {
          body.put("rate", integer(options, "--rate"));
        }
        Answer a = call("POST", "admin/dlq/" + seg(rest.get(0)) + "/replay", body, null);
        int code = print(a);
        if (code == 0 && !"done".equals(a.json().getString("status"))) {
          err.println("sluice dlq: the replay " + a.json().getString("status") + ": " + a.json().getString("error"));
          yield 1;
        }
        yield code;
      }
      case "purge" -> {
        expect(rest, 1, options, List.of("--ids", "--all"), true);
        yield print(call("DELETE", "admin/dlq/" + seg(rest.get(0)), selection(options), Duration.ofSeconds(60)));
      }
      default -> throw new Usage("unknown command '" + cmd + "'");
    };
  }

  private int list(List<String> rest, Map<String, String> options) throws IOException, InterruptedException {
    expect(rest, 1, options, List.of("--limit", "--cursor", "--all-pages"), true);
    StringJoiner q = new StringJoiner("&");
    JsonObject f = filter(options);
    f.fieldNames().forEach(k -> q.add(k + "=" + URLEncoder.encode(String.valueOf(f.getValue(k)), StandardCharsets.UTF_8)));
    if (options.containsKey("--limit")) {
      q.add("limit=" + integer(options, "--limit"));
    }
    String base = "admin/dlq/" + seg(rest.get(0)) + "?" + q;
    String cursor = options.get("--cursor");
    boolean all = options.containsKey("--all-pages");
    JsonArray items = new JsonArray();
    while (true) {
      String path = cursor == null ? base : base + (q.length() > 0 ? "&" : "") + "cursor=" + seg(cursor);
      Answer a = call("GET", path, null, Duration.ofSeconds(30));
      if (!all || a.status() >= 300) {
        return print(a);
      }
      items.addAll(a.json().getJsonArray("items"));
      cursor = a.json().getString("next");
      if (cursor == null) {
        out.println(new JsonObject().put("items", items).putNull("next").encodePrettily());
        return 0;
      }
    }
  }

  /** Checks the count of arguments and that only filter options and {@code allowed} are given. */
  private static void expect(List<String> rest, int n, Map<String, String> options, List<String> allowed,
      boolean filters) {
    if (rest.size() != n) {
      throw new Usage(n == 0 ? "too many arguments" : "expected " + n + " argument" + (n > 1 ? "s" : "")
          + ", got " + rest.size());
    }
    for (String o : options.keySet()) {
      if (!allowed.contains(o) && !(filters && FILTER_OPTIONS.containsKey(o))) {
        throw new Usage("unknown option " + o + " here");
      }
    }
  }

  private static JsonObject filter(Map<String, String> options) {
    JsonObject f = new JsonObject();
    FILTER_OPTIONS.forEach((opt, field) -> {
      if (options.containsKey(opt)) {
        f.put(field, opt.equals("--status") ? (Object) integer(options, opt) : options.get(opt));
      }
    });
    return f;
  }

  /** {@code {"ids": [...]}}, {@code {"filter": {...}}} or {@code {"all": true}}: exactly one. */
  private static JsonObject selection(Map<String, String> options) {
    JsonObject f = filter(options);
    boolean ids = options.containsKey("--ids");
    boolean all = options.containsKey("--all");
    int chosen = (ids ? 1 : 0) + (all ? 1 : 0) + (f.isEmpty() ? 0 : 1);
    if (chosen != 1) {
      throw new Usage(chosen == 0 ? "select dead letters: --ids, a filter or --all" : "give one of --ids, a filter, --all");
    }
    if (all) {
      return new JsonObject().put("all", true);
    }
    if (ids) {
      List<String> list = Arrays.stream(options.get("--ids").split(",")).map(String::trim).filter(s -> !s.isEmpty())
          .toList();
      if (list.isEmpty()) {
        throw new Usage("--ids needs event ids, comma-separated");
      }
      return new JsonObject().put("ids", new JsonArray(new ArrayList<>(list)));
    }
    return new JsonObject().put("filter", f);
  }

  private static int integer(Map<String, String> options, String name) {
    try {
      return Integer.parseInt(options.get(name));
    } catch (NumberFormatException e) {
      throw new Usage(name + " must be an integer, got '" + options.get(name) + "'");
    }
  }

  private static String seg(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private record Answer(int status, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  private Answer call(String method, String path, JsonObject body, Duration timeout)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(admin.resolve(path)).header("accept", "application/json");
    if (token != null && !token.isBlank()) {
      b.header("authorization", "Bearer " + token.trim());
    }
    if (timeout != null) {
      b.timeout(timeout);
    }
    if (body != null) {
      b.header("content-type", "application/json");
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()));
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    return new Answer(r.statusCode(), r.body());
  }

  /** Prints the answer: its JSON, or the error's code and message; returns the exit code. */
  private int print(Answer a) {
    JsonObject json;
    try {
      json = a.json();
    } catch (DecodeException e) {
      err.println("sluice dlq: HTTP " + a.status() + ": " + a.body());
      return 1;
    }
    if (a.status() >= 300) {
      err.println("sluice dlq: " + json.getString("code", "HTTP " + a.status()) + ": " + json.getString("message", a.body()));
      return 1;
    }
    out.println(json.encodePrettily());
    return 0;
  }
}
