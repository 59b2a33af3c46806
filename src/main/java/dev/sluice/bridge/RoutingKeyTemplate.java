package dev.sluice.bridge;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * A RabbitMQ routing key built from Kafka headers: literal text with {@code {header-name}}
 * placeholders, e.g. {@code events.{event-type}}. A missing header renders as the empty string.
 */
public final class RoutingKeyTemplate {

  private final List<String> literals = new ArrayList<>();
  private final List<String> names = new ArrayList<>();

  public RoutingKeyTemplate(String template) {
    int i = 0;
    while (true) {
      int open = template.indexOf('{', i);
      if (open < 0) {
        literals.add(template.substring(i));
        return;
      }
      int close = template.indexOf('}', open);
      if (close < 0) {
        throw new IllegalArgumentException("unclosed '{' in " + template);
      }
      literals.add(template.substring(i, open));
      names.add(template.substring(open + 1, close));
      i = close + 1;
    }
  }

  public String render(Headers headers) {
    StringBuilder out = new StringBuilder(literals.get(0));
    for (int n = 0; n < names.size(); n++) {
      Header h = headers.lastHeader(names.get(n));
      if (h != null && h.value() != null) {
        out.append(new String(h.value(), StandardCharsets.UTF_8));
      }
      out.append(literals.get(n + 1));
    }
    return out.toString();
  }
}
