package dev.sluice.admin;

import dev.sluice.deadletter.DeadLetter;
import dev.sluice.store.DeadLetters;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The parameters of the dead-letter tools' requests: filters from a query or a JSON body, paging. */
final class DlqRequest {

  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;
  static final int MAX_IDS = 10_000;

  private static final Set<String> CLASSES = Set.of(DeadLetter.CLASS_STATUS, DeadLetter.CLASS_TIMEOUT,
      DeadLetter.CLASS_CONNECTION, DeadLetter.CLASS_HANDLER, DeadLetter.CLASS_UNENCODABLE, DeadLetter.CLASS_REFUSED);
  private static final Set<String> FILTER_KEYS = Set.of("eventType", "failureClass", "status", "from", "to");
  private static final Set<String> LIST_KEYS = Set.of("eventType", "failureClass", "status", "from", "to", "limit",
      "cursor");

  private DlqRequest() {}

  /** A parameter that is not valid: {@code parameter} names it (a query parameter or a body field). */
  static final class BadParameter extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String parameter;

    BadParameter(String parameter, String message) {
      super(parameter + ": " + message);
      this.parameter = parameter;
    }
  }

  /** What a replay or a purge takes: the ids, a filter, or everything. */
  record Selection(DeadLetters.Filter filter, boolean all) {}

  /** The filter of a list's query ({@code eventType, failureClass, status, from, to}); unknown names refused. */
  static DeadLetters.Filter queryFilter(MultiMap q) {
    for (String name : q.names()) {
      if (!LIST_KEYS.contains(name)) {
        throw new BadParameter(name, "unknown parameter (known: " + String.join(", ", LIST_KEYS.stream().sorted().toList())
            + ")");
      }
    }
    return filter(q::get, "");
  }

  /** The page size of a query: 1 to {@value #MAX_LIMIT}, {@value #DEFAULT_LIMIT} when absent. */
  static int limit(MultiMap q) {
    String s = q.get("limit");
    if (s == null) {
      return DEFAULT_LIMIT;
    }
    try {
      int n = Integer.parseInt(s);
      if (n >= 1 && n <= MAX_LIMIT) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new BadParameter("limit", "must be an integer from 1 to " + MAX_LIMIT + ", got '" + s + "'");
  }

  /**
   * The selection of a replay or a purge body: {@code {"ids": [...]}}, {@code {"filter": {...}}} (not
   * empty) or {@code {"all": true}}; {@code allParam}: the {@code ?all=true} of a purge.
   */
  static Selection selection(JsonObject body, boolean allParam) {
    boolean all = allParam || Boolean.TRUE.equals(value(body, "all", Boolean.class));
    JsonArray ids = value(body, "ids", JsonArray.class);
    JsonObject f = value(body, "filter", JsonObject.class);
    int chosen = (all ? 1 : 0) + (ids != null ? 1 : 0) + (f != null ? 1 : 0);
    if (chosen != 1) {
      throw new BadParameter("ids", chosen == 0
          ? "select the dead letters: {\"ids\": [...]}, {\"filter\": {...}} or all (\"all\": true)"
          : "give only one of ids, filter, all");
    }
    if (all) {
      return new Selection(DeadLetters.Filter.ALL, true);
    }
    if (ids != null) {
      if (ids.isEmpty() || ids.size() > MAX_IDS) {
        throw new BadParameter("ids", "must list 1 to " + MAX_IDS + " event ids");
      }
      List<String> list = new ArrayList<>();
      for (Object o : ids) {
        if (!(o instanceof String s) || s.isEmpty()) {
          throw new BadParameter("ids", "must be non-empty strings");
        }
        list.add(s);
      }
      return new Selection(DeadLetters.Filter.ids(list), false);
    }
    for (String name : f.fieldNames()) {
      if (!FILTER_KEYS.contains(name)) {
        throw new BadParameter("filter." + name, "unknown field (known: eventType, failureClass, status, from, to)");
      }
      if (f.getValue(name) != null && !(f.getValue(name) instanceof String) && !(f.getValue(name) instanceof Number)) {
        throw new BadParameter("filter." + name, "must be a string");
      }
    }
    DeadLetters.Filter filter = filter(name -> f.getValue(name) == null ? null : String.valueOf(f.getValue(name)),
        "filter.");
    if (filter.equals(DeadLetters.Filter.ALL)) {
      throw new BadParameter("filter", "is empty: name what to select, or use all");
    }
    return new Selection(filter, false);
  }

  private static <T> T value(JsonObject body, String name, Class<T> type) {
    Object v = body == null ? null : body.getValue(name);
    if (v == null) {
      return null;
    }
    if (!type.isInstance(v)) {
      throw new BadParameter(name, "must be " + (type == JsonArray.class ? "an array" : type == JsonObject.class
          ? "an object" : "a boolean"));
    }
    return type.cast(v);
  }

  private static DeadLetters.Filter filter(java.util.function.Function<String, String> get, String at) {
    String eventType = blankIsNull(get.apply("eventType"));
    if (eventType != null && (eventType.contains("..") || eventType.startsWith(".") || eventType.endsWith("."))) {
      throw new BadParameter(at + "eventType", "'" + eventType + "' is not an event type nor a dotted pattern"
          + " (e.g. order.created, order.* or order.#)");
    }
    String failureClass = blankIsNull(get.apply("failureClass"));
    if (failureClass != null && !CLASSES.contains(failureClass)) {
      throw new BadParameter(at + "failureClass", "must be one of " + CLASSES.stream().sorted().toList()
          + ", got '" + failureClass + "'");
    }
    Integer status = null;
    String s = blankIsNull(get.apply("status"));
    if (s != null) {
      try {
        status = Integer.valueOf(s);
      } catch (NumberFormatException e) {
        throw new BadParameter(at + "status", "must be an integer (an HTTP or gRPC status), got '" + s + "'");
      }
    }
    Instant from = time(get.apply("from"), at + "from");
    Instant to = time(get.apply("to"), at + "to");
    return new DeadLetters.Filter(eventType, failureClass, status, from, to, null);
  }

  private static Instant time(String s, String name) {
    s = blankIsNull(s);
    if (s == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeParseException e) {
      throw new BadParameter(name, "must be an ISO-8601 time with an offset (e.g. 2026-11-29T09:00:00Z), got '"
          + s + "'");
    }
  }

  private static String blankIsNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
