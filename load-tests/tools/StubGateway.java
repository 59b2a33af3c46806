import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for the gateway, to check the load generators (wrk scripts, Gatling simulations) without
 * Kafka: answers POST /v1/events with 202 in the gateway's shapes, checks that every eventId is a fresh
 * UUID and that every envelope has the required members, and reports on GET /stats.
 *
 *   java load-tests/tools/StubGateway.java [port]      # default 18080
 */
public final class StubGateway {
  private static final Pattern ID =
      Pattern.compile("\"eventId\":\"([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})\"");
  private static final String[] REQUIRED = {
    "\"eventType\":\"bench.measured\"", "\"eventVersion\":1", "\"occurredAt\":\"", "\"source\":\"",
    "\"aggregateId\":\"agg-", "\"data\":{"
  };
  private static final Set<String> SEEN = ConcurrentHashMap.newKeySet();
  private static final LongAdder REQUESTS = new LongAdder();
  private static final LongAdder EVENTS = new LongAdder();
  private static final LongAdder DUPLICATES = new LongAdder();
  private static final LongAdder INVALID = new LongAdder();
  private static final LongAdder BYTES = new LongAdder();

  public static void main(String[] args) throws IOException {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 18080;
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
    server.createContext("/v1/events", StubGateway::events);
    server.createContext("/stats", ex -> answer(ex, 200, String.format(
        "{\"requests\":%d,\"events\":%d,\"distinctIds\":%d,\"duplicates\":%d,\"invalid\":%d,\"bytes\":%d}",
        REQUESTS.sum(), EVENTS.sum(), SEEN.size(), DUPLICATES.sum(), INVALID.sum(), BYTES.sum())));
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
    System.out.println("stub gateway on 127.0.0.1:" + port);
  }

  private static void events(HttpExchange ex) throws IOException {
    byte[] in = ex.getRequestBody().readAllBytes();
    String body = new String(in, StandardCharsets.UTF_8);
    REQUESTS.increment();
    BYTES.add(in.length);
    boolean batch = body.startsWith("[") || ex.getRequestHeaders().getFirst("content-type").contains("ndjson");
    Matcher m = ID.matcher(body);
    int n = 0;
    StringBuilder results = new StringBuilder();
    String last = null;
    while (m.find()) {
      last = m.group(1);
      if (!SEEN.add(last)) {
        DUPLICATES.increment();
      }
      if (batch) {
        results.append(n == 0 ? "" : ",").append("{\"index\":").append(n).append(",\"eventId\":\"")
            .append(last).append("\",\"status\":\"accepted\",\"topic\":\"bench\",\"partition\":0,\"offset\":0}");
      }
      n++;
    }
    for (String r : REQUIRED) {
      int count = body.split(Pattern.quote(r), -1).length - 1;
      if (count != n) {
        INVALID.increment();
      }
    }
    EVENTS.add(n);
    if (n == 0) {
      answer(ex, 400, "{\"code\":\"SLC-1008\",\"message\":\"no event\"}");
    } else if (batch) {
      answer(ex, 202, "{\"accepted\":" + n + ",\"rejected\":0,\"failed\":0,\"results\":[" + results + "]}");
    } else {
      answer(ex, 202, "{\"eventId\":\"" + last + "\",\"status\":\"accepted\",\"topic\":\"bench\",\"partition\":0,\"offset\":0}");
    }
  }

  private static void answer(HttpExchange ex, int status, String json) throws IOException {
    byte[] out = json.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("content-type", "application/json");
    ex.sendResponseHeaders(status, out.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(out);
    }
  }
}
