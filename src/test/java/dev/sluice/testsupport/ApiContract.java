package dev.sluice.testsupport;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.ResponseParameter;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.impl.RequestParameterImpl;
import io.vertx.openapi.validation.impl.ValidatableResponseImpl;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The OpenAPI document ({@code openapi/sluice.yaml}) as a standard validator (vertx-openapi) reads it, to
 * hold real answers against it: {@link #check} finds the operation of a request's path and method (on the
 * port the document names for the path) and validates status, headers, content type and body of the
 * answer; a status the operation does not document fails (the document has no {@code default}
 * responses).
 *
 * <p>What vertx-openapi does not read is handled here, and only that: request bodies are left out (only
 * answers are checked); a response media type it does not support ({@code text/plain; version=0.0.4},
 * {@code application/yaml}) is checked by name (the answer's content type must be the documented one,
 * its body not empty); the document's answers to paths and methods it does not list (its {@code
 * NotFound}, {@code MethodNotAllowed}, {@code AdminNotFound}, {@code AdminMethodNotAllowed} responses)
 * are checked through a synthetic operation per port that has exactly those responses.
 */
public final class ApiContract {

  public static final String RESOURCE = "openapi/sluice.yaml";
  private static final String UNLISTED_INGEST = "x-unlisted-ingest";
  private static final String UNLISTED_ADMIN = "x-unlisted-admin";

  private final Vertx vertx;
  private final JsonObject raw;
  private final OpenAPIContract contract;
  private final ResponseValidator validator;
  /** operationId + " " + status → the media types vertx-openapi cannot read, checked by name here. */
  private final Map<String, Set<String>> byName = new HashMap<>();
  private final int ingestPort;
  private final int adminPort;

  /**
   * @param ingestPort the port the document's {@code localhost:8080} stands for
   * @param adminPort the port its {@code localhost:9090} stands for
   */
  public ApiContract(Vertx vertx, int ingestPort, int adminPort) {
    this.vertx = vertx;
    this.ingestPort = ingestPort;
    this.adminPort = adminPort;
    this.raw = document();
    JsonObject copy = raw.copy();
    JsonObject paths = copy.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(path);
      for (String method : item.fieldNames()) {
        if (!(item.getValue(method) instanceof JsonObject op) || !op.containsKey("responses")) {
          continue;
        }
        op.remove("requestBody");
        JsonObject responses = op.getJsonObject("responses");
        for (String status : responses.fieldNames()) {
          JsonObject content = responses.getJsonObject(status).getJsonObject("content");
          if (content == null) {
            continue;
          }
          for (String type : Set.copyOf(content.fieldNames())) {
            if (!MediaType.isMediaTypeSupported(type)) {
              content.remove(type);
              byName.computeIfAbsent(op.getString("operationId") + " " + status, k -> new java.util.HashSet<>()).add(type);
            }
          }
        }
      }
    }
    paths.put("/x-unlisted/ingest", unlisted(UNLISTED_INGEST, "NotFound", "MethodNotAllowed"));
    paths.put("/x-unlisted/admin", unlisted(UNLISTED_ADMIN, "AdminNotFound", "AdminMethodNotAllowed"));
    this.contract = await(OpenAPIContract.from(vertx, copy));
    this.validator = ResponseValidator.create(vertx, contract);
  }

  /** The document as JSON, read from the classpath. */
  public static JsonObject document() {
    try (InputStream in = ApiContract.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is not on the classpath");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> map = new ObjectMapper(new YAMLFactory()).readValue(in, Map.class);
      return new JsonObject(map);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonObject unlisted(String operationId, String notFound, String notAllowed) {
    return new JsonObject().put("get", new JsonObject()
        .put("operationId", operationId)
        .put("responses", new JsonObject()
            .put("404", new JsonObject().put("$ref", "#/components/responses/" + notFound))
            .put("405", new JsonObject().put("$ref", "#/components/responses/" + notAllowed))));
  }

  /**
   * Validates an answer to {@code method uri} against the document; throws an {@link AssertionError}
   * naming what does not match.
   */
  public void check(String method, URI uri, Http.Reply reply) {
    String path = uri.getPath();
    boolean admin = uri.getPort() == adminPort;
    if (!admin && uri.getPort() != ingestPort) {
      throw new IllegalArgumentException("not a port of the gateway: " + uri);
    }
    Operation op = contract.findOperation(path, HttpMethod.valueOf(method));
    String operationId;
    if (op != null && servedOn(op, admin ? 9090 : 8080)) {
      operationId = op.getOperationId();
    } else {
      operationId = admin ? UNLISTED_ADMIN : UNLISTED_INGEST; // unlisted path or method: 404 or 405
    }
    String contentType = reply.header("content-type");
    Map<String, ResponseParameter> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    reply.headers().map().forEach((name, values) -> headers.put(name, new RequestParameterImpl(values.get(0))));
    Set<String> named = byName.get(operationId + " " + reply.status());
    boolean checkedByName = named != null && named.contains(contentType);
    ValidatableResponseImpl response = new ValidatableResponseImpl(reply.status(), headers,
        new RequestParameterImpl(checkedByName || reply.body().length == 0 ? null : Buffer.buffer(reply.body())),
        contentType);
    try {
      await(validator.validate(response, operationId));
    } catch (RuntimeException e) {
      throw new AssertionError(method + " " + uri + " (" + operationId + ") answered " + reply
          + " (content type " + contentType + "), which the document does not allow: " + describe(e), e);
    }
    if (checkedByName && reply.body().length == 0) {
      throw new AssertionError(method + " " + uri + " answered an empty " + contentType + " body");
    }
    if (named != null && !checkedByName && contract.operation(operationId).getResponse(reply.status()).getContent().isEmpty()) {
      throw new AssertionError(method + " " + uri + " answered content type " + contentType + "; the document says "
          + named);
    }
  }

  private boolean servedOn(Operation op, int documentedPort) {
    JsonObject item = raw.getJsonObject("paths").getJsonObject(op.getOpenAPIPath());
    return item.getJsonArray("servers").stream()
        .map(JsonObject.class::cast)
        .anyMatch(s -> s.getString("url").endsWith(":" + documentedPort));
  }

  private static String describe(Throwable e) {
    StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
    for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
      sb.append(" / ").append(c.getMessage());
    }
    if (e instanceof io.vertx.openapi.validation.SchemaValidationException s && s.getOutputUnit() != null) {
      sb.append(" / ").append(s.getOutputUnit().toJson().encode());
    }
    return sb.toString();
  }

  private static <T> T await(io.vertx.core.Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The vertx the validator runs on. */
  public Vertx vertx() {
    return vertx;
  }
}
