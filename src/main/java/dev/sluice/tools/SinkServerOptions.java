package dev.sluice.tools;

/**
 * How {@link SinkServer} answers, from its command line or built in a test ({@code
 * SinkServerOptions.defaults().port(0).failRate(0.1).record(true)}).
 *
 * @param host the address to listen on
 * @param port the port to listen on (0: any free one)
 * @param failRate the share of calls (0..1, at random) answered 500 (503 with {@code Retry-After} when
 *     {@code retryAfterSeconds} is set)
 * @param timeoutRate the share of calls (0..1, at random) never answered: the connection is held until
 *     the client gives up. The service is taken to have done the work (the answer was lost): such a call
 *     counts as processed
 * @param poisonField when the body's {@code data} has this member with the value {@code true}, the call
 *     is answered 400 with a JSON error (before any random failure); null: none is poison
 * @param retryAfterSeconds sent as {@code Retry-After} with the 503s of {@code failRate}; null: 500s
 * @param record keep each delivery (event id, key, headers, status) and count distinct event ids,
 *     duplicates and order violations; off, only the totals are counted (a benchmark's no-op sink)
 * @param sequenceField with {@code record}: the member of {@code data} holding the event's sequence
 *     number within its key; a delivery processed after one of a higher number of the same key is an
 *     order violation. Null: order is not checked (the deliveries list still shows it)
 * @param instances how many event loops serve (the benchmark's sink: one per core)
 */
public record SinkServerOptions(
    String host,
    int port,
    double failRate,
    double timeoutRate,
    String poisonField,
    Integer retryAfterSeconds,
    boolean record,
    String sequenceField,
    int instances) {

  static final int DEFAULT_PORT = 9292;

  static final String USAGE = """
      usage: java -cp sluice-<version>-app.jar dev.sluice.tools.SinkServer [options]
        --host ADDRESS        listen on ADDRESS (default 127.0.0.1)
        --port N              listen on port N (default 9292; 0: any free port); prints 'sink listening on <port>'
        --fail-rate R         answer this share of calls (0..1, at random) 500 (default 0)
        --timeout-rate R      never answer this share of calls (0..1): the client times out (default 0)
        --poison-field NAME   answer 400 when the body's data.NAME is true
        --retry-after S       answer failures 503 with Retry-After: S instead of 500
        --record              keep every delivery and count distinct ids, duplicates, order violations
        --sequence-field NAME with --record: data.NAME is the event's number within its key (order check)
        --instances N         event loops serving (default 1)
      Default: every call is answered 204 at once. GET /stats answers the counts as JSON.
      """;

  public SinkServerOptions {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("--host is required");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--port must be a TCP port (0-65535), got " + port);
    }
    if (!(failRate >= 0 && failRate <= 1) || !(timeoutRate >= 0 && timeoutRate <= 1) || failRate + timeoutRate > 1) {
      throw new IllegalArgumentException("--fail-rate and --timeout-rate must be within 0..1 and add up to at most 1,"
          + " got " + failRate + " and " + timeoutRate);
    }
    if (retryAfterSeconds != null && retryAfterSeconds < 0) {
      throw new IllegalArgumentException("--retry-after must be >= 0 seconds, got " + retryAfterSeconds);
    }
    if (instances < 1) {
      throw new IllegalArgumentException("--instances must be >= 1, got " + instances);
    }
  }

  /** Every call answered 204 at once on 127.0.0.1:9292, nothing recorded. */
  public static SinkServerOptions defaults() {
    return new SinkServerOptions("127.0.0.1", DEFAULT_PORT, 0, 0, null, null, false, null, 1);
  }

  public SinkServerOptions host(String v) {
    return new SinkServerOptions(v, port, failRate, timeoutRate, poisonField, retryAfterSeconds, record, sequenceField, instances);
  }

  public SinkServerOptions port(int v) {
    return new SinkServerOptions(host, v, failRate, timeoutRate, poisonField, retryAfterSeconds, record, sequenceField, instances);
  }

  public SinkServerOptions failRate(double v) {
    return new SinkServerOptions(host, port, v, timeoutRate, poisonField, retryAfterSeconds, record, sequenceField, instances);
  }

  public SinkServerOptions timeoutRate(double v) {
    return new SinkServerOptions(host, port, failRate, v, poisonField, retryAfterSeconds, record, sequenceField, instances);
  }

  public SinkServerOptions poisonField(String v) {
    return new SinkServerOptions(host, port, failRate, timeoutRate, v, retryAfterSeconds, record, sequenceField, instances);
  }

  public SinkServerOptions retryAfterSeconds(Integer v) {
    return new SinkServerOptions(host, port, failRate, timeoutRate, poisonField, v, record, sequenceField, instances);
  }

  public SinkServerOptions record(boolean v) {
    return new SinkServerOptions(host, port, failRate, timeoutRate, poisonField, retryAfterSeconds, v, sequenceField, instances);
  }

  public SinkServerOptions sequenceField(String v) {
    return new SinkServerOptions(host, port, failRate, timeoutRate, poisonField, retryAfterSeconds, record, v, instances);
  }

  public SinkServerOptions instances(int v) {
    return new SinkServerOptions(host, port, failRate, timeoutRate, poisonField, retryAfterSeconds, record, sequenceField, v);
  }

  /** Reads the command line; throws {@link IllegalArgumentException} saying what is wrong ("help" for --help). */
  public static SinkServerOptions parse(String... args) {
    SinkServerOptions o = defaults();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        throw new IllegalArgumentException("help");
      }
      if (arg.equals("--record")) {
        o = o.record(true);
        continue;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("unknown argument or missing value: " + arg);
      }
      String value = args[++i];
      o = switch (arg) {
        case "--host" -> o.host(value);
        case "--port" -> o.port(integer(arg, value));
        case "--fail-rate" -> o.failRate(rate(arg, value));
        case "--timeout-rate" -> o.timeoutRate(rate(arg, value));
        case "--poison-field" -> o.poisonField(value);
        case "--retry-after" -> o.retryAfterSeconds(integer(arg, value));
        case "--sequence-field" -> o.sequenceField(value);
        case "--instances" -> o.instances(integer(arg, value));
        default -> throw new IllegalArgumentException("unknown argument: " + arg);
      };
    }
    return o;
  }

  private static int integer(String arg, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(arg + " takes a whole number, got '" + value + "'", e);
    }
  }

  private static double rate(String arg, String value) {
    try {
      return Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(arg + " takes a number between 0 and 1, got '" + value + "'", e);
    }
  }
}
