package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.Failure;
import io.swagger.v3.core.util.Json31;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document read by a standard parser and validator (swagger-parser, OpenAPI 3.1): no
 * message, and every failure code an HTTP answer can carry is documented under its status.
 */
class OpenApiDocumentTest {

  private static SwaggerParseResult parsed;

  @BeforeAll
  static void parse() throws IOException {
    String text;
    try (InputStream in = OpenApiDocumentTest.class.getClassLoader().getResourceAsStream(OpenApiDocument.RESOURCE)) {
      assertThat(in).as(OpenApiDocument.RESOURCE + " on the classpath").isNotNull();
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    ParseOptions options = new ParseOptions();
    options.setResolve(true);
    options.setValidateInternalRefs(true);
    parsed = new OpenAPIV3Parser().readContents(text, null, options);
  }

  @Test
  void isAValidOpenApi31DocumentWithoutAnyMessage() {
    assertThat(parsed.getMessages()).as("parser and validator messages").isEmpty();
    OpenAPI api = parsed.getOpenAPI();
    assertThat(api).isNotNull();
    assertThat(api.getOpenapi()).isEqualTo("3.1.0");
    assertThat(api.getPaths()).containsKeys("/v1/events", "/v1/stream", "/health/live", "/health/ready", "/metrics",
        "/openapi.yaml", "/openapi.json", "/admin/dlq", "/admin/dlq/{sub}", "/admin/dlq/{sub}/{eventId}",
        "/admin/dlq/{sub}/replay", "/admin/dlq/{sub}/replays/{job}");
  }

  @Test
  void everyPathNamesItsPortAndEveryOperationHasNoDefaultResponse() {
    parsed.getOpenAPI().getPaths().forEach((path, item) -> {
      assertThat(item.getServers()).as(path + " servers").isNotEmpty();
      item.readOperations().forEach(op -> {
        assertThat(op.getOperationId()).as(path + " operationId").isNotBlank();
        assertThat(op.getResponses()).as(path + " " + op.getOperationId()).doesNotContainKey("default");
      });
    });
  }

  /**
   * Every code of the {@link Failure} catalogue that an HTTP answer can carry appears in a response of
   * its HTTP status ({@code SLC-1009} is the WebSocket's only; 404/405 of unlisted paths and what the
   * HTTP stack refuses on either port are components).
   */
  private static final java.util.Set<Failure> STACK_REFUSALS = java.util.EnumSet.of(Failure.NOT_FOUND,
      Failure.METHOD_NOT_ALLOWED, Failure.BAD_HTTP_REQUEST, Failure.URI_TOO_LONG, Failure.HEADERS_TOO_LARGE,
      Failure.HTTP_VERSION_NOT_SUPPORTED);

  @Test
  void everyHttpFailureCodeIsDocumentedUnderItsStatus() {
    List<String> missing = new ArrayList<>();
    for (Failure f : Failure.values()) {
      if (f == Failure.CREDIT_EXCEEDED) {
        continue;
      }
      boolean found = responsesOf(f.httpStatus()).stream().anyMatch(r -> Json31.pretty(r).contains(f.id()));
      if (!found && STACK_REFUSALS.contains(f)) {
        found = parsed.getOpenAPI().getComponents().getResponses().values().stream()
            .anyMatch(r -> Json31.pretty(r).contains(f.id()));
      }
      if (!found) {
        missing.add(f.id() + " (" + f + ", " + f.httpStatus() + ")");
      }
    }
    assertThat(missing).as("failure codes no response of their status names").isEmpty();
  }

  private static List<ApiResponse> responsesOf(int status) {
    List<ApiResponse> out = new ArrayList<>();
    parsed.getOpenAPI().getPaths().values().forEach(item -> {
      for (Operation op : item.readOperations()) {
        for (Map.Entry<String, ApiResponse> e : op.getResponses().entrySet()) {
          if (e.getKey().equals(Integer.toString(status))) {
            ApiResponse r = e.getValue();
            out.add(r.get$ref() == null ? r : parsed.getOpenAPI().getComponents().getResponses()
                .get(r.get$ref().substring(r.get$ref().lastIndexOf('/') + 1)));
          }
        }
      }
    });
    return out;
  }
}
